"""Where a resident's one-time code stands, for the page that shows it (resident_views.my_code) and for the status
that page asks for every few seconds while it is on the screen (resident_views.my_code_status, polled by
static/js/voucher_code.js), so a code the provider has just used does not stay on the resident's phone.

States: live (the provider can use it until expires_at), used (the redemption says for what), expired, replaced
(the resident got a newer code, here or in their app: redemption.issue_code cancelled this one), or cancelled: not
used, not expired, but the provider would refuse it now, because its programme has stopped running or the resident is
no longer verified (redemption.redeem checks both); or paused: its programme is suspended, the provider refuses it
until the programme resumes (if the code has not expired by then).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from accounts.resident_models import ResidentProfile, ResidentStatus
from core.db import db, utcnow

from .enums import ProgrammeStatus
from .models import Programme
from .redemption_models import Redemption, RedemptionCode

LIVE, USED, EXPIRED, CANCELLED, PAUSED, REPLACED = "live", "used", "expired", "cancelled", "paused", "replaced"


@dataclass(frozen=True)
class ShownCode:
    state: str  # LIVE, USED, EXPIRED, CANCELLED, PAUSED or REPLACED
    expires_at: datetime
    spent: Redemption | None = None  # USED: what it paid for (provider and service loaded)


def _state(used_at, cancelled_at, expires_at, programme_status: str, resident_status: str, now: datetime) -> str:
    if used_at is not None:
        return USED
    if cancelled_at is not None:  # (only a code on the screen is shown here, so a newer one replaced it)
        return REPLACED
    if expires_at <= now:
        return EXPIRED
    if programme_status == ProgrammeStatus.SUSPENDED and resident_status == ResidentStatus.VERIFIED:
        return PAUSED  # (taken again if the programme resumes before the code expires)
    if programme_status != ProgrammeStatus.ACTIVE or resident_status != ResidentStatus.VERIFIED:
        return CANCELLED
    return LIVE


def shown_code(resident: ResidentProfile, code_id, *, now: datetime | None = None) -> ShownCode | None:
    """The state of the resident's code of that id (the id kept in their session); None for another resident's
    code, or none."""
    if not isinstance(code_id, int) or isinstance(code_id, bool):
        return None
    found = db.session.execute(
        select(RedemptionCode.id, RedemptionCode.created_at, RedemptionCode.used_at, RedemptionCode.cancelled_at,
               RedemptionCode.expires_at, Programme.status).join(Programme, Programme.id == RedemptionCode.programme_id)
        .where(RedemptionCode.id == code_id, RedemptionCode.resident_id == resident.id)).first()
    if found is None:
        return None
    state = _state(found.used_at, found.cancelled_at, found.expires_at, found.status, resident.status,
                   now or utcnow())
    if state != USED:
        return ShownCode(state, found.expires_at)
    spent = db.session.scalar(  # (on the resident's index: redeemed after the code was made)
        select(Redemption).where(Redemption.resident_id == resident.id, Redemption.created_at >= found.created_at,
                                 Redemption.code_id == found.id)
        .options(joinedload(Redemption.provider), joinedload(Redemption.service)))
    return ShownCode(state, found.expires_at, spent)


# What the polling asks, every few seconds for every resident with a code on the screen: one query on the code's
# primary key, joined to its owner (by the logged-in user's id: someone else's code is not found) and its
# programme; built once.
_STATUS = (select(RedemptionCode.used_at, RedemptionCode.cancelled_at, RedemptionCode.expires_at, Programme.status,
                  ResidentProfile.status)
           .join(Programme, Programme.id == RedemptionCode.programme_id)
           .join(ResidentProfile, ResidentProfile.id == RedemptionCode.resident_id)
           .where(RedemptionCode.id == bindparam("code_id"), ResidentProfile.user_id == bindparam("user_id")))


def code_status(user, code_id: int, *, now: datetime | None = None) -> ShownCode | None:
    """The state of the user's own code of that id, without what it paid for (the page says that once it
    reloads); None when it is not theirs, or does not exist."""
    if not getattr(user, "is_authenticated", False):
        return None
    found = db.session.execute(_STATUS, {"code_id": code_id, "user_id": user.id}).first()
    if found is None:
        return None
    used_at, cancelled_at, expires_at, programme_status, resident_status = found
    return ShownCode(_state(used_at, cancelled_at, expires_at, programme_status, resident_status, now or utcnow()),
                     expires_at)
