"""Community staff on a 375 px phone at 200 % (browser zoom, or the text): the pages they work on for a resident,
on the demo data."""

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.resident_models import ResidentProfile
from core.db import db
from tests.e2e.test_phone_journey import log_in
from tests.e2e.test_resident_large_text import VERY_LARGE, large_text_phone

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
