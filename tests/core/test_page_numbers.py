"""A page number the app cannot use (?page=-5, 0, abc, +2, beyond MAX_PAGE) is treated as the rest of the query is on
each side: the API refuses malformed query input with a 422 naming the argument (core.api.query_int), so a page
number is refused too, on every list (the officers' watch list too, which read ?page=abc as the first page) and
never read as another page than the one asked for (-5 was the first page); the pages (HTML) ignore a filter value they
do not know and show the list, so they show the first page (core.paging.page_arg), on every list alike ('+2' was the
second page on some and 10001 the 10000th, an empty one)."""

import re

import pytest

from accounts.enums import Role
from core.db import db
from core.paging import MAX_PAGE
from tests.accounts.test_needs import raised, resident_user
from tests.factories import make_user
from tests.vouchers.test_api import bearer

API = "/api/v1"
UNUSABLE = ["-5", "0", "abc", "+2", "1.5", "２", " 2", str(MAX_PAGE + 1), "9" * 30]


@pytest.fixture
def officer(session):
    user = make_user(Role.OFFICER)
    db.session.commit()
    return user


@pytest.mark.parametrize("value", UNUSABLE)
def test_the_api_refuses_a_page_it_cannot_use_naming_it(client, officer, value):
    headers = bearer(officer)
    for path in ("/orgs", "/calls", "/needs", "/contracts", "/contracts/watch"):
        response = client.get(f"{API}{path}?page={value}", headers=headers)
        assert response.status_code == 422, (path, value, response.status_code)
        assert list(response.get_json()["error"]["fields"]) == ["page"], (path, value)


@pytest.mark.parametrize("value", ["0", "-1", "x", "101"])
def test_the_api_refuses_a_per_page_out_of_range_saying_the_range(client, officer, value):
    response = client.get(f"{API}/needs?per_page={value}", headers=bearer(officer))
    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["per_page"]
    if value in ("0", "101"):
        assert "1" in response.get_json()["error"]["fields"]["per_page"]
        assert "100" in response.get_json()["error"]["fields"]["per_page"]


def test_the_api_takes_a_page_it_can_use(client, officer):
    headers = bearer(officer)
    for path in ("/orgs", "/calls", "/needs", "/contracts", "/contracts/watch"):
        for query in ("", "?page=", "?page=1", "?page=2", f"?page={MAX_PAGE}"):
            assert client.get(f"{API}{path}{query}", headers=headers).status_code == 200, (path, query)
    answer = client.get(f"{API}/needs?page=3&per_page=100", headers=headers).get_json()
    assert (answer["page"], answer["per_page"]) == (3, 100)


@pytest.fixture
def many_needs(app, session):
    """31 needs (one more than a page of the needs list): their ids, newest first."""
    with app.test_request_context():
        owner, profile = resident_user("和平社区")
        made = [raised(profile, owner, f"需求 {n}").id for n in range(31)]
    db.session.commit()
    return sorted(made, reverse=True)


@pytest.mark.parametrize("value", UNUSABLE)
def test_a_list_page_shows_its_first_page_for_a_page_it_cannot_use(client, login_as, many_needs, value):
    login_as(make_user(Role.OFFICER))
    page = client.get(f"/needs/?page={value}")
    assert page.status_code == 200
    shown = [int(i) for i in re.findall(r'href="/needs/(\d+)"', page.get_data(as_text=True))]
    assert shown == many_needs[:30]  # the first page, its next link to the second
    assert 'href="/needs/?page=2"' in page.get_data(as_text=True)
    second = client.get("/needs/?page=2").get_data(as_text=True)
    assert [int(i) for i in re.findall(r'href="/needs/(\d+)"', second)] == many_needs[30:]


def same_page(body: str) -> str:
    """The page's main part, without what differs between two requests for it (a CSRF token)."""
    main = body[body.index("<main"):body.index("</main>")]
    return re.sub(r'(nonce|value)="[^"]*"', "", main)


@pytest.mark.parametrize("value", ["-5", "0", "abc", "+2", str(MAX_PAGE + 1)])
def test_every_list_page_shows_the_first_page_alike(client, login_as, session, value):
    login_as(make_user(Role.ADMIN, Role.OFFICER, Role.COMMUNITY_STAFF))
    db.session.commit()
    for path in ("/needs/?", "/orgs/?", "/admin/users?", "/vouchers/programmes?", "/contracts/?",
                 "/vouchers/residents?status=verified&"):
        first = client.get(f"{path}page=1")
        asked = client.get(f"{path}page={value}")
        assert (asked.status_code, first.status_code) == (200, 200), path
        assert same_page(asked.get_data(as_text=True)) == same_page(first.get_data(as_text=True)), (path, value)
