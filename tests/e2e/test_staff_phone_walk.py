"""Community staff on a 375 px phone at 200 % (browser zoom, or the text): the pages they work on for a resident,
on the demo data."""

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.resident_models import ResidentProfile
from core.db import db
from tests.e2e.test_phone_journey import log_in
from tests.e2e.test_resident_large_text import SMALL_PHONE, VERY_LARGE, large_text_phone

# Each star choice (its stars and what they mean) beside its radio button: the label's right edge against its row's.
STAR_LABELS_PAST_THEIR_ROW = r"""() => [...document.querySelectorAll('.rate-form .form-check')].flatMap(row => {
  const label = row.querySelector('label'), edge = row.getBoundingClientRect().right;
  return label.getBoundingClientRect().right > edge + 0.5 ? [label.textContent.trim()] : []; })"""


def test_star_choices_fit_their_rows_on_staffs_phone_at_200_percent(live_server, live_app, browser):
    """Rating a service for a resident without a phone: at zoom 2 the five stars (kept on one line) stood about 10 px
    past their row, the card's edge cutting through them."""
    with live_app.app_context():
        ids = list(db.session.scalars(select(ResidentProfile.id).where(ResidentProfile.real_name.in_(
            ["赵长青", "陈淑芬", "钱桂英"])).order_by(ResidentProfile.id)))
    problems = []
    for how, style in VERY_LARGE.items():
        page = large_text_phone(browser, style=style)
        log_in(page, live_server, "staff1", "gongzhi-demo")
        expect(page.locator("main")).to_be_visible()
        for resident_id in ids:
            page.goto(f"{live_server}/vouchers/residents/{resident_id}")
            if page.locator(".rate-form").count():
                break
        expect(page.locator(".rate-form").first).to_be_visible()
        if past := page.evaluate(STAR_LABELS_PAST_THEIR_ROW):
            problems.append(f"{how}: {past}")
        page.context.close()
    assert problems == []


def test_a_mistyped_id_number_is_told_in_sight_on_staffs_phone_at_200_percent(live_server, browser):
    """Finding a resident by the number on the card: the reason a number was refused stood below the name filter,
    out of sight on a phone with large text, and the number typed was gone."""
    page = large_text_phone(browser, style=VERY_LARGE["text"])
    log_in(page, live_server, "staff1", "gongzhi-demo")
    page.goto(live_server + "/vouchers/residents")
    mistyped = "110101194002140063"  # 赵长青's, its check character wrong
    page.locator("#find-id-number").fill(mistyped)
    page.locator("#resident-find button").click()
    expect(page.locator("#find-id-number-error")).to_contain_text("18 位")
    expect(page.locator("#find-id-number")).to_have_value(mistyped)
    box = page.locator("#find-id-number-error").bounding_box()  # its first line at least, without scrolling
    assert box and box["y"] + 48 <= SMALL_PHONE["height"], box
    page.locator("#find-id-number").fill(mistyped[:-1] + "2")
    page.locator("#resident-find button").click()
    expect(page.locator("h1")).to_contain_text("赵长青")
    page.context.close()
