"""Budget and schedule changes: the organisation asks, an officer approves or rejects with reasons, and an approved
change raises the contract's version with an amendment recording before and after.

The contract amount is deliberately not changeable here: it is what both sides signed. Before signing, the officer
corrects any term of the draft, the amount within the award included (contract_drafts.edit_draft); after signing,
the amount stands, and a budget change moves money between its lines. (Terminating does not reopen the award: a
proposal has one contract.)"""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import update

from accounts.notifications import notify
from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.money import format_fen
from core.timeutil import local_today
from core.views import path_for
from orgs import permissions as org_permissions

from . import contract_document
from .contract_change_models import CHANGE_TRANSITIONS, ChangeKind, ChangeRequest, ChangeStatus, ContractAmendment
from .contract_models import Contract, ContractLine, Milestone, ReportStatus
from .contract_reports import officer_ids
from .contracts import require_active
from .models import Call
from .permissions import can_manage_calls
from .proposals import budget_cap_problems

MAX_REASON = 2000  # a request's reason, as the officers' reasons (projects.forms.ReasonForm); refused, never cut


@dataclass
class ChangeInput:
    kind: str
    reason: str
    from_line_id: int | None = None
    to_line_id: int | None = None
    amount_fen: int | None = None
    milestone_id: int | None = None
    new_due_on: date | None = None


def _line(contract: Contract, line_id) -> ContractLine | None:
    return next((x for x in contract.lines if x.id == line_id), None)


def _milestone(contract: Contract, milestone_id) -> Milestone | None:
    return next((m for m in contract.milestones if m.id == milestone_id), None)


def _check_budget(contract: Contract, data: ChangeInput, errors: dict) -> None:
    source, target = _line(contract, data.from_line_id), _line(contract, data.to_line_id)
    if source is None:
        errors["from_line_id"] = _("Choose a budget line of this contract.")
    if target is None or target is source:
        errors["to_line_id"] = _("Choose another budget line of this contract.")
    amount = data.amount_fen
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        errors["amount"] = _("Enter an amount above zero.")
    elif source is not None and amount > source.remaining_fen:
        errors["amount"] = _("Only the unspent part of a line can move (at most %(left)s).",
                             left=format_fen(source.remaining_fen))
    elif source is not None and target is not None and target is not source \
            and (over := _caps_after_move(contract, source, target, amount)):
        errors["amount"] = " ".join(over)


def _caps_after_move(contract: Contract, source: ContractLine, target: ContractLine, amount: int) -> list[str]:
    """The call's published limit (personnel, management fee) that moving amount into target's category would break:
    after signing, as before it (contracts.edit_lines) and at submission. Only the category receiving money is
    judged, so moving money out of a category already over its limit stays possible."""
    if source.category == target.category:
        return []

    def by_category(category) -> int:
        if category != target.category:
            return 0
        return sum(line.budget_fen for line in contract.lines if line.category == category) + amount

    return budget_cap_problems(db.session.get(Call, contract.call_id), by_category, contract.amount_fen)


def _check_schedule(contract: Contract, data: ChangeInput, errors: dict) -> None:
    milestone = _milestone(contract, data.milestone_id)
    if milestone is None:
        errors["milestone_id"] = _("Choose a milestone of this contract.")
    elif milestone.latest_report and milestone.latest_report.status == ReportStatus.ACCEPTED:
        errors["milestone_id"] = _("This milestone's report has been accepted; its date no longer matters.")
    if not isinstance(data.new_due_on, date) or not (contract.starts_on <= data.new_due_on <= contract.ends_on):
        errors["new_due_on"] = _("The new date must fall within the contract period.")
    elif data.new_due_on < local_today():  # a milestone moved into the past would be overdue as it is approved
        errors["new_due_on"] = _("The new date cannot be in the past.")
    elif milestone is not None and milestone.due_on == data.new_due_on:
        errors["new_due_on"] = _("That is the current date.")


def request_change(contract: Contract, data: ChangeInput, *, actor) -> ChangeRequest:
    if not org_permissions.is_manager(actor, contract.org):
        raise Forbidden(_("Only a manager of the organisation can ask for a change."))
    require_active(contract)
    if data.kind == "amount":
        raise Conflict(_("The contract amount cannot be changed once both sides have signed: it is what they "
                         "signed. Ask for a budget change to move money between its budget lines."),
                       code="amount_fixed")
    errors = {}
    if data.kind not in ChangeKind._value2member_map_:
        errors["kind"] = _("Choose a budget change or a schedule change.")
    elif data.kind == ChangeKind.BUDGET:
        _check_budget(contract, data, errors)
    else:
        _check_schedule(contract, data, errors)
    if not (data.reason or "").strip():
        errors["reason"] = _("Please give a reason.")
    elif len(data.reason.strip()) > MAX_REASON:
        errors["reason"] = _("A reason has at most %(n)d characters.", n=MAX_REASON)
    if errors:
        raise invalid(errors)
    budget = data.kind == ChangeKind.BUDGET
    change = ChangeRequest(contract_id=contract.id, kind=data.kind, reason=data.reason.strip(),
                           from_line_id=data.from_line_id if budget else None,
                           to_line_id=data.to_line_id if budget else None,
                           amount_fen=data.amount_fen if budget else None,
                           milestone_id=None if budget else data.milestone_id,
                           new_due_on=None if budget else data.new_due_on, requested_by_id=actor.id)
    contract.changes.append(change)
    db.session.flush()
    audit.record("contract.change_requested", contract, actor=actor,
                 data={"change_id": change.id, "kind": change.kind, "reason": change.reason,
                       "from_line_id": change.from_line_id, "to_line_id": change.to_line_id,
                       "amount_fen": change.amount_fen, "milestone_id": change.milestone_id,
                       "new_due_on": change.new_due_on})
    for user_id in officer_ids():
        notify(user_id, "contract.change_requested", link=path_for("contracts.show", contract_id=contract.id),
               org=contract.org.name, kind=change.kind)
    return change


def _apply_budget(contract: Contract, change: ChangeRequest) -> tuple[dict, dict]:
    source, target = _line(contract, change.from_line_id), _line(contract, change.to_line_id)
    if over := _caps_after_move(contract, source, target, change.amount_fen):  # other changes may have come first
        raise Conflict(" ".join(over))
    before = {"lines": {source.item: source.budget_fen, target.item: target.budget_fen}}
    # Guarded: never below what the line has already spent, even if expenses arrived since the request.
    moved = db.session.execute(update(ContractLine).where(
        ContractLine.id == source.id, ContractLine.budget_fen - change.amount_fen >= ContractLine.spent_fen)
        .values(budget_fen=ContractLine.budget_fen - change.amount_fen))
    if moved.rowcount != 1:
        raise Conflict(_("“%(item)s” has spent too much since the request for this amount to move.",
                         item=source.item))
    db.session.execute(update(ContractLine).where(ContractLine.id == target.id)
                       .values(budget_fen=ContractLine.budget_fen + change.amount_fen))
    db.session.refresh(source)
    db.session.refresh(target)
    return before, {"lines": {source.item: source.budget_fen, target.item: target.budget_fen}}


def _apply_schedule(contract: Contract, change: ChangeRequest) -> tuple[dict, dict]:
    if change.new_due_on < local_today():  # checked when asked, and again now: the request may have waited
        raise Conflict(_("The new date has passed while the request waited: reject it, and the organisation can ask "
                         "again with a later date."))
    milestone = _milestone(contract, change.milestone_id)
    before = {"milestone": milestone.title, "due_on": milestone.due_on.isoformat()}
    milestone.due_on = change.new_due_on
    return before, {"milestone": milestone.title, "due_on": change.new_due_on.isoformat()}


def transition_change(change: ChangeRequest, to: ChangeStatus | str, *, actor, reason: str = "") -> None:
    """Officers approve or reject (with reasons); the requesting organisation's manager may withdraw."""
    lock_row(change, "status")
    to, current, reason = ChangeStatus(to), ChangeStatus(change.status), (reason or "").strip()
    contract = db.session.get(Contract, change.contract_id)
    if to is ChangeStatus.WITHDRAWN:
        allowed = org_permissions.is_manager(actor, contract.org)
    else:
        allowed = can_manage_calls(actor)
    if not allowed:
        raise Forbidden(_("You do not have permission to do this."))
    if to not in CHANGE_TRANSITIONS[current]:
        raise Conflict(_("This request has already been decided."))
    if to is not ChangeStatus.WITHDRAWN and not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    if len(reason) > MAX_REASON:  # refused, never cut
        raise invalid({"reason": _("A reason has at most %(n)d characters.", n=MAX_REASON)})
    data = {"change_id": change.id, "kind": change.kind, "from": current.value, "reason": reason}
    if to is ChangeStatus.APPROVED:
        require_active(contract)
        apply = _apply_budget if change.kind == ChangeKind.BUDGET else _apply_schedule
        before, after = apply(contract, change)
        contract.version += 1
        contract.amendments.append(ContractAmendment(version=contract.version, change_id=change.id, kind=change.kind,
                                                     before=before, after=after, created_by_id=actor.id))
        data.update(version=contract.version, before=before, after=after)
    change.status, change.decision_reason, change.decided_by_id, change.decided_at = (
        to.value, reason, actor.id, utcnow())
    db.session.flush()
    audit.record(f"contract.change_{to.value}", contract, actor=actor, data=data)
    if to is not ChangeStatus.WITHDRAWN and change.requested_by_id:
        notify(change.requested_by_id, f"contract.change_{to.value}",
               link=path_for("contracts.show", contract_id=contract.id), kind=change.kind, reason=reason)
    contract_document.after_change_decided(contract, change, actor=actor)  # an approved change: the PDF again
