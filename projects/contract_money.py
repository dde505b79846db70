"""Money on an active contract: tranches approved (above the two-person threshold) and paid, expenses recorded against
budget lines, withdrawn and corrected. Each is one guarded statement checked by the database itself, so that
concurrent requests cannot overspend (nor give back twice). Services flush; callers commit."""

from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from accounts.notifications import notify
from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, invalid
from core.i18n import _l
from core.money import format_fen
from core.timeutil import local_today, to_local
from core.uploads import StoredFile, store_upload
from core.views import path_for
from orgs import permissions as org_permissions

from .advance_payment import in_force_on
from .contract_models import (
    Contract,
    ContractLine,
    ContractStatus,
    Expense,
    Milestone,
    Tranche,
    TrancheKind,
    TrancheStatus,
)
from .contracts import require_active, transition_contract
from .permissions import can_manage_calls
from .tranches import transition_tranche


def two_person_threshold() -> int | None:
    value = current_app.config.get("TWO_PERSON_APPROVAL_ABOVE_FEN")
    return None if value is None or value == "" else int(value)


def needs_second_officer(tranche: Tranche) -> bool:
    threshold = two_person_threshold()
    return threshold is not None and tranche.due_fen > threshold  # (what is paid: a deduction lowers it)


def approve_tranche(tranche: Tranche, *, actor) -> None:
    """The first of two officers approves a payment above the two-person threshold; another one records it."""
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    lock_row(db.session.get(Contract, tranche.contract_id), "status")  # money on a contract moves one at a time
    if not needs_second_officer(tranche):
        raise Conflict(_("This payment needs no second approval; record it directly."))
    approved = db.session.execute(
        update(Tranche).where(Tranche.id == tranche.id, Tranche.status == TrancheStatus.PAYABLE,
                              Tranche.approved_by_id.is_(None))
        .values(approved_by_id=actor.id, approved_at=utcnow()))
    if approved.rowcount != 1:
        raise Conflict(_("This tranche is not payable, or already approved."))
    db.session.expire(tranche)
    audit.record("contract.tranche_approved", ("contracts", tranche.contract_id), actor=actor,
                 data={"tranche_id": tranche.id, "amount_fen": tranche.due_fen})


def payment_date_problem(tranche: Tranche, paid_on: date) -> str | None:
    """Why a payment cannot be dated so, if it cannot: in the future, before the contract's start, or before the
    acceptance of the milestone report that made its tranche payable; an advance, before the contract's entry into
    force (it may be paid before the work starts)."""
    if paid_on > local_today():
        return _("The date cannot be in the future.")
    contract = db.session.get(Contract, tranche.contract_id)
    if tranche.kind == TrancheKind.ADVANCE:  # paid once signed, before the work starts (QA walk: it could not be)
        in_force = in_force_on(contract)
        if in_force and paid_on < in_force:
            return _("An advance payment cannot be dated before the contract came into force (%(date)s).",
                     date=in_force)
        return None
    if paid_on < contract.starts_on:
        return _("A payment cannot be dated before the contract starts (%(date)s).", date=contract.starts_on)
    milestone = db.session.get(Milestone, tranche.milestone_id) if tranche.milestone_id else None
    accepted_on = to_local(milestone.accepted_at).date() if milestone and milestone.accepted_at else None
    if accepted_on and paid_on < accepted_on:
        return _("A payment cannot be dated before its milestone report was accepted (%(date)s).", date=accepted_on)
    return None


def pay_tranche(tranche: Tranche, reference: str, paid_on: date, *, actor) -> None:
    """Two guarded statements: the tranche goes payable → paid once, and the contract's paid total never passes its
    amount. Concurrent approvals are serialised by the database; the loser gets a clear refusal. Above the
    two-person threshold the payer must be another officer than the one who approved. Paying the last tranche
    closes the contract."""
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    lock_row(db.session.get(Contract, tranche.contract_id), "status")  # before the tranche, as termination does
    reference, errors = (reference or "").strip(), {}  # every reason at once, not one per attempt
    if not reference:
        errors["reference"] = _("Enter the payment reference.")
    elif len(reference) > 100:  # the column's width: a longer one failed in the database (a 500)
        errors["reference"] = _("At most %(n)d characters.", n=100)
    if problem := payment_date_problem(tranche, paid_on):
        errors["paid_on"] = problem
    if errors:
        raise invalid(errors)
    guard = []
    if needs_second_officer(tranche):
        if tranche.approved_by_id is None:
            raise Conflict(_("A payment above %(limit)s needs an officer's approval first.",
                             limit=format_fen(two_person_threshold())))
        if tranche.approved_by_id == actor.id:
            raise Forbidden(_("Another officer than the one who approved must record this payment."))
        guard += [Tranche.approved_by_id.is_not(None), Tranche.approved_by_id != actor.id]
    transition_tranche(tranche, TrancheStatus.PAID, actor=actor, guard=guard, reference=reference, paid_on=paid_on,
                       refused=_l("This tranche is not payable (not yet due, or already paid)."))
    added = db.session.execute(  # what is due: the amount agreed less any deduction (the deducted part is not paid)
        update(Contract).where(Contract.id == tranche.contract_id,
                               Contract.paid_fen + tranche.due_fen <= Contract.amount_fen)
        .values(paid_fen=Contract.paid_fen + tranche.due_fen))
    if added.rowcount != 1:
        raise Conflict(_("This payment would take the total paid above the contract amount."))
    db.session.expire_all()
    contract = db.session.get(Contract, tranche.contract_id)
    for m in contract.org.memberships:
        if m.status == "active":
            notify(m.user_id, "contract.tranche_paid", link=path_for("contracts.show", contract_id=contract.id),
                   amount=format_fen(tranche.due_fen), project=contract.title)
    if all(t.status == TrancheStatus.PAID for t in contract.tranches):
        transition_contract(contract, ContractStatus.CLOSED, actor=actor)


def record_expense(contract: Contract, line: ContractLine, spent_on: date, payee: str, amount_fen: int, receipt, *,
                   actor, kept_receipt: StoredFile | None = None) -> Expense:
    """kept_receipt: the receipt stored already (a correction keeps the withdrawn expense's), unless one is sent."""
    if not org_permissions.is_manager(actor, contract.org):
        raise Forbidden(_("Only a manager of the organisation can record expenses."))
    require_active(contract)
    errors = {}
    if line.contract_id != contract.id:
        errors["line_id"] = _("Choose a budget line of this contract.")
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        errors["amount"] = _("Enter an amount above zero.")
    if not (payee or "").strip():
        errors["payee"] = _("Required.")
    elif len(payee.strip()) > 100:  # the column's width: a longer name was silently cut
        errors["payee"] = _("At most %(n)d characters.", n=100)
    if not contract.starts_on <= spent_on <= min(local_today(), contract.ends_on):
        errors["spent_on"] = _("The date must fall within the contract period, and not in the future.")
    if errors:
        raise invalid(errors)
    # One guarded statement: never past the line's budget, even with concurrent requests.
    within_budget = ContractLine.spent_fen + amount_fen <= ContractLine.budget_fen
    added = db.session.execute(update(ContractLine).where(ContractLine.id == line.id, within_budget)
                               .values(spent_fen=ContractLine.spent_fen + amount_fen))
    if added.rowcount != 1:
        db.session.refresh(line)
        raise Conflict(_("This expense would take “%(item)s” over its budget (remaining %(left)s). Ask for a "
                         "budget change first.", item=line.item, left=format_fen(line.remaining_fen)),
                       fields={"amount": _("Over the line's remaining budget.")})
    stored = store_upload(receipt, actor=actor, field="receipt") if receipt and receipt.filename else kept_receipt
    expense = Expense(contract_id=contract.id, line_id=line.id, spent_on=spent_on, payee=payee.strip(),
                      amount_fen=amount_fen, receipt_id=stored.id if stored else None, recorded_by_id=actor.id)
    db.session.add(expense)
    db.session.flush()
    db.session.refresh(line)
    audit.record("contract.expense_recorded", contract, actor=actor,
                 data={"line_id": line.id, "amount_fen": amount_fen, "spent_on": spent_on,
                       "receipt_sha256": stored.sha256 if stored else ""})
    return expense


MAX_WITHDRAWAL_REASON = 500
CORRECTED_BY = "corrected by #%d"  # the stored reason of a correction (shown translated, from replaced_by_id)


def _may_withdraw(expense: Expense, actor) -> Contract:
    """An expense is withdrawn by a manager of its organisation while its contract is active, once. No later limit:
    nothing else refers to an expense (a milestone report does not list them, a tranche is paid on its milestone, not
    on what was spent), so withdrawing one changes only its line's spent amount, and the audit trail keeps both."""
    contract = db.session.get(Contract, expense.contract_id)
    if not org_permissions.is_manager(actor, contract.org):
        raise Forbidden(_("Only a manager of the organisation can withdraw or correct expenses."))
    lock_row(contract, "status")  # (as a payment closing the contract does: one at a time)
    require_active(contract)
    if expense.withdrawn_at is not None:
        raise Conflict(_("This expense has already been withdrawn."))
    return contract


def _give_back(expense: Expense) -> None:
    """The expense's amount back to its line: one guarded statement (never below zero)."""
    released = db.session.execute(
        update(ContractLine).where(ContractLine.id == expense.line_id, ContractLine.spent_fen >= expense.amount_fen)
        .values(spent_fen=ContractLine.spent_fen - expense.amount_fen))
    if released.rowcount != 1:
        raise Conflict(_("This expense is no longer counted in its budget line."))


def _mark_withdrawn(expense: Expense, contract: Contract, reason: str, *, actor, replaced_by: Expense | None = None):
    """Guarded on the expense not being withdrawn yet: of two concurrent withdrawals one wins, the other (rolled
    back, its amount given back undone) is told it was withdrawn already."""
    marked = db.session.execute(
        update(Expense).where(Expense.id == expense.id, Expense.withdrawn_at.is_(None))
        .values(withdrawn_at=utcnow(), withdrawn_by_id=actor.id, withdrawal_reason=reason,
                replaced_by_id=replaced_by.id if replaced_by else None))
    if marked.rowcount != 1:
        raise Conflict(_("This expense has already been withdrawn."))
    db.session.expire(expense)
    for line in contract.lines:
        db.session.expire(line, ["spent_fen"])
    audit.record("contract.expense_withdrawn", contract, actor=actor,
                 data={"expense_id": expense.id, "amount_fen": expense.amount_fen, "line_id": expense.line_id,
                       "reason": reason, **({"replaced_by": replaced_by.id} if replaced_by else {})})


def withdraw_expense(expense: Expense, reason: str, *, actor) -> None:
    """An expense recorded by mistake (a wrong amount or line, twice) is withdrawn: the row stays, marked with when,
    by whom and why, and its amount is no longer counted as spent on its line."""
    contract = _may_withdraw(expense, actor)
    reason = (reason or "").strip()
    if not reason:
        raise invalid({"reason": _("Say why the expense is withdrawn.")})
    if len(reason) > MAX_WITHDRAWAL_REASON:
        raise invalid({"reason": _("At most %(n)d characters.", n=MAX_WITHDRAWAL_REASON)})
    _give_back(expense)
    _mark_withdrawn(expense, contract, reason, actor=actor)


def correct_expense(old: Expense, line: ContractLine, spent_on: date, payee: str, amount_fen: int, receipt, *,
                    actor) -> Expense:
    """A corrected expense: the new one recorded and the old one withdrawn ("corrected by #new"), together or not
    at all. The old amount is given back first, so that a correction on the same line may use the room it held;
    without a new receipt the new expense keeps the old one's."""
    contract = _may_withdraw(old, actor)
    _give_back(old)
    kept = db.session.get(StoredFile, old.receipt_id) if old.receipt_id else None
    new = record_expense(contract, line, spent_on, payee, amount_fen, receipt, actor=actor, kept_receipt=kept)
    _mark_withdrawn(old, contract, CORRECTED_BY % new.id, actor=actor, replaced_by=new)
    return new
