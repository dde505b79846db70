"""Document requests and rectification tasks: the evaluator asks and verifies, the organisation answers."""

import io

from flask import abort, flash, redirect, send_file, url_for
from flask import request as http_request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import undefer

from core.db import db
from core.errors import invalid
from core.forms import Refused, apply_service_error
from core.permissions import require
from core.uploads import ChosenFiles, StoredFile
from core.views import attempt, refusal_text
from projects.contract_reports import contract_of_file

from . import project_permissions as perms
from . import rectification
from .project_enums import TaskStatus
from .project_forms import RequestForm, TextForm
from .project_models import DocumentRequest, ProjectEvaluation, RectificationTask, request_files
from .project_views import _post_ok, _show, _show_page, bp, load_evaluation
from .workspace_views import refused_request_page


def _answered(evaluation: ProjectEvaluation, key: str, form, text: str, files: list, call, done: str):
    """An organisation's form with files (its text the service's field `text`): done, back to the page saying so;
    refused, by the form or the service, the page again (422) with the text as typed, each reason beside its field
    and the files chosen kept (it was a flash after a redirect, or a page of its own: the text to type and the files
    to find and choose again)."""
    if form.validate_on_submit():
        outcome = attempt(call)
        if outcome:
            flash(done, "success")
            return redirect(_show(evaluation))
        refusal = outcome.refusal
    else:
        refusal = invalid({text: " ".join(map(str, form.errors.get("text", [])))})
    names = {text, *(chosen.field for chosen in files)}
    kept = {chosen.name: chosen.keep(refusal) for chosen in files}
    beside = bool(refusal.fields) and set(refusal.fields) <= names
    flash(str(refusal.message) if beside else refusal_text(refusal), "danger")
    return _show_page(evaluation, answer_refused=Refused(key, refusal.fields if beside else {}, http_request.form,
                                                         kept))


@bp.route("/<int:evaluation_id>/requests", methods=["POST"])
@login_required
def request_documents(evaluation_id: int):
    evaluation = load_evaluation(evaluation_id)
    require(perms.can_work(current_user, evaluation))
    form, status = RequestForm(), 422
    if form.validate_on_submit():
        outcome = attempt(lambda: rectification.request_documents(evaluation, form.text.data, form.due_on.data,
                                                                  actor=current_user))
        if outcome:
            flash(_("Request sent to the organisation."), "success")
            return redirect(url_for("project_evaluation.workspace", evaluation_id=evaluation.id))
        apply_service_error(form, outcome.refusal)
        status = outcome.refusal.status  # 409: the evaluation is no longer in progress (a page left open)
    return refused_request_page(evaluation, form, status)


@bp.route("/requests/<int:request_id>/answer", methods=["POST"])
@login_required
def answer_request(request_id: int):
    found = db.get_or_404(DocumentRequest, request_id)
    evaluation = load_evaluation(found.evaluation_id)
    require(perms.is_org_manager(current_user, evaluation))
    form, files = TextForm(), ChosenFiles("files", many=True)
    return _answered(evaluation, f"request-{found.id}", form, "answer", [files],
                     lambda: rectification.answer_request(found, form.text.data, files.upload(), actor=current_user),
                     _("Documents sent to the evaluator."))


@bp.route("/tasks/<int:task_id>/respond", methods=["POST"])
@login_required
def respond(task_id: int):
    task = db.get_or_404(RectificationTask, task_id)
    evaluation = load_evaluation(task.evaluation_id)
    require(perms.is_org_manager(current_user, evaluation))
    form, evidence = TextForm(), ChosenFiles("evidence")
    return _answered(evaluation, f"task-{task.id}", form, "response", [evidence],
                     lambda: rectification.transition_task(task, TaskStatus.RESPONDED, actor=current_user,
                                                           text=form.text.data, evidence=evidence.upload()),
                     _("Response sent to the evaluator."))


@bp.route("/tasks/<int:task_id>/<any(verify, reopen):decision>", methods=["POST"])
@login_required
def review_task(task_id: int, decision: str):
    task = db.get_or_404(RectificationTask, task_id)
    evaluation = load_evaluation(task.evaluation_id)
    require(perms.can_work(current_user, evaluation))
    form = _post_ok()
    to = TaskStatus.VERIFIED if decision == "verify" else TaskStatus.OPEN
    outcome = attempt(lambda: rectification.transition_task(task, to, actor=current_user, text=form.text.data))
    if outcome:
        flash(_("Rectification verified.") if to is TaskStatus.VERIFIED else _("Task reopened."), "success")
        return redirect(_show(evaluation))
    # refused: the page again, the reason typed kept and why beside it (422); reviewed meanwhile in another tab, or
    # rectification closed: 409 (it was a flash after a redirect, answering 200)
    refusal, beside = outcome.refusal, "note" in outcome.refusal.fields
    flash(str(refusal.message) if beside else refusal_text(refusal), "danger")
    page, _status = _show_page(evaluation, answer_refused=Refused(f"review-{task.id}", refusal.fields,
                                                                  http_request.form))
    return page, 422 if beside else refusal.status


def _evaluation_file(evaluation: ProjectEvaluation, file_id: int) -> bool:
    """A file of this evaluation (request answers, rectification evidence) or of its contract."""
    asked = select(request_files.c.file_id).join(DocumentRequest, DocumentRequest.id == request_files.c.request_id)
    if db.session.scalar(asked.where(DocumentRequest.evaluation_id == evaluation.id,
                                     request_files.c.file_id == file_id)):
        return True
    if any(t.evidence_id == file_id for t in evaluation.tasks):
        return True
    return contract_of_file(file_id) == evaluation.contract_id


@bp.route("/<int:evaluation_id>/files/<key>")
@login_required
def file(evaluation_id: int, key: str):
    evaluation = load_evaluation(evaluation_id)
    if not (perms.can_work(current_user, evaluation) or perms.can_oversee(current_user)
            or perms.is_org_member(current_user, evaluation)):
        abort(404)
    stored = db.session.scalar(select(StoredFile).where(StoredFile.key == key[:32])
                               .options(undefer(StoredFile.content)))
    if stored is None or not _evaluation_file(evaluation, stored.id):
        abort(404)
    inline = stored.content_type.startswith("image/")
    return send_file(io.BytesIO(stored.content), mimetype=stored.content_type, as_attachment=not inline,
                     download_name=stored.download_name)
