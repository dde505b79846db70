"""The audit log's 'Open its page' never leads its readers (administrators and auditors) to a page they would be
refused: for every target type with a registered page, an object of it is built and its link, followed, opens for
both. A survey's page was the officer's and evaluators' only (403 for the auditor) and an editable indicator template's
page its editing form (403); both now open read only for the log's readers, whose POSTs are still refused."""

from datetime import timedelta

import pytest

from accounts.enums import Role
from audit.labels import TARGET_PAGES, target_page_url
from core.db import db
from core.timeutil import local_today
from evaluation import project_report, rectification, surveys
from tests.evaluation.helpers import drawn_panel
from tests.evaluation.project_helpers import commissioned, score_all
from tests.factories import login, logout, make_user
from tests.vouchers.test_views import scene  # noqa: F401  (the fixture)
from vouchers import issuance
from vouchers.programmes import period_of, shift_period


def evaluation_objects(app):
    """An issued failing evaluation with a document request, a survey and a rectification task, and a drawn review
    panel: {target type: id}, with the contract's call, proposal and organisation."""
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    with app.test_request_context():
        request = rectification.request_documents(evaluation, "请补充财务凭证", local_today() + timedelta(days=5),
                                                  actor=evaluator)
        survey = surveys.create_survey(evaluation, "满意度调查", surveys.parse_outline(surveys.DEFAULT_OUTLINE),
                                       actor=officer)
        score_all(evaluation, {evaluator.id: 50})
        project_report.issue_report(evaluation, "不合格，需要整改。", [], actor=evaluator)
    panel = drawn_panel(app, officer)[3]
    db.session.commit()
    return {"project_evaluations": evaluation.id, "panels": panel.id, "panel_members": panel.members[0].id,
            "indicator_templates": evaluation.template.source_id, "surveys": survey.id,
            "rectification_tasks": evaluation.tasks[0].id, "evaluation_document_requests": request.id,
            "evaluation_assignments": evaluation.assignments[0].id, "calls": contract.call_id,
            "proposals": contract.proposal_id, "contracts": contract.id, "organisations": contract.org_id}


@pytest.mark.parametrize("reader_role", [Role.AUDITOR, Role.ADMIN])
def test_every_target_page_opens_for_the_logs_readers(app, client, scene, reader_role):  # noqa: F811
    w = scene.w
    with app.test_request_context():
        batch = issuance.start_batch(w.programme, actor=w.officer, period=shift_period(period_of(), 1))
    db.session.commit()
    objects = evaluation_objects(app) | {"voucher_programmes": w.programme.id, "voucher_issuance_batches": batch.id,
                                         "voucher_settlements": scene.settlement.id}
    assert set(objects) == set(TARGET_PAGES)  # a newly registered page is added here
    reader = make_user(reader_role)
    db.session.commit()
    login(client, reader.username)
    for kind, ident in objects.items():
        with app.test_request_context():
            url = target_page_url(kind, ident)
        assert url is not None, kind
        page = client.get(url, follow_redirects=True)
        assert page.status_code == 200, (kind, url, page.status_code)


def test_the_survey_page_is_read_only_for_an_auditor(app, client, session):
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    with app.test_request_context():
        survey = surveys.create_survey(evaluation, "满意度调查", surveys.parse_outline(surveys.DEFAULT_OUTLINE),
                                       actor=officer)
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    page_url = f"/evaluations/{evaluation.id}/survey"
    login(client, auditor.username)
    page = client.get(page_url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "满意度调查" in text and 'id="survey-link"' in text
    assert 'id="issue-codes"' not in text and 'id="survey-form"' not in text
    assert client.post(f"/evaluations/surveys/{survey.id}/codes", data={"count": "5"}).status_code == 403
    assert client.post(page_url, data={"title": "x", "outline": surveys.DEFAULT_OUTLINE}).status_code == 403
    logout(client)
    login(client, officer.username)  # the officer still has the form
    assert 'id="issue-codes"' in client.get(page_url).get_data(as_text=True)


def test_an_auditor_reads_a_survey_page_before_any_survey_without_its_form(app, client, session):
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    login(client, auditor.username)
    text = client.get(f"/evaluations/{evaluation.id}/survey").get_data(as_text=True)
    assert 'id="no-survey"' in text and 'id="survey-form"' not in text


def test_an_editable_template_reads_for_an_auditor_and_stays_the_officers_to_edit(app, client, session):
    officer, manager, contract, evaluation, (evaluator,) = commissioned(app)
    auditor = make_user(Role.AUDITOR)
    db.session.commit()
    editable = evaluation.template.source_id
    with app.test_request_context():
        url = target_page_url("indicator_templates", editable)
    login(client, auditor.username)
    page = client.get(url)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="template-criteria"' in text
    assert evaluation.template.criteria[0].title in text and 'name="outline"' not in text
    assert client.get(f"/evaluation/templates/{editable}").status_code == 403  # the editing form is the officer's
    logout(client)
    outsider = make_user(Role.EVALUATOR)
    db.session.commit()
    login(client, outsider.username)
    assert client.get(url).status_code == 403
