"""A treasurer on a phone records an expense with its receipt, mistypes the amount: the page comes back with the
reason beside the amount and, beside the (empty) file input, that the receipt is kept; the amount corrected and
sent without choosing the receipt again, the expense is recorded with it, the same bytes."""

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from core.uploads import StoredFile
from projects.contract_demo import CALL_TITLE
from projects.contract_models import Contract, Expense
from projects.models import Call
from tests.e2e.test_org_registration import log_in

RECEIPT = b"%PDF-1.4\n%receipt\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b" " * 30_000


def test_a_refused_expense_keeps_its_receipt_on_a_phone(live_server, live_app, page, tmp_path):
    with live_app.app_context():
        call_id = db.session.scalar(select(Call.id).where(Call.title == CALL_TITLE))
        contract = db.session.scalar(select(Contract).where(Contract.call_id == call_id, Contract.status == "active")
                                     .order_by(Contract.id))
        contract_id = contract.id
        manager = next(m.user.username for m in contract.org.memberships if m.role == "manager")
        before = db.session.scalar(select(Expense.id).order_by(Expense.id.desc()).limit(1)) or 0
    receipt = tmp_path / "超市小票.pdf"
    receipt.write_bytes(RECEIPT)
    log_in(page, live_server, manager)
    page.goto(f"{live_server}/contracts/{contract_id}")
    form = page.locator("#expense-form")
    form.locator("input[name=payee]").fill("和平超市")
    form.locator("input[name=amount]").fill("一百二")
    form.locator("#expense-receipt").set_input_files(str(receipt))
    form.locator("button[type=submit]").click()
    expect(page.locator("#expense-amount-error")).to_be_visible()
    note = page.locator("#expense-receipt-kept")
    expect(note).to_be_visible()
    expect(note).to_contain_text("已保留 超市小票.pdf（30 KB）")
    assert page.locator("#expense-receipt").get_attribute("aria-describedby") == "expense-receipt-kept"
    page.wait_for_load_state()  # (its stylesheet applied: measured before, a flaky failure)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    form = page.locator("#expense-form")
    assert form.locator("input[name=payee]").input_value() == "和平超市"
    form.locator("input[name=amount]").fill("120")
    form.locator("button[type=submit]").click()
    expect(page.locator("#expense-form input[name=amount]")).to_have_value("")  # recorded: the form is empty
    with live_app.app_context():
        expense = db.session.scalar(select(Expense).where(Expense.id > before, Expense.contract_id == contract_id))
        assert expense is not None and expense.amount_fen == 12_000
        assert db.session.get(StoredFile, expense.receipt_id).content == RECEIPT


def test_a_kept_receipt_removed_on_a_phone_the_expense_is_recorded_without_it(live_server, live_app, page, tmp_path):
    """The treasurer changes her mind: she ticks "remove this file" (its label a finger's target, no serious
    accessibility problem, the kept note struck through) and the expense is recorded without a receipt."""
    from tests.e2e.test_accessibility import SMALL_TARGETS, serious_violations

    with live_app.app_context():
        call_id = db.session.scalar(select(Call.id).where(Call.title == CALL_TITLE))
        contract = db.session.scalar(select(Contract).where(Contract.call_id == call_id, Contract.status == "active")
                                     .order_by(Contract.id))
        contract_id = contract.id
        manager = next(m.user.username for m in contract.org.memberships if m.role == "manager")
        before = db.session.scalar(select(Expense.id).order_by(Expense.id.desc()).limit(1)) or 0
    receipt = tmp_path / "错拍的小票.pdf"
    receipt.write_bytes(RECEIPT)
    log_in(page, live_server, manager)
    page.goto(f"{live_server}/contracts/{contract_id}")
    form = page.locator("#expense-form")
    form.locator("input[name=payee]").fill("人民超市")
    form.locator("input[name=amount]").fill("八十")
    form.locator("#expense-receipt").set_input_files(str(receipt))
    form.locator("button[type=submit]").click()
    expect(page.locator("#expense-amount-error")).to_be_visible()
    page.wait_for_load_state()
    remove = page.get_by_label("移除此文件")
    expect(remove).not_to_be_checked()
    assert page.evaluate(SMALL_TARGETS) == []
    assert serious_violations(page) == []
    remove.check()
    assert "line-through" in page.locator("#expense-receipt-kept").evaluate(
        "e => getComputedStyle(e).textDecorationLine")
    form = page.locator("#expense-form")
    form.locator("input[name=amount]").fill("80")
    form.locator("button[type=submit]").click()
    expect(page.locator("#expense-form input[name=amount]")).to_have_value("")  # recorded: the form is empty
    with live_app.app_context():
        expense = db.session.scalar(select(Expense).where(Expense.id > before, Expense.contract_id == contract_id))
        assert expense is not None and expense.amount_fen == 8_000 and expense.receipt_id is None
