"""A fresh production database has no project-evaluation template, and commissioning one needs a template to choose:
the templates page offers the platform's default for project evaluation as it does the proposal-review default (a
POST, audited once; showing the page writes nothing), and the commission form, finding no template, says so and
leads there. The commission form's select was empty, with nothing saying where a template comes from."""

from datetime import timedelta

from sqlalchemy import func, select, update

from accounts.enums import Role
from audit.models import AuditEvent
from core.db import db
from core.timeutil import local_today
from evaluation import project_services, templates
from evaluation.enums import SeatType
from evaluation.models import IndicatorTemplate
from tests.evaluation.helpers import expert
from tests.evaluation.project_helpers import final_report
from tests.evaluation.test_get_writes_nothing import snapshot
from tests.factories import logout, make_user
from tests.projects.contract_helpers import active_contract

EN = {"Accept-Language": "en"}


def _created(action="template.created") -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_project_default_is_offered_created_once_and_then_commissioned_with(app, client, login_as, session):
    officer, _manager, contract = active_contract(app)
    evaluator = expert(SeatType.SOCIAL_SERVICE, officer=officer)
    # (the contract's call was reviewed: the proposal-review default exists, a project-evaluation one does not)
    proposal_default = templates.existing_proposal_default()
    db.session.commit()
    assert proposal_default is not None and templates.existing_default("project") is None
    login_as(officer)
    before, events = snapshot(), len(_created())

    listing = client.get("/evaluation/templates", headers=EN).get_data(as_text=True)
    assert 'id="project-default-missing"' in listing and 'id="default-missing"' not in listing
    assert 'action="/evaluation/templates/default/project"' in listing and 'id="create-project-default"' in listing
    assert snapshot() == before  # looking wrote nothing

    made = client.post("/evaluation/templates/default/project", headers=EN, follow_redirects=True)
    text = made.get_data(as_text=True)
    assert made.status_code == 200 and "The default template was created." in text
    assert 'id="project-default-missing"' not in text
    default = templates.existing_default("project")
    assert default.name == templates.DEFAULT_PROJECT_NAME and default.total_points == templates.TOTAL
    assert "budget_execution" in {c.evidence_key for c in default.criteria}  # measured figures came with it
    assert templates.existing_proposal_default() == proposal_default  # only the one asked for
    assert len(_created()) == events + 1 and _created()[-1].target_id == str(default.id)

    again = client.post("/evaluation/templates/default/project", headers=EN, follow_redirects=True)
    assert "The default template already exists." in again.get_data(as_text=True)
    assert len(_created()) == events + 1 and db.session.scalar(select(func.count()).select_from(IndicatorTemplate)
                                                               .where(IndicatorTemplate.name == default.name)) == 1

    form = client.get(f"/evaluations/contracts/{contract.id}/new", headers=EN).get_data(as_text=True)
    assert 'id="no-template"' not in form and f'<option value="{default.id}">{default.name}</option>' in form
    with app.test_request_context():
        final_report(contract)  # a final evaluation follows the last milestone's report
        evaluation = project_services.commission(contract, "final", default, local_today() + timedelta(days=30),
                                                 actor=officer, evaluator_ids=[evaluator.id])
    assert evaluation.template.frozen and evaluation.template.total_points == templates.TOTAL


def test_only_officers_create_it_and_an_unknown_default_is_not_found(client, login_as, session):
    login_as(make_user(Role.EVALUATOR))
    assert client.post("/evaluation/templates/default/project").status_code == 403
    logout(client)
    login_as(make_user(Role.OFFICER))
    assert client.post("/evaluation/templates/default/nothing").status_code == 404
    assert templates.editable() == []


def test_the_commission_form_without_any_template_says_where_one_comes_from(app, client, login_as, session):
    officer, _manager, contract = active_contract(app)
    # a database whose templates are all calls' frozen copies: nothing the form may offer
    db.session.execute(update(IndicatorTemplate).values(frozen=True))
    db.session.commit()
    login_as(officer)
    form = client.get(f"/evaluations/contracts/{contract.id}/new", headers=EN).get_data(as_text=True)
    assert 'id="no-template"' in form and 'href="/evaluation/templates#project-default-missing"' in form
    listing = client.get("/evaluation/templates", headers=EN).get_data(as_text=True)
    assert 'id="project-default-missing"' in listing and 'id="create-project-default"' in listing
    client.post("/evaluation/templates/default/project")
    form = client.get(f"/evaluations/contracts/{contract.id}/new", headers=EN).get_data(as_text=True)
    assert 'id="no-template"' not in form
