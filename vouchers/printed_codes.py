"""Printed one-time codes (a sheet of vouchers with a code valid a week, documents.issue_printed_vouchers) and their
cancellation. A resident holds one live printed code per programme: printing a new sheet cancels the earlier ones'
codes still live, and the resident or community staff cancel one explicitly (a sheet lost or taken). The code on
the resident's phone (valid 5 minutes, on the screen in their hand) is never cancelled here: RedemptionCode.printed
tells them apart.

A cancelled code keeps its row, with cancelled_at: the provider is told why it is refused (redemption._dead_code),
and each cancellation is an audit event in the same transaction. Services flush; the caller commits."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict, Forbidden

from . import ledger, permissions
from .redemption_models import RedemptionCode

# The audit event's reason.
REPRINTED, CANCELLED_BY_STAFF, CANCELLED_BY_RESIDENT = "reprinted", "cancelled_by_staff", "cancelled_by_resident"


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


def cancel_earlier_printed(resident, new_code: RedemptionCode, *, actor, now: datetime | None = None) -> list[int]:
    """A new sheet was printed (new_code on it): the resident's earlier printed codes of its programme still live are
    cancelled, each audited with the new code's id. Returns the ids cancelled."""
    now = now or utcnow()
    earlier = db.session.scalars(select(RedemptionCode).where(
        RedemptionCode.resident_id == resident.id, RedemptionCode.programme_id == new_code.programme_id,
        RedemptionCode.id != new_code.id, *_live(now)).order_by(RedemptionCode.id)).all()
    cancelled = []
    for row in earlier:
        if _cancel(row.id, now):  # (one used meanwhile stays used)
            _record(resident, row, actor=actor, reason=REPRINTED, now=now, replaced_by=new_code.id)
            cancelled.append(row.id)
    return cancelled


def printed_code_of(resident, code_id: int) -> RedemptionCode | None:
    """One of the resident's printed codes, whatever its state (None: no such code, or not theirs, or not printed)."""
    return db.session.scalar(select(RedemptionCode).where(RedemptionCode.id == code_id,
                                                          RedemptionCode.resident_id == resident.id,
                                                          RedemptionCode.printed.is_(True)))


def cancel_printed_code(resident, code_id: int, *, actor, now: datetime | None = None) -> RedemptionCode:
    """The resident, or community staff of the resident's community, cancel one of the resident's printed codes (a
    sheet lost). Refused: 403 for anyone else; 409 for a code that is no longer live (used, expired, already
    cancelled), or not one of this resident's printed codes (the pages offer only those; the resident's own routes
    answer 404 for someone else's before asking here)."""
    if not permissions.can_cancel_printed_code(actor, resident):
        raise Forbidden(_("You cannot cancel this resident's codes."))
    now = now or utcnow()
    row = printed_code_of(resident, code_id)
    if row is None or not _cancel(row.id, now):
        raise Conflict(_("This code can no longer be cancelled: it has been used, has expired or was already "
                         "cancelled."), code="code_not_live")
    reason = CANCELLED_BY_RESIDENT if permissions.is_resident_owner(actor, resident) else CANCELLED_BY_STAFF
    _record(resident, row, actor=actor, reason=reason, now=now)
    return row
