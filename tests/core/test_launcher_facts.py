"""The home page's launcher offers an organisation's work as the "My work" menu does (templates/_work_offers.html):
by what the user is, not by role alone. A member of an organisation offering no voucher service had a voucher
redemption card leading to "you are not a member of any provider"; an expert who is a member had no card at all."""

import re

from accounts.enums import Role
from tests.factories import login, make_user
from tests.orgs.helpers import approved_org
from tests.vouchers.helpers import provider, service

ORG_CARDS = ("my-orgs", "proposals", "projects", "redeem")


def launcher(app, user) -> str:
    browser = app.test_client()
    assert login(browser, user.username).status_code == 302
    return browser.get("/").get_data(as_text=True).split('class="row g-3 launcher"', 1)[1]


def cards(app, user) -> dict[str, str]:
    """The launcher's cards the user is shown, by id, with the page each leads to."""
    return dict(re.findall(r'id="go-([a-z-]+)" href="([^"]+)"', launcher(app, user)))


def menu(app, user) -> set[str]:
    """The pages the user's "My work" menu leads to."""
    browser = app.test_client()
    assert login(browser, user.username).status_code == 302
    page = browser.get("/").get_data(as_text=True).split('id="workmenu"', 1)[1].split("</ul>", 1)[0]
    return set(re.findall(r'href="([^"]+)"', page))


def org_cards(app, user) -> set[str]:
    return {card for card in cards(app, user) if card in ORG_CARDS}


def test_voucher_redemption_for_the_members_of_a_provider_only(app, session):
    """Two users with no platform role, both members of an approved organisation: only the one whose organisation
    offers a voucher service is offered redemption, on the launcher as in the menu."""
    officer = make_user(Role.OFFICER)
    org, with_service = provider(officer)
    service(org, with_service)
    _other, without = provider(officer)
    for _ in range(2):  # the second time from the fragment cache
        assert org_cards(app, with_service) == set(ORG_CARDS)
        assert org_cards(app, without) == {"my-orgs", "proposals", "projects"}
    assert "/vouchers/provider" in menu(app, with_service) and "/vouchers/provider" not in menu(app, without)
    assert cards(app, with_service)["redeem"] == "/vouchers/provider"


def test_experts_with_and_without_an_organisation(app, session):
    """The same role, different facts: the member is offered the organisation's pages, the other expert none."""
    officer = make_user(Role.OFFICER)
    member, other = make_user(Role.EVALUATOR), make_user(Role.EVALUATOR)
    approved_org(member, officer)
    assert org_cards(app, member) == {"my-orgs", "proposals", "projects"}
    assert org_cards(app, other) == set()
    assert {"reviews", "my-evaluations"} <= set(cards(app, member))  # their role's cards as before
    for user in (member, other):  # each organisation card leads to a page the menu offers too
        shown, offered = cards(app, user), menu(app, user)
        assert all(href in offered for card, href in shown.items() if card in ORG_CARDS)

def test_an_officer_member_keeps_one_projects_card(app, session):
    officer = make_user(Role.OFFICER)
    member = make_user(Role.OFFICER)
    approved_org(member, officer)
    page = launcher(app, member)
    assert {"my-orgs", "proposals", "calls", "review-queue"} <= set(cards(app, member))
    assert page.count('id="go-projects"') == 1 and "逾期里程碑、待审核" in page  # the officer's card
    assert "my-orgs" not in cards(app, make_user(Role.OFFICER))


def test_an_account_with_no_role_and_no_organisation_is_led_to_register_one(app, session):
    """Signed up for an organisation that is not registered yet: "My organisations", where one applies; the
    organisation's other pages would say "you are not a member"."""
    assert org_cards(app, make_user()) == {"my-orgs"}
