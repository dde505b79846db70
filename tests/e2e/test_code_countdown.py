"""The resident's one-time code says how long it has left, counting down each second ("还剩 4 分 59 秒"), on a small
phone with large text: the page said only "until 10:05 Beijing time", and many an elderly resident does not read the
time off the phone's clock to work out how long that is. Without its script the count is hidden (it would not move)."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.models import User
from core.db import db
from tests.e2e.test_phone_journey import log_in
from tests.e2e.test_resident_large_text import fits, large_text_phone
from tests.factories import PASSWORD, make_user
from tests.vouchers import helpers
from tests.vouchers.test_views import phone_resident
from vouchers import issuance


def resident_with_vouchers(app, name: str) -> str:
    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        programme = helpers.running_programme(officer, name=f"倒计时演练服务券{name}")
        user, resident = phone_resident(make_user(Role.COMMUNITY_STAFF), name)
        issuance.issue_to_resident(programme, resident, actor=officer)
        db.session.commit()
        return user.username


def seconds_left(text: str, pattern: str) -> int:
    minutes, seconds = re.fullmatch(pattern, text.strip()).groups()
    return int(minutes) * 60 + int(seconds)


def test_the_code_counts_down_the_time_it_has_left(live_server, live_app, browser):
    page = large_text_phone(browser)
    log_in(page, live_server, resident_with_vouchers(live_app, "倒计时甲"), PASSWORD)
    page.goto(f"{live_server}/vouchers/me/code")
    page.locator("#make-code").click()
    countdown = page.locator("#code-countdown")
    expect(countdown).to_be_visible()
    expect(countdown).to_have_text(re.compile(r"还剩 4 分 \d{1,2} 秒"))
    first = seconds_left(countdown.inner_text(), r"还剩 (\d) 分 (\d{1,2}) 秒")
    assert 285 <= first <= 300
    page.wait_for_timeout(2100)
    assert seconds_left(countdown.inner_text(), r"还剩 (\d) 分 (\d{1,2}) 秒") <= first - 2
    fits(page)


def test_in_english_and_hidden_without_its_script(live_server, live_app, browser):
    page = large_text_phone(browser, locale="en-US")
    log_in(page, live_server, resident_with_vouchers(live_app, "倒计时乙"), PASSWORD)
    page.goto(f"{live_server}/lang/en?next=/vouchers/me/code")
    page.locator("#make-code").click()
    expect(page.locator("#code-countdown")).to_have_text(re.compile(r"4 min \d{1,2} s left"))
    context = browser.new_context(java_script_enabled=False, storage_state=page.context.storage_state())
    still = context.new_page()
    still.goto(f"{live_server}/vouchers/me/code")
    expect(still.locator("#one-time-code")).to_be_visible()
    expect(still.locator("#code-countdown")).to_be_hidden()
    context.close()
