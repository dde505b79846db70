"""An organisation's manager writes her draft's work plan and budget on a phone: each section opens with one empty row,
"Add a row" gives another (static/js/proposal_rows.js) with the cursor in it, what she types there is saved, and the
draft opens again with her rows and one empty row. Without JavaScript the same button sends the form back with one
more row, and Enter in a field still saves. Removing an attachment asks first, and saying no keeps it."""

import itertools

from playwright.sync_api import expect

from accounts.enums import Role
from core.db import db
from projects import proposals
from projects.models import Proposal
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_org_phone_journey import fits
from tests.e2e.test_phone_journey import PHONE_SIZE, log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import Upload, make_uscc
from tests.projects.helpers import good_org, published_call

_serial = itertools.count(7_705_001)  # (7_700_901 is the contract draw-up test's: one live app, one credit code)


def seed(app) -> dict:
    """A draft to an open call, with one attachment."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, manager = make_user(Role.OFFICER), make_user()
        org = good_org(manager, officer, name=f"晨光社工服务中心{n}", uscc=make_uscc("2", n))
        call = published_call(officer, title=f"和平街道助老服务项目{n}")
        proposal = proposals.start_proposal(call, org, actor=manager)
        attachment = proposals.add_attachment(proposal, "other", Upload(), actor=manager)
        db.session.commit()
        return {"manager": manager.username, "proposal": proposal.id, "file": attachment.file.original_name}


def budget_rows(page):
    return page.locator("#budget_lines-rows > .proposal-row")


def test_adding_rows_on_a_phone_and_saving_them(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/proposals/{scene['proposal']}/edit")
    expect(budget_rows(page)).to_have_count(1)
    expect(page.locator("#work_plan-rows > .proposal-row")).to_have_count(1)
    fits(page)

    page.locator("#work_plan-0-month").fill("2027-01")
    page.locator("#work_plan-0-activity").fill("需求调研")
    page.locator("#work_plan-add").click()
    expect(page.locator("#work_plan-rows > .proposal-row")).to_have_count(2)
    expect(page.locator("#work_plan-1-month")).to_be_focused()
    page.keyboard.type("2027-02")
    page.locator("#work_plan-1-activity").fill("入户探访")

    page.locator("#budget_lines-0-category").select_option("personnel")
    page.locator("#budget_lines-0-item").fill("社工补贴")
    page.locator("#budget_lines-0-quantity").fill("12")
    page.locator("#budget_lines-0-unit_price_fen").fill("3000")
    page.locator("#budget_lines-add").click()
    expect(budget_rows(page)).to_have_count(2)
    expect(page.locator("#budget_lines-1-category")).to_be_focused()
    page.locator("#budget_lines-1-category").select_option("activities")
    page.locator("#budget_lines-1-item").fill("场地租用")
    page.locator("#budget_lines-1-quantity").fill("２")  # as a Chinese keyboard types it
    page.locator("#budget_lines-1-unit_price_fen").fill("￥５００")
    expect(page.locator("#budget-sum")).to_contain_text("37,000.00")  # the new row counts in the running total
    fits(page)
    assert serious_violations(page) == [], page.url

    page.locator("#proposal-form .btn-primary[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("草稿已保存")
    expect(page.locator("#requested-total")).to_contain_text("37,000.00")
    with live_app.app_context():
        saved = db.session.get(Proposal, scene["proposal"])
        assert saved.work_plan == [{"month": "2027-01", "activity": "需求调研"},
                                   {"month": "2027-02", "activity": "入户探访"}]
        assert [(b.item, b.quantity, b.unit_price_fen) for b in saved.budget_lines] == [
            ("社工补贴", 12, 300_000), ("场地租用", 2, 50_000)]

    page.goto(f"{live_server}/proposals/{scene['proposal']}/edit")  # her rows, and one empty row after them
    expect(budget_rows(page)).to_have_count(3)
    expect(page.locator("#budget_lines-1-item")).to_have_value("场地租用")
    expect(page.locator("#budget_lines-2-item")).to_have_value("")
    page.context.close()


def test_without_javascript_the_button_sends_the_form_back_with_one_more_row(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE, java_script_enabled=False).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/proposals/{scene['proposal']}/edit")
    page.locator("#team-0-person").fill("李静")
    page.locator("#team-add").click()
    expect(page.locator("#team-rows > .proposal-row")).to_have_count(2)
    expect(page.locator("#team-0-person")).to_have_value("李静")  # what was typed comes back
    expect(page.locator("#team-1-person")).to_be_focused()
    page.keyboard.type("王芳")
    page.locator("#title").fill("邻里守望")
    page.locator("#title").press("Enter")  # saves (the form's first button is a hidden "save", not "Add a row")
    expect(page.locator(".alert-success")).to_contain_text("草稿已保存")
    with live_app.app_context():
        saved = db.session.get(Proposal, scene["proposal"])
        assert saved.title == "邻里守望"
        assert [row["name"] for row in saved.team] == ["李静", "王芳"]
    page.context.close()


def test_removing_an_attachment_asks_first(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/proposals/{scene['proposal']}")
    asked = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept() if len(asked) > 1 else dialog.dismiss()

    page.on("dialog", answer)
    remove = page.locator("#attachments form button")
    remove.click()  # "no": nothing sent
    expect(page.locator("#attachments")).to_contain_text(scene["file"])
    page.wait_for_timeout(300)
    with live_app.app_context():
        assert len(db.session.get(Proposal, scene["proposal"]).attachments) == 1
    remove.click()  # "yes"
    expect(page.locator("#attachments")).not_to_contain_text(scene["file"])
    assert asked == [f"确定从草稿中移除附件“{scene['file']}”吗？如需恢复，请重新上传。"] * 2
    page.context.close()
