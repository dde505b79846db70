"""The rating a resident gives on a 390px phone (the QA walk: its radio buttons were 26px targets): each choice's row,
radio button and words alike, is a target at least 44px tall, and a finger landing beside the small circle still
chooses it. On a desktop the choices keep their size."""

import itertools

from playwright.sync_api import expect

from accounts.enums import Role
from core.db import db
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import approved_org, category, make_uscc
from tests.vouchers import helpers
from tests.vouchers.test_views import phone_resident
from vouchers import issuance, redemption

from .test_phone_journey import log_in

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
_serial = itertools.count(7_741_001)  # this test's own credit codes on the shared live app


def seed(app) -> dict:
    """A resident who logs in with one redemption to rate."""
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, staff, manager = make_user(Role.OFFICER), make_user(Role.COMMUNITY_STAFF), make_user()
        org = approved_org(manager, officer, uscc=make_uscc("2", n), category_ids=[category("elderly").id])
        service = helpers.service(org, manager)
        programme = helpers.running_programme(officer, name=f"助浴券 {n}")
        user, profile = phone_resident(staff, f"孙秀英{n}")
        issuance.issue_to_resident(programme, profile, actor=officer)
        code, _row = redemption.issue_code(profile, actor=user)
        done = redemption.redeem(code, service, 2000, f"e2e-rate-{n}", actor=manager)
        db.session.commit()
        return {"user": user.username, "redemption": done.redemption.id}


def boxes(page, prefix: str, n: int) -> dict:
    return page.evaluate("""([id]) => {
        const input = document.getElementById(id), label = document.querySelector(`label[for="${id}"]`);
        const box = e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
        return {input: box(input), label: box(label), row: box(input.closest('.form-check'))};
    }""", [f"{prefix}-{n}"])


def test_each_rating_choice_is_a_44px_target_on_a_phone(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    log_in(page, live_server, scene["user"], PASSWORD)
    page.goto(live_server + "/vouchers/me/redemptions")
    prefix = f"stars-{scene['redemption']}"
    for n in range(5, 0, -1):
        found = boxes(page, prefix, n)
        assert found["row"]["h"] >= 44 and found["label"]["h"] >= 44, found
        # a finger landing just above the circle, and just left of it, is on the choice's target
        target = page.evaluate("""([x, y]) => { const e = document.elementFromPoint(x, y);
            return e && (e.closest('label') || e).getAttribute('for') || (e && e.id); }""",
                               [found["input"]["x"] + found["input"]["w"] / 2, found["row"]["y"] + 2])
        assert target == f"{prefix}-{n}", (n, target)
    three = boxes(page, prefix, 3)
    page.touchscreen.tap(three["input"]["x"] + three["input"]["w"] / 2, three["row"]["y"] + 3)
    expect(page.locator(f"#{prefix}-3")).to_be_checked()
    page.touchscreen.tap(three["row"]["x"] + three["row"]["w"] - 10, boxes(page, prefix, 1)["row"]["y"] + 5)
    expect(page.locator(f"#{prefix}-1")).to_be_checked()


def test_on_a_desktop_the_choices_keep_their_size(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    log_in(page, live_server, scene["user"], PASSWORD)
    page.goto(live_server + "/vouchers/me/redemptions")
    found = boxes(page, f"stars-{scene['redemption']}", 5)
    assert found["input"]["w"] < 27 and found["row"]["h"] < 60  # (1.5rem and its border, a line a choice: as before)
    page.locator(f"label[for='stars-{scene['redemption']}-4']").click()
    expect(page.locator(f"#stars-{scene['redemption']}-4")).to_be_checked()
