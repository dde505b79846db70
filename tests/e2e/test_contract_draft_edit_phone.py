"""A colleague corrects a draft contract on a phone (375x740) after the first officer confirmed it: the contract page
names the sides as the contract does (购买方（甲方）, 承接方（乙方）) and links to the drawing-up form, filled; saving
asks first, since it withdraws the confirmation given (saying no changes nothing), and the contract page then shows
the purchaser's confirmation withdrawn and says the terms changed."""

from datetime import timedelta

from playwright.sync_api import expect

from accounts.enums import Role
from core.db import db
from core.timeutil import local_today
from projects import contracts
from projects.contract_models import Contract
from tests.e2e.test_phone_journey import PHONE_SIZE, fits_the_phone, log_in
from tests.factories import PASSWORD, make_user
from tests.projects.contract_helpers import awarded_decision, plan


def seed(app) -> dict:
    with app.app_context(), app.test_request_context():
        officer, decision, _manager = awarded_decision(app, serial=7_714_001)  # this test's own credit codes
        contract = contracts.draft_contract(decision, local_today(), local_today() + timedelta(days=365), plan(),
                                            [40, 30, 30], "甲方按季度抽查。", actor=officer)
        contracts.confirm(contract, actor=officer, terms=contracts.terms_digest(contract))
        colleague = make_user(Role.OFFICER)
        db.session.commit()
        return {"colleague": colleague.username, "contract": contract.id}


def test_a_colleague_corrects_a_confirmed_draft_on_a_phone(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, scene["colleague"], PASSWORD)
    page.goto(f"{live_server}/contracts/{scene['contract']}")
    expect(page.locator("#officer-confirmed")).to_have_text("购买方（甲方）：✔ 已确认")
    expect(page.locator("#org-confirmed")).to_have_text("承接方（乙方）：未确认")
    fits_the_phone(page)
    page.locator("#edit-draft").click()
    expect(page.locator("h1")).to_have_text("修改合同草案")
    expect(page.locator("#tranche-2-percent")).to_have_value("30")
    expect(page.locator("#tranche-2-milestone")).to_have_value("final")
    fits_the_phone(page)
    page.get_by_label("合同条款").fill("甲方按月抽查。")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("#save-draft").click()
    page.wait_for_timeout(300)
    assert asked == ["确定保存这些条款吗？已作出的确认将被撤回，双方须重新确认合同。"]
    expect(page.locator("h1")).to_have_text("修改合同草案")  # nothing was sent
    with live_app.app_context():
        assert db.session.get(Contract, scene["contract"]).clauses == "甲方按季度抽查。"
    page.remove_listener("dialog", dismiss)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#save-draft").click()
    expect(page.locator("#officer-confirmed")).to_have_text("购买方（甲方）：未确认")
    expect(page.locator("#terms-changed")).to_contain_text("购买方（甲方）的确认已撤回")
    expect(page.locator("#clauses")).to_contain_text("甲方按月抽查。")
    fits_the_phone(page)
    with live_app.app_context():
        contract = db.session.get(Contract, scene["contract"])
        assert contract.clauses == "甲方按月抽查。" and contract.officer_confirmed_at is None
