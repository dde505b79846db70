"""Whole-number query arguments on the JSON API (core.api.query_int, one parser for the directory, the voucher
catalogue and the residents' needs): a malformed or out-of-range value is a 422 naming the argument; anything that
fits a database integer column is taken (an unknown id filters everything out, never a 500)."""

import pytest

from accounts.enums import Role
from core.db import db
from core.numbers import DB_INT_MAX
from tests.factories import make_user
from tests.vouchers.helpers import world
from tests.vouchers.test_api import bearer

API = "/api/v1"
REFUSED = ["x", "-1", "+1", "1.5", "1e3", " 1", "１２", "²", str(DB_INT_MAX + 1), "9" * 30, "9" * 5000]


@pytest.fixture
def urls(session):
    w = world()
    officer = make_user(Role.OFFICER)
    db.session.commit()
    return {  # (path with the argument last, headers)
        "grade": (f"{API}/orgs?grade=", {}),
        "category": (f"{API}/orgs?category=", {}),
        "community": (f"{API}/orgs?community=", {}),
        "category_id": (f"{API}/vouchers/services?programme_id={w.programme.id}&category_id=", bearer(w.staff)),
        "community_id": (f"{API}/vouchers/services?programme_id={w.programme.id}&community_id=", bearer(w.staff)),
        "programme_id": (f"{API}/vouchers/services?programme_id=", bearer(w.staff)),
        "needs community_id": (f"{API}/needs?community_id=", bearer(officer)),
    }


@pytest.mark.parametrize("value", REFUSED)
def test_a_malformed_or_out_of_range_argument_is_a_422_naming_it(client, urls, value):
    for label, (url, headers) in urls.items():
        response = client.get(url + value, headers=headers)
        name = label.split()[-1]
        assert response.status_code == 422, (label, value, response.status_code)
        assert list(response.get_json()["error"]["fields"]) == [name], (label, value)


def test_a_number_that_fits_a_column_is_taken(client, urls):
    for label, (url, headers) in urls.items():
        if label in ("grade", "programme_id"):
            continue  # a grade is 1 to 5 (test_directory_api_grade); an unknown programme is a 404
        for value in ("", "999999", "1000000000", str(DB_INT_MAX)):  # 10 digits were refused by two of the parsers
            response = client.get(url + value, headers=headers)
            assert response.status_code == 200, (label, value, response.get_json())
            if value:  # nothing is of that id (a service offered anywhere serves any community)
                items = response.get_json()["items"]
                assert all(i["communities"] == [] for i in items) if label == "community_id" else items == []
    url, headers = urls["programme_id"]
    assert client.get(url + str(DB_INT_MAX), headers=headers).status_code == 404


def test_needs_take_no_community_zero(client, urls):
    """An id there is at least 1, as before the parsers were one; the catalogue filters by 0 as by any unknown id."""
    url, headers = urls["needs community_id"]
    assert client.get(url + "0", headers=headers).status_code == 422
    url, headers = urls["category_id"]
    assert client.get(url + "0", headers=headers).get_json()["items"] == []
