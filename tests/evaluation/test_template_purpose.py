"""An indicator template says what it scores: proposals (a call's review) or finished projects (a commissioned
evaluation). The officer states it when making a template (the platform's defaults know theirs, a frozen copy keeps
its source's), the templates list shows it, and each chooser offers only its own kind: the commission form only
project-evaluation templates, a call only proposal-review ones. A template of the other kind sent anyway is refused
beside the field (422) and nothing changes."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from evaluation import project_services, templates
from evaluation.enums import SeatType, TemplatePurpose
from evaluation.models import IndicatorTemplate
from evaluation.project_models import ProjectEvaluation
from projects import calls
from projects.models import Call
from tests.evaluation.helpers import default_template, expert
from tests.evaluation.project_helpers import project_template
from tests.evaluation.test_commission_form import beside
from tests.factories import make_user
from tests.projects.contract_helpers import active_contract
from tests.projects.helpers import call_data

EN = {"Accept-Language": "en"}
PROPOSAL, PROJECT = TemplatePurpose.PROPOSAL_REVIEW.value, TemplatePurpose.PROJECT_EVALUATION.value
OUTLINE = "需求分析\n- 需求调研 | 60 | 指引\n- 对象清晰 | 40 |"


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def last_data(action: str) -> dict:
    return json.loads(events(action)[-1].data)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def options(page: str, name: str) -> dict[str, str]:
    """A select's options: value -> text."""
    select_tag = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_tag))


@pytest.fixture
def officer_in(client, login_as, session):
    officer = make_user(Role.OFFICER)
    db.session.commit()
    login_as(officer)
    return officer


def test_a_new_template_is_made_for_what_the_officer_chose_and_the_event_says_so(client, officer_in):
    page = client.post("/evaluation/templates", headers=EN,
                       data={"name": "中期评估标准", "purpose": PROJECT, "outline": OUTLINE})
    assert page.status_code == 302
    made = db.session.scalar(select(IndicatorTemplate).where(IndicatorTemplate.name == "中期评估标准"))
    assert made.purpose == PROJECT and not made.frozen
    assert last_data("template.created") == {"name": "中期评估标准", "purpose": PROJECT, "criteria": 2}

    listing = client.get("/evaluation/templates", headers=EN).get_data(as_text=True)
    assert re.search(rf'id="template-purpose-{made.id}">Project evaluation<', listing)


def test_a_purpose_that_is_no_purpose_is_refused_beside_the_field(client, officer_in):
    before, created = count(IndicatorTemplate), len(events("template.created"))
    page = client.post("/evaluation/templates", headers=EN,
                       data={"name": "问卷模板", "purpose": "survey", "outline": OUTLINE})
    assert page.status_code == 422
    assert beside(page.get_data(as_text=True), "purpose") == "Not a valid choice."
    assert count(IndicatorTemplate) == before and len(events("template.created")) == created
    with pytest.raises(ServiceError) as refused:  # the service's own check, for a caller without the form
        templates.build("问卷模板", templates.parse_outline(OUTLINE), actor=officer_in, purpose="survey")
    assert set(refused.value.fields) == {"purpose"}


def test_the_new_template_form_starts_from_the_default_of_the_purpose_asked_for(client, officer_in):
    plain = client.get("/evaluation/templates", headers=EN).get_data(as_text=True)
    assert re.search(rf'<option selected value="{PROPOSAL}"', plain) and "- 需求调研充分、数据可靠 | 8 |" in plain
    project = client.get(f"/evaluation/templates?purpose={PROJECT}", headers=EN).get_data(as_text=True)
    assert re.search(rf'<option selected value="{PROJECT}"', project)
    assert "- 预算执行情况 | 10 | 预算执行率是否合理，科目调整是否经批准。 | budget_execution" in project
    assert f'href="/evaluation/templates?purpose={PROJECT}"' in plain  # the way there


def test_editing_changes_the_purpose_and_the_event_says_so(client, officer_in):
    template = default_template(officer_in)
    db.session.commit()
    page = client.post(f"/evaluation/templates/{template.id}", headers=EN,
                       data={"name": template.name, "purpose": PROJECT, "outline": OUTLINE})
    assert page.status_code == 302
    db.session.refresh(template)
    assert template.purpose == PROJECT and last_data("template.updated")["purpose"] == PROJECT
    edit = client.get(f"/evaluation/templates/{template.id}", headers=EN).get_data(as_text=True)
    assert re.search(rf'<option selected value="{PROJECT}"', edit)


def test_defaults_and_frozen_copies_know_their_purpose(app, session):
    officer = make_user(Role.OFFICER)
    proposal, project = templates.default_template("proposal", actor=officer), \
        templates.default_template("project", actor=officer)
    assert (proposal.purpose, project.purpose) == (PROPOSAL, PROJECT)
    copy = templates.frozen_copy(project, actor=officer)
    assert copy.frozen and copy.purpose == PROJECT
    assert last_data("template.created")["purpose"] == PROJECT
    assert [t.id for t in templates.editable(PROJECT)] == [project.id]  # not the frozen copy, not the other kind
    assert [t.id for t in templates.editable(PROPOSAL)] == [proposal.id]


@pytest.fixture
def contract_scene(app, client, login_as, session):
    officer, _manager, contract = active_contract(app)
    evaluator = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    with app.test_request_context():
        project = project_template(officer)
        proposal = default_template(officer)
    db.session.commit()
    login_as(officer)
    return {"officer": officer, "contract": contract, "evaluator": evaluator, "project": project,
            "proposal": proposal, "url": f"/evaluations/contracts/{contract.id}/new"}


def test_the_commission_form_offers_project_evaluation_templates_only(client, contract_scene):
    offered = options(client.get(contract_scene["url"], headers=EN).get_data(as_text=True), "template_id")
    assert str(contract_scene["project"].id) in offered
    assert str(contract_scene["proposal"].id) not in offered
    assert all(db.session.get(IndicatorTemplate, int(i)).purpose == PROJECT for i in offered)


def test_a_proposal_review_template_sent_to_the_commission_form_is_refused_and_nothing_changes(client,
                                                                                           contract_scene):
    before, audit_events = count(ProjectEvaluation), count(AuditEvent)
    templates_before = count(IndicatorTemplate)
    page = client.post(contract_scene["url"], headers=EN, data={
        "kind": "final", "template_id": str(contract_scene["proposal"].id), "agency_id": "",
        "evaluator_ids": [str(contract_scene["evaluator"].id)], "aggregation": "mean",
        "due_on": (local_today() + timedelta(days=20)).isoformat()})
    assert page.status_code == 422
    assert beside(page.get_data(as_text=True), "template_id") == \
        "Choose a project-evaluation template: this one is for proposal review."
    assert (count(ProjectEvaluation), count(AuditEvent), count(IndicatorTemplate)) == (before, audit_events,
                                                                                      templates_before)


def test_the_commission_service_refuses_a_proposal_review_template_beside_its_field(app, contract_scene):
    scene = contract_scene
    with app.test_request_context(headers=EN), pytest.raises(ServiceError) as refused:
        project_services.commission(scene["contract"], "final", scene["proposal"], local_today() + timedelta(days=20),
                                    actor=scene["officer"], evaluator_ids=[scene["evaluator"].id])
    assert refused.value.fields["template_id"] == \
        "Choose a project-evaluation template: this one is for proposal review."


def test_a_call_offers_proposal_review_templates_only_and_refuses_the_other_kind(app, client, officer_in):
    proposal, project = default_template(officer_in), project_template(officer_in)
    db.session.commit()
    offered = options(client.get("/calls/new", headers=EN).get_data(as_text=True), "template_id")
    assert str(proposal.id) in offered and str(project.id) not in offered

    calls_before = count(Call)
    with app.test_request_context(headers=EN), pytest.raises(ServiceError) as refused:
        calls.create_call(call_data(template_id=project.id), actor=officer_in)
    assert "template_id" in refused.value.fields
    db.session.rollback()
    assert count(Call) == calls_before
