"""On a phone: a resident picks a provider in the catalogue and shows a one-time code; the provider (another
browser) redeems it; the resident's code page, left as it was, changes by itself to say the code was used (by whom,
for what, how much, what is left); she rates the service, then changes her rating."""

import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.residents import ResidentData, submit_profile, transition_resident
from core.db import db, utcnow
from tests.e2e.test_org_registration import log_in
from tests.e2e.test_resident_large_text import fits, large_text_phone, on_first_screen
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import approved_org, category, community, make_uscc
from tests.vouchers import helpers
from vouchers import issuance
from vouchers.redemption_models import Rating, Redemption, RedemptionCode


def seed(app, n: int = 1):
    """A running programme, a provider with a service, and a verified resident with a phone holding vouchers (n: a
    second scene's own credit code and phone number)."""
    with app.app_context(), app.test_request_context():
        officer, staff = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF)
        manager = make_user()
        org = approved_org(manager, officer, uscc=make_uscc("2", 7_700_000 + n), name="乐龄居家养老服务中心",
                           category_ids=[category("elderly").id])
        service = helpers.service(org, manager, price_fen=3000)
        programme = helpers.running_programme(officer, name="E2E 助餐服务券")
        user = make_user(Role.RESIDENT, phone=f"1391234567{7 + n}")
        number = helpers.id_number(date(1948, 5, 2))
        profile = submit_profile(user, ResidentData("陈阿姨", number, community("和平社区").id), actor=user)
        transition_resident(profile, "verified", actor=staff, card_number=number)
        issuance.issue_to_resident(programme, profile, actor=officer)
        db.session.commit()
        return user.username, manager.username, org.id, org.name, service.id, service.name, programme.id


def test_resident_chooses_shows_code_provider_redeems_resident_rates(live_server, live_app, browser):
    """The resident's phone is a small one (375 px) with large text, as many elderly residents set theirs."""
    resident, manager, org_id, org_name, service_id, service_name, programme_id = seed(live_app)
    page = large_text_phone(browser)

    log_in(page, live_server, resident, PASSWORD)
    page.goto(f"{live_server}/vouchers/catalogue?programme={programme_id}")
    card = page.locator("#catalogue .service", has_text=service_name)
    expect(card).to_be_visible()
    card.locator(".provider-name").click()  # the provider's page for residents: its services, booking, the way back
    expect(page.locator("h1")).to_contain_text(org_name)
    expect(page.locator("#provider-services .service", has_text=service_name)).to_contain_text("¥30.00")
    fits(page)
    page.locator("#back-to-catalogue").click()
    # (the catalogue opened at the resident's own community, and the way back keeps it)
    expect(page).to_have_url(re.compile(rf"/vouchers/catalogue\?programme={programme_id}&community=\d+$"))

    page.goto(f"{live_server}/vouchers/me")
    expect(page.locator(".balance-amount").first).to_contain_text("¥200.00")
    page.locator("#get-code").click()
    page.locator("#make-code").click()
    expect(page.locator("#one-time-code")).to_have_text(re.compile(r"^\d{8}$"))  # eight digits, once the answer came
    code = page.locator("#one-time-code").inner_text().strip()
    assert len(code) == 8 and code.isdigit()
    expect(page.locator("img.voucher-qr")).to_be_visible()
    assert page.viewport_size["width"] == 375
    page.wait_for_load_state()  # (its stylesheet applied: measured before, a flaky failure)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on the phone

    provider = browser.new_context(locale="zh-CN").new_page()
    log_in(provider, live_server, manager, PASSWORD)
    provider.goto(f"{live_server}/vouchers/provider/{org_id}")
    provider.locator("#code").fill(code)
    provider.locator("#service_id").select_option(str(service_id))
    provider.locator("#amount_fen").fill("30")
    provider.locator("#redeem").click()
    expect(provider.locator(".alert-success")).to_be_visible()
    expect(provider.locator("#provider-redemptions")).to_contain_text("¥30.00")
    provider.context.close()

    # Her code page, untouched since it showed the code, has asked for the code's state and now says it was used
    # (static/js/voucher_code.js reloads it once), at the top of the phone's first screen.
    used = page.locator("#code-used")
    expect(used).to_be_visible(timeout=15_000)
    expect(page.locator("#one-time-code")).to_have_count(0)
    expect(used.locator("h1")).to_have_text("核销码已使用")
    expect(used.locator("#used-provider")).to_have_text(org_name)
    expect(used.locator("#used-service")).to_have_text(service_name)
    expect(used.locator("#used-amount")).to_have_text("¥30.00")
    expect(used.locator("#balance-now")).to_have_text("¥170.00")
    for part in ("#code-used h1", "#used-amount", "#balance-now"):
        on_first_screen(page, part)
    assert page.url == f"{live_server}/vouchers/me/code"
    fits(page, axe=True)

    used.locator("a").click()
    expect(page).to_have_url(f"{live_server}/vouchers/me/redemptions")
    item = page.locator("#redemptions .redemption").first
    expect(item).to_contain_text(service_name)
    expect(item).to_contain_text("¥30.00")
    item.locator("label[for$='-5']").click()
    item.locator("textarea[name=comment]").fill("送餐准时，饭菜可口")
    item.locator(".rate-form button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#redemptions .redemption").first.locator(".stars")).to_contain_text("★★★★★")

    # She thinks again: her rating, pre-filled, changed to three stars with another comment.
    page.locator("#redemptions .redemption").first.locator("a.change-rating").click()
    expect(page.locator("#change-rating-form input[name=stars][value='5']")).to_be_checked()
    fits(page, axe=True)
    expect(page.locator("#change-rating-form textarea[name=comment]")).to_have_value("送餐准时，饭菜可口")
    page.locator("#change-rating-form label[for='stars-3']").click()
    page.locator("#change-rating-form textarea[name=comment]").fill("送餐准时，但饭菜偏咸")
    page.locator("#save-rating").click()
    expect(page.locator(".alert-success")).to_contain_text("您的评分已修改")
    expect(page.locator("#redemptions .redemption").first.locator(".stars")).to_contain_text("★★★☆☆")
    fits(page)
    page.context.close()

    with live_app.app_context():
        done = db.session.scalar(select(Redemption).where(Redemption.service_id == service_id))
        assert done.amount_fen == 3000 and done.status == "completed"
        rating = db.session.scalar(select(Rating).where(Rating.redemption_id == done.id))
        assert rating.stars == 3 and rating.comment == "送餐准时，但饭菜偏咸"


def test_the_code_page_asks_only_while_it_is_seen_and_says_when_the_code_has_run_out(live_server, live_app,
                                                                                    browser):
    """static/js/voucher_code.js asks for the code's state only while the page is visible (a phone in a pocket asks
    nothing), asks again as soon as it is looked at, and reloads when the server says the code is no longer live:
    here it ran out, and the page says so with the way back."""
    resident, *_rest = seed(live_app, 2)
    page = large_text_phone(browser)
    page.clock.install()  # the page's own clock, running as the real one until run_for() moves it on
    log_in(page, live_server, resident, PASSWORD)
    page.goto(f"{live_server}/vouchers/me/code")
    page.locator("#make-code").click()
    expect(page.locator("#one-time-code")).to_have_text(re.compile(r"^\d{8}$"))
    asked = []
    page.on("request", lambda request: asked.append(request.url) if request.url.endswith("/status") else None)
    with page.expect_request(lambda request: request.url.endswith("/status"), timeout=10_000):
        pass  # it asks by itself, every few seconds

    page.evaluate(SEEN.replace("HIDDEN", "true"))  # the phone goes to sleep
    asked.clear()
    page.clock.run_for(7_000)  # seven seconds of the page's time (two rounds of asking), without waiting them out
    page.wait_for_timeout(500)  # (a question asked meanwhile would have reached the network by now)
    assert asked == []

    with live_app.app_context():
        code = db.session.scalar(select(RedemptionCode).order_by(RedemptionCode.id.desc()))
        code.expires_at = utcnow() - timedelta(seconds=1)  # ran out while nobody looked (the server's clock decides)
        db.session.commit()
    page.evaluate(SEEN.replace("HIDDEN", "false"))  # looked at again
    expired = page.locator("#code-expired")
    expect(expired).to_be_visible(timeout=5_000)
    expect(expired.locator("h1")).to_have_text("核销码已过期")
    expect(page.locator("#one-time-code")).to_have_count(0)
    expect(expired.locator("a")).to_have_attribute("href", "/vouchers/me")
    on_first_screen(page, "#code-expired")
    fits(page, axe=True)
    page.context.close()


# The page seen or not, as a phone's screen going to sleep and waking would make it: document.hidden and the event.
SEEN = """() => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => HIDDEN});
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => HIDDEN ? "hidden" : "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""
