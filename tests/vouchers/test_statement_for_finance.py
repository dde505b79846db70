"""The settlement statement for finance (QA walk of an officer settling with a provider): the PDF states the total
in financial capitals and who drew it up, approved it and recorded its payment with Beijing times; it numbers its
lines by redemption id (核销编号) as the page and the CSV do; a line whose dispute was rejected is on the statement
and marked 争议已驳回 on all three, under a rule worded truthfully; a paid statement is 已支付 on all three (拨付 is
a contract's tranches); the CSV carries the statement's facts as columns on every row."""

import csv
import io
from datetime import UTC, timedelta

import pytest
from pypdf import PdfReader

from accounts.enums import Role
from core.db import db, utcnow
from core.money import fen_in_capitals
from tests.factories import make_user
from vouchers import disputes, documents, issuance, redemption, settlement
from vouchers.enums import SettlementStatus
from vouchers.programmes import period_of

from .helpers import world
from .test_views import phone_resident

SECONDS = "%Y-%m-%d %H:%M"


def beijing(moment) -> str:
    return (moment.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=8)).strftime(SECONDS)


@pytest.fixture
def paid(app):
    """Three redemptions last month (¥30.00, ¥12.34, ¥0.05), the second disputed and the dispute rejected; the
    statement drawn up and approved by one officer, its payment recorded by another."""
    with app.test_request_context():
        w = world()
        user, person = phone_resident(w.staff, "张秀英")
        start = utcnow() - timedelta(days=40)
        issuance.issue_to_resident(w.programme, person, actor=w.officer, period=period_of(start), now=start)
        lines = []
        for i, amount in enumerate((3000, 1234, 5)):
            at = start + timedelta(minutes=i + 1)
            code, _row = redemption.issue_code(person, actor=user, now=at)
            lines.append(redemption.redeem(code, w.service, amount, f"f{i}", actor=w.manager, now=at).redemption)
        dispute = disputes.raise_dispute(lines[1], "服务时间不足", actor=user, now=lines[1].created_at)
        disputes.decide_dispute(dispute, False, "核实已上门服务", actor=w.officer)
        statement = settlement.prepare_settlement(w.programme, w.org, period_of(start), actor=w.officer)
        settlement.transition_settlement(statement, SettlementStatus.APPROVED, actor=w.officer)
        payer = make_user(Role.OFFICER, display_name="李建国")
        settlement.transition_settlement(statement, SettlementStatus.PAID, actor=payer, payment_reference="BOC-001")
        db.session.commit()
        return w, statement, lines, payer


def flat(text: str) -> str:
    return "".join(text.split())  # the PDF's lines wrap inside table cells: compared without any spaces


def test_the_pdf_states_capitals_people_times_ids_and_the_rejected_dispute(app, paid):
    w, statement, lines, payer = paid
    with app.test_request_context():
        document = documents.issue_statement(statement, actor=w.officer)
    text = flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages))
    assert statement.total_fen == 4239 and fen_in_capitals(4239) == "人民币肆拾贰元叁角玖分"
    assert "大写：人民币肆拾贰元叁角玖分" in text
    assert f"编制人{w.officer.display_name}，{flat(beijing(statement.created_at))}" in text
    assert f"审批人{w.officer.display_name}，{flat(beijing(statement.approved_at))}" in text
    assert f"支付登记人{payer.display_name}，{flat(beijing(statement.paid_at))}" in text and "BOC-001" in text
    assert "已支付" in text and "已拨付" not in text and "无争议" not in text
    assert "未被提出争议或争议已驳回" in text
    # Row number and redemption id side by side: 序号 1 is 核销编号 lines[0].id, and so on.
    assert "序号核销编号" in text
    for n, line in enumerate(lines, start=1):
        assert f"{n}{line.id}{flat(beijing(line.created_at))}" in text
    assert text.count("争议已驳回") == 2  # the rule and the one line
    assert f"{w.service.name}（争议已驳回）" in text


def test_the_page_marks_the_rejected_dispute_and_says_paid(paid, client, login_as):
    w, statement, lines, _payer = paid
    login_as(w.officer)
    page = client.get(f"/vouchers/settlements/{statement.id}").get_data(as_text=True)
    assert '<dd class="col-sm-9" id="settlement-status">已支付</dd>' in page and "已拨付" not in page
    assert page.count("争议已驳回") == 2 and page.count('class="badge text-bg-secondary dispute-rejected"') == 1
    row = page.split(f'<td data-label="核销编号">{lines[1].id}</td>', 1)[1].split("</tr>", 1)[0]
    assert "争议已驳回" in row
    english = client.get(f"/vouchers/settlements/{statement.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "Dispute rejected" in english and "whose dispute was rejected" in english


def test_the_csv_carries_the_statement_on_every_row_and_the_mark(paid, client, login_as):
    w, statement, lines, _payer = paid
    login_as(w.officer)
    raw = client.get(f"/vouchers/settlements/{statement.id}/lines.csv", buffered=True).get_data()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8").removeprefix("\ufeff"), newline="")))
    assert rows[0] == ["时间", "核销编号", "服务", "居民", "金额（元）", "争议", "服务机构", "统一社会信用代码",
                       "月份", "结算次序", "状态", "结算金额（元）", "付款凭证号"]
    facts = [w.org.name, w.org.uscc or "", statement.period, "1", "已支付", "42.39", "BOC-001"]
    assert [r[1] for r in rows[1:-1]] == [str(line.id) for line in lines]
    assert [r[5] for r in rows[1:-1]] == ["", "争议已驳回", ""]
    assert all(r[6:] == facts for r in rows[1:]) and len({len(r) for r in rows}) == 1
    assert rows[-1][:5] == ["合计", "", "", "", "42.39"]
