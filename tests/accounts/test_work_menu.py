"""The "My work" menu offers each entry to those it is for: an organisation's pages to its members (my organisations,
our proposals, projects; voucher redemption to the members of one offering a voucher service), not by role, so an
expert, officer or administrator who is a member of none is not led to "you are not a member" and empty pages; fees
and allowances to those an organisation has paid, its members and experts. What it knows of the user comes with
the session user's one query; the menu is cached per language, roles and those facts, never across them. Its fees
entry is worded as the page it opens."""

from datetime import date

from accounts.enums import Role
from accounts.sessions import WorkFacts, work_facts
from core.db import db
from orgs import services as org_services
from projects import contract_reports as reports
from projects.contract_report_input import FeeInput, ReportInput
from tests.factories import login, make_user, statements_during
from tests.orgs.helpers import approved_org, org_data
from tests.projects.contract_helpers import active_contract
from tests.vouchers.helpers import provider, service

ORG_PAGES = ("/orgs/mine", "/proposals/mine", "/vouchers/provider")
FEES = 'href="/contracts/receipts"'
MEMBERS = {"/orgs/mine", "/proposals/mine", "/contracts/", "/contracts/receipts"}  # a provider's also redeem


def work_menu(app, user) -> str:
    browser = app.test_client()
    assert login(browser, user.username).status_code == 302
    page = browser.get("/").get_data(as_text=True)
    if 'id="workmenu"' not in page:  # a resident and nothing else: what they use is at the menu's top level
        return page.split('id="mainnav"', 1)[1].split("</ul>", 1)[0]
    return page.split('id="workmenu"', 1)[1].split("</ul>", 1)[0]


def offered(menu: str) -> set[str]:
    return {href for href in (*ORG_PAGES, "/contracts/", "/contracts/receipts") if f'href="{href}"' in menu}


def test_those_who_belong_to_no_organisation_are_not_offered_its_pages(app, session):
    expert, officer = make_user(Role.EVALUATOR), make_user(Role.OFFICER)
    assert offered(work_menu(app, expert)) == {"/contracts/receipts"}  # an expert may be paid a fee
    assert offered(work_menu(app, officer)) == {"/contracts/"}  # every project, to see
    for admin in (make_user(Role.ADMIN), make_user(Role.ADMIN, Role.AUDITOR)):
        assert offered(work_menu(app, admin)) == {"/contracts/"}
    # An account with no platform role signed up for an organisation: "My organisations" is where it applies.
    assert offered(work_menu(app, make_user())) == {"/orgs/mine"}


def test_an_organisations_members_are_offered_its_pages_whatever_their_roles(app, session):
    officer = make_user(Role.OFFICER)
    for member in (make_user(), make_user(Role.EVALUATOR), make_user(Role.OFFICER), make_user(Role.RESIDENT)):
        approved_org(member, officer)  # the applicant is its manager
        assert offered(work_menu(app, member)) == MEMBERS


def test_voucher_redemption_is_offered_to_the_members_of_a_provider(app, session):
    officer = make_user(Role.OFFICER)
    org, manager = provider(officer)
    assert "/vouchers/provider" not in offered(work_menu(app, manager))  # no service offered yet
    service(org, manager)
    assert "/vouchers/provider" in offered(work_menu(app, manager))
    # Invited, not yet accepted: "My organisations" (to accept there), nothing of the organisation's work yet.
    invited = make_user(Role.EVALUATOR)
    membership = org_services.invite_member(org, invited.username, "member", actor=manager)
    assert offered(work_menu(app, invited)) == {"/orgs/mine", "/contracts/receipts"}
    org_services.answer_invitation(membership, True, actor=invited)
    assert offered(work_menu(app, invited)) == {*ORG_PAGES, "/contracts/", "/contracts/receipts"}


def test_fees_are_offered_to_those_an_organisation_has_paid(app, session):
    resident, unpaid = make_user(Role.RESIDENT), make_user(Role.RESIDENT)
    _officer, manager, contract = active_contract(app)
    fee = FeeInput("volunteer_allowance", "", 5_000, date.today(), username=resident.username)
    with app.test_request_context():
        reports.submit_report(contract.milestones[0], ReportInput("本期完成了一些工作记录文字", fees=[fee]),
                              actor=manager)
    assert FEES in work_menu(app, resident) and FEES not in work_menu(app, unpaid)
    assert '<a class="nav-link" href="/vouchers/me"' in work_menu(app, unpaid)  # a resident only: at the top level
    first = work_menu(app, make_user(Role.RESIDENT, Role.COMMUNITY_STAFF)).split("<li>", 1)[1]
    assert first.startswith('<a class="dropdown-item" href="/vouchers/me"')  # no divider above nothing
    assert FEES not in work_menu(app, make_user(Role.AUDITOR))


def test_users_with_the_same_roles_but_not_the_same_facts_get_their_own_menus(app, session):
    """One process, one fragment cache: the facts are in its key, so neither user is shown the other's menu, and
    each page reads them afresh (a membership begun shows on the next page)."""
    officer = make_user(Role.OFFICER)
    org, member = provider(officer, manager=make_user(Role.EVALUATOR))
    service(org, member)
    other = make_user(Role.EVALUATOR)
    for _ in range(2):  # the second time from the cache
        assert "/vouchers/provider" in offered(work_menu(app, member))
        assert offered(work_menu(app, other)) == {"/contracts/receipts"}
    approved_org(other, officer)
    assert offered(work_menu(app, other)) == MEMBERS


def test_the_facts_come_with_the_session_user_in_its_one_query(app, client, session, login_as):
    user = make_user(Role.EVALUATOR)
    assert work_facts(user) == WorkFacts(False, False, False, False)  # a user not loaded as a session's: a query
    org_services.create_application(org_data(), actor=user)  # a draft: its applicant is a member already
    assert work_facts(user) == WorkFacts(True, False, False, False)
    login_as(user)
    db.session.commit()
    client.get("/")
    seen, page = statements_during(lambda: client.get("/"))
    facts = [s for s in seen if "org_memberships" in s or "fee_payments" in s or "voucher_services" in s]
    assert len(facts) == 1 and "JOIN user_roles" in facts[0]
    assert 'href="/proposals/mine"' in page.get_data(as_text=True)


def test_the_fees_entry_is_worded_as_its_page(app, client, session, login_as):
    user = make_user(Role.EVALUATOR)
    menu = work_menu(app, user)
    entry = menu.split(FEES + ">", 1)[1].split("</a>", 1)[0]
    login_as(user)
    page = client.get("/contracts/receipts").get_data(as_text=True)
    assert entry == "向我发放的费用与补贴" and f"<h1 class=\"h4 mb-3\">{entry}</h1>" in page


def test_every_work_fact_is_registered_by_the_package_that_owns_its_records(app):
    """orgs (member, invited), vouchers (provider) and projects (paid) register their facts' SQL with accounts, which
    imports none of them; one left unregistered would be false for everyone and hide its menu entry."""
    from accounts.sessions import _FACT_CLAUSES

    assert set(_FACT_CLAUSES) == set(WorkFacts._fields)
