"""Project evaluation (issue 7): commissioning, the evaluators' conflict declarations, adding and withdrawing
evaluators. The evaluation's states and its one transition function are project_status."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from accounts.models import User
from accounts.notifications import notify
from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, invalid
from core.permissions import has_role
from core.timeutil import local_today
from core.views import path_for
from orgs.models import Organisation
from projects.contract_models import Contract, ContractStatus
from projects.final_tranche import final_milestone, final_report_missing

from . import declared_conflicts, expert_conflicts, paid_conflicts, templates
from .candidates import Choices, choices
from .enums import Aggregation, TemplatePurpose
from .models import IndicatorTemplate, ScoreSheet
from .project_enums import EvaluationKind, EvaluationStatus
from .project_models import EvaluationAssignment, ProjectEvaluation
from .project_status import check_reason, forbidden, require_in_progress

OPEN_STATUSES = (EvaluationStatus.IN_PROGRESS, EvaluationStatus.RECTIFICATION)
MAX_OVERRIDE_REASON = 500  # an officer's reason for choosing an evaluator the organisation paid; refused, never cut


# --- commissioning ----------------------------------------------------------------------------------

def override_field(user_id: int) -> str:
    """The form's name for the reason of choosing this paid evaluator all the same (its check box: override_N)."""
    return f"override_reason_{user_id}"


def _checked_overrides(found: Choices, agency: Organisation | None, user_ids: list[int],
                       overrides: dict[int, str]) -> dict[int, str]:
    """The officer's overrides (user id -> reason) of the exclusion of evaluators the organisation paid under the
    contract, stripped and checked: each for a pool evaluator chosen individually, with a reason (required, at most
    MAX_OVERRIDE_REASON characters). An override of someone not paid is no override: dropped, they are chosen as
    anyone else is. A declared conflict, an affiliation, an agency are never overridden (refused as before)."""
    checked = {i: (reason or "").strip() for i, reason in overrides.items() if i in found.paid}
    if not checked:
        return {}
    if agency is not None:
        raise invalid({"evaluator_ids": _(
            "Only an evaluator from the expert pool, chosen individually, can be chosen despite a payment: not with "
            "an agency.")})
    errors = {}
    for user_id, reason in checked.items():
        if user_id not in user_ids:
            errors["evaluator_ids"] = _("Choose the evaluators you override the exclusion for.")
        elif not reason:
            errors[override_field(user_id)] = _("Give the reason for choosing them despite the payment.")
        elif len(reason) > MAX_OVERRIDE_REASON:
            errors[override_field(user_id)] = _("At most %(n)d characters.", n=MAX_OVERRIDE_REASON)
    if errors:
        raise invalid(errors)
    return checked


def _chosen_evaluators(found: Choices, agency: Organisation | None, user_ids: list[int],
                       paid_overrides: dict[int, str]) -> tuple[list[User], dict[int, str]]:
    """Whom the evaluation is commissioned from, and the overrides (checked) that let through pool evaluators the
    organisation paid, and nothing else."""
    declared_conflicts.refuse_declared(found.declared, user_ids)  # first: a declared conflict is never overridden
    overrides = _checked_overrides(found, agency, user_ids, paid_overrides)
    paid_conflicts.refuse_paid(found.paid, agency, [i for i in user_ids if i not in overrides])
    if agency is not None:
        if agency.id not in found.staff:
            raise invalid({"agency_id": _("This organisation is not an evaluation agency.")})
        if agency.id not in {a.org_id for a in found.agencies}:  # not paid (refused above): affiliated
            raise Conflict(_("This agency is affiliated with the project's organisation and cannot be chosen."),
                           fields={"agency_id": _("Affiliated with the organisation.")})
        staff = found.agency_staff(agency.id)
        chosen = [u for u in staff if u.id in user_ids] if user_ids else staff
        if not chosen or len(chosen) != len(set(user_ids or [u.id for u in staff])):
            raise invalid({"evaluator_ids": _("Choose evaluators of the agency.")})
        return chosen, overrides
    eligible = {p.user_id: p.user for p in [*found.experts, *found.overridable]
                if p.user_id not in found.paid or p.user_id in overrides}
    if not user_ids:
        raise invalid({"evaluator_ids": _("Choose an agency or at least one evaluator.")})
    if refused := [i for i in user_ids if i not in eligible]:
        raise Conflict(_("These evaluators cannot be chosen (not in the active pool, or affiliated with the "
                         "project's organisation): %(ids)s.", ids=", ".join(map(str, refused))),
                       fields={"evaluator_ids": _("Not eligible.")})
    return [eligible[i] for i in dict.fromkeys(user_ids)], overrides


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


def under_way(contract_id: int, kind: str) -> int | None:
    """The contract's evaluation of this kind in progress or in rectification, if any: one at a time."""
    return db.session.scalar(select(ProjectEvaluation.id).where(
        ProjectEvaluation.contract_id == contract_id, ProjectEvaluation.kind == kind,
        ProjectEvaluation.status.in_([s.value for s in OPEN_STATUSES])))


def _record_override(evaluation: ProjectEvaluation, assignment: EvaluationAssignment, found: Choices, actor) -> None:
    """The audit event of an override (commissioning, or adding an evaluator): ids and the officer's reason, no
    names, no amounts."""
    audit.record("evaluation.paid_exclusion_overridden", evaluation, actor=actor,
                 data={"contract_id": evaluation.contract_id, "assignment_id": assignment.id,
                       "user_id": assignment.user_id, "fee_ids": [f.id for f in found.paid[assignment.user_id]],
                       "reason": assignment.paid_override_reason})


def _refuse_before_final_report(contract: Contract) -> None:
    """A final evaluation judges the whole project, and its passing releases the last tranche: it is commissioned only
    once the report on the last milestone (末期) is in, submitted or accepted (the tranche still waits for its
    acceptance). A mid-term evaluation needs no report."""
    message = final_report_missing(contract)
    if not message:
        return
    milestone = final_milestone(contract)
    raise Conflict(message, code="final_report_missing",
                   fields={"kind": _("No report on “%(milestone)s” yet.", milestone=milestone.title)})


def commission(contract: Contract, kind: str, template: IndicatorTemplate, due_on: date, *, actor,
               agency: Organisation | None = None, evaluator_ids: list[int] = (),
               aggregation: str = Aggregation.MEAN.value, paid_overrides: dict[int, str] | None = None
               ) -> ProjectEvaluation:
    """An officer commissions a mid-term or final evaluation from an agency or individual pool evaluators; a final
    one once the last milestone's report is in (_refuse_before_final_report).
    paid_overrides (user id -> reason): pool evaluators among evaluator_ids whom the organisation paid under the
    contract and the officer chooses all the same, each with a reason; kept on their assignment, audited."""
    if not has_role(actor, "officer"):
        raise forbidden()
    errors = {}
    if kind not in {k.value for k in EvaluationKind}:
        errors["kind"] = _("Choose mid-term or final.")
    if message := _due_date_error(contract, due_on, local_today()):
        errors["due_on"] = message
    if template.purpose != TemplatePurpose.PROJECT_EVALUATION:  # (the form offers none other; an id sent anyway)
        errors["template_id"] = _("Choose a project-evaluation template: this one is for proposal review.")
    elif template.total_points != templates.TOTAL or template.frozen:
        errors["template_id"] = _("Choose a template whose maxima add up to 100.")
    if aggregation not in {a.value for a in Aggregation}:
        errors["aggregation"] = _("Choose an aggregation method.")
    if errors:
        raise invalid(errors)
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.CLOSED):
        raise Conflict(_("Only a contract in force can be evaluated."))
    if kind == EvaluationKind.FINAL:
        _refuse_before_final_report(contract)
    if under_way(contract.id, kind):
        raise Conflict(_("This project already has an evaluation of this kind under way."),
                       fields={"kind": _("One of this kind is already under way: finish or cancel it first.")})
    found = choices(contract)
    users, overrides = _chosen_evaluators(found, agency, list(evaluator_ids), paid_overrides or {})
    evaluation = ProjectEvaluation(contract_id=contract.id, kind=kind, agency_org_id=agency.id if agency else None,
                                   template=templates.frozen_copy(template, actor=actor), due_on=due_on,
                                   aggregation=aggregation, commissioned_by_id=actor.id)
    evaluation.assignments = [EvaluationAssignment(user_id=u.id, paid_override_reason=overrides.get(u.id))
                              for u in users]
    db.session.add(evaluation)
    db.session.flush()
    audit.record("evaluation.commissioned", evaluation, actor=actor,
                 data={"contract_id": contract.id, "kind": kind, "agency_id": evaluation.agency_org_id,
                       "evaluators": [u.id for u in users], "due_on": due_on,
                       # the candidates (pool experts, agencies) left out only because the organisation paid
                       # them, or an agency's evaluator, under the contract; not everyone it paid, nor those
                       # chosen all the same (paid_overridden, each with its own event below)
                       "paid_withheld": found.left_out(set(overrides)), "paid_overridden": sorted(overrides),
                       # and those left out for a conflict they declared with the organisation before
                       "conflict_withheld": found.declared_left_out()})
    for assignment in evaluation.assignments:
        if assignment.paid_override_reason is not None:
            _record_override(evaluation, assignment, found, actor)
    for user in users:
        notify(user.id, "evaluation.assigned", link=path_for("project_evaluation.mine"), project=contract.title)
    return evaluation


def addable_evaluators(evaluation: ProjectEvaluation, found: Choices | None = None) -> list[User]:
    """Whom add_evaluator accepts: an agency's evaluation takes the agency's other evaluators (while the agency is
    active, unaffiliated and none of its evaluators paid under the contract), individual pool evaluators' takes
    eligible pool experts; never someone already on it or withdrawn from it. found: the contract's choices, when
    the caller already looked them up."""
    found = found or choices(evaluation.contract)
    taken = {a.user_id for a in evaluation.all_assignments}
    if evaluation.agency_org_id is None:
        users = [p.user for p in found.experts]
    elif evaluation.agency_org_id in {a.org_id for a in found.agencies}:
        users = found.agency_staff(evaluation.agency_org_id)
    else:
        users = []
    return [u for u in users if u.id not in taken]


def overridable_to_add(evaluation: ProjectEvaluation, found: Choices | None = None) -> list[User]:
    """Whom add_evaluator accepts only with an override and a reason: pool evaluators left out only because the
    organisation paid them under the contract (Choices.overridable: not those who declared a conflict with it),
    for an evaluation by individual pool evaluators, never someone already on it or withdrawn from it."""
    if evaluation.agency_org_id is not None:
        return []
    found = found or choices(evaluation.contract)
    taken = {a.user_id for a in evaluation.all_assignments}
    return [p.user for p in found.overridable if p.user_id not in taken]


def _agency_refusal(evaluation: ProjectEvaluation, found: Choices) -> str | None:
    """Why none of the evaluation's agency's evaluators can be added any more (inactive, affiliated, paid), or
    None while the agency itself can still take part."""
    name, staff = evaluation.agency.name, found.staff.get(evaluation.agency_org_id)
    if staff is None:
        return _("%(agency)s is no longer an active evaluation agency.", agency=name)
    if paid := found.withheld().agencies.get(evaluation.agency_org_id):
        return _("%(agency)s can no longer evaluate this project: %(reason)s.", agency=name, reason=paid[1])
    if evaluation.agency_org_id not in {a.org_id for a in found.agencies}:
        return _("%(agency)s is affiliated with the project's organisation.", agency=name)
    return None


def none_addable(evaluation: ProjectEvaluation, found: Choices | None = None) -> str:
    """Why addable_evaluators offers nobody, for the officer (with the page's advice: cancel, commission again)."""
    found = found or choices(evaluation.contract)
    if evaluation.agency_org_id is None:
        return _("Nobody else in the expert pool can be added: every active evaluator not affiliated with the "
                 "organisation, not paid under this contract and without a conflict declared with it is already on "
                 "this evaluation or was withdrawn from it.")
    return _agency_refusal(evaluation, found) or _(
        "%(agency)s has no other evaluator who can be added: each of its evaluators is already on this evaluation "
        "or was withdrawn from it.", agency=evaluation.agency.name)


def _not_addable(evaluation: ProjectEvaluation, found: Choices, user: User) -> str:
    name = user.display_name
    if evaluation.agency_org_id is not None:
        if reason := _agency_refusal(evaluation, found):
            return reason
        return _("%(name)s is not an evaluator of %(agency)s: only the agency's own evaluators can be added to its "
                 "evaluation.", name=name, agency=evaluation.agency.name)
    if user.id in found.tied:
        return _("%(name)s is affiliated with the project's organisation and cannot evaluate it.", name=name)
    return _("%(name)s is not an active evaluator in the expert pool.", name=name)


def add_evaluator(evaluation: ProjectEvaluation, user: User, *, actor,
                  paid_override_reason: str | None = None) -> EvaluationAssignment:
    """A further evaluator, e.g. when one declared a conflict or was withdrawn; the exclusions of commissioning
    apply (addable_evaluators), and someone withdrawn from this evaluation is not added again. As when
    commissioning, a pool evaluator the organisation paid under the contract is added only with the officer's
    override, paid_override_reason (required, at most MAX_OVERRIDE_REASON characters; kept on the assignment,
    audited); a declared conflict is never overridden."""
    if not has_role(actor, "officer"):  # first: the refusals below name who was paid under the contract, and how much
        raise forbidden()
    require_in_progress(evaluation)
    earlier = next((a for a in evaluation.all_assignments if a.user_id == user.id), None)
    if earlier is not None and earlier.withdrawn:
        raise Conflict(_("This evaluator was withdrawn from this evaluation and cannot be added again."),
                       fields={"user_id": _("Withdrawn from this evaluation.")})
    if earlier is not None:
        raise Conflict(_("This evaluator is already assigned."), fields={"user_id": _("Already assigned.")})
    found = choices(evaluation.contract)
    if paid_override_reason is None:
        paid_conflicts.refuse_paid(found.paid, evaluation.agency, [user.id])  # says who was paid, what and when
    declared_conflicts.refuse_declared(found.declared, [user.id])  # and what they declared, when: never overridden
    overrides = {} if paid_override_reason is None else _checked_overrides(
        found, evaluation.agency, [user.id], {user.id: paid_override_reason})  # dropped if they were not paid
    addable = addable_evaluators(evaluation, found) + (overridable_to_add(evaluation, found) if overrides else [])
    if user.id not in {u.id for u in addable}:
        raise Conflict(_not_addable(evaluation, found, user), fields={"user_id": _("Not eligible.")})
    assignment = EvaluationAssignment(evaluation=evaluation, user_id=user.id,
                                      paid_override_reason=overrides.get(user.id))
    db.session.add(assignment)
    db.session.flush()
    db.session.expire(evaluation, ["all_assignments"])
    audit.record("evaluation.evaluator_added", evaluation, actor=actor,
                 data={"user_id": user.id, **({"paid_overridden": True} if overrides else {})})
    if overrides:
        _record_override(evaluation, assignment, found, actor)
    notify(user.id, "evaluation.assigned", link=path_for("project_evaluation.mine"),
           project=evaluation.contract.title)
    return assignment


def declare(assignment: EvaluationAssignment, has_conflict: bool, note: str, *, actor) -> None:
    """Before seeing anything: no conflict, or a conflict with the relationship (then nothing is shown)."""
    if assignment.user_id != getattr(actor, "id", None) or assignment.withdrawn:
        raise forbidden()
    if assignment.declared_at is not None:
        raise Conflict(_("You have already declared for this evaluation."))
    require_in_progress(assignment.evaluation)
    note = expert_conflicts.relationship_note(note)
    if has_conflict and not note:
        raise invalid({"relationship": _("Describe the relationship.")})
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
        raise forbidden()
    evaluation = assignment.evaluation
    lock_row(evaluation, "status", "report_code")  # the evaluation first, as transition_evaluation locks it
    lock_row(assignment, "withdrawn_at")  # two officers at once: the second sees the first's withdrawal
    if assignment.withdrawn:
        raise Conflict(_("This evaluator has already been withdrawn."))
    require_in_progress(evaluation)
    reason = (reason or "").strip()
    check_reason(reason)
    sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    assignment.withdrawn_at, assignment.withdrawn_by_id, assignment.withdrawn_reason = utcnow(), actor.id, reason
    db.session.flush()
    db.session.expire(evaluation, ["assignments"])  # the loaded list still holds them
    audit.record("evaluation.evaluator_withdrawn", evaluation, actor=actor,
                 data={"assignment_id": assignment.id, "user_id": assignment.user_id, "reason": reason,
                       "sheet_id": sheet.id if sheet else None, "sheet_status": sheet.status if sheet else None,
                       "paid_under_contract": assignment.user_id in paid_conflicts.paid_under(evaluation.contract_id)})
    notify(assignment.user_id, "evaluation.evaluator_withdrawn", link=path_for("project_evaluation.mine"),
           project=evaluation.contract.title, reason=reason)
    return assignment


def all_sheets(evaluation: ProjectEvaluation) -> dict[int, ScoreSheet]:
    """assignment id -> sheet for everyone ever assigned, withdrawn evaluators' kept sheets included (the officers'
    list; project_sheets.sheets_of has only those taking part)."""
    ids = [a.id for a in evaluation.all_assignments]
    return {s.assignment_id: s for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.assignment_id.in_(ids)))}
