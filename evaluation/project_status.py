"""A project evaluation's state: its one transition function (in progress -> rectification -> completed, or
cancelled) and the checks the other services make against it (still in progress? whose assignment?). The score
sheets, the report and rectification need only this; commissioning and changing evaluators are project_services."""

from flask_babel import gettext as _
from sqlalchemy import exists, select

from audit import services as audit
from core import cache
from core.db import db, lock_row
from core.errors import Conflict, Forbidden, ServiceError
from core.permissions import has_role
from core.signals import final_evaluation_standing
from projects.final_tranche import PASSED, RECTIFICATION, UNDER_WAY, release_final_tranche

from .project_enums import EVALUATION_TRANSITIONS, EvaluationKind, EvaluationStatus, Grade, TaskStatus
from .project_models import EvaluationAssignment, ProjectEvaluation, RectificationTask

MAX_REASON = 2000  # an officer's reason for cancelling an evaluation or withdrawing an evaluator; refused, never cut


def forbidden() -> Forbidden:
    return Forbidden(_("You do not have permission to do this."))


def check_reason(reason: str) -> None:
    """An officer's reason (stripped): required, at most MAX_REASON characters."""
    if not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    if len(reason) > MAX_REASON:
        raise ServiceError(_("A reason has at most %(n)d characters.", n=MAX_REASON),
                           fields={"reason": _("A reason has at most %(n)d characters.", n=MAX_REASON)})


def assignment_of(user, evaluation: ProjectEvaluation) -> EvaluationAssignment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return next((a for a in evaluation.assignments if a.user_id == user.id), None)


def require_in_progress(evaluation: ProjectEvaluation) -> None:
    if evaluation.status != EvaluationStatus.IN_PROGRESS or evaluation.issued:
        raise Conflict(_("This evaluation is no longer in progress."))


# --- the one transition function ------------------------------------------------------------------

def transition_evaluation(evaluation: ProjectEvaluation, to: EvaluationStatus | str, *, actor,
                          reason: str = "") -> None:
    """Issued reports move an evaluation to rectification or completed; closing the last task completes it; an
    officer may cancel one in progress. A final evaluation completed at 合格 or better, or 不合格 with its
    rectification verified, releases the last tranche if the last milestone's report is accepted too (otherwise
    accepting that report releases it: projects.final_tranche)."""
    lock_row(evaluation, "status")
    to, current, reason = EvaluationStatus(to), EvaluationStatus(evaluation.status), (reason or "").strip()
    if to not in EVALUATION_TRANSITIONS[current]:
        raise Conflict(_("An evaluation that is “%(from)s” cannot become “%(to)s”.",
                         **{"from": current.label, "to": to.label}))
    if to is EvaluationStatus.CANCELLED:
        if not has_role(actor, "officer"):
            raise forbidden()
        check_reason(reason)
    elif not evaluation.issued:
        raise Conflict(_("The evaluation report has not been issued yet."))
    elif not getattr(assignment_of(actor, evaluation), "cleared", False):
        raise forbidden()  # the report and its rectification are the evaluators' to close
    if to is EvaluationStatus.COMPLETED and any(t.status != TaskStatus.VERIFIED for t in evaluation.tasks):
        raise Conflict(_("Rectification is still open."))
    evaluation.status, evaluation.status_reason = to.value, reason
    db.session.flush()
    audit.record(f"evaluation.{to.value}", evaluation, actor=actor, data={"from": current.value, "reason": reason})
    cache.bump("directory")
    if to is EvaluationStatus.COMPLETED and passed_final(evaluation):
        release_final_tranche(evaluation.contract, actor=actor)


def passed_final(evaluation: ProjectEvaluation) -> bool:
    """A final evaluation completed at 合格 or better, or 不合格 and rectified: in government service purchasing the
    final payment follows verified rectification (整改验收合格). An evaluation completes only once every task is
    verified, and a 不合格 report always sets a task (project_report.STANDARD_FAIL_TASK)."""
    return (evaluation.kind == EvaluationKind.FINAL and evaluation.grade is not None
            and evaluation.status == EvaluationStatus.COMPLETED
            and (Grade(evaluation.grade).passed or bool(evaluation.tasks)))


@final_evaluation_standing.connect
def final_standing(_sender, *, contract_id: int) -> tuple[str, int] | None:
    """How the contract's final evaluation stands, for projects.final_tranche (core.signals). Read as columns, not
    loaded objects, so that after the contract's lock it is what a concurrent request committed."""
    rectified = exists().where(RectificationTask.evaluation_id == ProjectEvaluation.id)
    rows = db.session.execute(
        select(ProjectEvaluation.id, ProjectEvaluation.status, ProjectEvaluation.grade, rectified.label("rectified"))
        .where(ProjectEvaluation.contract_id == contract_id, ProjectEvaluation.kind == EvaluationKind.FINAL.value,
               ProjectEvaluation.status != EvaluationStatus.CANCELLED.value)
        .order_by(ProjectEvaluation.id.desc())).all()
    for row in rows:
        if row.status == EvaluationStatus.COMPLETED and row.grade and (Grade(row.grade).passed or row.rectified):
            return PASSED, row.id
    for state, status in ((RECTIFICATION, EvaluationStatus.RECTIFICATION), (UNDER_WAY, EvaluationStatus.IN_PROGRESS)):
        if found := next((row.id for row in rows if row.status == status), None):
            return state, found
    return None
