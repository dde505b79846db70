"""Review rules stated in advance by the call; the default template on a fresh database; template edits in place."""

import io
import json
import warnings
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import SAWarning

from accounts.enums import Role
from audit.documents import IssuedDocument
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from evaluation import panels, templates
from evaluation.enums import SeatType
from evaluation.models import Indicator, IndicatorTemplate, Panel
from projects.models import Call
from tests.evaluation.helpers import closed_call_with_proposals, default_template, expert
from tests.factories import make_user
from tests.orgs.helpers import category
from tests.projects.helpers import published_call


@pytest.fixture
def officer(session):
    return make_user(Role.OFFICER)


def _actions(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_template_update_rebuilds_in_place_without_a_throwaway_template(officer):
    template = default_template(officer)
    created_before, count_before = len(_actions("template.created")), db.session.scalar(
        select(func.count(IndicatorTemplate.id)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)
        templates.update(template, "修订后的标准", [("一", [("甲", 60, "说明"), ("乙", 40, "")])], actor=officer)
    assert len(_actions("template.created")) == created_before  # nothing built and thrown away
    assert db.session.scalar(select(func.count(IndicatorTemplate.id))) == count_before
    rows = list(db.session.scalars(select(Indicator).where(Indicator.template_id == template.id)))
    assert sorted(r.title for r in rows) == ["一", "乙", "甲"] and template.total_points == 100
    event = _actions("template.updated")[-1]
    assert event.target_id == str(template.id) and json.loads(event.data)["criteria"] == 2
    with pytest.raises(ServiceError):  # invalid sections change nothing
        templates.update(template, "坏", [("一", [("甲", 99, "")])], actor=officer)
    assert template.name == "修订后的标准"


def _call_form(template_id, **overrides) -> dict:
    deadline = local_today() + timedelta(days=10)
    values = {"title": "幸福街道助餐服务项目", "description": "说明", "mode": "project_application",
              "category_id": category().id, "funding_source": "budget", "total_budget_fen": "600000",
              "max_per_proposal_fen": "200000", "questions_until": f"{deadline - timedelta(days=2)}T12:00",
              "submission_deadline": f"{deadline}T17:00", "review_planned_on": str(deadline + timedelta(days=5)),
              "award_planned_on": str(deadline + timedelta(days=20)), "min_eligible_proposals": "1",
              "template_id": str(template_id), "aggregation": "median", "blind": "y", "min_grade": "",
              "min_years_registered": "0", "min_certified_social_workers": "0", "max_personnel_pct": "60",
              "max_management_pct": "10", "require_annual_report": "y", "require_clean_credit": "y"}
    values.update(overrides)
    return values


def test_call_states_template_blind_mode_and_aggregation_before_publication(app, client, officer, login_as):
    template = default_template(officer)
    db.session.commit()
    login_as(officer)
    assert template.name in client.get("/calls/new").get_data(as_text=True)
    assert client.post("/calls/new", data=_call_form(template.id)).status_code == 302
    call = db.session.scalar(select(Call).order_by(Call.id.desc()).limit(1))
    assert (call.template_id, call.blind, call.aggregation) == (template.id, True, "median")
    response = client.post(f"/calls/{call.id}/status", data={"to": "published", "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    frozen = db.session.get(IndicatorTemplate, call.template_id)
    assert frozen.frozen and frozen.source_id == template.id  # the stated rules cannot change any more
    fixed = _actions("call.review_rules_fixed")[-1]
    assert json.loads(fixed.data) == {"template_id": frozen.id, "source_id": template.id, "blind": True,
                                      "aggregation": "median"}
    templates.update(template, "修订后的标准", [("一", [("甲", 100, "")])], actor=officer)
    assert [c.title for c in frozen.criteria][0] == "需求调研充分、数据可靠"
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert 'id="review-rules"' in page and "需求调研充分" in page
    document = db.session.scalar(select(IssuedDocument).where(IssuedDocument.code == call.announcement_code))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(document.content)).pages)
    assert "申报书评审标准" in text and "匿名评审" in text and "需求调研充分" in text


def test_unknown_template_is_refused(app, client, officer, login_as):
    login_as(officer)
    page = client.post("/calls/new", data=_call_form(999999)).get_data(as_text=True)
    assert db.session.scalar(select(func.count(Call.id))) == 0 and "is-invalid" in page


def test_draw_takes_the_calls_rules_and_a_seed_of_the_servers_own(app, client, officer, login_as):
    call, _orgs, _props = closed_call_with_proposals(app, officer, blind=True, aggregation="median")
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    db.session.commit()
    login_as(officer)
    form = client.get(f"/evaluation/calls/{call.id}/panel").get_data(as_text=True)
    assert 'name="seed"' not in form and 'name="template_id"' not in form and 'name="blind"' not in form
    assert 'id="review-rules"' in form
    response = client.post(f"/evaluation/calls/{call.id}/panel", data={
        "social_service": "3", "finance": "0", "service_user": "0", "community_staff": "0", "outlier_points": "15",
        "max_panels_per_year": "6", "seed": "chosen-by-the-officer", "aggregation": "mean", "blind": ""})
    assert response.status_code == 302
    panel = db.session.scalar(select(Panel).where(Panel.call_id == call.id))
    assert panel.blind and panel.aggregation == "median" and panel.template_id == call.template_id
    assert panel.seed != "chosen-by-the-officer" and len(panel.seed) == 32
    assert json.loads(_actions("panel.drawn")[-1].data)["seed"] == panel.seed


def test_default_template_is_created_when_asked_not_when_the_list_is_shown(app, client, officer, login_as):
    assert templates.editable() == []  # a fresh production database: no `flask demo`
    login_as(officer)
    assert 'id="create-default"' in client.get("/evaluation/templates").get_data(as_text=True)
    assert templates.editable() == []  # showing the list wrote nothing (tests/evaluation/test_get_writes_nothing)
    client.post("/evaluation/templates/default/proposal")
    default = templates.editable()
    assert [t.name for t in default] == [templates.DEFAULT_PROPOSAL_NAME] and default[0].total_points == 100
    client.post("/evaluation/templates/default/proposal")
    assert len(templates.editable()) == 1  # once
    created = _actions("template.created")[-1]
    assert created.target_id == str(default[0].id)


def test_a_call_published_without_a_template_and_an_old_call_get_the_default(app, officer):
    with app.test_request_context():
        call = published_call(officer)
    frozen = db.session.get(IndicatorTemplate, call.template_id)
    source = db.session.get(IndicatorTemplate, frozen.source_id)
    assert frozen.frozen and source.name == templates.DEFAULT_PROPOSAL_NAME
    old, _orgs, _props = closed_call_with_proposals(app, officer)
    old.template_id = None  # a call published before calls stated their template
    for _ in range(3):
        expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        panel = panels.draw_panel(old, {"social_service": 3}, actor=officer)
    assert panel.template.frozen and panel.template.source_id == source.id and old.template_id == panel.template_id


def test_public_call_api_states_the_review_rules(app, client, officer):
    with app.test_request_context():
        call = published_call(officer, blind=True, aggregation="mean")
    db.session.commit()
    review = client.get(f"/api/v1/calls/{call.id}").get_json()["review"]
    assert review == {"template_id": call.template_id, "blind": True, "aggregation": "mean"}
    assert db.session.get(IndicatorTemplate, review["template_id"]).frozen
