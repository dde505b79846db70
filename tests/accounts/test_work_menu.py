"""The "My work" menu offers each entry to those it is for, by role (it is cached per language and role set): an
administrator, like an auditor, works for no organisation, so is not offered its pages (my organisations, our
proposals, voucher redemption, fees paid to me, which led to "you are not a member" and empty pages), but still
projects, which staff see every one of. Its fees entry is worded as the page it opens."""

from accounts.enums import Role
from tests.factories import login, make_user

ORG_PAGES = ("/orgs/mine", "/proposals/mine", "/vouchers/provider")
FEES = 'href="/contracts/receipts"'


def work_menu(app, user) -> str:
    browser = app.test_client()
    assert login(browser, user.username).status_code == 302
    page = browser.get("/").get_data(as_text=True)
    return page.split('id="workmenu"', 1)[1].split("</ul>", 1)[0]


def test_an_administrator_is_not_offered_an_organisations_pages(app, session):
    for admin in (make_user(Role.ADMIN), make_user(Role.ADMIN, Role.AUDITOR)):
        menu = work_menu(app, admin)
        for href in ORG_PAGES:
            assert f'href="{href}' not in menu
        assert FEES not in menu
        assert 'href="/contracts/"' in menu  # every project, to see


def test_fees_are_offered_to_those_an_organisation_pays(app, session):
    paid = (make_user(), make_user(Role.EVALUATOR), make_user(Role.RESIDENT), make_user(Role.ADMIN, Role.EVALUATOR))
    for user in paid:
        assert FEES in work_menu(app, user)
    assert FEES not in work_menu(app, make_user(Role.AUDITOR))


def test_an_organisations_people_keep_its_pages(app, session):
    menu = work_menu(app, make_user())  # no platform role: signed up for an organisation
    for href in (*ORG_PAGES, "/contracts/", "/contracts/receipts"):
        assert f'href="{href}"' in menu
    assert 'href="/contracts/"' in work_menu(app, make_user(Role.AUDITOR))


def test_the_fees_entry_is_worded_as_its_page(app, client, session, login_as):
    user = make_user()
    menu = work_menu(app, user)
    entry = menu.split(FEES + ">", 1)[1].split("</a>", 1)[0]
    login_as(user)
    page = client.get("/contracts/receipts").get_data(as_text=True)
    assert entry == "向我发放的费用与补贴" and f"<h1 class=\"h4 mb-3\">{entry}</h1>" in page
