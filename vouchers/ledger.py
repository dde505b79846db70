"""The ledger: budget allocation, expiry and revocation, reconciliation and the balance check.

Per voucher, the signed ledger amounts add up to its balance. Per programme:
issued = redeemed + expired + revoked + outstanding, and allocated = redeemed + outstanding <= budget.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict

from .enums import VOUCHER_TRANSITIONS, LedgerKind, SettlementStatus, VoucherStatus
from .models import Programme, Voucher
from .redemption_models import LedgerEntry, Settlement

CHUNK = 5000
_INSERT_ENTRIES = LedgerEntry.__table__.insert()  # Core, built once: every redemption adds entries


def add_entries(rows: list[dict]) -> None:
    """Insert ledger rows in one executemany (keys: LedgerEntry columns, the same in every row)."""
    if rows:
        now = utcnow()
        db.session.execute(_INSERT_ENTRIES, [{"created_at": now, **row} for row in rows])


def forget_loaded(model, pk: int, *attrs: str) -> None:
    """After a guarded UPDATE that bypassed the ORM, make a loaded object read the columns again."""
    loaded = db.session.identity_map.get(db.session.identity_key(model, pk))
    if loaded is not None:
        db.session.expire(loaded, list(attrs) or None)


def allocate(programme_id: int, amount_fen: int) -> bool:
    """Take amount_fen from the unallocated budget in one guarded UPDATE; False when it does not fit. Concurrent
    callers queue on the programme row, so together they can never pass the budget (the CHECK is the backstop)."""
    if amount_fen <= 0:
        return amount_fen == 0
    result = db.session.execute(
        update(Programme).where(Programme.id == programme_id,
                                Programme.allocated_fen + amount_fen <= Programme.budget_fen)
        .values(allocated_fen=Programme.allocated_fen + amount_fen).execution_options(synchronize_session=False))
    forget_loaded(Programme, programme_id, "allocated_fen")
    return result.rowcount == 1


def release(programme_id: int, amount_fen: int) -> None:
    """Give value back to the unallocated budget (expiry, revocation, issuance that lost a race)."""
    if amount_fen > 0:
        db.session.execute(update(Programme).where(Programme.id == programme_id)
                           .values(allocated_fen=Programme.allocated_fen - amount_fen)
                           .execution_options(synchronize_session=False))
        forget_loaded(Programme, programme_id, "allocated_fen")


def unallocated_fen(programme_id: int) -> int:
    return db.session.execute(select(Programme.budget_fen - Programme.allocated_fen)
                              .where(Programme.id == programme_id)).scalar_one()


# --- expiry and revocation (the voucher state machine) ---------------------------------------------

def _lock_rows(stmt):
    """Lock the vouchers about to change, so a redemption in flight finishes first and we read its result."""
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).all()


def _close(rows, to: VoucherStatus, *, actor, now: datetime) -> dict[int, tuple[int, int]]:
    """Move locked active vouchers to expired/revoked: ledger rows for what was left, balance 0, value back to the
    budget. Returns {programme_id: (vouchers, fen)}."""
    if to not in VOUCHER_TRANSITIONS[VoucherStatus.ACTIVE]:
        raise ValueError(to)
    kind = LedgerKind.EXPIRE if to is VoucherStatus.EXPIRED else LedgerKind.REVOKE
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    entries = []
    for row in rows:
        totals[row.programme_id][0] += 1
        totals[row.programme_id][1] += row.balance_fen
        if row.balance_fen:
            entries.append({"programme_id": row.programme_id, "voucher_id": row.id, "resident_id": row.resident_id,
                            "kind": kind.value, "amount_fen": -row.balance_fen,
                            "actor_id": getattr(actor, "id", None), "created_at": now})
    ids = [row.id for row in rows]
    for start in range(0, len(ids), CHUNK):
        db.session.execute(update(Voucher).where(Voucher.id.in_(ids[start:start + CHUNK]),
                                                 Voucher.status == VoucherStatus.ACTIVE.value)
                           .values(status=to.value, balance_fen=0).execution_options(synchronize_session=False))
    add_entries(entries)
    for programme_id, (_count, fen) in totals.items():
        release(programme_id, fen)
    return {pid: (count, fen) for pid, (count, fen) in totals.items()}


_COLUMNS = (Voucher.id, Voucher.programme_id, Voucher.resident_id, Voucher.balance_fen)


def expire_due(*, now: datetime | None = None, actor=None, programme: Programme | None = None) -> tuple[int, int]:
    """Expire every active voucher past its validity (cron: `flask vouchers expire`; an officer, for one programme,
    from its page). One audit event per programme with the counts and sums. Returns (vouchers, fen returned to
    budgets)."""
    now = now or utcnow()
    due = [Voucher.status == VoucherStatus.ACTIVE.value, Voucher.expires_at <= now]
    if programme is not None:
        due.append(Voucher.programme_id == programme.id)
    rows = _lock_rows(select(*_COLUMNS).where(*due).order_by(Voucher.id))
    totals = _close(rows, VoucherStatus.EXPIRED, actor=actor, now=now)
    for programme_id, (count, fen) in sorted(totals.items()):
        audit.record("voucher.expired", ("voucher_programmes", programme_id), actor=actor,
                     data={"vouchers": count, "returned_fen": fen})
    db.session.expire_all()
    return sum(c for c, _f in totals.values()), sum(f for _c, f in totals.values())


def revoke_outstanding(programme: Programme, *, actor, reason: str) -> tuple[int, int]:
    """Revoke every active voucher of a programme (when it closes)."""
    rows = _lock_rows(select(*_COLUMNS).where(Voucher.programme_id == programme.id,
                                              Voucher.status == VoucherStatus.ACTIVE.value).order_by(Voucher.id))
    count, fen = _close(rows, VoucherStatus.REVOKED, actor=actor, now=utcnow()).get(programme.id, (0, 0))
    if count:
        audit.record("voucher.revoked", programme, actor=actor, data={"vouchers": count, "returned_fen": fen,
                                                                     "reason": reason})
    db.session.expire_all()
    return count, fen


def revoke_voucher(voucher: Voucher, *, actor, reason: str) -> int:
    """Revoke one voucher (issued in error, resident moved away); its remaining value returns to the budget."""
    rows = _lock_rows(select(*_COLUMNS).where(Voucher.id == voucher.id, Voucher.status == VoucherStatus.ACTIVE.value))
    if not rows:
        raise Conflict(_("Only a valid voucher can be revoked."))
    returned = rows[0].balance_fen
    _close(rows, VoucherStatus.REVOKED, actor=actor, now=utcnow())
    audit.record("voucher.revoked", voucher, actor=actor, data={"vouchers": 1, "returned_fen": returned,
                                                               "reason": (reason or "").strip()})
    db.session.refresh(voucher)
    return returned


# --- reconciliation and the check --------------------------------------------------------------------

@dataclass(frozen=True)
class Reconciliation:
    budget_fen: int
    allocated_fen: int
    issued_fen: int
    redeemed_fen: int  # net of reversals
    reversed_fen: int
    expired_fen: int
    revoked_fen: int
    outstanding_fen: int  # balances of valid vouchers
    settled_fen: int

    @property
    def balanced(self) -> bool:
        """issued = redeemed + expired + revoked + outstanding, and the budget allocation agrees, to the fen."""
        return (self.issued_fen == self.redeemed_fen + self.expired_fen + self.revoked_fen + self.outstanding_fen
                and self.allocated_fen == self.redeemed_fen + self.outstanding_fen <= self.budget_fen)

    @property
    def unallocated_fen(self) -> int:
        return self.budget_fen - self.allocated_fen


def reconciliation(programme: Programme) -> Reconciliation:
    sums = dict(db.session.execute(select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                                   .where(LedgerEntry.programme_id == programme.id)
                                   .group_by(LedgerEntry.kind)).all())
    outstanding = db.session.scalar(select(func.coalesce(func.sum(Voucher.balance_fen), 0)).where(
        Voucher.programme_id == programme.id, Voucher.status == VoucherStatus.ACTIVE.value))
    budget, allocated = db.session.execute(select(Programme.budget_fen, Programme.allocated_fen)
                                           .where(Programme.id == programme.id)).one()

    def total(kind: LedgerKind) -> int:
        return int(sums.get(kind.value, 0))

    return Reconciliation(
        budget_fen=budget, allocated_fen=allocated, issued_fen=total(LedgerKind.ISSUE),
        redeemed_fen=-total(LedgerKind.REDEEM) - total(LedgerKind.REVERSE), reversed_fen=total(LedgerKind.REVERSE),
        expired_fen=-total(LedgerKind.EXPIRE), revoked_fen=-total(LedgerKind.REVOKE), outstanding_fen=int(outstanding),
        settled_fen=total(LedgerKind.SETTLE))


@dataclass(frozen=True)
class Mismatch:
    what: str  # 'voucher' or 'programme'
    id: int
    stored_fen: int
    ledger_fen: int


def ledger_balances(voucher_ids: list[int] | None = None) -> dict[int, int]:
    """Balances rebuilt from the ledger alone."""
    stmt = select(LedgerEntry.voucher_id, func.sum(LedgerEntry.amount_fen)).where(
        LedgerEntry.voucher_id.is_not(None)).group_by(LedgerEntry.voucher_id)
    if voucher_ids is not None:
        stmt = stmt.where(LedgerEntry.voucher_id.in_(voucher_ids))
    return {vid: int(total) for vid, total in db.session.execute(stmt)}


def check() -> list[Mismatch]:
    """Every voucher's stored balance against its ledger rows (an expired or revoked one must hold 0), every
    programme's allocation against issued - expired - revoked, and every statement's settle rows against its total
    (once paid; none before). Empty when all agree."""
    ledger_sum = (select(LedgerEntry.voucher_id.label("vid"), func.sum(LedgerEntry.amount_fen).label("total"))
                  .where(LedgerEntry.voucher_id.is_not(None)).group_by(LedgerEntry.voucher_id).subquery())
    rebuilt = func.coalesce(ledger_sum.c.total, 0)
    bad = db.session.execute(
        select(Voucher.id, Voucher.balance_fen, rebuilt).outerjoin(ledger_sum, ledger_sum.c.vid == Voucher.id)
        .where((Voucher.balance_fen != rebuilt) | ((Voucher.status != VoucherStatus.ACTIVE.value)
                                                   & (Voucher.balance_fen != 0)))
        .order_by(Voucher.id))
    found = [Mismatch("voucher", vid, stored, int(total)) for vid, stored, total in bad]
    allocation = (select(LedgerEntry.programme_id.label("pid"), func.sum(case(
        (LedgerEntry.kind.in_(["issue", "expire", "revoke"]), LedgerEntry.amount_fen), else_=0)).label("net"))
        .group_by(LedgerEntry.programme_id).subquery())
    net = func.coalesce(allocation.c.net, 0)
    for pid, stored, total in db.session.execute(
            select(Programme.id, Programme.allocated_fen, net).outerjoin(allocation, allocation.c.pid == Programme.id)
            .where(Programme.allocated_fen != net).order_by(Programme.id)):
        found.append(Mismatch("programme", pid, stored, int(total)))
    settled = (select(LedgerEntry.settlement_id.label("sid"), func.sum(LedgerEntry.amount_fen).label("paid"))
               .where(LedgerEntry.kind == LedgerKind.SETTLE.value).group_by(LedgerEntry.settlement_id).subquery())
    owed = case((Settlement.status == SettlementStatus.PAID.value, Settlement.total_fen), else_=0)
    paid = func.coalesce(settled.c.paid, 0)
    for sid, stored, total in db.session.execute(
            select(Settlement.id, owed, paid).outerjoin(settled, settled.c.sid == Settlement.id)
            .where(owed != paid).order_by(Settlement.id)):
        found.append(Mismatch("settlement", sid, int(stored), int(total)))
    return found
