"""The auditor's home page: an auditor reads everything (DESIGN.md section 1), so the launcher leads to the calls,
projects, evaluations and voucher programmes as well as the audit trail; an auditor landing there saw only residents'
needs, the audit trail and the account, and had to find the rest in the menus. Each card's page opens for them."""

import re

from accounts.enums import Role
from tests.factories import login, make_user


def test_the_auditors_launcher_leads_to_every_record_they_read(app, session):
    browser = app.test_client()
    assert login(browser, make_user(Role.AUDITOR).username).status_code == 302
    launcher = browser.get("/").get_data(as_text=True).split('class="row g-3 launcher"', 1)[1]
    links = dict(re.findall(r'id="go-([a-z-]+)" href="([^"]+)"', launcher))
    for card in ("calls", "projects", "evaluations", "programmes", "audit"):
        assert card in links, card
        assert browser.get(links[card]).status_code == 200, links[card]
    assert "可查阅" in launcher  # worded for reading, not an officer's "draft and publish"
    assert 'id="go-redeem"' not in launcher and 'id="go-users"' not in launcher
