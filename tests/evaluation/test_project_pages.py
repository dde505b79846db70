"""Project evaluation pages and API: the permission table, scoring and requests over HTTP."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.timeutil import local_today
from evaluation import project_services
from evaluation.project_models import DocumentRequest, ProjectEvaluation
from tests.evaluation.project_helpers import commissioned
from tests.evaluation.test_api import bearer
from tests.factories import make_user
from tests.orgs.helpers import PDF_BYTES, approved_org


@pytest.fixture
def world(app, session):
    officer, manager, contract, evaluation, (ev, cf) = commissioned(app, n=2, declare=False)
    with app.test_request_context():
        project_services.declare(evaluation.assignments[0], False, "", actor=ev)
        project_services.declare(evaluation.assignments[1], True, "曾任该机构督导", actor=cf)
    other_manager = make_user()
    approved_org(other_manager, officer)
    unassigned = make_user(Role.EVALUATOR)
    db.session.commit()
    return {"officer": officer, "auditor": make_user(Role.AUDITOR), "resident": make_user(Role.RESIDENT),
            "manager": manager, "other_org": other_manager, "evaluator": ev, "conflicted": cf,
            "unassigned": unassigned, "anonymous": None, "evaluation": evaluation, "contract": contract}


def routes(w):
    e, c = w["evaluation"].id, w["contract"].id
    return {"index": "/evaluations/", "show": f"/evaluations/{e}", "workspace": f"/evaluations/{e}/workspace",
            "survey": f"/evaluations/{e}/survey", "commission": f"/evaluations/contracts/{c}/new",
            "public": f"/projects/{c}", "api_public": f"/api/v1/projects/{c}/evaluations",
            "api_sheet": f"/api/v1/evaluation/project-evaluations/{e}/sheet",
            "api_mine": "/api/v1/evaluation/project-evaluations"}


L, F, N, A = 302, 403, 404, 401  # login redirect, forbidden, not found, API unauthenticated
EXPECTED = {
    #              index show workspace survey commission public api_public api_sheet api_mine
    "officer":    (200, 200, N, 200, 200, 200, 200, N, 200),
    "auditor":    (200, 200, N, 200, F, 200, 200, N, 200),  # the survey page read only
    "evaluator":  (F, 200, 200, 200, F, 200, 200, 200, 200),
    "conflicted": (F, 200, N, F, F, 200, 200, N, 200),
    "unassigned": (F, N, N, N, F, 200, 200, N, 200),
    "manager":    (F, 200, N, F, F, 200, 200, N, 200),
    "other_org":  (F, N, N, N, F, 200, 200, N, 200),
    "resident":   (F, N, N, N, F, 200, 200, N, 200),
    "anonymous":  (L, L, L, L, L, 200, 200, A, A),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_permission_table(client, login_as, world, role):
    headers = {}
    if world[role] is not None:
        login_as(world[role])
        headers = bearer(world[role])  # the API authenticates by token
    got = tuple(client.get(url, headers=headers if "/api/" in url else {}).status_code
                for url in routes(world).values())
    assert got == EXPECTED[role], dict(zip(routes(world), got, strict=True))


def test_conflicted_evaluator_is_told_nothing_about_the_project_in_the_api(client, world):
    headers = bearer(world["conflicted"])
    (item,) = client.get("/api/v1/evaluation/project-evaluations", headers=headers).get_json()["items"]
    assert item["conflict"] is True and item["project"] is None and item["criteria"] == []


def test_undeclared_evaluator_sees_only_the_declaration(client, login_as, app, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app, declare=False)
    db.session.commit()
    login_as(ev)
    page = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert 'id="declare"' in page and "open-workspace" not in page
    assert client.get(f"/evaluations/{evaluation.id}/workspace").status_code == 302  # sent to declare first
    assert '<option selected value="">' in page  # nothing preselected: the evaluator chooses
    refused = client.post(f"/evaluations/{evaluation.id}/declare", data={"conflict": ""},
                          headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "Choose whether you have a conflict of interest." in refused.text
    assert client.get(f"/evaluations/{evaluation.id}/workspace").status_code == 302  # nothing declared: declare
    assert client.post(f"/evaluations/{evaluation.id}/declare", data={"conflict": "no"}).status_code == 302
    assert client.get(f"/evaluations/{evaluation.id}/workspace").status_code == 200
    assert db.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "evaluation.no_conflict_declared",
                                                         AuditEvent.actor_id == ev.id))


def test_scoring_requests_and_report_over_http(client, login_as, world):
    evaluation, ev = world["evaluation"], world["evaluator"]
    criteria = evaluation.template.criteria
    login_as(ev)
    page = client.get(f"/evaluations/{evaluation.id}/workspace").get_data(as_text=True)
    assert 'id="evidence-budget_execution"' in page and 'id="evidence-satisfaction"' in page
    due = (local_today() + timedelta(days=7)).isoformat()
    client.post(f"/evaluations/{evaluation.id}/requests", data={"text": "请提供全部活动签到表", "due_on": due})
    form = {f"c{c.id}": str(c.max_points * 3 // 4) for c in criteria} | {"action": "submit"}
    form[f"c{criteria[0].id}"] = "5.5"
    client.post(f"/evaluations/{evaluation.id}/workspace", data=form)
    client.post("/logout")
    login_as(world["manager"])
    request = db.session.scalar(select(DocumentRequest).where(DocumentRequest.evaluation_id == evaluation.id))
    assert request is not None and request.due_on.isoformat() == due
    answered = client.post(f"/evaluations/requests/{request.id}/answer",
                           data={"text": "见附件", "files": [(io.BytesIO(PDF_BYTES), "签到表.pdf")]},
                           content_type="multipart/form-data")
    assert answered.status_code == 302
    client.post("/logout")
    login_as(ev)
    show = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    key = re.search(r"/files/([0-9a-f]{32})", show).group(1)
    assert client.get(f"/evaluations/{evaluation.id}/files/{key}").data == PDF_BYTES
    issued = client.post(f"/evaluations/{evaluation.id}/issue", data={"text": "项目执行总体合格。"})
    assert issued.status_code == 302
    db.session.expire_all()
    evaluation = db.session.get(ProjectEvaluation, evaluation.id)
    assert evaluation.grade == "pass" and evaluation.status == "completed"
    client.post("/logout")
    login_as(world["other_org"])
    assert client.get(f"/evaluations/{evaluation.id}/files/{key}").status_code == 404
    public = client.get(f"/projects/{world['contract'].id}").get_data(as_text=True)
    assert "项目执行总体合格。" in public
    summaries = client.get(f"/api/v1/projects/{world['contract'].id}/evaluations").get_json()["evaluations"]
    assert summaries[0]["grade"] == "pass" and summaries[0]["final_score"] == evaluation.final_score
    profile = client.get(f"/orgs/{world['contract'].org_id}").get_data(as_text=True)
    assert 'id="evaluation-history"' in profile


def test_api_sheet_uses_the_engines_rules(client, world):
    evaluation, ev = world["evaluation"], world["evaluator"]
    first = evaluation.template.criteria[0]
    headers = bearer(ev)
    url = f"/api/v1/evaluation/project-evaluations/{evaluation.id}/sheet"
    refused = client.put(url, json={"scores": {str(first.id): {"points": 1}}, "submit": True},
                         headers=headers)  # < 40%, no comment: refused on submitting (a draft keeps it)
    assert refused.status_code in (400, 422) and refused.get_json()["error"]["fields"]
    ok = client.put(url, json={"scores": {str(first.id): {"points": 6.5}}}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["scores"][str(first.id)]["points"] == 6.5
    assert client.put(url, json={"scores": {str(first.id): {"points": 6.25}}}, headers=headers).status_code in (400,
                                                                                                            422)
    assert db.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "sheet.saved",
                                                         AuditEvent.actor_id == ev.id))


def test_officer_commissions_through_the_form(client, login_as, world):
    contract, officer = world["contract"], world["officer"]
    login_as(officer)
    page = client.get(f"/evaluations/contracts/{contract.id}/new").get_data(as_text=True)
    template_id = re.search(r'name="template_id"[^>]*>\s*<option[^>]*value="(\d+)"', page).group(1)
    extra = make_user(Role.EVALUATOR)
    from tests.evaluation.helpers import expert  # a pool evaluator not affiliated with the organisation
    pool = expert(officer=officer)
    db.session.commit()
    response = client.post(f"/evaluations/contracts/{contract.id}/new", data={
        "kind": "midterm", "template_id": template_id, "agency_id": "", "evaluator_ids": [str(pool.id)],
        "aggregation": "mean", "due_on": (local_today() + timedelta(days=20)).isoformat()})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    refused = client.post(f"/evaluations/contracts/{contract.id}/new", data={
        "kind": "final", "template_id": template_id, "agency_id": "", "evaluator_ids": [str(extra.id)],
        "aggregation": "mean", "due_on": (local_today() + timedelta(days=20)).isoformat()})
    assert refused.status_code == 422  # not in the pool: re-rendered with the refusal
    assert db.session.scalar(select(AuditEvent.seq).where(AuditEvent.action == "evaluation.commissioned",
                                                         AuditEvent.actor_id == officer.id))


OK_, LOGIN_ = "ok", "login"
POSTS = ("declare", "workspace", "requests", "issue", "cancel")
EXPECTED_POST = {
    #              declare workspace requests issue cancel
    "officer":    (F, N, F, F, OK_),
    "auditor":    (F, N, F, F, F),
    "evaluator":  (OK_, OK_, OK_, OK_, F),
    "conflicted": (OK_, N, F, F, F),
    "unassigned": (N, N, N, N, N),
    "manager":    (F, N, F, F, F),
    "other_org":  (N, N, N, N, N),
    "resident":   (N, N, N, N, N),
    "anonymous":  (LOGIN_, LOGIN_, LOGIN_, LOGIN_, LOGIN_),
}


def _post_outcome(response):
    if response.status_code == 302:
        return LOGIN_ if "/login" in response.headers["Location"] else OK_
    return OK_ if response.status_code == 200 else response.status_code


@pytest.mark.parametrize("role", list(EXPECTED_POST))
def test_permission_table_for_changes(client, login_as, world, role):
    """Refusals change nothing; 'ok' means the request reached its service (which may still refuse it politely)."""
    if world[role] is not None:
        login_as(world[role])
    e = world["evaluation"].id
    head = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    data = {"text": "请补充活动签到表", "conflict": "no", "due_on": (local_today() + timedelta(days=5)).isoformat()}
    got = tuple(_post_outcome(client.post(f"/evaluations/{e}/{name}", data=data)) for name in POSTS)
    assert got == EXPECTED_POST[role], dict(zip(POSTS, got, strict=True))
    if role not in ("officer", "evaluator"):
        changed = db.session.scalars(select(AuditEvent.action).where(AuditEvent.seq > head)).all()
        assert [a for a in changed if not a.startswith(("user.", "session.", "auth."))] == []
