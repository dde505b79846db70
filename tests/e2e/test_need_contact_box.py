"""The resident's "please contact me" box on her needs page is one a finger can tick, in a row as tall as a
fingertip, as the platform's other choices are (.big-choices): on a phone at its default text size it was a 17 px
box in a 26 px row, under fields and a button twice its height."""

from playwright.sync_api import expect

from tests.e2e.test_phone_journey import log_in
from tests.e2e.test_resident_large_text import SMALL_PHONE


def test_the_contact_box_is_finger_sized(live_server, browser):
    context = browser.new_context(locale="zh-CN", viewport=SMALL_PHONE, device_scale_factor=2)
    page = context.new_page()
    log_in(page, live_server, "resident2", "gongzhi-demo")
    page.goto(f"{live_server}/needs/mine")
    box = page.locator("#wants_contact").bounding_box()
    row = page.locator("#wants-contact-choice .form-check").bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box
    assert row["height"] >= 44, row
    page.get_by_text("希望社区与我联系").click()  # the words tick it too
    expect(page.locator("#wants_contact")).to_be_checked()
    context.close()
