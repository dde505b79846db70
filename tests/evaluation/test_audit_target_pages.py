"""The audit log's 'Open its page' for evaluation objects: an event about a project evaluation, a panel, an indicator
template, a survey, a rectification task, a document request or an evaluator's assignment leads to the page showing
it (a panel's page is its call's, a frozen template's the review or evaluation fixed with it, a task's or a request's
its evaluation's, at its row), and that page still asks who may see it. The log linked them only to more of the log."""

from datetime import timedelta

from accounts.enums import Role
from audit.labels import target_page_url
from core.db import db
from core.timeutil import local_today
from evaluation import rectification, surveys
from tests.audit.test_log_object_links import target_cells
from tests.evaluation.helpers import drawn_panel
from tests.evaluation.project_helpers import commissioned
from tests.factories import login, logout, make_user
from tests.projects.helpers import published_call


def test_an_evaluation_event_links_to_the_evaluation_page_for_whoever_may_see_it(app, client, session):
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    auditor, stranger = make_user(Role.AUDITOR), make_user(Role.EVALUATOR)
    db.session.commit()
    page_url = f"/evaluations/{evaluation.id}"
    login(client, auditor.username)
    log = client.get(f"/audit/?target_type=project_evaluations&target_id={evaluation.id}").get_data(as_text=True)
    cells = target_cells(log)
    assert cells and all(f'<a href="{page_url}" class="target-page">' in c for c in cells)
    assert client.get(page_url).status_code == 200  # an auditor oversees evaluations
    logout(client)
    login(client, stranger.username)  # an evaluator not assigned to it: the page is not shown, whatever the link
    assert client.get(page_url).status_code == 404
    assert client.get(f"/evaluations/assignments/{evaluation.assignments[0].id}/page").status_code == 404


def test_the_evaluation_objects_pages_are_reached_through_their_ids(app, client, session):
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    panel = drawn_panel(app, officer)[3]
    auditor = make_user(Role.AUDITOR)
    with app.test_request_context():
        request = rectification.request_documents(evaluation, "请补充财务凭证", local_today() + timedelta(days=5),
                                                  actor=evaluator)
        survey = surveys.create_survey(evaluation, "满意度调查", surveys.parse_outline(surveys.DEFAULT_OUTLINE),
                                       actor=officer)
    db.session.commit()
    show = f"/evaluations/{evaluation.id}"
    with app.test_request_context():
        urls = {kind: target_page_url(kind, ident) for kind, ident in [
            ("panels", panel.id), ("panel_members", panel.members[0].id),
            ("indicator_templates", evaluation.template_id), ("surveys", survey.id),
            ("evaluation_document_requests", request.id), ("evaluation_assignments", evaluation.assignments[0].id),
            ("rectification_tasks", 5)]}
    assert None not in urls.values()

    login(client, auditor.username)
    assert client.get(urls["panels"]).headers["Location"] == f"/evaluation/calls/{panel.call_id}/panel"
    assert client.get(urls["panel_members"]).headers["Location"] == f"/evaluation/calls/{panel.call_id}/panel"
    # the evaluation's rules are a frozen copy, never edited: its page is the evaluation's
    assert client.get(urls["indicator_templates"]).headers["Location"] == show
    assert client.get(urls["evaluation_assignments"]).headers["Location"] == show
    assert client.get(urls["evaluation_document_requests"]).headers["Location"] == f"{show}#request-{request.id}"
    assert f'id="request-{request.id}"' in client.get(show).get_data(as_text=True)
    assert client.get(urls["rectification_tasks"]).status_code == 404  # no such task
    # the survey page is the officer's and evaluators' to manage, the auditor's to read (tests/audit/…_open.py)
    assert client.get(urls["surveys"]).headers["Location"] == f"{show}/survey"
    logout(client)

    login(client, officer.username)
    assert client.get(urls["surveys"]).headers["Location"] == f"{show}/survey"
    editable = evaluation.template.source_id
    with app.test_request_context():
        assert client.get(target_page_url("indicator_templates", editable)).headers["Location"] == (
            f"/evaluation/templates/{editable}")
    logout(client)

    login(client, evaluator.username)  # an evaluator may not see the review's panel page
    assert client.get(urls["panels"]).status_code == 403


def test_a_calls_frozen_template_before_its_panel_leads_to_the_call(app, client, session):
    """Publishing a call fixes its review rules as a frozen template; until a panel is drawn, that template's
    'Open its page' leads to the call (it answered 404)."""
    officer = make_user(Role.OFFICER)
    call = published_call(officer)
    db.session.commit()
    assert call.template_id is not None
    with app.test_request_context():
        url = target_page_url("indicator_templates", call.template_id)
    login(client, officer.username)
    answer = client.get(url)
    assert answer.status_code == 302 and answer.headers["Location"] == f"/calls/{call.id}"
    assert client.get(answer.headers["Location"]).status_code == 200
