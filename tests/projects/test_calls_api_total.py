"""GET /api/v1/calls says how many calls match in all (`total`, before paging), with the same filters as the items
(drafts never counted, the status filter applied), in one count query whatever the number of calls — as the other
list endpoints do (tests/projects/test_contract_api_total.py)."""

from datetime import timedelta

import pytest

from accounts.enums import Role
from core.db import db
from projects import calls
from tests.factories import make_user, statements_during
from tests.projects.helpers import call_data, published_call


@pytest.fixture
def world(app, session):
    """Three published calls, one that has closed (or failed) and one draft: (officer, the ended call's status)."""
    officer = make_user(Role.OFFICER)
    with app.test_request_context():
        for _i in range(3):
            published_call(officer)
        ended = published_call(officer)
        calls.close_if_due(ended, now=ended.submission_deadline + timedelta(minutes=1))
        calls.create_call(call_data(), actor=officer)
    db.session.commit()
    return officer, str(ended.status)


def listing(client, query=""):
    response = client.get(f"/api/v1/calls{query}", headers={"Accept-Language": "en"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_total_counts_every_public_call_on_every_page(client, world):
    body = listing(client, "?per_page=2")
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (4, 1, 2, 2)
    body = listing(client, "?per_page=2&page=2")
    assert body["total"] == 4 and len(body["items"]) == 2
    body = listing(client, "?per_page=2&page=9")  # past the end: no items, the same total
    assert body["total"] == 4 and body["items"] == []


def test_the_total_follows_the_status_filter(client, world):
    _officer, ended_status = world
    assert ended_status != "published"
    published = listing(client, "?status=published&per_page=1")
    assert published["total"] == 3 and len(published["items"]) == 1
    ended = listing(client, f"?status={ended_status}")
    assert ended["total"] == 1 and [c["status"] for c in ended["items"]] == [ended_status]
    other = "awarded" if ended_status != "awarded" else "under_review"
    assert listing(client, f"?status={other}") == {"items": [], "page": 1, "per_page": 20, "total": 0}


def test_the_total_is_one_query_whatever_the_number_of_calls(app, client, world):
    officer = world[0]

    def run() -> list[str]:
        db.session.expire_all()
        statements, response = statements_during(lambda: client.get("/api/v1/calls"))
        assert response.status_code == 200
        return [s for s in statements if "count(" in s.lower()]

    four = run()
    with app.test_request_context():
        published_call(officer)
    db.session.commit()
    five = run()
    assert len(four) == len(five) == 1
    assert listing(client)["total"] == 5
