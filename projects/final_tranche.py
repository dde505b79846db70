"""The last tranche of a contract (its kind 'final') is paid for the end of the project: it becomes payable
once both hold, in either order: the report on the contract's last milestone (末期) has been accepted, and the final
evaluation has passed (completed at 合格 or better, or 不合格 with its rectification verified, 整改验收合格).

Each of the two events calls `release_final_tranche`, which checks both. The evaluation package says how the final
evaluation stands through the `final_evaluation_standing` signal; this package never imports the evaluation package."""

from flask_babel import gettext as _
from sqlalchemy import select

from core.db import db, lock_row
from core.signals import final_evaluation_standing

from .contract_models import Contract, Milestone, MilestoneReport, ReportStatus, Tranche, TrancheKind, TrancheStatus
from .tranches import transition_tranche

PASSED, RECTIFICATION, UNDER_WAY = "passed", "rectification", "under_way"  # the standings the signal answers


def final_tranche(contract: Contract) -> Tranche | None:
    return db.session.scalar(select(Tranche).where(Tranche.contract_id == contract.id,
                                                   Tranche.kind == TrancheKind.FINAL.value)
                             .order_by(Tranche.position.desc()).limit(1))


def final_milestone(contract: Contract) -> Milestone | None:
    """The contract's last milestone (末期), whose report the last tranche waits for as well."""
    return db.session.scalar(select(Milestone).where(Milestone.contract_id == contract.id)
                             .order_by(Milestone.position.desc()).limit(1))


def final_report_accepted(milestone: Milestone | None) -> bool:
    """Read from the database (a column, not the loaded object): after lock_row, what a concurrent request committed."""
    return milestone is not None and db.session.scalar(
        select(Milestone.accepted_at).where(Milestone.id == milestone.id)) is not None


def final_report_in(milestone: Milestone | None) -> bool:
    """Whether the last milestone's report has been submitted (awaiting review) or accepted: a final evaluation can
    then be commissioned."""
    in_ = [ReportStatus.SUBMITTED.value, ReportStatus.ACCEPTED.value]
    return milestone is not None and db.session.scalar(
        select(MilestoneReport.id).where(MilestoneReport.milestone_id == milestone.id,
                                         MilestoneReport.status.in_(in_)).limit(1)) is not None


def final_report_missing(contract: Contract) -> str:
    """Why a final evaluation cannot be commissioned yet ('' when it can): it judges the whole project, so the report
    on the last milestone (末期) must be in, submitted or accepted. Said by the contract page and refused by
    evaluation.project_services.commission."""
    milestone = final_milestone(contract)
    if milestone is None or final_report_in(milestone):
        return ""
    latest = milestone.latest_report
    if latest is not None and latest.status == ReportStatus.RETURNED:
        return _("The report on the last milestone, “%(milestone)s”, was returned to the organisation: a final "
                 "evaluation can be commissioned once it is submitted again.", milestone=milestone.title)
    return _("The report on the last milestone, “%(milestone)s” (due %(date)s), has not been submitted yet: a final "
             "evaluation can be commissioned once it is.", milestone=milestone.title, date=milestone.due_on.isoformat())


def evaluation_standing(contract: Contract) -> tuple[str, int] | None:
    """How the contract's final evaluation stands (state, evaluation id), as the evaluation package answers; None
    when there is none (or nothing answers)."""
    answers = [found for _receiver, found in final_evaluation_standing.send(None, contract_id=contract.id) if found]
    return answers[0] if answers else None


def waiting_for(contract: Contract) -> list[str]:
    """Why the last tranche is not payable yet, in the reader's language (empty when it is not waiting)."""
    tranche = final_tranche(contract)
    if tranche is None or tranche.status != TrancheStatus.PENDING:
        return []
    reasons = []
    milestone = final_milestone(contract)
    if milestone is not None and milestone.accepted_at is None:
        reasons.append(_("waiting for the report on “%(milestone)s” to be accepted", milestone=milestone.title))
    standing = evaluation_standing(contract)
    if standing is None or standing[0] == UNDER_WAY:
        reasons.append(_("waiting for the final evaluation to be passed"))
    elif standing[0] == RECTIFICATION:
        reasons.append(_("waiting for the final evaluation's rectification to be verified"))
    return reasons


def release_final_tranche(contract: Contract, *, actor) -> Tranche | None:
    """Make the pending last tranche payable when both its conditions hold (the last milestone's report accepted, the
    final evaluation passed); called after each of them, so whichever comes second releases it. Once: a guarded
    statement, so a concurrent release cannot repeat it. The contract is locked first, so that of a report accepted
    and an evaluation passed at the same time the later one sees the other and releases. Returns the tranche released,
    or None (a condition still open, or nothing pending: already released, paid or cancelled)."""
    lock_row(contract, "status")
    tranche = final_tranche(contract)
    if tranche is not None:
        db.session.refresh(tranche, ["status"])  # as committed now (the lock serialises the two releases)
    if tranche is None or tranche.status != TrancheStatus.PENDING:
        return None
    milestone = final_milestone(contract)
    standing = evaluation_standing(contract)
    if not final_report_accepted(milestone) or standing is None or standing[0] != PASSED:
        return None
    transition_tranche(tranche, TrancheStatus.PAYABLE, actor=actor, event="contract.final_tranche_released",
                       evaluation_id=standing[1], milestone_id=milestone.id)
    return tranche
