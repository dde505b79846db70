"""Project evaluation (issue 7): evaluation agencies, commissioning, conflict declarations, results, the report,
and the one transition function of an evaluation."""

from datetime import date, timedelta
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from accounts.notifications import notify
from audit import services as audit
from core import cache
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError
from core.permissions import has_role
from core.timeutil import local_today
from core.views import path_for
from orgs.models import Organisation
from projects.contract_models import Contract, ContractStatus
from projects.final_tranche import release_final_tranche

from . import affiliations, expert_conflicts, paid_conflicts, templates
from .affiliations import agency_evaluators
from .enums import Aggregation
from .models import ExpertProfile, IndicatorTemplate, ScoreSheet
from .project_enums import EVALUATION_TRANSITIONS, EvaluationKind, EvaluationStatus, Grade, TaskStatus
from .project_models import EvaluationAgency, EvaluationAssignment, ProjectEvaluation

INVALID = "Please correct the marked fields."
OPEN_STATUSES = (EvaluationStatus.IN_PROGRESS, EvaluationStatus.RECTIFICATION)
MAX_REASON = 2000  # an officer's reason for cancelling an evaluation or withdrawing an evaluator; refused, never cut


def _forbidden():
    return Forbidden(_("You do not have permission to do this."))


def _check_reason(reason: str) -> None:
    """An officer's reason (stripped): required, at most MAX_REASON characters."""
    if not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    if len(reason) > MAX_REASON:
        raise ServiceError(_("A reason has at most %(n)d characters.", n=MAX_REASON),
                           fields={"reason": _("A reason has at most %(n)d characters.", n=MAX_REASON)})


# --- agencies and who may be chosen ----------------------------------------------------------------

def register_agency(org: Organisation, active: bool, *, actor) -> EvaluationAgency:
    if not has_role(actor, "officer", "admin"):
        raise _forbidden()
    agency = db.session.get(EvaluationAgency, org.id) or EvaluationAgency(org_id=org.id, registered_by_id=actor.id)
    agency.active = active
    db.session.add(agency)
    db.session.flush()
    audit.record("evaluation.agency_registered", org, actor=actor, data={"active": active})
    return agency


def affiliated(user: User, org_id: int) -> bool:
    """Affiliated with the organisation: an affiliation in the expert pool, a standing conflict declared with it,
    or a membership of it."""
    profile = db.session.get(ExpertProfile, user.id)
    if profile is not None and org_id in {o.id for o in profile.affiliations}:
        return True
    if user.id in expert_conflicts.conflicted_users({org_id}):
        return True
    return user.id in affiliations.member_ids({org_id})


def agency_affiliated(agency_org_id: int, org_id: int) -> bool:
    return agency_org_id == org_id or any(affiliated(u, org_id) for u in agency_evaluators(agency_org_id))


def eligible_agencies(contract: Contract) -> list[EvaluationAgency]:
    """Active agencies not affiliated with the organisation, none of whose evaluators it paid under the contract
    (as one affiliated evaluator excludes the agency, so does one paid)."""
    agencies = db.session.scalars(select(EvaluationAgency).where(EvaluationAgency.active)
                                  .order_by(EvaluationAgency.org_id))
    paid = paid_conflicts.paid_ids(contract)
    return [a for a in agencies if not agency_affiliated(a.org_id, contract.org_id)
            and not paid_conflicts.paid_staff(a.org_id, paid)]


def eligible_experts(contract: Contract) -> list[ExpertProfile]:
    pool = db.session.scalars(select(ExpertProfile).join(User, User.id == ExpertProfile.user_id)
                              .where(ExpertProfile.active, User.active).order_by(ExpertProfile.user_id))
    paid = paid_conflicts.paid_ids(contract)
    return [p for p in pool if p.user.has_role("evaluator") and p.user_id not in paid
            and not affiliated(p.user, contract.org_id)]


# --- commissioning ----------------------------------------------------------------------------------

def _chosen_evaluators(contract: Contract, agency: Organisation | None, user_ids: list[int]) -> list[User]:
    paid_conflicts.refuse_paid(contract, agency, user_ids)
    if agency is not None:
        if db.session.scalar(select(EvaluationAgency.org_id).where(EvaluationAgency.org_id == agency.id,
                                                                   EvaluationAgency.active)) is None:
            raise ServiceError(_(INVALID), fields={"agency_id": _("This organisation is not an evaluation agency.")})
        if agency_affiliated(agency.id, contract.org_id):
            raise Conflict(_("This agency is affiliated with the project's organisation and cannot be chosen."),
                           fields={"agency_id": _("Affiliated with the organisation.")})
        staff = agency_evaluators(agency.id)
        chosen = [u for u in staff if u.id in user_ids] if user_ids else staff
        if not chosen or len(chosen) != len(set(user_ids or [u.id for u in staff])):
            raise ServiceError(_(INVALID), fields={"evaluator_ids": _("Choose evaluators of the agency.")})
        return chosen
    eligible = {p.user_id: p.user for p in eligible_experts(contract)}
    if not user_ids:
        raise ServiceError(_(INVALID), fields={"evaluator_ids": _("Choose an agency or at least one evaluator.")})
    if refused := [i for i in user_ids if i not in eligible]:
        raise Conflict(_("These evaluators cannot be chosen (not in the active pool, or affiliated with the "
                         "project's organisation): %(ids)s.", ids=", ".join(map(str, refused))),
                       fields={"evaluator_ids": _("Not eligible.")})
    return [eligible[i] for i in dict.fromkeys(user_ids)]


DUE_AFTER_END_DAYS = 365  # an evaluation is due within a year of the contract's end (2099-01-01 was accepted)


def _due_date_error(contract: Contract, due_on: date, today: date) -> str | None:
    if due_on <= today:
        return _("The due date must be in the future.")
    after = timedelta(days=DUE_AFTER_END_DAYS)
    since = max(contract.ends_on, today)  # a contract that ended long ago can still be evaluated, within a year
    latest = since + after if since <= date.max - after else date.max
    if due_on <= latest:
        return None
    if contract.ends_on >= today:
        return _("The due date can be at most a year after the contract ends: %(date)s at the latest.",
                 date=latest.isoformat())
    return _("The contract has ended: the due date can be at most a year from today, %(date)s at the latest.",
             date=latest.isoformat())


def commission(contract: Contract, kind: str, template: IndicatorTemplate, due_on: date, *, actor,
               agency: Organisation | None = None, evaluator_ids: list[int] = (),
               aggregation: str = Aggregation.MEAN.value) -> ProjectEvaluation:
    """An officer commissions a mid-term or final evaluation from an agency or individual pool evaluators."""
    if not has_role(actor, "officer"):
        raise _forbidden()
    errors = {}
    if kind not in {k.value for k in EvaluationKind}:
        errors["kind"] = _("Choose mid-term or final.")
    if message := _due_date_error(contract, due_on, local_today()):
        errors["due_on"] = message
    if template.total_points != templates.TOTAL or template.frozen:
        errors["template_id"] = _("Choose a template whose maxima add up to 100.")
    if aggregation not in {a.value for a in Aggregation}:
        errors["aggregation"] = _("Choose an aggregation method.")
    if errors:
        raise ServiceError(_(INVALID), fields=errors)
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.CLOSED):
        raise Conflict(_("Only a contract in force can be evaluated."))
    running = db.session.scalar(select(ProjectEvaluation.id).where(
        ProjectEvaluation.contract_id == contract.id, ProjectEvaluation.kind == kind,
        ProjectEvaluation.status.in_([s.value for s in OPEN_STATUSES])))
    if running:
        raise Conflict(_("This project already has an evaluation of this kind under way."))
    users = _chosen_evaluators(contract, agency, list(evaluator_ids))
    evaluation = ProjectEvaluation(contract_id=contract.id, kind=kind, agency_org_id=agency.id if agency else None,
                                   template=templates.frozen_copy(template, actor=actor), due_on=due_on,
                                   aggregation=aggregation, commissioned_by_id=actor.id)
    evaluation.assignments = [EvaluationAssignment(user_id=u.id) for u in users]
    db.session.add(evaluation)
    db.session.flush()
    audit.record("evaluation.commissioned", evaluation, actor=actor,
                 data={"contract_id": contract.id, "kind": kind, "agency_id": evaluation.agency_org_id,
                       "evaluators": [u.id for u in users], "due_on": due_on,
                       # who was not offered because the organisation paid them under the contract
                       "paid_withheld": sorted(paid_conflicts.paid_ids(contract))})
    for user in users:
        notify(user.id, "evaluation.assigned", link=path_for("project_evaluation.mine"), project=contract.title)
    return evaluation


def _agency_still_eligible(agency_org_id: int, contract: Contract) -> bool:
    """This one agency is active and unaffiliated (without going through every agency, as eligible_agencies does)."""
    active = db.session.scalar(select(EvaluationAgency.org_id).where(EvaluationAgency.org_id == agency_org_id,
                                                                     EvaluationAgency.active))
    return (active is not None and not agency_affiliated(agency_org_id, contract.org_id)
            and not paid_conflicts.paid_staff(agency_org_id, paid_conflicts.paid_ids(contract)))


def addable_evaluators(evaluation: ProjectEvaluation) -> list[User]:
    """Whom add_evaluator accepts: an agency's evaluation takes the agency's other evaluators (while the agency is
    active and unaffiliated), individual pool evaluators' takes eligible pool experts."""
    # a withdrawn evaluator is not offered again for this evaluation
    taken, contract = {a.user_id for a in evaluation.all_assignments}, evaluation.contract
    if evaluation.agency_org_id is None:
        users = [p.user for p in eligible_experts(contract)]
    elif _agency_still_eligible(evaluation.agency_org_id, contract):
        users = agency_evaluators(evaluation.agency_org_id)
    else:
        users = []
    return [u for u in users if u.id not in taken]


def add_evaluator(evaluation: ProjectEvaluation, user: User, *, actor) -> EvaluationAssignment:
    """A further evaluator, e.g. when one declared a conflict; the same exclusions apply."""
    if not has_role(actor, "officer"):  # first: the refusals below name who was paid under the contract, and how much
        raise _forbidden()
    require_in_progress(evaluation)
    earlier = next((a for a in evaluation.all_assignments if a.user_id == user.id), None)
    if earlier is not None and earlier.withdrawn:
        raise Conflict(_("This evaluator was withdrawn from this evaluation and cannot be added again."))
    if earlier is not None:
        raise Conflict(_("This evaluator is already assigned."))
    agency = db.session.get(Organisation, evaluation.agency_org_id) if evaluation.agency_org_id else None
    _chosen_evaluators(evaluation.contract, agency, [user.id])
    assignment = EvaluationAssignment(evaluation=evaluation, user_id=user.id)
    db.session.add(assignment)
    db.session.flush()
    db.session.expire(evaluation, ["all_assignments"])
    audit.record("evaluation.evaluator_added", evaluation, actor=actor, data={"user_id": user.id})
    notify(user.id, "evaluation.assigned", link=path_for("project_evaluation.mine"),
           project=evaluation.contract.title)
    return assignment


def assignment_of(user, evaluation: ProjectEvaluation) -> EvaluationAssignment | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return next((a for a in evaluation.assignments if a.user_id == user.id), None)


def declare(assignment: EvaluationAssignment, has_conflict: bool, note: str, *, actor) -> None:
    """Before seeing anything: no conflict, or a conflict with the relationship (then nothing is shown)."""
    if assignment.user_id != getattr(actor, "id", None) or assignment.withdrawn:
        raise _forbidden()
    if assignment.declared_at is not None:
        raise Conflict(_("You have already declared for this evaluation."))
    require_in_progress(assignment.evaluation)
    note = expert_conflicts.relationship_note(note)
    if has_conflict and not note:
        raise ServiceError(_(INVALID), fields={"relationship": _("Describe the relationship.")})
    assignment.declared_at, assignment.has_conflict, assignment.relationship_note = utcnow(), has_conflict, note
    db.session.flush()
    audit.record("evaluation.conflict_declared" if has_conflict else "evaluation.no_conflict_declared",
                 assignment.evaluation, actor=actor, data={"assignment_id": assignment.id})


# --- withdrawing an evaluator -------------------------------------------------------------------------

def able_to_score(evaluation: ProjectEvaluation) -> list[EvaluationAssignment]:
    """The evaluators who can still bring the evaluation to its report: not withdrawn, no conflict declared (cleared,
    or not yet declared). With none, no report can be issued until an officer adds one (or cancels)."""
    return [a for a in evaluation.assignments if a.has_conflict is not True]


def withdraw_evaluator(assignment: EvaluationAssignment, reason: str, *, actor) -> EvaluationAssignment:
    """An officer takes one evaluator off an evaluation in progress, with a reason (say, the organisation paid them
    under the contract). The assignment and its sheet are kept for the record, but the sheet no longer counts and
    the evaluator no longer sees the evaluation; they are told why. Withdrawing the last evaluator able to score is
    allowed (a paid evaluator's score must not stand, and an agency's evaluation may have nobody else to add): the
    evaluation then waits, flagged on its page, for another evaluator or its cancellation."""
    if not has_role(actor, "officer"):
        raise _forbidden()
    evaluation = assignment.evaluation
    lock_row(evaluation, "status", "report_code")  # the evaluation first, as transition_evaluation locks it
    lock_row(assignment, "withdrawn_at")  # two officers at once: the second sees the first's withdrawal
    if assignment.withdrawn:
        raise Conflict(_("This evaluator has already been withdrawn."))
    require_in_progress(evaluation)
    reason = (reason or "").strip()
    _check_reason(reason)
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    assignment.withdrawn_at, assignment.withdrawn_by_id, assignment.withdrawn_reason = utcnow(), actor.id, reason
    db.session.flush()
    db.session.expire(evaluation, ["assignments"])  # the loaded list still holds them
    audit.record("evaluation.evaluator_withdrawn", evaluation, actor=actor,
                 data={"assignment_id": assignment.id, "user_id": assignment.user_id, "reason": reason,
                       "sheet_id": sheet.id if sheet else None, "sheet_status": sheet.status if sheet else None,
                       "paid_under_contract": assignment.user_id in paid_conflicts.paid_ids(evaluation.contract)})
    notify(assignment.user_id, "evaluation.evaluator_withdrawn", link=path_for("project_evaluation.mine"),
           project=evaluation.contract.title, reason=reason)
    return assignment


def all_sheets(evaluation: ProjectEvaluation) -> dict[int, ScoreSheet]:
    """assignment id -> sheet for everyone ever assigned, withdrawn evaluators' kept sheets included (the officers'
    list; project_sheets.sheets_of has only those taking part)."""
    ids = [a.id for a in evaluation.all_assignments]
    return {s.assignment_id: s for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.assignment_id.in_(ids)))}


def require_in_progress(evaluation: ProjectEvaluation) -> None:
    if evaluation.status != EvaluationStatus.IN_PROGRESS or evaluation.issued:
        raise Conflict(_("This evaluation is no longer in progress."))


# --- the one transition function ------------------------------------------------------------------

def transition_evaluation(evaluation: ProjectEvaluation, to: EvaluationStatus | str, *, actor,
                          reason: str = "") -> None:
    """Issued reports move an evaluation to rectification or completed; closing the last task completes it; an
    officer may cancel one in progress. A completed final evaluation of at least 合格 releases the last tranche."""
    lock_row(evaluation, "status")
    to, current, reason = EvaluationStatus(to), EvaluationStatus(evaluation.status), (reason or "").strip()
    if to not in EVALUATION_TRANSITIONS[current]:
        raise Conflict(_("An evaluation that is “%(from)s” cannot become “%(to)s”.",
                         **{"from": current.label, "to": to.label}))
    if to is EvaluationStatus.CANCELLED:
        if not has_role(actor, "officer"):
            raise _forbidden()
        _check_reason(reason)
    elif not evaluation.issued:
        raise Conflict(_("The evaluation report has not been issued yet."))
    elif not getattr(assignment_of(actor, evaluation), "cleared", False):
        raise _forbidden()  # the report and its rectification are the evaluators' to close
    if to is EvaluationStatus.COMPLETED and any(t.status != TaskStatus.VERIFIED for t in evaluation.tasks):
        raise Conflict(_("Rectification is still open."))
    evaluation.status, evaluation.status_reason = to.value, reason
    db.session.flush()
    audit.record(f"evaluation.{to.value}", evaluation, actor=actor, data={"from": current.value, "reason": reason})
    cache.bump("directory")
    if to is EvaluationStatus.COMPLETED and passed_final(evaluation):
        release_final_tranche(evaluation.contract, actor=actor, evaluation_id=evaluation.id)


def passed_final(evaluation: ProjectEvaluation) -> bool:
    return (evaluation.kind == EvaluationKind.FINAL and evaluation.grade is not None
            and Grade(evaluation.grade).passed and evaluation.status == EvaluationStatus.COMPLETED)


def score_of(evaluation: ProjectEvaluation) -> Fraction | None:
    """The stored final score back as an exact value (it is stored as the two-decimal text printed)."""
    return Fraction(evaluation.final_score) if evaluation.final_score else None
