import io
from datetime import timedelta

import pytest

from accounts.enums import Role
from accounts.tokens import create_token
from core.db import db
from projects import proposals
from projects.enums import ProposalStatus
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES
from tests.projects.helpers import budget, good_org, published_call, ready_proposal


@pytest.fixture
def world(app, session):
    officer, manager, rival = make_user(Role.OFFICER), make_user(), make_user()
    org = good_org(manager, officer, name="申报方社会工作服务中心")
    rival_org = good_org(rival, officer, name="另一家社会工作服务中心")
    with app.test_request_context():
        call = published_call(officer)
    draft = ready_proposal(call, org, manager)
    submitted = ready_proposal(call, rival_org, rival)
    proposals.transition_proposal(submitted, ProposalStatus.SUBMITTED, actor=rival)
    db.session.commit()
    return {"officer": officer, "manager": manager, "rival": rival, "org": org, "call": call, "draft": draft,
            "submitted": submitted, "auditor": make_user(Role.AUDITOR), "stranger": make_user()}


def bearer(user):
    _t, plain = create_token(user, "t", actor=user)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


ROLES = ["anonymous", "manager", "rival", "stranger", "officer", "auditor"]
# page -> who may open it (the draft belongs to "manager", the submitted proposal to "rival")
TABLE = {
    "/proposals/{draft}": {"manager", "officer", "auditor"},
    "/proposals/{submitted}": {"rival", "officer", "auditor"},
    "/proposals/{draft}/edit": {"manager"},
    "/calls/{call}/screening": {"officer"},
    "/calls/{call}/dashboard": {"officer", "auditor"},
    "/calls/{call}": set(ROLES),
    "/calls/new": {"officer"},
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_table(client, login_as, world, role):
    if role != "anonymous":
        login_as(world[role])
    ids = {"draft": world["draft"].id, "submitted": world["submitted"].id, "call": world["call"].id}
    wrong = {}
    for path, allowed in TABLE.items():
        response = client.get(path.format(**ids))
        if (response.status_code == 200) != (role in allowed):
            wrong[path] = response.status_code
    assert wrong == {}


def test_other_organisations_never_see_a_proposal_through_the_api(client, world):
    for user in ("stranger", "manager"):
        headers = bearer(world[user])
        response = client.get(f"/api/v1/proposals/{world['submitted'].id}", headers=headers)
        assert response.status_code == 404
        listed = client.get("/api/v1/proposals", headers=headers).get_json()["items"]
        assert world["submitted"].id not in [p["id"] for p in listed]


def test_write_and_submit_through_the_api(client, world):
    headers = bearer(world["manager"])
    draft = world["draft"]
    body = {"title": "接口修改的项目", "summary": "摘要", "needs_analysis": "需求", "objectives": "目标",
            "work_plan": [{"month": "1", "activity": "调研"}], "outputs": [{"indicator": "探访", "target": 10,
                                                                           "unit": "次"}],
            "team": [{"name": "甲", "role": "乙", "qualification": "丙"}], "budget_lines": budget(10_000_000),
            "co_funding_fen": 0}
    saved = client.put(f"/api/v1/proposals/{draft.id}", json=body, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["requested_fen"] == 10_000_000
    over = client.put(f"/api/v1/proposals/{draft.id}", json={**body, "budget_lines": budget(30_000_000)},
                      headers=headers)
    assert over.status_code == 200
    refused = client.post(f"/api/v1/proposals/{draft.id}/submit", headers=headers)
    assert refused.status_code == 422 and "budget" in refused.get_json()["error"]["fields"]
    client.put(f"/api/v1/proposals/{draft.id}", json=body, headers=headers)
    done = client.post(f"/api/v1/proposals/{draft.id}/submit", headers=headers)
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"
    assert done.get_json()["content_hash"]
    frozen = client.put(f"/api/v1/proposals/{draft.id}", json=body, headers=headers)
    assert frozen.status_code == 409
    bad = client.put(f"/api/v1/proposals/{draft.id}", json={"work_plan": "not a list"}, headers=headers)
    assert bad.status_code == 422


def test_frozen_proposal_refuses_changes_through_the_pages(client, login_as, world):
    login_as(world["rival"])  # its own organisation's manager: its page, saying why (it was a bare 403)
    submitted = world["submitted"]
    for response in (client.get(f"/proposals/{submitted.id}/edit"),
                     client.post(f"/proposals/{submitted.id}/edit", data={"title": "偷改"})):
        assert response.status_code == 302 and response.location.endswith(f"/proposals/{submitted.id}")
    upload = client.post(f"/proposals/{submitted.id}/attachments",
                         data={"requirement": "申报书盖章扫描件", "file": (io.BytesIO(PDF_BYTES), "x.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 403
    db.session.expire_all()
    assert submitted.title == "上门探访项目" and len(submitted.attachments) == 1


def test_public_call_api_and_deadline_closing(client, world):
    call = world["call"]
    listed = client.get("/api/v1/calls").get_json()["items"]
    assert call.id in [c["id"] for c in listed]
    one = client.get(f"/api/v1/calls/{call.id}").get_json()
    assert one["status"] == "published" and one["max_per_proposal_fen"] == call.max_per_proposal_fen
    call.submission_deadline = call.questions_until + timedelta(seconds=1)
    call.questions_until = call.questions_until - timedelta(days=30)
    call.submission_deadline = call.questions_until + timedelta(seconds=1)  # now in the past
    db.session.commit()
    assert client.get(f"/api/v1/calls/{call.id}").get_json()["status"] == "closed"


def test_proposal_form_saves_partial_drafts(client, login_as, world):
    login_as(world["manager"])
    draft = world["draft"]
    page = client.get(f"/proposals/{draft.id}/edit")
    assert page.status_code == 200 and "budget.js" in page.get_data(as_text=True)
    response = client.post(f"/proposals/{draft.id}/edit", data={
        "title": "只写了标题", "budget_lines-0-category": "personnel", "budget_lines-0-item": "社工",
        "budget_lines-0-quantity": "2", "budget_lines-0-unit_price_fen": "1,500.50"})
    assert response.status_code == 302
    db.session.expire_all()
    assert draft.title == "只写了标题" and draft.requested_fen == 300100
