"""Printed one-time codes (a sheet of vouchers with several codes valid a week, documents.issue_printed_vouchers) and
their cancellation. A sheet carries as many single-use codes as the resident can use in the codes' week (at most
MAX_CODES_ON_SHEET; staff may print fewer): a resident without a phone with 4 vouchers a month came back to the
community office after every service for a sheet with one code. A resident holds one live sheet per programme:
printing a new sheet cancels every code of the earlier ones still live, and the resident or community staff cancel
the sheet's codes explicitly (a sheet lost or taken). The code on the resident's phone (valid 5 minutes, on the
screen in their hand) is never cancelled here: RedemptionCode.printed tells them apart.

A cancelled code keeps its row, with cancelled_at: the provider is told why it is refused (redemption._dead_code),
and each cancellation is an audit event in the same transaction. Services flush; the caller commits."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError

from . import ledger, limits, permissions, redemption
from .enums import VoucherStatus
from .models import Voucher
from .programmes import period_of
from .redemption_models import RedemptionCode

# The audit event's reason.
REPRINTED, CANCELLED_BY_STAFF, CANCELLED_BY_RESIDENT = "reprinted", "cancelled_by_staff", "cancelled_by_resident"
# The most codes a sheet carries: two a week is more services than most residents' monthly vouchers pay for, and 8
# codes with their QR codes still fit one A4 page with the vouchers and the verification block.
MAX_CODES_ON_SHEET = 8


def _live(now: datetime):
    return (RedemptionCode.printed.is_(True), RedemptionCode.used_at.is_(None),
            RedemptionCode.cancelled_at.is_(None), RedemptionCode.expires_at > now)


def live_printed_codes(resident, *, now: datetime | None = None) -> list[RedemptionCode]:
    """The resident's printed codes a provider would still take (newest first), with their programme."""
    return list(db.session.scalars(
        select(RedemptionCode).where(RedemptionCode.resident_id == resident.id, *_live(now or utcnow()))
        .options(joinedload(RedemptionCode.programme)).order_by(RedemptionCode.id.desc())))


def _cancel(row_id: int, now: datetime) -> bool:
    """Cancel a live printed code: a guarded UPDATE, so a code a provider is using at this moment is either used or
    cancelled, never both (the CHECK is the backstop)."""
    done = db.session.execute(update(RedemptionCode).where(RedemptionCode.id == row_id, *_live(now))
                              .values(cancelled_at=now).execution_options(synchronize_session=False)).rowcount
    ledger.forget_loaded(RedemptionCode, row_id, "cancelled_at")
    return done == 1


def _record(resident, row: RedemptionCode, *, actor, reason: str, now: datetime, **data) -> None:
    audit.record("voucher.code_cancelled", resident, actor=actor,
                 data={"programme_id": row.programme_id, "code_id": row.id, "reason": reason, "cancelled_at": now,
                       **data})


def _cancel_live(resident, programme_id: int, *, keep: list[int], actor, reason: str, now: datetime,
                 **data) -> list[RedemptionCode]:
    """Cancel every printed code of the programme the resident still holds live (but those in keep), each audited
    with the reason and data; the one loop for a reprint and a lost sheet. Returns the codes cancelled."""
    live = db.session.scalars(select(RedemptionCode).where(
        RedemptionCode.resident_id == resident.id, RedemptionCode.programme_id == programme_id,
        RedemptionCode.id.not_in(keep), *_live(now)).order_by(RedemptionCode.id)).all()
    cancelled = []
    for row in live:
        if _cancel(row.id, now):  # (one used meanwhile stays used)
            _record(resident, row, actor=actor, reason=reason, now=now, **data)
            cancelled.append(row)
    return cancelled


def cancel_earlier_printed(resident, new_codes: list[RedemptionCode], *, actor,
                           now: datetime | None = None) -> list[int]:
    """A new sheet was printed (new_codes on it, all of one programme): the resident's printed codes of that programme
    still live from earlier sheets are all cancelled (the sheet printed last is the one to carry), each audited with
    the new codes' ids. Returns the ids cancelled."""
    new_ids = [row.id for row in new_codes]
    return [row.id for row in _cancel_live(resident, new_codes[0].programme_id, keep=new_ids, actor=actor,
                                           reason=REPRINTED, now=now or utcnow(), replaced_by=new_ids)]


# --- a sheet's codes ----------------------------------------------------------------------------------------------

def _usable(balances: list[int], left_fen: int | None) -> int:
    """How many of these vouchers (in the order a redemption spends them) a monthly limit with left_fen still to use
    lets the resident spend from (None: no limit)."""
    if left_fen is None:
        return len(balances)
    count = total = 0
    for balance_fen in balances:
        if total >= left_fen:
            break
        count, total = count + 1, total + balance_fen
    return count


def suggested_counts(resident, programme_ids, *, now: datetime | None = None) -> dict[int, int]:
    """How many codes a sheet of each programme carries by default: as many as the resident could still use in the
    codes' week (redemption.PRINTED_CODE_TTL), one a voucher, that is the vouchers spendable now within what is left
    of this month's limit, and those that become spendable before the codes expire (a voucher issued ahead for next
    month, within next month's limit); at least 1, at most MAX_CODES_ON_SHEET. Two queries for all programmes."""
    programme_ids = list(programme_ids)
    if not programme_ids:
        return {}
    now = now or utcnow()
    month, last_month = period_of(now), period_of(now + redemption.PRINTED_CODE_TTL)
    rows = db.session.execute(select(Voucher.programme_id, Voucher.period, Voucher.balance_fen).where(
        Voucher.resident_id == resident.id, Voucher.programme_id.in_(programme_ids),
        Voucher.status == VoucherStatus.ACTIVE.value, Voucher.balance_fen > 0, Voucher.expires_at > now,
        Voucher.period <= last_month).order_by(Voucher.expires_at, Voucher.id)).all()
    caps = limits.resident_limits(resident, programme_ids, now=now)
    counts = {}
    for pid in programme_ids:
        cap = caps.get(pid)
        spendable = [b for p, period, b in rows if p == pid and period <= month]
        later = [b for p, period, b in rows if p == pid and period > month]
        usable = (_usable(spendable, cap.left_fen if cap else None)
                  + _usable(later, cap.cap_fen if cap else None))
        counts[pid] = min(MAX_CODES_ON_SHEET, max(1, usable))
    return counts


def _check_count(count) -> None:
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)
                              or not 1 <= count <= MAX_CODES_ON_SHEET):
        message = _("From 1 to %(n)d codes on a sheet.", n=MAX_CODES_ON_SHEET)
        raise ServiceError(message, fields={"count": message}, code="invalid")


def issue_sheet_codes(resident, *, actor, programme=None, count: int | None = None,
                      now: datetime | None = None) -> list[tuple[str, RedemptionCode]]:
    """The one-time codes of a new sheet (each issued by redemption.issue_code, so each refused as one code is: no
    balance, this month's limit used up, the programme not running; each shown once, its keyed hash stored), count
    of them (None: suggested_counts), then every code of the programme still live on earlier sheets cancelled. All
    or none: a refusal raises, and the caller's rollback takes back the codes already made."""
    if not permissions.can_issue_code_for(actor, resident):
        raise Forbidden(_("You cannot get a code for this resident."))
    _check_count(count)
    now = now or utcnow()
    issued = [redemption.issue_code(resident, actor=actor, programme=programme, now=now,
                                    valid_for=redemption.PRINTED_CODE_TTL, printed=True)]
    programme = issued[0][1].programme
    if count is None:
        count = suggested_counts(resident, [programme.id], now=now)[programme.id]
    issued += [redemption.issue_code(resident, actor=actor, programme=programme, now=now,
                                     valid_for=redemption.PRINTED_CODE_TTL, printed=True) for _n in range(count - 1)]
    cancel_earlier_printed(resident, [row for _code, row in issued], actor=actor, now=now)
    return issued


def printed_code_of(resident, code_id: int) -> RedemptionCode | None:
    """One of the resident's printed codes, whatever its state (None: no such code, or not theirs, or not printed)."""
    return db.session.scalar(select(RedemptionCode).where(RedemptionCode.id == code_id,
                                                          RedemptionCode.resident_id == resident.id,
                                                          RedemptionCode.printed.is_(True)))


def cancel_printed_code(resident, code_id: int, *, actor, now: datetime | None = None) -> list[RedemptionCode]:
    """The resident, or community staff of the resident's community, cancel a sheet (lost or taken) by one of its
    codes: every printed code of that programme still live is cancelled (they are all on the one live sheet: printing
    a sheet cancels the earlier ones' codes), each audited. Returns the codes cancelled, the one named first. Refused:
    403 for anyone else; 409 for a code that is no longer live (used, expired, already cancelled), or not one of this
    resident's printed codes (the pages offer only those; the resident's own routes answer 404 for someone else's
    before asking here)."""
    if not permissions.can_cancel_printed_code(actor, resident):
        raise Forbidden(_("You cannot cancel this resident's codes."))
    now = now or utcnow()
    row = printed_code_of(resident, code_id)
    if row is None or not _cancel(row.id, now):
        raise Conflict(_("This code can no longer be cancelled: it has been used, has expired or was already "
                         "cancelled."), code="code_not_live")
    reason = CANCELLED_BY_RESIDENT if permissions.is_resident_owner(actor, resident) else CANCELLED_BY_STAFF
    _record(resident, row, actor=actor, reason=reason, now=now)
    return [row, *_cancel_live(resident, row.programme_id, keep=[row.id], actor=actor, reason=reason, now=now)]
