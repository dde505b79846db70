"""A plain member of two organisations opens a call on a phone (QA walk): each organisation's eligibility is listed
rule by rule before any "Write a proposal"; the one below the call's minimum grade is told why and what would make
it eligible and offered nothing; the other one's draft is started by the member herself."""

import itertools

from playwright.sync_api import expect

from accounts.enums import Role
from core.db import db
from orgs.models import Membership
from tests.e2e.test_org_phone_journey import fits
from tests.e2e.test_phone_journey import PHONE_SIZE, log_in
from tests.factories import PASSWORD, make_user
from tests.orgs.helpers import make_uscc
from tests.projects.helpers import good_org, published_call

_serial = itertools.count(7_713_001)  # this test's own credit codes on the shared live app


def seed(app) -> dict:
    with app.app_context(), app.test_request_context():
        n = next(_serial)
        officer, manager, member = make_user(Role.OFFICER), make_user(), make_user()
        fit = good_org(manager, officer, grade=4, name=f"晨光社工服务中心{n}", uscc=make_uscc("2", n))
        low = good_org(manager, officer, grade=2, name=f"夕阳红服务社{n}", uscc=make_uscc("2", n + 500))
        for org in (fit, low):
            db.session.add(Membership(org_id=org.id, user_id=member.id, role="member"))
        call = published_call(officer, title=f"和平街道助老服务项目{n}", min_grade=3, min_years_registered=1)
        db.session.commit()
        return {"member": member.username, "call": call.id, "fit": fit.id, "low": low.id}


def test_each_organisation_sees_its_eligibility_and_only_the_eligible_one_writes(live_server, live_app, browser):
    scene = seed(live_app)
    page = browser.new_context(locale="en-GB", viewport=PHONE_SIZE).new_page()
    log_in(page, live_server, scene["member"], PASSWORD)
    page.goto(f"{live_server}/calls/{scene['call']}")
    low = page.locator(f"#org-card-{scene['low']}")
    expect(low.locator(f"#eligibility-{scene['low']}")).to_contain_text(
        "A valid grade of at least 3A is required (has: 2A).")
    expect(low.locator(f"#not-eligible-{scene['low']}")).to_contain_text("would make it eligible")
    expect(low.locator("button")).to_have_count(0)
    expect(page.locator("#eligibility-rules")).to_contain_text("Registered for at least 1 year.")
    fit = page.locator(f"#org-card-{scene['fit']}")
    expect(fit.locator(f"#eligibility-{scene['fit']}")).to_contain_text("Grade 4A meets the minimum 3A.")
    fits(page)
    fit.locator("#start-proposal").click()
    expect(page.locator("#proposal-form")).to_be_visible()
