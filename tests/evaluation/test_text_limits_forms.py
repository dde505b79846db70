"""The project evaluation's free texts are held to their services' limits by page and service alike: a document
request, its answer, a rectification response and an evaluator's note for reopening a task (2000,
rectification.MAX_TEXT), an officer's reason for cancelling (2000, project_status.MAX_REASON), the report's
summary (2000, project_report.MAX_SUMMARY) and the reason for reopening an evaluator's sheet (1000,
services.MAX_REASON). Exactly the limit with spaces around it is accepted and kept without them; one more is
refused on the page (422, the limit named) and by the service (the field named), and nothing changes."""

import io
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from audit.models import AuditEvent
from core.db import db
from core.errors import ServiceError
from core.timeutil import local_today
from core.uploads import PendingUpload, StoredFile
from evaluation import project_report, project_sheets, project_status, rectification, score_sheets
from evaluation.enums import SheetStatus
from evaluation.models import ScoreSheet
from evaluation.project_enums import TaskStatus
from evaluation.project_models import DocumentRequest, ProjectEvaluation, RectificationTask
from tests.evaluation.project_helpers import commissioned, half_points_for_total, score_all
from tests.orgs.helpers import PDF_BYTES, Upload

EN = {"Accept-Language": "en"}


def text(n: int) -> str:
    return ("依据核查材料说明" * (n // 8 + 1))[: n - 1] + "终"


def counts() -> dict:
    """What a refusal must not change. A file chosen on a refused form is kept for the next attempt (a pending
    upload, core.uploads), which is not a change: stored files are counted without those."""
    found = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
             for model in (AuditEvent, DocumentRequest, RectificationTask)}
    pending = select(PendingUpload.file_id).where(PendingUpload.used_at.is_(None))
    found["StoredFile"] = db.session.scalar(select(func.count(StoredFile.id)).where(StoredFile.id.not_in(pending)))
    return found


def refused_on_page(client, url, data, limit, **kwargs):
    before = counts()
    response = client.post(url, data=data, headers=EN, **kwargs)
    assert response.status_code == 422, response.status_code
    assert f"Field cannot be longer than {limit} characters." in response.get_data(as_text=True)
    db.session.expire_all()
    assert counts() == before


def refused_by_service(app, call, field, message):
    db.session.commit()  # what the pages did so far (the login's event) stays; only the refused call is undone
    before = counts()
    with app.test_request_context(), force_locale("en"), pytest.raises(ServiceError) as exc:
        call()
    db.session.rollback()
    assert str(exc.value.fields[field]) == message
    assert counts() == before


def files(name="材料.pdf"):
    return [(io.BytesIO(PDF_BYTES), name)]


@pytest.fixture
def scored(app, session):
    """An evaluation whose one evaluator has submitted a failing sheet (the report not yet issued)."""
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    with app.test_request_context():
        score_all(evaluation, {ev.id: half_points_for_total(evaluation, 119)})
    db.session.commit()
    return {"officer": officer, "manager": manager, "evaluator": ev, "evaluation": evaluation}


@pytest.fixture
def rectifying(app, scored):
    """The failing report issued: one rectification task open."""
    with app.test_request_context():
        project_report.issue_report(scored["evaluation"], "多项产出未完成，评为不合格。", [], actor=scored["evaluator"])
    db.session.commit()
    (task,) = scored["evaluation"].tasks
    return {**scored, "task": task}


def test_the_pages_carry_each_limit_as_maxlength(client, login_as, scored):
    evaluation = scored["evaluation"]
    login_as(scored["officer"])
    show = client.get(f"/evaluations/{evaluation.id}").get_data(as_text=True)
    assert 'maxlength="1000"' in show and 'maxlength="2000"' in show  # reopening a sheet; cancelling
    client.post("/logout")
    login_as(scored["evaluator"])
    workspace = client.get(f"/evaluations/{evaluation.id}/workspace").get_data(as_text=True)
    assert workspace.count('maxlength="2000"') >= 3  # the summary, a requirement, a document request


def test_report_summary(app, client, login_as, scored):
    evaluation, ev = scored["evaluation"], scored["evaluator"]
    login_as(ev)
    url = f"/evaluations/{evaluation.id}/issue"
    refused_on_page(client, url, {"text": f" {text(2001)} "}, 2000)
    refused_by_service(app, lambda: project_report.issue_report(evaluation, text(2001), [], actor=ev), "summary",
                       "At most 2000 characters.")
    assert db.session.get(ProjectEvaluation, evaluation.id).issued_at is None
    assert client.post(url, data={"text": f"  {text(2000)}\n"}, headers=EN).status_code == 302
    db.session.expire_all()
    evaluation = db.session.get(ProjectEvaluation, evaluation.id)
    assert evaluation.issued_at is not None and evaluation.summary == text(2000)


def test_cancelling_reason(app, client, login_as, scored):
    evaluation, officer = scored["evaluation"], scored["officer"]
    login_as(officer)
    url = f"/evaluations/{evaluation.id}/cancel"
    refused_on_page(client, url, {"text": text(2001)}, 2000)
    refused_by_service(app, lambda: project_status.transition_evaluation(
        evaluation, "cancelled", actor=officer, reason=f" {text(2001)} "), "reason",
        "A reason has at most 2000 characters.")
    assert db.session.get(ProjectEvaluation, evaluation.id).status == "in_progress"
    assert client.post(url, data={"text": f" {text(2000)} "}, headers=EN).status_code == 302
    db.session.expire_all()
    evaluation = db.session.get(ProjectEvaluation, evaluation.id)
    assert evaluation.status == "cancelled" and evaluation.status_reason == text(2000)


def test_reopening_an_evaluators_sheet(app, client, login_as, scored):
    evaluation, officer = scored["evaluation"], scored["officer"]
    sheet = project_sheets.existing_sheet(evaluation.assignments[0])
    login_as(officer)
    url = f"/evaluations/sheets/{sheet.id}/reopen"
    refused_on_page(client, url, {"text": f" {text(1001)} "}, 1000)
    refused_by_service(app, lambda: score_sheets.transition_sheet(sheet, SheetStatus.DRAFT, actor=officer,
                                                                  reason=text(1001)),
                       "reason", "A reason has at most 1000 characters.")
    assert db.session.get(ScoreSheet, sheet.id).status == SheetStatus.SUBMITTED
    assert client.post(url, data={"text": f" {text(1000)} "}, headers=EN).status_code == 302
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).status == SheetStatus.DRAFT


def test_document_request_and_its_answer(app, client, login_as, session):
    officer, manager, contract, evaluation, (ev,) = commissioned(app)
    db.session.commit()
    due = local_today() + timedelta(days=7)
    login_as(ev)
    url = f"/evaluations/{evaluation.id}/requests"
    refused_on_page(client, url, {"text": text(2001), "due_on": due.isoformat()}, 2000)
    refused_by_service(app, lambda: rectification.request_documents(evaluation, text(2001), due, actor=ev), "text",
                       "At most 2000 characters.")
    assert client.post(url, data={"text": f" {text(2000)} ", "due_on": due.isoformat()}).status_code == 302
    request = db.session.scalar(select(DocumentRequest).where(DocumentRequest.evaluation_id == evaluation.id))
    assert request.text == text(2000)
    client.post("/logout")

    login_as(manager)
    url = f"/evaluations/requests/{request.id}/answer"
    refused_on_page(client, url, {"text": text(2001), "files": files()}, 2000, content_type="multipart/form-data")
    refused_by_service(app, lambda: rectification.answer_request(request, text(2001), [Upload()], actor=manager),
                       "answer", "At most 2000 characters.")
    assert db.session.get(DocumentRequest, request.id).answered_at is None
    response = client.post(url, data={"text": f" {text(2000)} ", "files": files()}, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    request = db.session.get(DocumentRequest, request.id)
    assert request.answered_at is not None and request.answer == text(2000)


def test_rectification_response_and_reopening_note(app, client, login_as, rectifying):
    task, manager, ev = rectifying["task"], rectifying["manager"], rectifying["evaluator"]
    login_as(manager)
    url = f"/evaluations/tasks/{task.id}/respond"
    refused_on_page(client, url, {"text": text(2001), "evidence": files()[0]}, 2000,
                    content_type="multipart/form-data")
    refused_by_service(app, lambda: rectification.transition_task(task, TaskStatus.RESPONDED, actor=manager,
                                                                  text=text(2001), evidence=Upload()),
                       "response", "At most 2000 characters.")
    assert db.session.get(RectificationTask, task.id).status == TaskStatus.OPEN
    response = client.post(url, data={"text": f" {text(2000)} ", "evidence": files()[0]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(RectificationTask, task.id)
    assert task.status == TaskStatus.RESPONDED and task.response == text(2000)
    client.post("/logout")

    login_as(ev)
    url = f"/evaluations/tasks/{task.id}/reopen"
    refused_on_page(client, url, {"text": text(2001)}, 2000)
    refused_by_service(app, lambda: rectification.transition_task(task, TaskStatus.OPEN, actor=ev, text=text(2001)),
                       "note", "At most 2000 characters.")
    assert db.session.get(RectificationTask, task.id).status == TaskStatus.RESPONDED
    assert client.post(url, data={"text": f" {text(2000)} "}).status_code == 302
    db.session.expire_all()
    task = db.session.get(RectificationTask, task.id)
    assert task.status == TaskStatus.OPEN and task.review_note == text(2000)
