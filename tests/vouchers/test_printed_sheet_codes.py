"""A printed sheet carries several one-time codes (a resident without a phone with 4 × 50 元 vouchers a month went back
to the community office after every service for a sheet with one code): by default one for each voucher they can use
in the codes' week, within the monthly limit, at most 8 (printed_codes.MAX_CODES_ON_SHEET); staff may print fewer.
Each code is numbered on the sheet (券码 1/4) with its own QR code and works once; the sheet says so in Chinese, and
what to do when the codes run out or the sheet is lost. Printing a new sheet cancels every code of the earlier one;
cancelling a lost sheet cancels all its codes, each an audit event. Refused, nothing is made (all codes or none)."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from accounts.enums import Role
from audit.documents import IssuedDocument, document_content
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from tests.core.test_pdf import pdf_fonts
from tests.factories import make_user
from tests.orgs.helpers import community
from vouchers import documents, printed_codes, programmes, redemption
from vouchers.enums import ProgrammeStatus
from vouchers.redemption_models import RedemptionCode

from .helpers import events, world
from .test_api import bearer
from .test_codes_and_limits import EN, ZH, as_user, committed, data, live_printed, redeem_form, state
from .test_pdfs import text_of
from .test_resident_cancels_printed_code import API, resident_world

MADE = (RedemptionCode.id, IssuedDocument.id, AuditEvent.seq)


def made() -> tuple:
    """Codes, documents and audit events so far: a refused print changes none of them."""
    return tuple(db.session.scalar(select(func.count(column))) for column in MADE)


def sheet(app, resident, actor, **kwargs) -> tuple[IssuedDocument, list[str]]:
    return committed(app, lambda: documents.issue_printed_vouchers(resident, actor=actor, **kwargs))


def flat(pdf: bytes) -> str:
    return re.sub(r"\s+", "", text_of(pdf))


def printed_pdf(client, response) -> bytes:
    assert response.status_code == 302 and "/documents/" in response.headers["Location"]
    return client.get(response.headers["Location"]).data


# --- the sheet ---------------------------------------------------------------------------------------------------

def test_staff_print_a_sheet_with_one_numbered_code_a_voucher_each_with_its_qr(app, session, client, login_as):
    w = committed(app, world)  # 4 × 50 元 this month
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{w.resident.id}", headers=ZH).get_data(as_text=True)
    assert 'name="count"' in page and "自动（4 个）" in page and "每个核销码可支付一次服务" in page
    pdf = printed_pdf(client, client.post(f"/vouchers/residents/{w.resident.id}/print", data={"count": ""}))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert any("WenQuanYi" in name or "CJK" in name for name in pdf_fonts(pdf))
    text = flat(pdf)
    for n in range(1, 5):
        assert f"券码{n}/4" in text
    assert "券码5/" not in text and text.count("核销二维码") == 4
    assert "共4个" in text and "每个核销码只能使用一次" in text and "此码使用一次后即失效" in text
    assert "任一核销码可支付一次服务，金额不超过服务券余额" in text
    assert "核销码用完或过期后，请到所在社区（和平社区）办公室领取新的打印单" in text
    assert "打印单遗失的" in text and "本单上未用的核销码将全部作废" in text
    assert "验证码：" in text  # one official document, verifiable
    rows = db.session.scalars(select(RedemptionCode).where(RedemptionCode.resident_id == w.resident.id)
                              .order_by(RedemptionCode.id)).all()
    assert len(rows) == 4 and all(r.printed and r.expires_at - r.created_at == redemption.PRINTED_CODE_TTL
                                  for r in rows)
    assert len({r.code_hash for r in rows}) == 4
    issued = events("voucher.code_issued")
    assert [data(e)["code_id"] for e in issued] == [r.id for r in rows] and all(data(e)["printed"] for e in issued)
    assert db.session.scalar(select(func.count(IssuedDocument.id)).where(
        IssuedDocument.doc_type == documents.PRINTED)) == 1


def test_each_code_of_the_sheet_pays_once_and_the_second_use_is_refused(app, session, client, login_as):
    w = committed(app, world)
    document, codes = sheet(app, w.resident, w.staff)
    assert len(codes) == 4 and len(set(codes)) == 4
    text = flat(document_content(document))
    assert all(code in text for code in codes)
    assert [text.index(code) for code in codes] == sorted(text.index(code) for code in codes)  # in their order
    login_as(w.manager)
    assert redeem_form(client, w, codes[0], "50", key="k-1").status_code == 302
    before = state(w.resident.id)
    again = redeem_form(client, w, codes[0], "20", key="k-2")
    assert again.status_code == 409 and "打印单上的每个核销码只能使用一次" in again.get_data(as_text=True)
    assert state(w.resident.id) == before
    api = client.post("/api/v1/vouchers/redemptions", headers=bearer(w.manager) | EN,
                      json={"code": codes[0], "service_id": w.service.id, "amount_fen": 2000,
                            "idempotency_key": "a-1"})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "code_used"
    for n, code in enumerate(codes[1:], 2):  # each of the others pays once, in any order
        assert redeem_form(client, w, code, "50", key=f"k-{n + 1}").status_code == 302
    assert state(w.resident.id)[0] == 0 and live_printed(w.resident.id) == []


def test_eight_codes_and_their_vouchers_fit_one_a4_page(app, session):
    w = committed(app, lambda: world(vouchers_per_period=10))  # 10 vouchers: at most 8 codes
    document, codes = sheet(app, w.resident, w.staff)
    assert len(codes) == printed_codes.MAX_CODES_ON_SHEET == 8
    reader = PdfReader(io.BytesIO(document_content(document)))
    assert len(reader.pages) == 1 and reader.pages[0].mediabox.height == pytest.approx(841.89, abs=1)
    text = flat(document_content(document))
    assert all(f"券码{n}/8" in text and codes[n - 1] in text for n in range(1, 9)) and "验证码：" in text


def test_staff_may_print_fewer_codes_and_bad_counts_are_refused(app, session, client, login_as):
    w = committed(app, world)
    before = made()
    for count in (0, 9, True, "2"):  # the service checks too (a client other than the form)
        with app.test_request_context(), pytest.raises(ServiceError) as bad:
            documents.issue_printed_vouchers(w.resident, actor=w.staff, count=count)
        assert bad.value.fields == {"count": "每张打印单可打印 1 至 8 个核销码。"}
        db.session.rollback()
    assert made() == before
    login_as(w.staff)
    before = made()
    for count in ("0", "9", "abc", "-1"):
        refused = client.post(f"/vouchers/residents/{w.resident.id}/print", data={"count": count}, headers=EN)
        assert refused.status_code == 422, count
        assert "Choose how many codes to print, from 1 to 8." in refused.get_data(as_text=True)
        assert made() == before
    pdf = printed_pdf(client, client.post(f"/vouchers/residents/{w.resident.id}/print", data={"count": "2"}))
    assert "券码2/2" in flat(pdf) and "券码3/" not in flat(pdf) and len(live_printed(w.resident.id)) == 2


# --- the default count ---------------------------------------------------------------------------------------------

def test_the_default_count_follows_the_balance_and_the_monthly_limit(app, session):
    w = committed(app, world)
    suggested = lambda resident, programme: printed_codes.suggested_counts(resident, [programme.id])[programme.id]  # noqa: E731
    assert suggested(w.resident, w.programme) == 4
    code = committed(app, lambda: redemption.issue_code(w.resident, actor=w.staff)[0])
    committed(app, lambda: redemption.redeem(code, w.service, 5000, "k-1", actor=w.manager))
    assert suggested(w.resident, w.programme) == 3  # one voucher spent

    capped = committed(app, lambda: world(resident_cap_fen=12_000))  # 120 元 a month: 3 of the 4 vouchers
    assert suggested(capped.resident, capped.programme) == 3
    code = committed(app, lambda: redemption.issue_code(capped.resident, actor=capped.staff)[0])
    committed(app, lambda: redemption.redeem(code, capped.service, 10_000, "k-2", actor=capped.manager))
    assert suggested(capped.resident, capped.programme) == 1  # 20 元 of the limit left: one more service
    _document, codes = sheet(app, capped.resident, capped.staff)
    assert len(codes) == 1

    many = committed(app, lambda: world(vouchers_per_period=12))
    assert suggested(many.resident, many.programme) == 8


# --- a new sheet, a lost sheet -------------------------------------------------------------------------------------

def test_a_new_sheet_cancels_every_live_code_of_the_earlier_one_each_audited(app, session, client, login_as):
    w = committed(app, world)
    _first, old_codes = sheet(app, w.resident, w.staff)
    old_ids = live_printed(w.resident.id)
    login_as(w.manager)
    assert redeem_form(client, w, old_codes[0], "50", key="k-1").status_code == 302  # one used: stays used
    _second, new_codes = sheet(app, w.resident, w.staff, count=2)
    new_ids = live_printed(w.resident.id)
    assert len(new_ids) == 2 and set(new_ids).isdisjoint(old_ids)
    cancelled = events("voucher.code_cancelled")
    assert [(data(e)["code_id"], data(e)["reason"], data(e)["replaced_by"], e.actor_id) for e in cancelled] == [
        (code_id, "reprinted", new_ids, w.staff.id) for code_id in old_ids[1:]]
    before = state(w.resident.id)
    for n, code in enumerate(old_codes[1:]):
        refused = redeem_form(client, w, code, "10", key=f"old-{n}", headers=EN)
        assert refused.status_code == 409 and "This code was cancelled" in refused.get_data(as_text=True)
    assert state(w.resident.id) == before
    assert redeem_form(client, w, new_codes[1], "50", key="k-2").status_code == 302


def test_staff_cancel_a_lost_sheet_all_its_codes_at_once(app, session, client, login_as):
    w = committed(app, world)
    _document, codes = sheet(app, w.resident, w.staff)
    ids = live_printed(w.resident.id)
    login_as(w.staff)
    page = client.get(f"/vouchers/residents/{w.resident.id}", headers=ZH).get_data(as_text=True)
    assert page.count('id="cancel-code-form-') == 1  # one sheet, one button
    form = re.search(rf'<form[^>]*id="cancel-code-form-{ids[0]}".*?</form>', page, re.S).group(0)
    assert "确定作废这张打印单上未使用的 4 个核销码吗" in form and "还有 4 个核销码未使用" in page
    done = client.post(f"/vouchers/residents/{w.resident.id}/codes/{ids[2]}/cancel", headers=ZH,
                       follow_redirects=True)
    assert "打印的核销码已作废（整张打印单，共 4 个）" in done.get_data(as_text=True)
    assert live_printed(w.resident.id) == []
    cancelled = events("voucher.code_cancelled")
    assert sorted(data(e)["code_id"] for e in cancelled) == ids and data(cancelled[0])["code_id"] == ids[2]
    assert {(data(e)["reason"], e.actor_id) for e in cancelled} == {("cancelled_by_staff", w.staff.id)}
    as_user(client, login_as, w.manager)
    before = state(w.resident.id)
    for n, code in enumerate(codes):
        assert redeem_form(client, w, code, "10", key=f"lost-{n}").status_code == 409
    assert state(w.resident.id) == before


def test_a_resident_cancels_their_lost_sheet_in_the_app_and_the_list_had_each_code(app, session, client):
    w, user, profile = resident_world(app)
    _document, codes = sheet(app, profile, w.staff, count=3)
    ids = live_printed(profile.id)
    headers = bearer(user) | EN
    listed = client.get(API, headers=headers).get_json()["items"]
    assert sorted(item["id"] for item in listed) == ids  # one item a code, as before
    done = client.post(f"{API}/{ids[1]}/cancel", headers=headers)
    assert done.status_code == 200
    body = done.get_json()
    assert (body["id"], body["cancelled_count"], sorted(body["cancelled_ids"])) == (ids[1], 3, ids)
    assert body["cancelled_ids"][0] == ids[1] and body["cancelled_at"]
    assert client.get(API, headers=headers).get_json()["items"] == [] and live_printed(profile.id) == []
    assert [data(e)["reason"] for e in events("voucher.code_cancelled")] == ["cancelled_by_resident"] * 3
    again = client.post(f"{API}/{ids[0]}/cancel", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "code_not_live"
    assert len(events("voucher.code_cancelled")) == 3


def test_the_residents_own_page_cancels_the_whole_sheet(app, session, client, login_as):
    w, user, profile = resident_world(app)
    sheet(app, profile, user)  # printed by the resident: as many codes as vouchers
    ids = live_printed(profile.id)
    assert len(ids) == 4
    login_as(user)
    page = client.get("/vouchers/me", headers=ZH).get_data(as_text=True)
    assert "如您遗失了打印单，请将其核销码全部作废" in page and page.count('id="cancel-code-form-') == 1
    done = client.post(f"/vouchers/me/codes/{ids[0]}/cancel", headers=ZH, follow_redirects=True)
    assert "您打印的核销码已作废（整张打印单，共 4 个）" in done.get_data(as_text=True)
    assert live_printed(profile.id) == [] and len(events("voucher.code_cancelled")) == 4


# --- refusals -------------------------------------------------------------------------------------------------------

def test_refused_sheets_make_nothing(app, session, client, login_as):
    w = committed(app, world)
    login_as(w.staff)
    other = committed(app, lambda: world(resident_cap_fen=5000))  # 50 元 a month, used up below
    code = committed(app, lambda: redemption.issue_code(other.resident, actor=other.staff)[0])
    committed(app, lambda: redemption.redeem(code, other.service, 5000, "k-1", actor=other.manager))
    before = made()
    with app.test_request_context(), pytest.raises(ServiceError) as used_up:
        documents.issue_printed_vouchers(other.resident, actor=other.staff)
    assert used_up.value.code == "resident_cap_used_up"
    db.session.rollback()
    assert made() == before

    committed(app, lambda: programmes.transition_programme(w.programme, ProgrammeStatus.CLOSED, actor=w.officer,
                                                                  reason="项目结束"))
    before = made()
    refused = client.post(f"/vouchers/residents/{w.resident.id}/print", headers=EN, data={"count": "3"})
    assert refused.status_code == 302 and "/documents/" not in refused.headers["Location"]
    assert made() == before and live_printed(w.resident.id) == []


def test_a_refusal_midway_takes_back_the_codes_already_made(app, session, client, login_as, monkeypatch):
    """All or none: the third code refused (its balance spent meanwhile, say), the first two are not left live."""
    w = committed(app, world)
    real, calls = redemption.issue_code, []

    def third_refused(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            from core.errors import Conflict
            raise Conflict("There is no balance to spend in this programme.", code="no_balance")
        return real(*args, **kwargs)

    monkeypatch.setattr(redemption, "issue_code", third_refused)
    login_as(w.staff)
    before = made()
    refused = client.post(f"/vouchers/residents/{w.resident.id}/print", data={"count": "4"})
    assert refused.status_code == 302 and "/documents/" not in refused.headers["Location"] and len(calls) == 3
    assert made() == before and live_printed(w.resident.id) == []


def test_staff_of_another_community_and_others_cannot_print(app, session, client, login_as):
    w = committed(app, world)

    def elsewhere():
        staff = make_user(Role.COMMUNITY_STAFF)
        staff.communities = [community("光明社区")]
        return staff

    other_staff = committed(app, elsewhere)
    before = made()
    for user, status in ((other_staff, 404), (w.manager, 403), (w.officer, 403)):
        as_user(client, login_as, user)
        assert client.post(f"/vouchers/residents/{w.resident.id}/print").status_code == status
    assert made()[:2] == before[:2]  # (logging in is audited; no code, no document)
    assert live_printed(w.resident.id) == []
