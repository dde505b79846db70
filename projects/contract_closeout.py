"""A contract's close-out account (项目决算): once it is completed (closed) or terminated, what was agreed, what was
paid, what was cancelled, what the organisation recorded spending on each budget line, and the balance: money paid
but not spent (结余), which the organisation returns (清退), or spending beyond what was paid.

What the figures are, all integer fen, read from what the contract already holds:
- the contract amount is the one both sides signed: it cannot change after signing (contract_changes), so approved
  changes only move money between budget lines (listed, with each line's budget at signing worked back from them);
- paid is the contract's paid total (the database keeps it within the amount); a terminated contract's unpaid
  tranches were cancelled by the termination (contracts.transition_contract), and those that had become payable
  first (their milestone's report accepted, or the last one released after the final evaluation) are named: that
  work was accepted and not paid;
- spent is what the expenses recorded against the budget lines add up to (withdrawn ones not counted), as the
  contract page and its CSV show it. The fees and allowances named in progress reports are listed beside it for
  checking, not added: they are the organisation's account of payments to people, which it records as expenses too;
- the balance is paid minus spent. Above zero it is to be returned; below zero the organisation spent more than it
  was paid, and the account says so without calling it owed: no tranche is left to pay, and whether the purchaser
  pays more for a terminated contract is decided outside the platform.

A return is recorded by an officer (amount, date, reference), never more than is still to be returned and never the
same reference twice. It is kept in its audit event and read from there (as a provider's dispute reply is,
vouchers.dispute_replies): the trail is insert-only and never erased, and a return changes no column of the contract
(a table of its own would need a migration for what the event already holds). Two officers recording at once are
serialised by the contract's row lock (core.db.lock_row) before the trail is read for the returns already made.
Services flush; callers commit."""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from accounts.models import User
from accounts.notifications import notify
from audit import services as audit
from audit.data_labels import KEY_LABELS
from audit.labels import ACTION_LABELS
from audit.models import AuditEvent
from core.db import db, lock_row
from core.errors import Conflict, Forbidden, invalid
from core.money import MAX_FEN, format_fen
from core.timeutil import local_today, to_local
from core.views import path_for

from .advance_payment import RELEASED as ADVANCE_RELEASED
from .contract_change_models import ChangeKind, ChangeRequest, ChangeStatus
from .contract_models import (
    Contract,
    ContractLine,
    ContractStatus,
    Tranche,
    TrancheStatus,
)
from .contract_report_models import FeePayment, ReceiptStatus
from .fee_receipts import stands
from .permissions import can_manage_calls

RETURNED = "contract.balance_returned"
RELEASED = "contract.final_tranche_released"  # (final_tranche.release_final_tranche)
ENDED = (ContractStatus.CLOSED.value, ContractStatus.TERMINATED.value)
MAX_REFERENCE = 100  # as a tranche's payment reference
ACTION_LABELS.update({RETURNED: _l("Unspent balance returned")})
KEY_LABELS.update(
    {
        "returned_on": lazy_pgettext("audit data key", "Returned on"),
        "balance_fen": lazy_pgettext("audit data key", "Balance to return"),
        "outstanding_fen": lazy_pgettext("audit data key", "Still to return"),
        "returns": lazy_pgettext("audit data key", "Returns recorded"),
    }
)


@dataclass(frozen=True)
class LineAccount:
    line: ContractLine
    signed_fen: int  # its budget when both sides signed
    changed_fen: int  # moved in (+) or out (-) by approved budget changes

    @property
    def final_fen(self) -> int:
        return self.line.budget_fen

    @property
    def spent_fen(self) -> int:
        return self.line.spent_fen

    @property
    def unspent_fen(self) -> int:
        return self.line.budget_fen - self.line.spent_fen


@dataclass(frozen=True)
class TrancheAccount:
    number: int  # from 1, as the contract page numbers them
    tranche: Tranche
    milestone_title: str | None  # None: an advance (its kind says so), or the last tranche, after the final evaluation
    payable_when_ended: bool  # cancelled although it had become payable (the work accepted, not paid)


@dataclass(frozen=True)
class ReturnRecord:
    returned_fen: int
    returned_on: date
    reference: str
    recorded_at: datetime  # UTC
    recorded_by: User | None


@dataclass(frozen=True)
class FeeTotals:
    """The fees and allowances named in the contract's reports that stand (a returned report's are not counted)."""

    count: int
    total_fen: int
    by_status: dict[str, int]  # ReceiptStatus value -> fen
    by_kind: dict[str, int]  # FeeKind value -> fen


@dataclass(frozen=True)
class CloseoutAccount:
    contract: Contract
    ended_at: datetime | None  # UTC: when it was closed or terminated (its audit event)
    lines: list[LineAccount]
    tranches: list[TrancheAccount]
    budget_changes: list[ChangeRequest]  # approved
    schedule_changes: int  # approved
    fees: FeeTotals
    returns: list[ReturnRecord]

    @property
    def amount_fen(self) -> int:
        return self.contract.amount_fen

    @property
    def paid_fen(self) -> int:
        return self.contract.paid_fen

    @property
    def spent_fen(self) -> int:
        return sum(a.spent_fen for a in self.lines)

    def _tranches_fen(self, *statuses: TrancheStatus) -> int:
        """What the tranches in `statuses` paid or were to pay: their amounts due, the deductions apart."""
        return sum(a.tranche.due_fen for a in self.tranches if a.tranche.status in statuses)

    @property
    def deducted_fen(self) -> int:
        """Deducted from tranches before payment (扣减), never paid: with the paid, cancelled and unpaid amounts it
        makes up the contract amount, to the fen."""
        return sum(a.tranche.deducted_fen for a in self.tranches)

    @property
    def cancelled_fen(self) -> int:
        return self._tranches_fen(TrancheStatus.CANCELLED)

    @property
    def payable_cancelled_fen(self) -> int:
        return sum(a.tranche.due_fen for a in self.tranches if a.payable_when_ended)

    @property
    def unpaid_fen(self) -> int:
        """Tranches neither paid nor cancelled (none once a contract has ended: shown should that ever differ)."""
        return self._tranches_fen(TrancheStatus.PENDING, TrancheStatus.PAYABLE)

    @property
    def moved_fen(self) -> int:
        return sum(c.amount_fen or 0 for c in self.budget_changes)

    @property
    def balance_fen(self) -> int:
        """Paid minus spent: above zero the unspent balance (结余), below zero spending beyond the payments."""
        return self.paid_fen - self.spent_fen

    @property
    def to_return_fen(self) -> int:
        return max(self.balance_fen, 0)

    @property
    def uncovered_fen(self) -> int:
        return max(-self.balance_fen, 0)

    @property
    def returned_fen(self) -> int:
        return sum(r.returned_fen for r in self.returns)

    @property
    def outstanding_fen(self) -> int:
        return max(self.to_return_fen - self.returned_fen, 0)

    @property
    def ended_on(self) -> date | None:
        return to_local(self.ended_at).date() if self.ended_at else None


def has_ended(contract: Contract) -> bool:
    return contract.status in ENDED


def _events(contract: Contract) -> list[AuditEvent]:
    """The contract's events the account reads: its end, the last tranche's release, the returns (oldest first)."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.target_type == Contract.__tablename__,
                AuditEvent.target_id == str(contract.id),
                AuditEvent.action.in_([f"contract.{s}" for s in ENDED] + [RELEASED, ADVANCE_RELEASED, RETURNED]),
            )
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.seq)
        )
    )


def _returns(events: list[AuditEvent]) -> list[ReturnRecord]:
    found = []
    for event in events:
        if event.action == RETURNED:
            data = audit.decoded_data(event)
            found.append(
                ReturnRecord(
                    int(data["returned_fen"]),
                    date.fromisoformat(data["returned_on"]),
                    data.get("reference", ""),
                    event.occurred_at,
                    event.actor,
                )
            )
    return found


def _line_accounts(contract: Contract, approved: list[ChangeRequest]) -> list[LineAccount]:
    """Each line's budget at signing: its budget now, less what approved changes moved into it, plus what they moved
    out (the only changes to a line's budget after signing)."""
    moved = {line.id: 0 for line in contract.lines}
    for change in approved:
        if change.kind == ChangeKind.BUDGET and change.amount_fen:
            moved[change.from_line_id] = moved.get(change.from_line_id, 0) - change.amount_fen
            moved[change.to_line_id] = moved.get(change.to_line_id, 0) + change.amount_fen
    return [LineAccount(line, line.budget_fen - moved[line.id], moved[line.id]) for line in contract.lines]


def _tranche_accounts(contract: Contract, released: set[int]) -> list[TrancheAccount]:
    milestones = {m.id: m for m in contract.milestones}
    found = []
    for number, tranche in enumerate(contract.tranches, start=1):
        milestone = milestones.get(tranche.milestone_id)
        was_payable = (milestone.accepted_at is not None) if milestone else tranche.id in released
        found.append(
            TrancheAccount(
                number,
                tranche,
                milestone.title if milestone else None,
                tranche.status == TrancheStatus.CANCELLED and was_payable,
            )
        )
    return found


def _fee_totals(contract: Contract) -> FeeTotals:
    rows = db.session.execute(
        select(FeePayment.kind, FeePayment.status, func.count(FeePayment.id), func.sum(FeePayment.amount_fen))
        .where(FeePayment.contract_id == contract.id, stands())
        .group_by(FeePayment.kind, FeePayment.status)
    ).all()
    by_status = {s.value: 0 for s in ReceiptStatus}
    by_kind: dict[str, int] = {}
    for kind, status, _count, fen in rows:
        by_status[status] = by_status.get(status, 0) + int(fen)
        by_kind[kind] = by_kind.get(kind, 0) + int(fen)
    return FeeTotals(sum(int(r[2]) for r in rows), sum(int(r[3]) for r in rows), by_status, by_kind)


def closeout_account(contract: Contract) -> CloseoutAccount:
    """The final account of a closed or terminated contract (refused for one still awaiting signatures or in
    force: its figures are not final)."""
    if not has_ended(contract):
        raise Conflict(
            _("The close-out account is drawn up once the contract is completed or terminated."), code="not_ended"
        )
    events = _events(contract)
    ended = [e.occurred_at for e in events if e.action in (f"contract.{s}" for s in ENDED)]
    released = {audit.decoded_data(e).get("tranche_id") for e in events if e.action in (RELEASED, ADVANCE_RELEASED)}
    approved = [c for c in contract.changes if c.status == ChangeStatus.APPROVED]
    return CloseoutAccount(
        contract=contract,
        ended_at=ended[-1] if ended else None,
        lines=_line_accounts(contract, approved),
        tranches=_tranche_accounts(contract, released),
        budget_changes=[c for c in approved if c.kind == ChangeKind.BUDGET],
        schedule_changes=sum(1 for c in approved if c.kind == ChangeKind.SCHEDULE),
        fees=_fee_totals(contract),
        returns=_returns(events),
    )


def _return_errors(account: CloseoutAccount, returned_fen, returned_on, reference: str) -> dict:
    errors = {}
    if isinstance(returned_fen, bool) or not isinstance(returned_fen, int) or returned_fen <= 0:
        errors["amount"] = _("Enter an amount above zero.")
    elif returned_fen > min(account.outstanding_fen, MAX_FEN):
        errors["amount"] = _("At most %(left)s is still to be returned.", left=format_fen(account.outstanding_fen))
    if not isinstance(returned_on, date):
        errors["returned_on"] = _("Dates are YYYY-MM-DD.")
    elif returned_on > local_today():
        errors["returned_on"] = _("The date cannot be in the future.")
    elif account.ended_on and returned_on < account.ended_on:
        errors["returned_on"] = _(
            "A return cannot be dated before the contract ended (%(date)s).", date=account.ended_on.isoformat()
        )
    if not reference:
        errors["reference"] = _("Enter the payment reference.")
    elif len(reference) > MAX_REFERENCE:
        errors["reference"] = _("At most %(n)d characters.", n=MAX_REFERENCE)
    return errors


def record_return(contract: Contract, returned_fen: int, returned_on: date, reference: str, *, actor) -> ReturnRecord:
    """An officer records money the organisation returned (清退) of the contract's unspent balance. Refused: someone
    not an officer (403); a contract not ended, with nothing to return, or returned in full already, or a return
    with this reference recorded already (409); an amount above what is still to be returned, a date in the future
    or before the contract ended, no reference (422). Nothing changes when refused."""
    if not can_manage_calls(actor):
        raise Forbidden(_("You do not have permission to do this."))
    lock_row(contract, "status", "paid_fen")  # one return at a time: the second reads the first's event
    account = closeout_account(contract)
    if account.to_return_fen == 0:
        raise Conflict(
            _("Nothing is to be returned on this contract: everything paid was spent."), code="nothing_to_return"
        )
    if account.outstanding_fen == 0:
        raise Conflict(
            _("The balance of %(amount)s has already been returned in full.", amount=format_fen(account.to_return_fen)),
            code="already_returned",
        )
    reference = (reference or "").strip()
    # The same return sent twice (a double click, a second tab) is named as such before its amount is judged
    # against what is left after the first.
    if same := next((r for r in account.returns if r.reference == reference), None):
        why = _(
            "A return with this reference was recorded already (%(amount)s, returned on %(date)s).",
            amount=format_fen(same.returned_fen),
            date=same.returned_on.isoformat(),
        )
        raise Conflict(why, fields={"reference": why}, code="duplicate_return")
    if errors := _return_errors(account, returned_fen, returned_on, reference):
        raise invalid(errors)
    event = audit.record(
        RETURNED,
        contract,
        actor=actor,
        data={
            "returned_fen": returned_fen,
            "returned_on": returned_on,
            "reference": reference,
            "balance_fen": account.to_return_fen,
            "outstanding_fen": account.outstanding_fen - returned_fen,
        },
    )
    for m in contract.org.memberships:  # the organisation sees its return acknowledged, and what is still due
        if m.status == "active":
            notify(m.user_id, RETURNED, link=path_for("contracts.closeout", contract_id=contract.id),
                   amount=format_fen(returned_fen), project=contract.title,
                   outstanding=format_fen(account.outstanding_fen - returned_fen))
    return ReturnRecord(returned_fen, returned_on, reference, event.occurred_at, actor)
