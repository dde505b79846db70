"""Bugs found in review of the evaluation package: each test failed before its fix."""

from accounts import services as accounts
from accounts.enums import Role
from core.db import db
from evaluation import services
from evaluation.enums import SeatType
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.factories import make_user

HUGE = "99999999999999999999"


def bearer(user):
    _t, plain = accounts.create_token(user, "t", actor=user)
    return {"Authorization": f"Bearer {plain}"}


def drawn_panel(app, officer, **call_overrides):
    call, orgs, props = closed_call_with_proposals(app, officer, **call_overrides)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = services.draw_panel(call, {"social_service": 3}, actor=officer)
    db.session.commit()
    return call, orgs, props, panel


def test_declaring_on_a_huge_proposal_number_is_refused_not_a_500(app, client, session, login_as):
    officer = make_user(Role.OFFICER)
    _call, _orgs, _props, panel = drawn_panel(app, officer)
    member = panel.members[0]
    headers = bearer(member.user)
    db.session.commit()
    answer = client.post(f"/api/v1/evaluation/members/{member.id}/declarations",
                         json={"proposal_id": int(HUGE), "conflict": False}, headers=headers)
    assert answer.status_code == 422 and "proposal_id" in answer.get_json()["error"]["fields"]
    login_as(member.user)
    page = client.post(f"/evaluation/members/{member.id}/declare", data={"proposal_id": HUGE, "conflict": "no"})
    assert page.status_code == 400
    assert services.declarations(member) == {}

