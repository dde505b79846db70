"""Issuance: one period to one resident, or to every eligible verified resident in a resumable batch.

A batch walks residents in id order in chunks; each chunk is one transaction: take the chunk's face value from
the budget (guarded UPDATE), INSERT … SELECT the vouchers (ON CONFLICT DO NOTHING against the UNIQUE
(programme, resident, period, seq)), INSERT … SELECT their ledger rows, move the cursor, one audit event.
"""

from datetime import datetime

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import exists, func, insert, literal, literal_column, select, text, union_all
from sqlalchemy.exc import IntegrityError

from accounts.resident_models import ResidentProfile
from audit import services as audit
from core import jobs
from core.db import UTCDateTime, db, upsert_dialect, utcnow
from core.errors import Conflict, Forbidden, ServiceError
from core.timeutil import LOCAL_TZ

from . import ledger, permissions, programme_suspension, provider_guard
from .enums import BatchStatus, LedgerKind, ProgrammeStatus, VoucherStatus
from .models import IssuanceBatch, Programme, Voucher
from .programmes import eligibility_conditions, eligibility_problems, issuable_period, period_expiry
from .redemption_models import LedgerEntry

CHUNK = 20_000


def _require_issuable(programme: Programme, actor) -> None:
    if actor is not None and not permissions.can_manage_programmes(actor):
        raise Forbidden(_("Only officers can issue vouchers."))
    programme_suspension.require_not_suspended(programme)
    if programme.status != ProgrammeStatus.ACTIVE:
        raise Conflict(_("Vouchers are issued only while the programme is running."))
    provider_guard.require_provider_to_issue(programme)


def _not_issued(programme_id: int, period: str):
    return ~exists().where(Voucher.programme_id == programme_id, Voucher.resident_id == ResidentProfile.id,
                           Voucher.period == period)


def issue_to_resident(programme: Programme, resident: ResidentProfile, *, actor, period: str | None = None,
                      now: datetime | None = None) -> list[Voucher]:
    """One period's vouchers to one eligible resident (Conflict if already issued or the budget is short)."""
    _require_issuable(programme, actor)
    now = now or utcnow()
    period = issuable_period(programme, period, now)
    problems = eligibility_problems(programme, resident, now.astimezone(LOCAL_TZ).date())
    if problems:
        raise Conflict(_("The resident is not eligible for this programme."), fields={"resident": problems})
    if db.session.scalar(select(Voucher.id).where(Voucher.programme_id == programme.id,
                                                  Voucher.resident_id == resident.id, Voucher.period == period)):
        raise Conflict(_("This resident already has vouchers for %(period)s.", period=period), code="already_issued")
    total = programme.per_resident_fen
    if not ledger.allocate(programme.id, total):
        raise Conflict(_("The programme's remaining budget is not enough."), code="budget_exhausted")
    expires = period_expiry(programme, period, now)
    vouchers = [Voucher(programme_id=programme.id, resident_id=resident.id, period=period, seq=seq,
                        face_value_fen=programme.face_value_fen, balance_fen=programme.face_value_fen,
                        status=VoucherStatus.ACTIVE.value, issued_at=now, expires_at=expires)
                for seq in range(1, programme.vouchers_per_period + 1)]
    try:
        with db.session.begin_nested():
            db.session.add_all(vouchers)
            db.session.flush()
    except IntegrityError as exc:  # a concurrent issuance for the same resident and period won
        raise Conflict(_("This resident already has vouchers for %(period)s.", period=period),
                       code="already_issued") from exc
    ledger.add_entries([{"programme_id": programme.id, "voucher_id": v.id, "resident_id": resident.id,
                         "kind": LedgerKind.ISSUE.value, "amount_fen": v.face_value_fen,
                         "actor_id": getattr(actor, "id", None), "created_at": now} for v in vouchers])
    audit.record("voucher.issued", resident, actor=actor,
                 data={"programme_id": programme.id, "period": period, "vouchers": len(vouchers), "fen": total})
    db.session.refresh(programme)
    return vouchers


# --- batches -------------------------------------------------------------------------------------------

def start_batch(programme: Programme, *, actor, period: str | None = None,
                now: datetime | None = None) -> IssuanceBatch:
    """Open (or return the unfinished) batch for a period; the caller commits, then launch_batch(batch.id)."""
    _require_issuable(programme, actor)
    now = now or utcnow()
    period = issuable_period(programme, period, now)
    running = db.session.scalar(select(IssuanceBatch).where(
        IssuanceBatch.programme_id == programme.id, IssuanceBatch.period == period,
        IssuanceBatch.status == BatchStatus.RUNNING.value))
    if running is not None:
        return running
    provider_guard.require_budget_for_one(programme)  # (else the batch would start, issue nothing and stop)
    expected = db.session.scalar(select(func.count(ResidentProfile.id)).where(
        *eligibility_conditions(programme, now.astimezone(LOCAL_TZ).date()), _not_issued(programme.id, period)))
    if not expected:
        raise Conflict(_("Every eligible resident already has vouchers for %(period)s: there is no one to issue to.",
                         period=period), fields={"period": _("Already issued to everyone eligible.")},
                       code="already_issued")
    batch = IssuanceBatch(programme_id=programme.id, period=period, status=BatchStatus.RUNNING.value,
                          expected_residents=expected, cursor_resident_id=0, started_by_id=getattr(actor, "id", None),
                          started_at=now)
    db.session.add(batch)
    db.session.flush()
    audit.record("voucher.batch_started", batch, actor=actor,
                 data={"programme_id": programme.id, "period": period, "expected_residents": expected})
    return batch


def _finish(batch: IssuanceBatch, status: BatchStatus, message: str = "") -> None:
    """The batch's one transition: running → done / budget_exhausted / failed."""
    if batch.status != BatchStatus.RUNNING:
        raise Conflict(_("This issuance batch has already finished."))
    batch.status, batch.message, batch.finished_at = status.value, message, utcnow()
    db.session.flush()
    audit.record(f"voucher.batch_{status.value}", batch, actor=None,
                 data={"residents": batch.residents_issued, "vouchers": batch.vouchers_issued,
                       "fen": batch.issued_fen, "message": message})


def _insert_ignoring_duplicates(table):
    return upsert_dialect().insert(table)


def _seqs(count: int):
    rows = [select(literal_column(str(i)).label("seq")) for i in range(1, count + 1)]
    return (union_all(*rows) if count > 1 else rows[0]).subquery("seqs")


def _allocate_for(programme: Programme, ids: list[int]) -> list[int]:
    """As many of ids (in order) as the remaining budget covers, allocated."""
    per = programme.per_resident_fen
    while ids and not ledger.allocate(programme.id, len(ids) * per):
        ids = ids[:ledger.unallocated_fen(programme.id) // per]
    return ids


def run_chunk(batch: IssuanceBatch, *, now: datetime | None = None, chunk_size: int = CHUNK) -> bool:
    """Issue the next chunk of residents; True when the batch has finished. The caller commits."""
    if db.session.get_bind().dialect.name == "postgresql":  # one runner per batch at a time
        db.session.execute(select(IssuanceBatch.id).where(IssuanceBatch.id == batch.id).with_for_update())
    db.session.refresh(batch)
    if batch.status != BatchStatus.RUNNING:
        return True
    programme = db.session.get(Programme, batch.programme_id)
    if programme.status != ProgrammeStatus.ACTIVE:  # (suspended: started again once it resumes, for those left)
        _finish(batch, BatchStatus.FAILED, "programme suspended" if programme.status == ProgrammeStatus.SUSPENDED
                else "programme not running")
        return True
    now = now or utcnow()
    conditions = [*eligibility_conditions(programme, now.astimezone(LOCAL_TZ).date()),
                  _not_issued(programme.id, batch.period)]
    found = list(db.session.scalars(select(ResidentProfile.id).where(
        *conditions, ResidentProfile.id > batch.cursor_resident_id).order_by(ResidentProfile.id).limit(chunk_size)))
    ids = _allocate_for(programme, found)
    if ids:
        _insert_chunk(batch, programme, ids, conditions, now)
    if not found or len(found) < chunk_size and len(ids) == len(found):
        _finish(batch, BatchStatus.DONE)
        return True
    if len(ids) < len(found):
        _finish(batch, BatchStatus.BUDGET_EXHAUSTED, "budget used up")
        return True
    return False


def _insert_chunk(batch: IssuanceBatch, programme: Programme, ids: list[int], conditions: list, now) -> None:
    seqs = _seqs(programme.vouchers_per_period)
    face, expires = programme.face_value_fen, period_expiry(programme, batch.period, now)
    source = select(literal(programme.id), ResidentProfile.id, literal(batch.period), seqs.c.seq, literal(face),
                    literal(face), literal(VoucherStatus.ACTIVE.value), literal(now, UTCDateTime),
                    literal(expires, UTCDateTime), literal(batch.id)
                    ).select_from(ResidentProfile).join(seqs, literal_column("1") == literal_column("1")).where(
        ResidentProfile.id.in_(ids), *conditions)
    inserted = _insert_vouchers_and_ledger(batch, source, ids, now)
    ledger.release(programme.id, (len(ids) * programme.vouchers_per_period - inserted) * face)
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics, or the next chunk's NOT EXISTS is planned for an empty table (a nested loop over
        # every voucher issued so far: minutes instead of seconds).
        db.session.execute(text("ANALYZE vouchers"))
    residents = inserted // programme.vouchers_per_period
    batch.cursor_resident_id = ids[-1]
    batch.residents_issued += residents
    batch.vouchers_issued += inserted
    batch.issued_fen += inserted * face
    db.session.flush()
    audit.record("voucher.batch_chunk", batch, actor=None,
                 data={"programme_id": programme.id, "period": batch.period, "residents": residents,
                       "vouchers": inserted, "fen": inserted * face, "from_resident": ids[0], "to_resident": ids[-1]})


_VOUCHER_COLUMNS = ["programme_id", "resident_id", "period", "seq", "face_value_fen", "balance_fen", "status",
                    "issued_at", "expires_at", "batch_id"]
_LEDGER_COLUMNS = ["programme_id", "voucher_id", "resident_id", "kind", "amount_fen", "batch_id", "actor_id",
                   "created_at"]


def _insert_vouchers_and_ledger(batch: IssuanceBatch, source, ids: list[int], now) -> int:
    """INSERT … SELECT the chunk's vouchers (skipping any that exist) and their ISSUE ledger rows; returns how many
    vouchers were inserted. PostgreSQL does it in one statement (the ledger rows come from RETURNING)."""
    vouchers = _insert_ignoring_duplicates(Voucher.__table__).from_select(_VOUCHER_COLUMNS, source) \
        .on_conflict_do_nothing()
    extra = (literal(LedgerKind.ISSUE.value), literal(batch.started_by_id), literal(now, UTCDateTime))
    if db.session.get_bind().dialect.name == "postgresql":
        new = vouchers.returning(Voucher.programme_id, Voucher.id, Voucher.resident_id, Voucher.face_value_fen,
                                 Voucher.batch_id).cte("new_vouchers")
        rows = insert(LedgerEntry).from_select(_LEDGER_COLUMNS, select(
            new.c.programme_id, new.c.id, new.c.resident_id, extra[0], new.c.face_value_fen, new.c.batch_id,
            extra[1], extra[2])).returning(LedgerEntry.id).cte("new_rows")
        return db.session.scalar(select(func.count()).select_from(rows))
    db.session.execute(vouchers)
    # Counted, not taken from rowcount (drivers disagree about it for INSERT … SELECT … ON CONFLICT).
    in_chunk = (Voucher.batch_id == batch.id, Voucher.resident_id >= ids[0], Voucher.resident_id <= ids[-1])
    db.session.execute(insert(LedgerEntry).from_select(_LEDGER_COLUMNS, select(
        Voucher.programme_id, Voucher.id, Voucher.resident_id, extra[0], Voucher.face_value_fen, Voucher.batch_id,
        extra[1], extra[2]).where(*in_chunk)))
    return db.session.scalar(select(func.count(Voucher.id)).where(*in_chunk))


def run_batch(batch_id: int, *, chunk_size: int = CHUNK) -> IssuanceBatch:
    """Run a batch to the end, committing after every chunk (resumable: run it again after a crash)."""
    batch = db.session.get(IssuanceBatch, batch_id)
    if batch is None:
        raise ServiceError(_("Unknown issuance batch."))
    try:
        while not run_chunk(batch, chunk_size=chunk_size):
            db.session.commit()
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        batch = db.session.get(IssuanceBatch, batch_id)
        if batch.status == BatchStatus.RUNNING:
            _finish(batch, BatchStatus.FAILED, str(exc)[:500])
            db.session.commit()
        raise
    return batch


def run_batch_job(batch_id: int) -> None:
    """Entry point for the RQ worker (no app context there) and for inline runs (within the current app)."""
    if has_app_context():
        run_batch(batch_id)
        return
    from app import create_app

    with create_app().app_context():
        run_batch(batch_id)


def launch_batch(batch_id: int) -> None:
    """After the caller committed start_batch(): run on the RQ queue when REDIS_URL is set, else now."""
    current_app.logger.info("voucher issuance batch %s launched", batch_id)
    jobs.enqueue(run_batch_job, batch_id)
