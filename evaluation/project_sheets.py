"""Score sheets of project evaluations, on the review engine: the same comment rules, half points, submit/reopen
(`score_sheets.save_scores`, `score_sheets.transition_sheet`) and aggregation (`aggregate`)."""

from sqlalchemy import select

from core.db import db, lock_row
from core.permissions import has_role
from core.views import path_for

from . import aggregate
from .enums import SheetStatus
from .models import ScoreSheet
from .project_models import EvaluationAssignment, ProjectEvaluation
from .project_status import require_in_progress
from .score_sheets import SheetOwner

OUTLIER_POINTS = 15


def owner_of(sheet: ScoreSheet) -> SheetOwner:
    assignment = db.session.get(EvaluationAssignment, sheet.assignment_id)
    evaluation = assignment.evaluation
    return SheetOwner(assignment.user_id, assignment.cleared, assignment.cleared, evaluation.template.criteria,
                      lambda: require_in_progress(evaluation), lambda actor: has_role(actor, "officer"),
                      path_for("project_evaluation.workspace", evaluation_id=evaluation.id),
                      {"evaluation_id": evaluation.id},
                      ("sheet.reopened_project", {"project": evaluation.contract.title}))


def existing_sheet(assignment: EvaluationAssignment) -> ScoreSheet | None:
    return db.session.scalar(select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))


def sheet_to_show(assignment: EvaluationAssignment) -> ScoreSheet:
    """The evaluator's sheet or, before their first save, an empty draft that is not in the session: showing the
    workspace (a GET) writes nothing; sheet_for creates the sheet when they first save."""
    return existing_sheet(assignment) or ScoreSheet(assignment_id=assignment.id, status=SheetStatus.DRAFT.value)


def sheet_for(assignment: EvaluationAssignment) -> ScoreSheet:
    """The evaluator's sheet, created at their first save (also for assignments cleared before sheets were made so).
    Two first saves at once (two tabs) take turns on the assignment's row: the second finds the first's sheet."""
    sheet = existing_sheet(assignment)
    if sheet is None:
        lock_row(assignment, "withdrawn_at")
        sheet = existing_sheet(assignment)
    if sheet is None:
        sheet = ScoreSheet(assignment_id=assignment.id, status=SheetStatus.DRAFT.value)
        db.session.add(sheet)
        db.session.flush()
    return sheet


def sheets_of(evaluation: ProjectEvaluation) -> dict[int, ScoreSheet]:
    """assignment id -> sheet, for every assignment that has one."""
    ids = [a.id for a in evaluation.assignments]
    return {s.assignment_id: s for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.assignment_id.in_(ids)))}


def missing_work(evaluation: ProjectEvaluation) -> list[str]:
    """Evaluators who still owe a declaration, or (cleared) a submitted sheet."""
    sheets = sheets_of(evaluation)
    return [a.user.display_name for a in evaluation.assignments
            if a.declared_at is None or (a.cleared and (a.id not in sheets or sheets[a.id].status
                                                        != SheetStatus.SUBMITTED))]


def result(evaluation: ProjectEvaluation) -> aggregate.ProposalResult | None:
    """Totals of the cleared evaluators' submitted sheets, the final score by the evaluation's method (exact), the
    per-criterion means and spread — the review engine's aggregation."""
    cleared = {a.id for a in evaluation.assignments if a.cleared}
    submitted = {aid: {s.indicator_id: s.half_points for s in sheet.scores}
                 for aid, sheet in sheets_of(evaluation).items()
                 if aid in cleared and sheet.status == SheetStatus.SUBMITTED}
    if not submitted:
        return None
    return aggregate.result_for(evaluation.id, submitted, evaluation.aggregation, OUTLIER_POINTS)
