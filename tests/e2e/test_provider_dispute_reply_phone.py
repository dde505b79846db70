"""A provider's member on a 360px phone, in Chinese (the QA walk of voucher providers that found these): a disputed
redemption shows the resident's reason and where the dispute stands, and the member replies once, asked first; the
new-service form says a bad phone number with the empty name on the first refusal, its service area ticked in rows
a finger finds; sign-up says a bad number with passwords that differ at once. Every page fits the phone."""

import itertools

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.models import User
from audit.models import AuditEvent
from core.db import db
from tests.e2e.test_phone_journey import fits_the_phone, log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import approved_org, category, make_uscc
from tests.vouchers import helpers
from tests.vouchers.test_views import phone_resident
from vouchers import disputes, issuance, redemption
from vouchers.dispute_replies import REPLIED

PHONE = {"width": 360, "height": 740}
_serial = itertools.count(7_720_001)
REASON = "当天服务人员没有上门"
REPLY = "服务人员9:10到达，敲门无人应答，已电话联系家属。"


def seed(app) -> dict:
    """A provider whose redemption the resident has disputed."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, staff, manager = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF), make_user()
        org = approved_org(manager, officer, uscc=make_uscc("2", n), category_ids=[category("elderly").id])
        service = helpers.service(org, manager)
        programme = helpers.running_programme(officer, name=f"助餐券 {n}")
        user, profile = phone_resident(staff, f"周桂英{n}")
        issuance.issue_to_resident(programme, profile, actor=officer)
        code, _row = redemption.issue_code(profile, actor=user)
        made = redemption.redeem(code, service, 10_000, f"e2e-reply-{n}", actor=manager).redemption
        dispute = disputes.raise_dispute(made, REASON, actor=user)
        db.session.commit()
        return {"org": org.id, "manager": manager.username, "dispute": dispute.id, "redemption": made.id,
                "category": category("elderly").id}


def test_a_member_reads_the_dispute_and_replies_once_on_a_phone(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/vouchers/provider/{scene['org']}")
    box = page.locator(f"#dispute-{scene['dispute']}")
    expect(box).to_contain_text(f"居民的理由：{REASON}")
    expect(box).to_contain_text("居民异议：待裁定")
    fits_the_phone(page)

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    box.locator("textarea[name=reply]").fill(REPLY)
    box.get_by_role("button", name="发送答复").click()
    expect(page.locator(".alert-success")).to_contain_text("答复已发送")
    assert asked == ["发送这份答复吗？答复只能发送一次，发送后不能修改。"]
    box = page.locator(f"#dispute-{scene['dispute']}")
    expect(box).to_contain_text(f"我方答复：{REPLY}")
    expect(box.locator("textarea")).to_have_count(0)
    fits_the_phone(page)
    page.context.close()
    with live_app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == REPLIED,
                                                           AuditEvent.target_id == str(scene["redemption"])))
        assert event is not None and db.session.get(User, event.actor_id).username == scene["manager"]


def test_the_service_form_and_sign_up_say_every_reason_at_once(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    log_in(page, live_server, scene["manager"], PASSWORD)
    page.goto(f"{live_server}/vouchers/provider/{scene['org']}/services/new")
    area = page.locator("fieldset", has_text="服务范围（不勾选则不限）")
    first = area.locator(".form-check").first
    assert first.bounding_box()["height"] >= 44
    first.locator("input[type=checkbox]").check()
    page.get_by_label("服务类别").select_option(str(scene["category"]))
    page.get_by_label("价格（元）").fill("20")
    page.get_by_label("预约电话").fill("12345")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#name-error")).to_be_visible()
    expect(page.locator("#booking_phone-error")).to_contain_text("请输入手机号码")
    expect(area.locator("input[type=checkbox]").first).to_be_checked()
    fits_the_phone(page)
    page.context.close()

    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    page.goto(live_server + "/signup")
    page.get_by_label("您的姓名").fill("王奶奶")
    page.get_by_label("手机号码").fill("138 0013 800")
    page.get_by_label("密码", exact=True).fill("wang-first-1")
    page.get_by_label("再次输入密码").fill("wang-first-2")
    page.get_by_role("button", name="注册账户").click()
    expect(page.locator("#confirm-error")).to_be_visible()
    expect(page.locator("#phone-error")).to_contain_text("11 位")
    fits_the_phone(page)
    page.context.close()
