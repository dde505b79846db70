""""My organisations" (/orgs/mine) is for those in an organisation and for accounts with no platform role (signed up
for an organisation: they apply to register there), as the "My work" menu offers it. An auditor, officer,
administrator, expert or resident in none got an empty page offering "Apply to register" (QA, an auditor): now a
403 page that says it is for organisations' members, with no such link. Organisation users see it as before."""

import pytest

from accounts.enums import Role
from orgs import services as org_services
from tests.factories import make_user
from tests.orgs.helpers import approved_org, org_data


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.OFFICER, Role.ADMIN, Role.EVALUATOR, Role.RESIDENT,
                                  Role.COMMUNITY_STAFF])
def test_a_platform_role_in_no_organisation_is_told_the_page_is_for_organisations(client, session, login_as, role):
    login_as(make_user(role))
    for lang, words in (("zh-CN", "本页面供社会组织成员使用"), ("en", "This page is for the members of social "
                                                               "organisations.")):
        response = client.get("/orgs/mine", headers={"Accept-Language": lang})
        page = response.get_data(as_text=True)
        assert response.status_code == 403 and 'id="for-members-only"' in page and words in page
        assert 'href="/orgs/apply"' not in page


def test_an_account_with_no_platform_role_applies_there_as_before(client, session, login_as):
    login_as(make_user())  # signed up for an organisation
    page = client.get("/orgs/mine")
    assert page.status_code == 200 and 'href="/orgs/apply"' in page.get_data(as_text=True)


def test_a_member_sees_their_page_as_before_whatever_their_roles(client, session, login_as):
    member = make_user(Role.AUDITOR)
    org = approved_org(member, make_user(Role.OFFICER))
    login_as(member)
    page = client.get("/orgs/mine")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and org.name in body and 'id="for-members-only"' not in body
    assert 'href="/orgs/apply"' in body


def test_one_invited_or_applying_sees_it_too(client, session, login_as):
    applicant = make_user(Role.EVALUATOR)
    org_services.create_application(org_data(), actor=applicant)  # a draft: its applicant is its manager already
    login_as(applicant)
    assert client.get("/orgs/mine").status_code == 200
