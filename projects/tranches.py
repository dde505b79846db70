"""A contract's payment tranches: the one function that changes a tranche's status (transition_tranche, checking
TRANCHE_TRANSITIONS), and the officer's deduction (扣减) from a tranche not yet paid. Services flush; callers
commit."""

from flask_babel import gettext as _
from sqlalchemy import update

from accounts.notifications import notify
from audit import services as audit
from core.db import db, lock_row
from core.errors import Conflict, Forbidden, invalid
from core.forms import read_amount
from core.money import format_fen
from core.views import path_for

from .contract_models import TRANCHE_TRANSITIONS, Contract, ContractStatus, Tranche, TrancheStatus
from .permissions import can_manage_calls

# The event a transition writes unless the caller names another (event=) or writes one covering it (covered_by=).
TRANCHE_EVENTS = {TrancheStatus.PAID: "contract.tranche_paid"}
PAID_COLUMNS = ("paid_on", "reference")  # facts a payment stores on the tranche (its audit event has them too)
MAX_DEDUCTION_REASON = 500
DEDUCTED = "contract.tranche_deducted"


def transition_tranche(
    tranche: Tranche,
    to: TrancheStatus | str,
    *,
    actor,
    reason: str = "",
    event: str = "",
    covered_by: str = "",
    guard=(),
    refused="",
    **facts,
) -> None:
    """Move a tranche to `to`: allowed by TRANCHE_TRANSITIONS from its status as committed now, in one statement
    guarded on that status (and `guard`, the caller's further conditions), so that of two concurrent changes one
    wins and the other is refused (`refused`, or a plain conflict). A payment stores its facts (paid_on,
    reference) and the payer. The audit event is `event` (or the target's usual one), with the tranche, the amount
    due and `facts`; none when the caller's own event covers the change (`covered_by`: a report accepted, a
    contract terminated). The caller locks the contract first: money on a contract moves one change at a time."""
    to = TrancheStatus(to)
    db.session.refresh(tranche, ["status", "amount_fen", "deducted_fen", "approved_by_id"])
    current = TrancheStatus(tranche.status)
    if to not in TRANCHE_TRANSITIONS[current]:
        raise Conflict(refused or _refusal(current, to))
    action = event or TRANCHE_EVENTS.get(to)
    if not action and not covered_by:
        raise ValueError(f"tranche → {to.value}: no audit event written nor covered")
    values = {"status": to.value}
    if to is TrancheStatus.PAID:
        values |= {name: facts[name] for name in PAID_COLUMNS} | {"paid_by_id": actor.id}
    changed = db.session.execute(
        update(Tranche).where(Tranche.id == tranche.id, Tranche.status == current.value, *guard).values(**values)
    )
    if changed.rowcount != 1:
        raise Conflict(refused or _refusal(current, to))
    db.session.refresh(tranche)
    if action:
        data = {"tranche_id": tranche.id, "amount_fen": tranche.due_fen, **facts}
        if tranche.deducted_fen:
            data["deducted_fen"] = tranche.deducted_fen
        if reason:
            data["reason"] = reason
        audit.record(action, ("contracts", tranche.contract_id), actor=actor, data=data)


def _refusal(current: TrancheStatus, to: TrancheStatus) -> str:
    return _("A tranche that is “%(from)s” cannot become “%(to)s”.", **{"from": current.label, "to": to.label})


def _deduction_errors(tranche: Tranche, amount, reason: str) -> dict:
    errors = {}
    fen, why = (amount, "") if isinstance(amount, int) and not isinstance(amount, bool) else read_amount(amount or "")
    if fen is None:
        errors["amount"] = why
    elif fen <= 0:
        errors["amount"] = _("Enter an amount above zero.")
    elif fen > tranche.due_fen:
        errors["amount"] = _("At most the tranche's amount still to pay (%(due)s).", due=format_fen(tranche.due_fen))
    if not reason:
        errors["reason"] = _("Say why the tranche is reduced.")
    elif len(reason) > MAX_DEDUCTION_REASON:
        errors["reason"] = _("At most %(n)d characters.", n=MAX_DEDUCTION_REASON)
    return errors


def deduct_tranche(tranche: Tranche, amount: int | str, reason: str, *, actor) -> int:
    """An officer reduces a tranche not yet paid (pending or payable) of a contract in force by `amount` (fen, or as
    typed in yuan), saying why: a partial delivery, an output not achieved. The deducted money is not paid: the
    contract amount stays, the tranche keeps its amount agreed and pays its amount due (due_fen), so the two-person
    rule applies to what is left. An approval given for the larger amount is withdrawn (the approver approved
    another sum). One guarded statement; audited with the amount due before and after; the organisation's active
    members are told. Returns the fen deducted."""
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    contract = db.session.get(Contract, tranche.contract_id)
    lock_row(contract, "status")  # as a payment does: one money change on a contract at a time
    if contract.status != ContractStatus.ACTIVE:
        raise Conflict(_("The contract is not active."))
    db.session.refresh(tranche)
    if tranche.status not in (TrancheStatus.PENDING, TrancheStatus.PAYABLE):
        raise Conflict(
            _("Only a tranche not yet paid can be reduced; this one is “%(status)s”.", status=tranche.status_label)
        )
    reason = (reason or "").strip()
    if errors := _deduction_errors(tranche, amount, reason):
        raise invalid(errors)
    fen = amount if isinstance(amount, int) else read_amount(amount)[0]
    before, approval_withdrawn = tranche.due_fen, tranche.approved_by_id is not None
    reasons = f"{tranche.deduction_reason}\n{reason}" if tranche.deduction_reason else reason
    reduced = db.session.execute(
        update(Tranche)
        .where(
            Tranche.id == tranche.id,
            Tranche.status.in_([TrancheStatus.PENDING.value, TrancheStatus.PAYABLE.value]),
            Tranche.deducted_fen + fen <= Tranche.amount_fen,
        )
        .values(
            deducted_fen=Tranche.deducted_fen + fen, deduction_reason=reasons, approved_by_id=None, approved_at=None
        )
    )
    if reduced.rowcount != 1:
        raise Conflict(_("This tranche has changed meanwhile; look at it again."))
    db.session.refresh(tranche)
    data = {
        "tranche_id": tranche.id,
        "deducted_fen": fen,
        "before_fen": before,
        "after_fen": tranche.due_fen,
        "reason": reason,
    }
    if approval_withdrawn:
        data["approval_withdrawn"] = True
    audit.record(DEDUCTED, contract, actor=actor, data=data)
    for m in contract.org.memberships:
        if m.status == "active":
            notify(
                m.user_id,
                DEDUCTED,
                link=path_for("contracts.show", contract_id=contract.id),
                amount=format_fen(fen),
                due=format_fen(tranche.due_fen),
                project=contract.title,
                reason=reason,
            )
    return fen
