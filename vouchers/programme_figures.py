"""The programme page's money: where its budget stands and what is owed to providers, read from the ledger so that
the figures reconcile to the fen, and a forecast of the budget against a month's vouchers for every resident
eligible today. Read-only, and a constant number of queries whatever the programme's size.

The identities the page states (and the tests hold it to):
  issued = redeemed + expired + revoked + outstanding                    (ledger.Reconciliation.balanced)
  allocated = issued - expired - revoked = redeemed + outstanding; budget = allocated + unallocated
  budget = paid to providers + owed to providers + outstanding + unallocated
  owed = redeemed - paid = on statements not yet paid + disputed + not yet on a statement
"""

from dataclasses import dataclass

from sqlalchemy import case, exists, func, select

from accounts.resident_models import ResidentProfile
from core.db import db, utcnow
from core.timeutil import LOCAL_TZ

from . import ledger
from .enums import LedgerKind, ProgrammeStatus, RedemptionStatus, SettlementStatus
from .models import Programme, Voucher
from .programmes import eligibility_conditions, period_bounds, period_of, shift_period
from .redemption_models import LedgerEntry, Redemption, Settlement


@dataclass(frozen=True)
class Owed:
    """The redeemed value by where it stands on the way to the provider (redemptions not reversed)."""

    on_statements_fen: int  # on a statement drawn up or approved, not yet paid
    disputed_fen: int  # held out of settlement until an officer decides the dispute
    not_on_statement_fen: int  # not yet on a statement (dispute window open, month not ended or not settled yet)
    paid_fen: int  # on statements paid (the ledger's settle rows say the same)

    @property
    def total_fen(self) -> int:
        """Owed to providers: redeemed and not yet paid."""
        return self.on_statements_fen + self.disputed_fen + self.not_on_statement_fen


@dataclass(frozen=True)
class BudgetFigures:
    recon: ledger.Reconciliation
    owed: Owed

    @property
    def budget_fen(self) -> int:
        return self.recon.budget_fen

    @property
    def returned_fen(self) -> int:
        """Value of expired and revoked vouchers, given back to the budget."""
        return self.recon.expired_fen + self.recon.revoked_fen

    @property
    def owed_fen(self) -> int:
        """Redeemed, not yet paid to the providers."""
        return self.recon.redeemed_fen - self.recon.settled_fen

    @property
    def adds_up(self) -> bool:
        """Every identity of the module's docstring holds, to the fen."""
        r = self.recon
        return (
            r.balanced
            and r.allocated_fen == r.issued_fen - self.returned_fen
            and r.budget_fen == r.settled_fen + self.owed_fen + r.outstanding_fen + r.unallocated_fen
            and self.owed_fen == self.owed.total_fen
            and self.owed.paid_fen == r.settled_fen
        )


def owed_to_providers(programme: Programme) -> Owed:
    """One query: the programme's redemptions not reversed, summed by their state and their statement's."""
    rows = db.session.execute(
        select(Redemption.status, Settlement.status, func.coalesce(func.sum(Redemption.amount_fen), 0))
        .outerjoin(Settlement, Settlement.id == Redemption.settlement_id)
        .where(Redemption.programme_id == programme.id, Redemption.status != RedemptionStatus.REVERSED.value)
        .group_by(Redemption.status, Settlement.status)
    )
    sums = {"statements": 0, "disputed": 0, "none": 0, "paid": 0}
    for redemption_status, settlement_status, total in rows:
        if redemption_status == RedemptionStatus.DISPUTED.value:
            key = "disputed"
        elif settlement_status is None:
            key = "none"
        else:
            key = "paid" if settlement_status == SettlementStatus.PAID.value else "statements"
        sums[key] += int(total)
    return Owed(
        on_statements_fen=sums["statements"],
        disputed_fen=sums["disputed"],
        not_on_statement_fen=sums["none"],
        paid_fen=sums["paid"],
    )


def budget_figures(programme: Programme) -> BudgetFigures:
    """The ledger's reconciliation (ledger.reconciliation) and what is owed to providers: four queries."""
    return BudgetFigures(recon=ledger.reconciliation(programme), owed=owed_to_providers(programme))


@dataclass(frozen=True)
class Forecast:
    """The budget against a month's vouchers for every resident eligible today. `period` is this Beijing month."""

    period: str
    issued_this_month_fen: int  # issued since the month began (whatever month the vouchers are for)
    redeemed_this_month_fen: int  # net of reversals
    returned_this_month_fen: int  # expired or revoked since the month began
    eligible: int  # residents eligible today
    not_issued: int  # of them, those without vouchers for this month yet
    per_resident_fen: int
    remaining_fen: int  # the unallocated budget

    @property
    def month_cost_fen(self) -> int:
        """A month's vouchers for every resident eligible today."""
        return self.eligible * self.per_resident_fen

    @property
    def rest_of_month_fen(self) -> int:
        """This month's vouchers for the eligible residents who have none yet."""
        return self.not_issued * self.per_resident_fen

    @property
    def after_this_month_fen(self) -> int:
        """What is left once this month's vouchers are issued to everyone eligible (negative: short by as much)."""
        return self.remaining_fen - self.rest_of_month_fen

    @property
    def next_period(self) -> str:
        return shift_period(self.period, 1)

    @property
    def next_month_short_fen(self) -> int:
        """How much next month's vouchers for everyone eligible would lack (0: covered)."""
        return max(0, self.month_cost_fen - max(0, self.after_this_month_fen))

    @property
    def months_covered(self) -> int | None:
        """Full months after this one the budget pays for, at a month's cost for everyone eligible today (None when
        no one is eligible; 0 when it runs short this month or next)."""
        if not self.month_cost_fen:
            return None
        return max(0, self.after_this_month_fen) // self.month_cost_fen

    @property
    def last_covered(self) -> str | None:
        """The last month whose vouchers for everyone eligible the budget pays for in full (None: not even this
        month's rest, or no one eligible)."""
        if self.months_covered is None or self.after_this_month_fen < 0:
            return None
        return shift_period(self.period, self.months_covered)

    @property
    def runs_short(self) -> str | None:
        """The first month the budget cannot pay for everyone eligible."""
        if self.months_covered is None:
            return None
        return self.period if self.after_this_month_fen < 0 else shift_period(self.period, self.months_covered + 1)


def forecast(programme: Programme, remaining_fen: int, *, now=None) -> Forecast | None:
    """remaining_fen: the unallocated budget (the page's reconciliation's, read with it). Two queries: this month's
    ledger sums; the residents eligible today and those of them without this month's vouchers. None for a closed
    programme, which issues nothing more."""
    if programme.status == ProgrammeStatus.CLOSED:
        return None
    now = now or utcnow()
    period = period_of(now)
    start, end = period_bounds(period)
    sums = dict(
        db.session.execute(
            select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
            .where(
                LedgerEntry.programme_id == programme.id, LedgerEntry.created_at >= start, LedgerEntry.created_at < end
            )
            .group_by(LedgerEntry.kind)
        ).all()
    )

    def total(kind: LedgerKind) -> int:
        return int(sums.get(kind.value, 0))

    without = ~exists().where(
        Voucher.programme_id == programme.id, Voucher.resident_id == ResidentProfile.id, Voucher.period == period
    )
    eligible, not_issued = db.session.execute(
        select(func.count(ResidentProfile.id), func.count(case((without, ResidentProfile.id)))).where(
            *eligibility_conditions(programme, now.astimezone(LOCAL_TZ).date())
        )
    ).one()
    return Forecast(
        period=period,
        issued_this_month_fen=total(LedgerKind.ISSUE),
        redeemed_this_month_fen=-total(LedgerKind.REDEEM) - total(LedgerKind.REVERSE),
        returned_this_month_fen=-total(LedgerKind.EXPIRE) - total(LedgerKind.REVOKE),
        eligible=int(eligible),
        not_issued=int(not_issued),
        per_resident_fen=programme.per_resident_fen,
        remaining_fen=remaining_fen,
    )


def issued_by_programme(programme_ids: list[int]) -> dict[int, tuple[int, int]]:
    """For the programme list, in one query: each programme's (vouchers issued, their face value), the same
    'issued to residents' as the programme page's (each voucher has one issue row of its face value)."""
    if not programme_ids:
        return {}
    return {
        pid: (int(count), int(fen))
        for pid, count, fen in db.session.execute(
            select(Voucher.programme_id, func.count(Voucher.id), func.coalesce(func.sum(Voucher.face_value_fen), 0))
            .where(Voucher.programme_id.in_(programme_ids))
            .group_by(Voucher.programme_id)
        )
    }
