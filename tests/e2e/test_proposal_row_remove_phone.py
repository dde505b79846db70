"""An organisation's manager types a budget line by mistake on her phone (390px wide) and takes it out with "Remove this
row" (static/js/proposal_rows.js): the row leaves the page, the running total no longer counts it, the cursor goes to
the next row's first field (or to "Add a row" after the last row), the remaining rows' buttons are renumbered for a
screen reader, a section's last row leaves an empty one; the draft saved lacks the row. Every button is a finger's
target. Without JavaScript the same button sends the form back without the row, nothing saved."""

import itertools

from playwright.sync_api import expect

from accounts.enums import Role
from core.db import db
from projects import proposals
from projects.models import Proposal
from tests.e2e.test_accessibility import SMALL_TARGETS, serious_violations
from tests.e2e.test_phone_journey import log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import make_uscc
from tests.projects.helpers import good_org, published_call

PHONE = {"width": 390, "height": 844}
_serial = itertools.count(7_706_001)  # this test's own credit codes on the shared live app


def seed(app) -> dict:
    """A draft to an open call."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, manager = make_user(Role.OFFICER), make_user()
        org = good_org(manager, officer, name=f"晨光社工服务中心{n}", uscc=make_uscc("2", n))
        call = published_call(officer, title=f"和平街道助老服务项目{n}")
        proposal = proposals.start_proposal(call, org, actor=manager)
        db.session.commit()
        return {"manager": manager.username, "proposal": proposal.id}


def rows(page, section: str):
    return page.locator(f"#{section}-rows > .proposal-row")


def fill_budget(page, n: int, category: str, item: str, quantity: str, price: str) -> None:
    page.locator(f"#budget_lines-{n}-category").select_option(category)
    page.locator(f"#budget_lines-{n}-item").fill(item)
    page.locator(f"#budget_lines-{n}-quantity").fill(quantity)
    page.locator(f"#budget_lines-{n}-unit_price_fen").fill(price)


def fits(page) -> list[str]:
    """What keeps the page from fitting a 390px phone: sideways scrolling, a target too small or crowded for a finger,
    a serious accessibility violation."""
    wide = page.evaluate("document.scrollingElement.scrollWidth")
    return ([f"scrolls sideways to {wide}px"] if wide > PHONE["width"] else []) + \
        [f"small target {t}" for t in page.evaluate(SMALL_TARGETS)] + serious_violations(page)


def test_removing_a_row_typed_by_mistake_on_a_phone(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/proposals/{scene['proposal']}/edit")

    page.locator("#work_plan-0-month").fill("2027-01")
    page.locator("#work_plan-0-activity").fill("需求调研")
    page.locator("#work_plan-add").click()
    page.locator("#work_plan-1-activity").fill("打错的计划")
    fill_budget(page, 0, "personnel", "社工补贴", "12", "3000")
    page.locator("#budget_lines-add").click()
    fill_budget(page, 1, "activities", "打错的一行", "1", "999")
    page.locator("#budget_lines-add").click()
    fill_budget(page, 2, "activities", "场地租用", "２", "￥５００")
    page.locator("#team-0-person").fill("误填的人")
    expect(page.locator("#budget-sum")).to_contain_text("37,999.00")

    removes = page.locator("#budget_lines-rows .remove-row")
    expect(removes).to_have_count(3)
    expect(removes.nth(1)).to_have_text("删除此行")
    expect(removes.nth(1)).to_have_attribute("aria-label", "删除此行：预算第 2 行")  # the row added by the script too
    expect(removes.nth(2)).to_have_attribute("aria-label", "删除此行：预算第 3 行")
    for button in page.locator(".remove-row").all():
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    assert fits(page) == [], page.url

    removes.nth(1).click()  # the budget line typed by mistake
    expect(rows(page, "budget_lines")).to_have_count(2)
    expect(page.locator("#budget_lines-1-item")).to_have_count(0)
    expect(page.locator("#budget-sum")).to_contain_text("37,000.00")  # the total without it
    expect(page.locator("#budget_lines-2-category")).to_be_focused()  # the next row's first field
    expect(removes.nth(1)).to_have_attribute("aria-label", "删除此行：预算第 2 行")  # the row that was third
    expect(page.locator("#budget_lines-add")).to_be_enabled()

    page.locator("#work_plan-rows .remove-row").nth(1).click()  # the last row of the work plan
    expect(rows(page, "work_plan")).to_have_count(1)
    expect(page.locator("#work_plan-add")).to_be_focused()  # no row after it

    page.locator("#team-rows .remove-row").click()  # the only row of the team: an empty one instead
    expect(rows(page, "team")).to_have_count(1)
    expect(page.locator("#team-0-person")).to_have_count(0)
    expect(page.locator("#team-1-person")).to_have_value("")
    expect(page.locator("#team-1-person")).to_be_focused()
    expect(page.locator("#team-rows .remove-row")).to_have_attribute("aria-label", "删除此行：项目团队第 1 行")
    assert fits(page) == [], page.url

    page.locator("#proposal-form .btn-primary[type=submit]").click()  # rows numbered 0 and 2 in the budget
    expect(page.locator(".alert-success")).to_contain_text("草稿已保存")
    expect(page.locator("#requested-total")).to_contain_text("37,000.00")
    with live_app.app_context():
        saved = db.session.get(Proposal, scene["proposal"])
        assert [(b.item, b.quantity, b.unit_price_fen) for b in saved.budget_lines] == [
            ("社工补贴", 12, 300_000), ("场地租用", 2, 50_000)]
        assert saved.work_plan == [{"month": "2027-01", "activity": "需求调研"}]
        assert saved.team == []
    page.context.close()


def test_without_javascript_the_button_sends_the_form_back_without_the_row(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE, java_script_enabled=False).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/proposals/{scene['proposal']}/edit")
    page.locator("#team-0-person").fill("误填的人")
    page.locator("#team-add").click()
    page.locator("#team-1-person").fill("李静")
    page.locator("#title").fill("邻里守望")
    page.locator("#team-rows .remove-row").first.click()
    expect(rows(page, "team")).to_have_count(1)
    expect(page.locator("#team-0-person")).to_have_value("李静")  # renumbered, as typed
    expect(page.locator("#team-0-person")).to_be_focused()  # the row now in its place
    expect(page.locator("#title")).to_have_value("邻里守望")
    with live_app.app_context():
        assert db.session.get(Proposal, scene["proposal"]).title != "邻里守望"  # nothing saved yet
    box = page.locator("#team-rows .remove-row").bounding_box()  # (no page.evaluate here: it waits for ever
    assert box["width"] >= 44 and box["height"] >= 44, box          # without JavaScript)
    page.locator("#title").press("Enter")  # saves
    expect(page.locator(".alert-success")).to_contain_text("草稿已保存")
    with live_app.app_context():
        saved = db.session.get(Proposal, scene["proposal"])
        assert saved.title == "邻里守望" and [row["name"] for row in saved.team] == ["李静"]
    page.context.close()
