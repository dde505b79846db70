"""GET /api/v1/contracts says how many contracts the user may see in all (`total`, before paging), as the other
list endpoints do, with one count query whatever the number of contracts."""

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from core.db import db
from orgs.models import Membership
from projects.contract_models import Contract
from tests.factories import make_user, statements_during
from tests.projects.contract_helpers import active_contract, bearer


@pytest.fixture
def world(app, session):
    officer, manager, first = active_contract(app)
    _officer, _manager, second = active_contract(app)
    db.session.commit()
    return officer, manager, first, second


def listing(client, user, query=""):
    response = client.get(f"/api/v1/contracts{query}", headers=bearer(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_staff_see_the_total_of_all_contracts_on_every_page(client, world):
    officer, manager, first, second = world
    assert db.session.scalar(select(func.count(Contract.id))) == 2
    body = listing(client, officer, "?per_page=1")
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 1)
    assert [c["id"] for c in body["items"]] == [second.id]
    body = listing(client, officer, "?per_page=1&page=2")
    assert body["total"] == 2 and [c["id"] for c in body["items"]] == [first.id]
    body = listing(client, officer, "?per_page=1&page=5")  # past the end: no items, the same total
    assert body["total"] == 2 and body["items"] == []
    assert listing(client, make_user(Role.AUDITOR))["total"] == 2


def test_a_member_sees_the_total_of_their_organisations_contracts_only(client, world):
    officer, manager, first, second = world
    body = listing(client, manager, "?per_page=1")
    assert body["total"] == 1 and [c["id"] for c in body["items"]] == [first.id]
    # a manager of an organisation that did not win (every call had a runner-up) has none
    loser = db.session.scalar(select(Membership).where(Membership.org_id.not_in([first.org_id, second.org_id]),
                                                       Membership.role == "manager")).user
    assert listing(client, loser) == {"items": [], "page": 1, "per_page": 20, "total": 0}
    assert listing(client, make_user())["total"] == 0


def test_the_total_is_one_query_whatever_the_number_of_contracts(app, client, world):
    officer = world[0]
    headers = bearer(officer)

    def run() -> list[str]:
        db.session.expire_all()
        statements, response = statements_during(lambda: client.get("/api/v1/contracts", headers=headers))
        assert response.status_code == 200
        return [s for s in statements if "count(" in s.lower()]

    two = run()
    active_contract(app)
    db.session.commit()
    three = run()
    assert len(two) == len(three) == 1 and "contracts" in three[0]
    assert listing(client, officer)["total"] == 3
