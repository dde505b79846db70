"""Rectification 整改 and document requests: the organisation answers with evidence; the evaluator verifies or
reopens. One transition function for a task; closing the last task completes the evaluation."""

from datetime import date, timedelta

from flask_babel import gettext as _

from accounts.notifications import notify
from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.timeutil import local_today
from core.uploads import store_upload
from core.views import path_for
from orgs import permissions as org_permissions
from orgs.services import active_managers

from .project_enums import TASK_TRANSITIONS, EvaluationStatus, TaskStatus
from .project_models import DocumentRequest, ProjectEvaluation, RectificationTask
from .project_status import assignment_of, require_in_progress, transition_evaluation

MAX_FILES = 10
MAX_TEXT = 2000  # a request, an answer, a response or a review note; refused, never cut
# Documents are asked for in time for the report, which is due on the evaluation's date: a request is due by then,
# or within two weeks for an evaluation due sooner (or already late), and never more than 60 days ahead (a request
# due 2099-01-01 was accepted, and never showed as overdue to the organisation or the officers).
DOCUMENTS_GRACE_DAYS = 14
DOCUMENTS_MAX_DAYS = 60


def documents_due_window(evaluation: ProjectEvaluation, today: date) -> tuple[date, date]:
    """The earliest and latest due date of a document request made today."""
    latest = max(evaluation.due_on, today + timedelta(days=DOCUMENTS_GRACE_DAYS))
    return today + timedelta(days=1), min(latest, today + timedelta(days=DOCUMENTS_MAX_DAYS))


def _documents_due_error(evaluation: ProjectEvaluation, due_on: date, today: date) -> str | None:
    earliest, latest = documents_due_window(evaluation, today)
    if due_on < earliest:
        return _("The due date must be in the future.")
    if due_on <= latest:
        return None
    if latest == evaluation.due_on:
        return _("The evaluation is due on %(date)s: ask for the documents by then.", date=latest.isoformat())
    if evaluation.due_on > latest:
        return _("Documents can be asked for at most %(n)d days ahead: %(date)s at the latest.",
                 n=DOCUMENTS_MAX_DAYS, date=latest.isoformat())
    return _("The evaluation is due on %(due)s: documents can be due at most %(n)d days from today, %(date)s at the "
             "latest.", due=evaluation.due_on.isoformat(), n=DOCUMENTS_GRACE_DAYS, date=latest.isoformat())


def _forbidden():
    return Forbidden(_("You do not have permission to do this."))


def is_evaluator(user, evaluation: ProjectEvaluation) -> bool:
    assignment = assignment_of(user, evaluation)
    return assignment is not None and assignment.cleared


def _tell_org(evaluation: ProjectEvaluation, code: str, **data) -> None:
    for m in active_managers(evaluation.contract.org):
        notify(m.user_id, code, link=path_for("project_evaluation.show", evaluation_id=evaluation.id),
               project=evaluation.contract.title, **data)


def _tell_evaluators(evaluation: ProjectEvaluation, code: str, **data) -> None:
    for a in evaluation.assignments:
        if a.cleared:
            notify(a.user_id, code, link=path_for("project_evaluation.workspace", evaluation_id=evaluation.id),
                   project=evaluation.contract.title, **data)


def transition_task(task: RectificationTask, to: TaskStatus | str, *, actor, text: str = "", evidence=None) -> None:
    """open → responded (a manager of the organisation, with a response and an evidence file; a reply after the due
    date is accepted and its lateness recorded); responded → verified or back to open (an evaluator of the
    evaluation; reopening needs a reason)."""
    lock_row(task, "status")
    to, current, text = TaskStatus(to), TaskStatus(task.status), (text or "").strip()
    evaluation = db.session.get(ProjectEvaluation, task.evaluation_id)
    if to not in TASK_TRANSITIONS[current]:
        raise Conflict(_("A task that is “%(from)s” cannot become “%(to)s”.",
                         **{"from": current.label, "to": to.label}))
    if evaluation.status != EvaluationStatus.RECTIFICATION:
        raise Conflict(_("Rectification is not open for this evaluation."))
    if to is TaskStatus.RESPONDED:
        if not org_permissions.is_manager(actor, evaluation.contract.org):
            raise _forbidden()
        errors = {}
        if len(text) < 5:
            errors["response"] = _("Describe what was done (at least 5 characters).")
        elif len(text) > MAX_TEXT:
            errors["response"] = _("At most %(n)d characters.", n=MAX_TEXT)
        if not (evidence and getattr(evidence, "filename", "")):
            errors["evidence"] = _("Please choose a file.")
        if errors:
            raise invalid(errors)
        task.evidence = store_upload(evidence, actor=actor, field="evidence")
        task.response, task.responded_at = text, utcnow()
        late = {"due_on": task.due_on, "late_by_days": max(0, (local_today() - task.due_on).days)}
    else:
        if not is_evaluator(actor, evaluation):
            raise _forbidden()
        if to is TaskStatus.OPEN and not text:
            raise ServiceError(_("Please give a reason."), fields={"note": _("Please give a reason.")})
        if len(text) > MAX_TEXT:
            raise invalid({"note": _("At most %(n)d characters.", n=MAX_TEXT)})
        task.review_note = text
        task.verified_at = utcnow() if to is TaskStatus.VERIFIED else None
        late = {}
    task.status = to.value
    db.session.flush()
    audit.record(f"rectification.{to.value}", evaluation, actor=actor,
                 data={"task_id": task.id, "from": current.value, "text": text,
                       "evidence_sha256": task.evidence.sha256 if task.evidence else "", **late})
    if to is TaskStatus.RESPONDED:
        _tell_evaluators(evaluation, "rectification.responded")
    else:
        _tell_org(evaluation, f"rectification.{to.value}", note=text)
    if to is TaskStatus.VERIFIED and all(t.status == TaskStatus.VERIFIED for t in evaluation.tasks):
        transition_evaluation(evaluation, EvaluationStatus.COMPLETED, actor=actor)


def request_documents(evaluation: ProjectEvaluation, text: str, due_on: date, *, actor) -> DocumentRequest:
    if not is_evaluator(actor, evaluation):
        raise _forbidden()
    require_in_progress(evaluation)
    text = (text or "").strip()
    errors = {}
    if len(text) < 5:
        errors["text"] = _("Say which documents you need.")
    elif len(text) > MAX_TEXT:
        errors["text"] = _("At most %(n)d characters.", n=MAX_TEXT)
    if message := _documents_due_error(evaluation, due_on, local_today()):
        errors["due_on"] = message
    if errors:
        raise invalid(errors)
    request = DocumentRequest(evaluation_id=evaluation.id, text=text, due_on=due_on, requested_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    audit.record("evaluation.documents_requested", evaluation, actor=actor,
                 data={"request_id": request.id, "due_on": due_on})
    _tell_org(evaluation, "evaluation.documents_requested", due=due_on.isoformat())
    return request


def answer_request(request: DocumentRequest, answer: str, uploads: list, *, actor) -> None:
    evaluation = db.session.get(ProjectEvaluation, request.evaluation_id)
    if not org_permissions.is_manager(actor, evaluation.contract.org):
        raise _forbidden()
    require_in_progress(evaluation)
    if request.answered_at is not None:
        raise Conflict(_("This request has already been answered."))
    answer = (answer or "").strip()
    if len(answer) > MAX_TEXT:
        raise invalid({"answer": _("At most %(n)d characters.", n=MAX_TEXT)})
    uploads = [u for u in uploads if u and getattr(u, "filename", "")]
    if not uploads:
        raise invalid({"files": _("Please choose a file.")})
    if len(uploads) > MAX_FILES:
        raise invalid({"files": _("At most %(n)d files.", n=MAX_FILES)})
    request.files = [store_upload(u, actor=actor, field="files") for u in uploads]
    request.answer, request.answered_at, request.answered_by_id = answer, utcnow(), actor.id
    db.session.flush()
    audit.record("evaluation.documents_provided", evaluation, actor=actor,
                 data={"request_id": request.id, "files": [f.sha256 for f in request.files]})
    _tell_evaluators(evaluation, "evaluation.documents_provided")
