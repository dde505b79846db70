"""What is waiting for an expert (an evaluator): in proposal reviews, the conflict declarations to make and the score
sheets to submit; in project evaluations, the same, the reports to issue once every sheet is in, and the
rectification responses to verify. Three queries, however many panels and evaluations they sit on; the same rules
as the pages where the work is done (evaluation.views._still_to_do, project_views._my_part) and the reminders."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from core.db import db
from projects.enums import CallStatus, ProposalStatus
from projects.models import Call, Proposal

from .enums import MemberStatus, SheetStatus
from .models import ConflictDeclaration, Panel, PanelMember, ScoreSheet
from .project_enums import EvaluationStatus, TaskStatus
from .project_models import EvaluationAssignment, ProjectEvaluation, RectificationTask

REVIEW_OPEN = (CallStatus.CLOSED.value, CallStatus.UNDER_REVIEW.value)


@dataclass(frozen=True)
class Pending:
    review_declarations: int = 0  # proposals under review by their panel not yet declared on
    review_sheets: int = 0  # proposals declared without a conflict whose sheet is not submitted
    project_declarations: int = 0  # project evaluations in progress not yet declared on
    project_sheets: int = 0  # cleared on an evaluation in progress, the sheet not submitted
    reports: int = 0  # cleared on an evaluation in progress whose every declaration and sheet is in
    verifications: int = 0  # rectification responses awaiting verification, on an evaluation they are cleared on

    @property
    def reviews(self) -> int:
        return self.review_declarations + self.review_sheets

    @property
    def projects(self) -> int:
        return self.project_declarations + self.project_sheets + self.reports + self.verifications


def _review_counts(user_id: int) -> tuple[int, int]:
    """(declarations to make, sheets to submit) over the proposals of every open review the expert sits on."""
    undeclared = ConflictDeclaration.id.is_(None)
    # sheets wait for the review to start (services.require_scoring_open): none is owed on a call merely closed
    to_score = and_(Call.status == CallStatus.UNDER_REVIEW.value, ConflictDeclaration.has_conflict.is_(False),
                    func.coalesce(ScoreSheet.status, SheetStatus.DRAFT.value) != SheetStatus.SUBMITTED.value)
    row = db.session.execute(
        select(func.count(case((undeclared, 1))), func.count(case((to_score, 1))))
        .select_from(PanelMember)
        .join(Panel, Panel.id == PanelMember.panel_id)
        .join(Call, Call.id == Panel.call_id)
        .join(Proposal, and_(Proposal.call_id == Call.id, Proposal.status == ProposalStatus.ELIGIBLE.value))
        .outerjoin(ConflictDeclaration, and_(ConflictDeclaration.member_id == PanelMember.id,
                                             ConflictDeclaration.proposal_id == Proposal.id))
        .outerjoin(ScoreSheet, and_(ScoreSheet.member_id == PanelMember.id, ScoreSheet.proposal_id == Proposal.id))
        .where(PanelMember.user_id == user_id, PanelMember.status == MemberStatus.ACTIVE.value,
               Call.status.in_(REVIEW_OPEN))).one()
    return row[0], row[1]


def _project_counts(user_id: int) -> tuple[int, int, int]:
    """(declarations to make, sheets to submit, reports to issue): every evaluator taking part in each evaluation in
    progress the expert takes part in, with their sheet's state, in one query."""
    theirs = select(EvaluationAssignment.evaluation_id).where(EvaluationAssignment.user_id == user_id,
                                                             EvaluationAssignment.withdrawn_at.is_(None))
    rows = db.session.execute(
        select(EvaluationAssignment.evaluation_id, EvaluationAssignment.user_id, EvaluationAssignment.declared_at,
               EvaluationAssignment.has_conflict, ScoreSheet.status)
        .join(ProjectEvaluation, ProjectEvaluation.id == EvaluationAssignment.evaluation_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluationAssignment.id)
        .where(EvaluationAssignment.evaluation_id.in_(theirs), EvaluationAssignment.withdrawn_at.is_(None),
               ProjectEvaluation.status == EvaluationStatus.IN_PROGRESS.value,
               ProjectEvaluation.report_code.is_(None))).all()
    by_evaluation: dict[int, list] = {}
    for row in rows:
        by_evaluation.setdefault(row.evaluation_id, []).append(row)
    declarations = sheets = reports = 0
    for assigned in by_evaluation.values():
        mine = next(r for r in assigned if r.user_id == user_id)
        owing = [r for r in assigned if r.declared_at is None
                 or (r.has_conflict is False and r.status != SheetStatus.SUBMITTED)]
        if mine.declared_at is None:
            declarations += 1
        elif mine.has_conflict is False and mine.status != SheetStatus.SUBMITTED:
            sheets += 1
        elif mine.has_conflict is False and not owing:
            reports += 1  # any cleared evaluator may issue it (project_report.issue_report)
    return declarations, sheets, reports


def _verifications(user_id: int) -> int:
    cleared = select(EvaluationAssignment.id).where(
        EvaluationAssignment.evaluation_id == RectificationTask.evaluation_id,
        EvaluationAssignment.user_id == user_id, EvaluationAssignment.withdrawn_at.is_(None),
        EvaluationAssignment.declared_at.is_not(None), EvaluationAssignment.has_conflict.is_(False)).exists()
    return db.session.scalar(
        select(func.count(RectificationTask.id))
        .join(ProjectEvaluation, ProjectEvaluation.id == RectificationTask.evaluation_id)
        .where(RectificationTask.status == TaskStatus.RESPONDED.value,
               ProjectEvaluation.status == EvaluationStatus.RECTIFICATION.value, cleared))


def pending_for(user) -> Pending:
    """What waits for this expert, in three queries."""
    review_declarations, review_sheets = _review_counts(user.id)
    project_declarations, project_sheets, reports = _project_counts(user.id)
    return Pending(review_declarations, review_sheets, project_declarations, project_sheets, reports,
                   _verifications(user.id))
