"""An elderly resident on a 360px phone, in Chinese (the QA walk that found these): once her code is used, the next
step is a button a finger finds (it was a 25px link); her dispute, once the officer upholds it, says in plain words
that it was upheld and that the money went back to her vouchers, and she is notified; a resident under the
programme's age (the demo's resident5) is told why she has no vouchers. Every page fits the phone, with no serious
accessibility fault."""

import itertools
import re

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.models import User
from accounts.resident_models import ResidentProfile
from core.db import db
from tests.e2e.test_phone_journey import fits_the_phone, log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import approved_org, category, make_uscc
from tests.vouchers import helpers
from tests.vouchers.test_views import phone_resident
from vouchers import disputes, issuance, redemption
from vouchers.models import VoucherService
from vouchers.redemption_models import Dispute, Redemption

PHONE = {"width": 360, "height": 740}
_serial = itertools.count(7_710_001)


def seed(app) -> dict:
    """A provider with a service, a running programme and a verified resident who logs in, holding its vouchers."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, staff, manager = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF), make_user()
        org = approved_org(manager, officer, uscc=make_uscc("2", n), category_ids=[category("elderly").id])
        service = helpers.service(org, manager)
        programme = helpers.running_programme(officer, name=f"助餐券 {n}")
        user, profile = phone_resident(staff, f"周桂英{n}")
        issuance.issue_to_resident(programme, profile, actor=officer)
        db.session.commit()
        return {"user": user.username, "profile": profile.id, "service": service.id, "officer": officer.id,
                "manager": manager.id, "service_name": service.name}


def test_a_used_codes_next_step_and_an_upheld_dispute_on_a_small_phone(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    log_in(page, live_server, scene["user"], PASSWORD)
    page.goto(live_server + "/vouchers/me/code")
    page.locator("#make-code").click()
    expect(page.locator("#one-time-code")).to_have_text(re.compile(r"^\d{8}$"))
    code = page.locator("#one-time-code").inner_text().strip()
    with live_app.app_context(), live_app.test_request_context():
        redemption.redeem(code, db.session.get(VoucherService, scene["service"]), 10_000, "e2e-outcome",
                          actor=db.session.get(User, scene["manager"]))
        db.session.commit()

    page.goto(live_server + "/vouchers/me/code")
    expect(page.locator("#code-used")).to_contain_text(scene["service_name"])
    button = page.locator("#code-next")
    expect(button).to_have_text("查看我的服务记录")
    assert button.bounding_box()["height"] >= 44
    fits_the_phone(page)

    button.click()
    item = page.locator("#redemptions .redemption").first
    expect(item).to_contain_text("已用服务券支付")
    item.locator("summary").click()
    item.locator("textarea[name=reason]").fill("护理员没有上门")
    item.locator(".dispute-form button").click()
    expect(page.locator(".alert-success")).to_contain_text("异议已提交")
    expect(page.locator("#redemptions .redemption").first.locator(".dispute-outcome")).to_contain_text("异议处理中")
    fits_the_phone(page)

    with live_app.app_context(), live_app.test_request_context():
        dispute = db.session.scalar(select(Dispute).join(Redemption, Redemption.id == Dispute.redemption_id)
                                    .where(Redemption.resident_id == scene["profile"]))
        disputes.decide_dispute(dispute, True, "经核实护理员未上门", actor=db.session.get(User, scene["officer"]))
        db.session.commit()
    page.reload()
    outcome = page.locator("#redemptions .redemption").first.locator(".dispute-outcome")
    expect(outcome).to_contain_text("异议成立，¥100.00 已退回您的服务券。")
    expect(outcome).to_contain_text("处理说明：经核实护理员未上门")
    expect(page.locator("#redemptions")).not_to_contain_text("已冲正")
    fits_the_phone(page)
    page.goto(live_server + "/notifications")
    expect(page.locator("main")).to_contain_text("异议成立，¥100.00 已退回您的服务券")
    fits_the_phone(page)
    page.context.close()

    with live_app.app_context():  # the money is back on her vouchers
        profile = db.session.get(ResidentProfile, scene["profile"])
        assert sum(line.balance_fen for line in redemption.balance(profile)) == 20_000


def test_a_resident_under_the_age_is_told_why_she_has_no_vouchers(live_server, browser):
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    log_in(page, live_server, "resident5", "gongzhi-demo")
    page.goto(live_server + "/vouchers/me")
    expect(page.locator("#no-balance")).to_contain_text("您目前没有可用的服务券余额。")
    expect(page.locator("#no-balance-reasons")).to_contain_text("70 周岁及以上")
    fits_the_phone(page)
    page.context.close()
