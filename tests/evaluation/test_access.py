"""Conflicted, unassigned and blind access refused on every route."""

import pytest

from accounts.enums import Role
from core.db import db
from evaluation import panels, services
from evaluation.enums import SeatType
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.factories import make_user


@pytest.fixture
def review(app, session):
    officer = make_user(Role.OFFICER)
    call, orgs, props = closed_call_with_proposals(app, officer, blind=True)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer, seed="s1")
    member = panel.members[0]
    services.declare(member, props[0], True, "曾为该机构提供咨询", actor=member.user)
    services.declare(member, props[1], False, "", actor=member.user)
    outsider = expert(SeatType.SOCIAL_SERVICE, officer=officer)  # in the pool, not on this panel
    db.session.commit()
    return {"officer": officer, "call": call, "props": props, "panel": panel, "member": member,
            "outsider": outsider, "orgs": orgs}


def test_conflicted_and_undeclared_proposals_are_not_reachable(client, login_as, review):
    member, props = review["member"], review["props"]
    login_as(member.user)
    assert client.get(f"/evaluation/members/{member.id}/proposals/{props[0].id}").status_code == 404  # conflict
    assert client.get(f"/evaluation/members/{member.id}/proposals/{props[2].id}").status_code == 404  # undeclared
    ok = client.get(f"/evaluation/members/{member.id}/proposals/{props[1].id}")
    assert ok.status_code == 200
    page = ok.get_data(as_text=True)
    assert review["orgs"][1].name not in page  # blind review hides the applicant
    posted = client.post(f"/evaluation/members/{member.id}/proposals/{props[0].id}", data={"action": "save"})
    assert posted.status_code == 404
    assignments = client.get("/evaluation/assignments").get_data(as_text=True)
    rows = assignments.split('id="assignment-')[1:]  # the names are listed for declaring, never beside a proposal
    assert rows and not any(org.name in row for org in review["orgs"] for row in rows)


def test_other_people_cannot_use_a_members_sheet(client, login_as, review):
    member, props = review["member"], review["props"]
    for user in (review["outsider"], review["officer"], make_user()):
        login_as(user)
        assert client.get(f"/evaluation/members/{member.id}/proposals/{props[1].id}").status_code == 404
        assert client.post(f"/evaluation/members/{member.id}/declare",
                           data={"proposal_id": props[2].id, "conflict": "no"}).status_code == 403
        client.post("/logout")


def test_panel_and_results_pages_are_for_officers_and_auditors(client, login_as, review):
    call = review["call"]
    login_as(review["member"].user)
    assert client.get(f"/evaluation/calls/{call.id}/panel").status_code == 403
    assert client.get(f"/evaluation/calls/{call.id}/results").status_code == 403
    client.post("/logout")
    login_as(make_user(Role.AUDITOR))
    assert client.get(f"/evaluation/calls/{call.id}/results").status_code == 200
    page = client.get(f"/evaluation/calls/{call.id}/panel").get_data(as_text=True)
    assert 'id="redraw-ok"' in page and "s1" in page
