"""A plain member writes her organisation's draft on a phone (a QA walk): leaving the form with changes not saved asks
first (static/js/warn_unsaved.js) and staying keeps what she typed; saving does not ask, and the proposal's page
tells her that her manager submits it. The same draft saved meanwhile from her computer: her phone's save is refused,
what she typed stays on the page, and opening the current draft asks first, then shows the other save."""

import itertools

from playwright.sync_api import expect

from accounts.enums import Role
from core.db import db
from orgs.models import Membership
from projects import proposals
from projects.models import Proposal
from tests.e2e.test_phone_journey import PHONE_SIZE, log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import make_uscc
from tests.projects.helpers import good_org, published_call

_serial = itertools.count(7_712_001)  # this test's own credit codes on the shared live app


def seed(app) -> dict:
    """A draft to an open call, and a plain member of its organisation."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, manager, member = make_user(Role.OFFICER), make_user(), make_user()
        org = good_org(manager, officer, name=f"晨曦社工服务中心{n}", uscc=make_uscc("2", n))
        db.session.add(Membership(org_id=org.id, user_id=member.id, role="member"))
        call = published_call(officer, title=f"和平街道助残服务项目{n}")
        proposal = proposals.start_proposal(call, org, actor=manager)
        db.session.commit()
        return {"member": member.username, "proposal": proposal.id}


def test_leaving_with_unsaved_changes_asks_first_and_saving_does_not(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # "stay on this page"

    page.on("dialog", stay)
    log_in(page, live_server, scene["member"], PASSWORD)
    edit = f"{live_server}/proposals/{scene['proposal']}/edit"
    page.goto(edit)
    expect(page.locator("#manager-submits")).to_contain_text("申报书由组织负责人提交")

    back = page.locator(f"main a[href='/proposals/{scene['proposal']}']").first
    back.click()  # back to the proposal: nothing typed yet, so no question
    expect(page).to_have_url(f"{live_server}/proposals/{scene['proposal']}")
    assert dialogs == []
    page.goto(edit)
    page.locator("#title").click()
    page.locator("#title").fill("社区残障人士康复陪伴")
    page.locator("#work_plan-add").click()  # an empty row added is no change in itself, but the title is
    back.click()
    expect(page.locator("#title")).to_have_value("社区残障人士康复陪伴")  # she stayed, and her text with her
    assert dialogs == ["beforeunload"]
    expect(page).to_have_url(edit)

    page.locator("#proposal-form .btn-primary[type=submit]").click()  # saving does not ask
    expect(page.locator(".alert-success")).to_contain_text("草稿已保存")
    expect(page.locator("#manager-submits")).to_be_visible()
    expect(page.locator("#submit-proposal")).to_have_count(0)
    assert dialogs == ["beforeunload"]


def test_a_save_from_a_page_opened_before_another_save_is_refused_and_keeps_the_text(live_server, live_app, browser):
    scene = seed(live_app)
    context = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE)
    phone = context.new_page()
    log_in(phone, live_server, scene["member"], PASSWORD)
    edit = f"{live_server}/proposals/{scene['proposal']}/edit"
    phone.goto(edit)
    desk = context.new_page()
    desk.goto(edit)
    desk.locator("#title").fill("电脑上保存的标题")
    desk.locator("#proposal-form .btn-primary[type=submit]").click()
    expect(desk.locator(".alert-success")).to_contain_text("草稿已保存")

    phone.locator("#summary").click()
    phone.locator("#summary").fill("手机上写了很久的摘要")
    phone.locator("#proposal-form .btn-primary[type=submit]").click()
    expect(phone.locator("#stale-draft")).to_contain_text("已在别处（其他标签页或其他设备）被修改")
    expect(phone.locator("#summary")).to_have_value("手机上写了很久的摘要")
    with live_app.app_context():
        kept = db.session.get(Proposal, scene["proposal"])
        assert (kept.title, kept.summary, kept.revision) == ("电脑上保存的标题", "", 1)

    asked = []

    def leave(dialog):
        asked.append(dialog.type)
        dialog.accept()  # she copied what she needed: leave

    phone.on("dialog", leave)
    phone.locator("#summary").click()  # (a browser asks only on a page the user has touched)
    phone.locator("#reload-draft").click()
    expect(phone.locator("#title")).to_have_value("电脑上保存的标题")
    expect(phone.locator("#stale-draft")).to_have_count(0)
    assert asked == ["beforeunload"]
