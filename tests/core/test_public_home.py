"""What the public finds without an account, as walked on a phone (where the menu hides behind its button): the home
page leads to the calls with their results and to the organisation directory, and offers signing up; a project's
public page leads back to the call it was awarded under, whose page carries the results; a satisfaction survey's
page (closed ones too) leads to its project's page."""

import re

from accounts.enums import Role
from core.db import db
from evaluation import surveys
from tests.evaluation.project_helpers import commissioned
from tests.factories import login, make_user
from tests.projects.contract_helpers import active_contract


def test_the_home_page_leads_the_public_to_what_they_may_read(client, session):
    body = client.get("/").get_data(as_text=True)
    records = body.split('id="public-records"', 1)[1].split('<div class="row g-3">', 1)[0]
    assert re.search(r'href="/calls/" id="go-calls">查看项目征集</a>', records)
    assert re.search(r'href="/orgs/" id="go-directory">查看社会组织</a>', records)
    assert 'href="/signup"' in body.split("<main", 1)[1]
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "See the calls" in english and "See the organisations" in english and "查看" not in english


def test_the_signed_in_home_page_is_the_launcher(client, session, login_as):
    login_as(make_user())
    assert 'id="public-records"' not in client.get("/").get_data(as_text=True)


def test_the_launcher_offers_organisations_work_to_those_who_do_it_not_to_platform_roles(app, session):
    def launcher(*roles) -> str:
        browser = app.test_client()
        assert login(browser, make_user(*roles).username).status_code == 302
        return browser.get("/").get_data(as_text=True).split('class="row g-3 launcher"', 1)[1]

    founder = launcher()  # no role, no organisation yet: one to register (tests/core/test_launcher_facts.py)
    assert 'id="go-my-orgs"' in founder and 'id="go-proposals"' not in founder and 'id="go-redeem"' not in founder
    for role in (Role.EVALUATOR, Role.COMMUNITY_STAFF, Role.AUDITOR, Role.ADMIN, Role.OFFICER, Role.RESIDENT):
        page = launcher(role)
        assert 'id="go-my-orgs"' not in page and 'id="go-proposals"' not in page and 'id="go-redeem"' not in page
        assert 'id="go-account"' in page  # the launcher itself is there


def test_a_projects_public_page_leads_to_its_call(app, client, session):
    _officer, _manager, contract = active_contract(app)
    db.session.commit()
    response = client.get(f"/projects/{contract.id}")
    assert response.status_code == 200
    link = re.search(r'<a href="([^"]+)" id="project-call">([^<]+)</a>', response.get_data(as_text=True))
    assert link.group(1) == f"/calls/{contract.call_id}" and link.group(2) == "该项目的征集公告与评审结果"
    assert client.get(link.group(1)).status_code == 200  # open to the public


def test_a_surveys_page_links_to_its_projects_public_page(app, client, session):
    officer, _manager, contract, evaluation, _evaluators = commissioned(app)
    survey = surveys.create_survey(evaluation, "问卷", surveys.parse_outline(surveys.DEFAULT_OUTLINE), actor=officer)
    db.session.commit()
    body = client.get(f"/surveys/{survey.id}").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" id="survey-project">([^<]+)</a>', body)
    assert link.group(1) == f"/projects/{contract.id}" and link.group(2) == contract.title
    assert client.get(link.group(1)).status_code == 200  # a closed survey is no dead end
