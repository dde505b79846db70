"""A resident's rating refused, on a small phone with large text (375x667, root font 150 %): a comment longer than
the limit (vouchers.catalogue.MAX_COMMENT; the browser does not stop it) is refused by the server, 422, on the
redemption's own page: her stars and her words kept, the reason beside the comment, and her tabs still marking
"My services" as the page she is on. Shortened, the same form sends it."""

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.enums import Role
from accounts.models import User
from core.db import db
from tests.e2e.test_phone_journey import log_in
from tests.e2e.test_resident_large_text import fits, large_text_phone
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import approved_org, category, make_uscc
from tests.vouchers import helpers
from tests.vouchers.test_views import phone_resident
from vouchers import issuance, redemption
from vouchers.catalogue import MAX_COMMENT
from vouchers.redemption_models import Rating


def redeemed(app) -> tuple[str, int]:
    """A resident who logs in, with one redemption of a service not yet rated: (her username, the redemption's id)."""
    with app.app_context(), app.test_request_context():
        officer = db.session.scalar(select(User).where(User.username == "officer"))
        manager = make_user()
        org = approved_org(manager, officer, uscc=make_uscc("2", 7_703_001), name="安心助餐服务社",
                           category_ids=[category("elderly").id])
        service = helpers.service(org, manager, price_fen=3000)
        programme = helpers.running_programme(officer, name="评价演练服务券")
        user, resident = phone_resident(make_user(Role.COMMUNITY_STAFF), "孙淑珍")
        issuance.issue_to_resident(programme, resident, actor=officer)
        code, _row = redemption.issue_code(resident, actor=user)
        made = redemption.redeem(code, service, 3000, "e2e-rating-refused", actor=manager).redemption
        db.session.commit()
        return user.username, made.id


def rating_of(app, redemption_id: int):
    with app.app_context():
        return db.session.execute(select(Rating.stars, Rating.comment)
                                  .where(Rating.redemption_id == redemption_id)).one_or_none()


def test_a_refused_rating_keeps_her_words_says_why_beside_them_and_marks_her_tab(live_server, live_app, browser):
    username, redemption_id = redeemed(live_app)
    too_long = "送餐准时，" * (MAX_COMMENT // 5) + "饭菜可口"  # MAX_COMMENT + 4 characters
    page = large_text_phone(browser)
    log_in(page, live_server, username, PASSWORD)
    page.goto(f"{live_server}/vouchers/me/redemptions")
    item = page.locator("#redemptions .redemption").first
    item.locator("label[for$='-4']").click()
    item.locator("textarea[name=comment]").fill(too_long)
    with page.expect_response(f"{live_server}/vouchers/redemptions/{redemption_id}/rate") as answer:
        item.locator(".rate-form button").click()
    assert answer.value.status == 422

    item = page.locator("#redemptions .redemption").first
    comment = item.locator("textarea[name=comment]")
    expect(comment).to_have_value(too_long)  # her words, as typed
    expect(item.locator(f"#stars-{redemption_id}-4")).to_be_checked()  # her stars
    error = item.locator(f"#comment-{redemption_id}-error")
    expect(error).to_contain_text(str(MAX_COMMENT))  # why, beside the comment, which points to it
    expect(comment).to_have_attribute("aria-describedby", f"comment-{redemption_id}-error")
    current = page.locator(".resident-tabs a[aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_text("我的服务记录")
    expect(current).to_have_attribute("href", "/vouchers/me/redemptions")
    fits(page, axe=True)
    assert rating_of(live_app, redemption_id) is None  # nothing saved

    comment.fill("送餐准时，饭菜可口")
    item.locator(".rate-form button").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert rating_of(live_app, redemption_id) == (4, "送餐准时，饭菜可口")
    page.context.close()
