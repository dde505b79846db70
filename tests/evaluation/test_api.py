from accounts.enums import Role
from accounts.tokens import create_token
from core.db import db
from evaluation import panels
from evaluation.enums import SeatType
from tests.evaluation.helpers import closed_call_with_proposals, expert
from tests.factories import make_user


def bearer(user):
    _t, plain = create_token(user, "t", actor=user)
    return {"Authorization": f"Bearer {plain}"}


def test_evaluator_api_declare_score_submit(app, client, session):
    officer = make_user(Role.OFFICER)
    call, orgs, props = closed_call_with_proposals(app, officer)
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(call, {"social_service": 3}, actor=officer)
    member = panel.members[0]
    headers = bearer(member.user)
    db.session.commit()
    listed = client.get("/api/v1/evaluation/assignments", headers=headers).get_json()["items"][0]
    assert all(p["organisation"] is None for p in listed["proposals"])  # nothing visible before declaring
    base = f"/api/v1/evaluation/members/{member.id}"
    assert client.post(f"{base}/declarations", json={"proposal_id": props[0].id, "conflict": True,
                                                      "relationship": "前雇主"}, headers=headers).status_code == 201
    assert client.post(f"{base}/declarations", json={"proposal_id": props[1].id, "conflict": False},
                       headers=headers).status_code == 201
    assert client.get(f"{base}/sheets/{props[0].id}", headers=headers).status_code == 404  # conflicted
    assert client.get(f"{base}/sheets/{props[2].id}", headers=headers).status_code == 404  # undeclared
    criteria = listed["criteria"]
    bad = client.put(f"{base}/sheets/{props[1].id}", json={"scores": {str(criteria[0]["id"]): {"points": 7.25}}},
                     headers=headers)
    assert bad.status_code == 422
    scores = {str(c["id"]): {"points": c["max_points"] * 0.5} for c in criteria}
    done = client.put(f"{base}/sheets/{props[1].id}", json={"scores": scores, "submit": True}, headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"
    again = client.put(f"{base}/sheets/{props[1].id}", json={"scores": scores}, headers=headers)
    assert again.status_code == 409
    other = bearer(panel.members[1].user)
    db.session.commit()
    assert client.get(f"{base}/sheets/{props[1].id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/calls/{call.id}/results").status_code == 404  # not published yet
