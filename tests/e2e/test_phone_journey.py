"""The whole voucher journey of a resident who has only a mobile number, on a phone (375x740), in Chinese and then
in English: she signs up with the number alone and sends her details; community staff verify her with the number
read off her ID card and set a new password she forgot; she logs in with her number, gets a one-time code (the page
keeps showing it on reload, and says what it paid for once used) and finds the service (a tel: button, where and
when); the provider chooses the service (its price fills the amount) and redeems the code; she rates the service
(a rating without stars is refused in the browser, keeping her comment) and disputes it. Every page fits the
phone's width, its targets a finger's, with no serious accessibility fault; staff never see her number in full."""

import itertools
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.models import User
from accounts.resident_models import ResidentProfile
from core.db import db
from tests.e2e.test_accessibility import SMALL_TARGETS, serious_violations
from tests.e2e.test_org_registration import logged_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import approved_org, category, make_uscc
from tests.vouchers import helpers
from vouchers import catalogue, issuance
from vouchers.models import Programme
from vouchers.redemption_models import Dispute, Rating, Redemption

PHONE_SIZE = {"width": 375, "height": 740}
_serial = itertools.count(7_700_201)


def seed(app) -> dict:
    """Community staff, a provider (its manager) with a service residents book by phone, and a running programme."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, staff, manager = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF), make_user()
        org = approved_org(manager, officer, uscc=make_uscc("2", n), category_ids=[category("elderly").id])
        service = catalogue.create_service(org, catalogue.ServiceData(
            name=f"上门助浴{n}", category_id=category("elderly").id, price_fen=8000, description="两名护理员上门",
            booking_phone="021-62345678", location="和平路88号", hours="每天 8:00–18:00"), actor=manager)
        programme = helpers.running_programme(officer, name=f"手机注册 {n}")
        db.session.commit()
        return {"n": n, "officer": officer.id, "staff": staff.username, "manager": manager.username, "org": org.id,
                "service": service.id, "service_name": service.name, "programme": programme.id,
                "phone": f"1398{n:07d}", "name": f"王秀芳{n}",
                "id_number": helpers.id_number(date(1946, 3, 9), n % 1000)}


def issue_vouchers(app, scene) -> None:
    """The officer's monthly issue, for the verified resident (not what this journey looks at)."""
    with app.app_context(), app.test_request_context():
        resident = db.session.scalar(select(ResidentProfile).join(User, User.id == ResidentProfile.user_id)
                                     .where(User.phone == scene["phone"]))
        programme = db.session.get(Programme, scene["programme"])
        issuance.issue_to_resident(programme, resident, actor=db.session.get(User, scene["officer"]))
        db.session.commit()


def fits_the_phone(page) -> None:
    page.wait_for_load_state()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_SIZE["width"], page.url
    assert page.evaluate(SMALL_TARGETS) == [], page.url
    assert serious_violations(page) == [], page.url


def log_in(page, base, name, password):
    page.goto(base + "/login")
    page.locator("#username").fill(name)
    page.locator("#password").fill(password)
    page.locator("main button[type=submit]").click()
    logged_in(page, base)  # (a page.goto() at once could abort the log-in)


def test_a_resident_with_only_a_phone_from_sign_up_to_a_rated_service(live_server, live_app, browser):
    scene = seed(live_app)
    resident = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()

    # Sign-up with the mobile number alone; the password's rule is said before it is typed.
    resident.goto(live_server + "/signup")
    expect(resident.locator("#password-help")).to_have_text("至少 8 个字符。")
    fits_the_phone(resident)
    resident.get_by_label("您的姓名").fill("王奶奶")
    resident.get_by_label("手机号码").fill(scene["phone"])
    resident.get_by_label("密码", exact=True).fill("wang-first-1")
    resident.get_by_label("再次输入密码").fill("wang-first-1")
    resident.get_by_role("button", name="注册账户").click()

    # Her details, then waiting: the page says where to take her ID card.
    expect(resident.locator("h1")).to_have_text("实名认证")
    expect(resident.locator("textarea[name=note]")).to_have_count(0)  # staff's note, never saved from here
    fits_the_phone(resident)
    resident.get_by_label("真实姓名").fill(scene["name"])
    resident.get_by_label("居民身份证号").fill(scene["id_number"])
    resident.get_by_label("社区").select_option(label="幸福街道 和平社区")
    resident.get_by_label("地址").fill("和平里3号楼")
    resident.get_by_role("button", name="提交").click()
    expect(resident.locator("#awaiting")).to_contain_text("和平社区")
    fits_the_phone(resident)

    # Community staff: verify with the number off the card (a misread one is refused, saying why), then a new
    # password for the resident who forgot hers. Her number is only ever shown masked.
    staff = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(staff, live_server, scene["staff"], PASSWORD)
    staff.goto(f"{live_server}/vouchers/residents?status=pending&q={scene['name']}")
    staff.get_by_role("link", name=scene["name"]).click()
    forms = staff.locator("#verified-form, #suspended-form")
    expect(forms.first).to_have_attribute("id", "verified-form")  # verifying first
    expect(staff.locator("#login-name")).to_have_text(f"本人手机号 {scene['phone'][:3]}****{scene['phone'][-4:]}")
    assert scene["phone"] not in staff.content() and scene["id_number"] not in staff.content()
    fits_the_phone(staff)
    misread = helpers.id_number(date(1946, 3, 9), (scene["n"] + 1) % 1000)
    staff.get_by_label("身份证上的号码").first.fill(misread)
    staff.locator("#to-verified").click()
    expect(staff.locator("#card_number-error")).to_have_text("与记录中的号码不一致。")
    staff.locator("#card_number").fill(scene["id_number"])
    staff.locator("#to-verified").click()
    expect(staff.locator("#resident-status")).to_have_text("已核实")
    staff.locator("#reset-card_number").fill(scene["id_number"])
    staff.locator("#reset-password").fill("wang-new-2026")
    staff.locator("#reset-confirm").fill("wang-new-2026")
    staff.locator("#password-form button").click()
    expect(staff.locator(".alert-success")).to_contain_text("居民用本人手机号 139")
    assert scene["phone"] not in staff.content()
    fits_the_phone(staff)
    staff.context.close()
    issue_vouchers(live_app, scene)

    # She logs in with her number and the new password, and gets a code that stays on reload.
    resident.context.clear_cookies()
    log_in(resident, live_server, scene["phone"], "wang-new-2026")
    expect(resident.locator("h1")).to_contain_text("王奶奶")
    resident.goto(live_server + "/vouchers/me/code")
    fits_the_phone(resident)
    resident.locator("#make-code").click()
    expect(resident).to_have_url(live_server + "/vouchers/me/code")
    expect(resident.locator("#one-time-code")).to_have_text(re.compile(r"^\d{8}$"))  # (the URL was already this)
    code = resident.locator("#one-time-code").inner_text().strip()
    resident.reload()
    expect(resident.locator("#one-time-code")).to_have_text(code)
    fits_the_phone(resident)

    # The catalogue: where, when, and a button to call and book.
    resident.goto(f"{live_server}/vouchers/catalogue?programme={scene['programme']}")
    card = resident.locator("#catalogue .service", has_text=scene["service_name"])
    expect(card.locator(".service-phone")).to_have_attribute("href", "tel:02162345678")
    expect(card.locator(".service-location")).to_contain_text("和平路88号")
    expect(card.locator(".service-hours")).to_contain_text("每天 8:00–18:00")
    fits_the_phone(resident)

    # The provider chooses the service (the price fills the amount) and redeems the code.
    provider = browser.new_context(locale="zh-CN", viewport=PHONE_SIZE).new_page()
    log_in(provider, live_server, scene["manager"], PASSWORD)
    provider.goto(f"{live_server}/vouchers/provider/{scene['org']}")
    provider.locator("#code").fill(code)
    provider.locator("#service_id").select_option(str(scene["service"]))
    expect(provider.locator("#amount_fen")).to_have_value("80.00")
    fits_the_phone(provider)
    provider.locator("#redeem").click()
    expect(provider.locator(".alert-success")).to_contain_text("¥80.00")
    expect(provider.locator("#provider-redemptions")).not_to_contain_text(scene["name"])  # masked: 王**
    provider.context.close()

    # Her code page now says what it paid for; she rates (stars forgotten first: her comment stays) and disputes.
    resident.goto(live_server + "/vouchers/me/code")
    expect(resident.locator("#code-used")).to_contain_text(scene["service_name"])
    fits_the_phone(resident)
    resident.locator("#code-used a").click()
    item = resident.locator("#redemptions .redemption").first
    item.locator("textarea[name=comment]").fill("护理员很耐心")
    item.locator(".rate-form button").click()  # no stars: the browser refuses, nothing is lost
    expect(item.locator("textarea[name=comment]")).to_have_value("护理员很耐心")
    assert item.locator("input[name=stars]").first.evaluate("e => e.validity.valueMissing")
    fits_the_phone(resident)
    item.locator("label[for$='-4']").click()
    item.locator(".rate-form button").click()
    expect(resident.locator(".alert-success")).to_contain_text("感谢您的评分")
    item = resident.locator("#redemptions .redemption").first
    expect(item.locator(".stars .visually-hidden")).to_have_text("4 星（满分 5 星）")
    item.locator("summary").click()
    item.locator("textarea[name=reason]").fill("只来了一位护理员")
    item.locator(".dispute-form button").click()
    expect(resident.locator(".alert-success")).to_contain_text("异议已提交")
    fits_the_phone(resident)

    # The same pages in English: no Chinese left in what the app itself says.
    resident.goto(f"{live_server}/lang/en?next=/vouchers/me/code")
    expect(resident.locator("h1")).to_have_text("Show my code")
    resident.locator("#make-code").click()
    expect(resident.locator("#code-card")).to_contain_text("Show this code to the provider.")
    expect(resident.locator("#code-card")).to_contain_text("Valid once, for five minutes: until")
    fits_the_phone(resident)
    resident.goto(live_server + "/vouchers/me/redemptions")
    item = resident.locator("#redemptions .redemption").first
    expect(item.locator(".stars .visually-hidden")).to_have_text("4 of 5 stars")
    expect(item).to_contain_text("Dispute under review")
    fits_the_phone(resident)
    resident.goto(f"{live_server}/vouchers/catalogue?programme={scene['programme']}")
    card = resident.locator("#catalogue .service", has_text=scene["service_name"])
    expect(card.locator(".service-phone")).to_have_text("Call to book: 021-62345678")
    expect(card.locator(".service-location")).to_have_text("Where: 和平路88号")
    fits_the_phone(resident)
    resident.context.close()

    with live_app.app_context():
        done = db.session.scalar(select(Redemption).where(Redemption.service_id == scene["service"]))
        assert done.amount_fen == 8000
        assert db.session.scalar(select(Rating.stars).where(Rating.redemption_id == done.id)) == 4
        assert db.session.scalar(select(Dispute.reason).where(Dispute.redemption_id == done.id)) == "只来了一位护理员"
