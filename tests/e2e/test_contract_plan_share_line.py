"""The contract drawing-up form (QA walk): the sentence above the tranches names the amount they share as the
amount field is typed, as each tranche's preview does; it kept the amount the page came with, so a lower amount
typed showed tranches of ¥30,000.00 as 'a share of ¥120,000.00'. An amount that cannot be read names none."""

from playwright.sync_api import expect

from core.db import db
from tests.e2e.test_phone_journey import PHONE_SIZE, log_in
from tests.factories import PASSWORD
from tests.projects.contract_helpers import awarded_decision


def test_the_share_line_follows_the_amount_typed(live_server, live_app, browser):
    with live_app.app_context(), live_app.test_request_context():
        officer, decision, _manager = awarded_decision(live_app, serial=7_742_001)
        db.session.commit()
        username, decision_id = officer.username, decision.id
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, username, PASSWORD)
    page.goto(f"{live_server}/lang/zh_Hans_CN?next=/")
    page.goto(f"{live_server}/contracts/new/{decision_id}")
    line = page.locator("#tranche-base")
    expect(line).to_contain_text("每批按比例从 ¥120,000.00 中拨付")
    page.locator("#tranche-0-percent").fill("30")
    expect(page.locator("#tranche-0 .tranche-amount")).to_have_text("约 ¥36,000.00")
    page.get_by_label("合同金额").fill("100,000")
    expect(page.locator("#tranche-0 .tranche-amount")).to_have_text("约 ¥30,000.00")
    expect(line).to_contain_text("每批按比例从 ¥100,000.00 中拨付")  # the same amount as the tranches'
    page.get_by_label("合同金额").fill("十万")
    expect(page.locator("#tranche-0 .tranche-amount")).to_have_text("")
    expect(line).to_contain_text("每批按比例从合同金额中拨付")
    expect(line).not_to_contain_text("¥")
    page.get_by_label("合同金额").fill("")  # empty: the amount the page came with, as the server takes it
    expect(line).to_contain_text("每批按比例从 ¥120,000.00 中拨付")
    page.context.close()
