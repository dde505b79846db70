"""A manager withdraws an expense recorded twice: the button asks first (saying no changes nothing), then the expense
stays listed, struck through with its reason; another expense with a wrong amount is corrected from its "Correct"
link (the form filled with its values), and both stay listed."""

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from core.timeutil import local_today
from projects import contract_money
from projects.contract_models import Contract, ContractLine, Expense
from tests.e2e.test_org_registration import log_in


def test_withdraw_asks_first_and_correct_fills_the_form(live_server, live_app, browser):
    with live_app.test_request_context():
        contract = db.session.scalar(select(Contract).where(Contract.status == "active").order_by(Contract.id.desc()))
        manager = next(m.user for m in contract.org.memberships if m.role == "manager")
        line = contract.lines[0]
        twice = contract_money.record_expense(contract, line, local_today(), "重复的供应商", 300, None, actor=manager)
        wrong = contract_money.record_expense(contract, line, local_today(), "打错金额", 1_000, None, actor=manager)
        db.session.commit()
        contract_id, line_id, twice_id, wrong_id = contract.id, line.id, twice.id, wrong.id
        username, spent_before = manager.username, line.spent_fen
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server, username)
    page.goto(f"{live_server}/contracts/{contract_id}")
    page.get_by_text("最近支出", exact=True).click()  # (the list is folded)
    item = page.locator(f"#expense-{twice_id}")
    item.locator("input[name=reason]").fill("同一张发票登记了两次")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    item.get_by_role("button", name="撤回").click()
    expect(item.locator("input[name=reason]")).to_have_value("同一张发票登记了两次")
    assert len(asked) == 1 and f"#{twice_id}" in asked[0] and "¥3.00" in asked[0]
    with live_app.app_context():
        assert db.session.get(Expense, twice_id).withdrawn_at is None

    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="撤回").click()
    expect(page.locator(".alert-success")).to_contain_text("支出已撤回")
    page.get_by_text("最近支出", exact=True).click()
    expect(page.locator(f"#expense-{twice_id} del")).to_contain_text("重复的供应商")
    expect(page.locator(f"#expense-{twice_id}")).to_contain_text("同一张发票登记了两次")

    page.locator(f"#correct-{wrong_id}").click()
    form = page.locator("#expense-form")
    expect(form.locator("h3")).to_have_text(f"更正 #{wrong_id} 号支出")
    expect(form.locator("input[name=payee]")).to_have_value("打错金额")
    expect(form.locator("input[name=amount]")).to_have_value("10.00")
    form.locator("input[name=amount]").fill("100")
    page.once("dialog", lambda dialog: dialog.accept())
    form.get_by_role("button", name="保存更正").click()
    expect(page.locator(".alert-success")).to_contain_text("支出已更正")
    page.get_by_text("最近支出", exact=True).click()
    expect(page.locator(f"#expense-{wrong_id} del")).to_be_visible()
    with live_app.app_context():
        new = db.session.scalar(select(Expense).where(Expense.replaced_by_id.is_(None), Expense.id > wrong_id,
                                                      Expense.contract_id == contract_id))
        assert new.amount_fen == 10_000 and db.session.get(Expense, wrong_id).replaced_by_id == new.id
        assert db.session.get(ContractLine, line_id).spent_fen == spent_before - 1_300 + 10_000
    expect(page.locator(f"#expense-{wrong_id}")).to_contain_text(f"由 #{new.id} 号支出更正")
    page.context.close()
