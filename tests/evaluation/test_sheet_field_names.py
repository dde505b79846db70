"""A score sheet refused over the API names a criterion id, or `scores` when the key is not one (an empty key was
named as the field "", which a client cannot show anywhere). Found by the OpenAPI fuzz (tests/test_openapi.py)."""

import pytest

from accounts.enums import Role
from accounts.tokens import create_token
from core.db import db
from evaluation import panels
from evaluation.enums import SeatType
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.factories import make_user


@pytest.mark.parametrize(("key", "named"), [("", "scores"), ("abc", "scores"), ("12345678901", "scores"),
                                            ("7", "7")])
def test_a_refused_score_names_its_criterion_or_the_scores(app, client, session, key, named):
    officer = make_user(Role.OFFICER)
    call, _orgs, props = closed_call_with_proposals(app, officer)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        member = panels.draw_panel(call, {"social_service": 3}, actor=officer).members[0]
    _token, plain = create_token(member.user, "t", actor=member.user)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    base = f"/api/v1/evaluation/members/{member.id}"
    assert client.post(f"{base}/declarations", json={"proposal_id": props[0].id, "conflict": False},
                       headers=headers).status_code == 201
    response = client.put(f"{base}/sheets/{props[0].id}", json={"scores": {key: {"points": 7.25}}}, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {named}
