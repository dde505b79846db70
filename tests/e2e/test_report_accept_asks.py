"""Accepting a progress report cannot be undone (it can make a tranche payable): the officer's button asks first, and
when a fee in the report is denied by its recipient the question says so, naming it; saying no accepts nothing."""

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db
from projects.contract_models import Milestone, MilestoneReport
from projects.contract_report_models import FeePayment
from tests.e2e.test_org_registration import log_in


def test_accepting_a_report_with_a_denied_fee_asks_naming_it(live_server, live_app, browser):
    with live_app.app_context():  # the demo's report with a fee its recipient denies, waiting for review
        report = db.session.scalar(select(MilestoneReport).join(FeePayment).where(
            FeePayment.status == "denied", MilestoneReport.status == "submitted"))
        report_id, contract_id = report.id, db.session.get(Milestone, report.milestone_id).contract_id
        denied = next(f for f in report.fees if f.status == "denied").recipient_name
    page = browser.new_context(locale="zh-CN").new_page()
    log_in(page, live_server, "officer")
    page.goto(f"{live_server}/contracts/{contract_id}")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator(f"#accept-{report_id}").click()
    expect(page.locator(f"#accept-{report_id}")).to_be_visible()
    page.wait_for_timeout(300)
    assert len(asked) == 1 and "不可撤销" in asked[0]
    assert "被收款人本人否认收款" in asked[0] and f"{denied}（¥1,500.00）" in asked[0]
    with live_app.app_context():
        assert db.session.get(MilestoneReport, report_id).status == "submitted"
    page.context.close()
