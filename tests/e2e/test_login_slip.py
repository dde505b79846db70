"""Community staff open a resident's login slip (a resident they registered without a phone) and print it: the
login name in two groups of digits, the Print button shown by its script (the CSP refuses an inline handler)."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import Community
from accounts.resident_models import ResidentProfile
from core.db import db

from .test_org_registration import log_in


def registered_without_phone(app) -> tuple[int, str]:
    with app.app_context():
        profile = db.session.scalars(select(ResidentProfile).join(Community).where(
            ResidentProfile.registered_by_id.is_not(None), Community.name == "和平社区")
            .order_by(ResidentProfile.id)).first()
        return profile.id, profile.user.username


def test_staff_print_a_residents_login_slip(live_server, live_app, page):
    resident_id, name = registered_without_phone(live_app)
    assert re.fullmatch(r"[2-9]\d{6}", name)  # the demo's residents, registered by staff, have digit names too
    log_in(page, live_server, "staff1")
    page.goto(f"{live_server}/residents/{resident_id}/login-slip")
    expect(page.locator("#slip-login-name")).to_have_text(name)  # (two spans: 3 digits, 4 digits)
    expect(page.locator("#slip-login-name > span")).to_have_count(2)
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.locator("#print-page").click()  # visible: shown by its script
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
