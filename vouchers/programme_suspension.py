"""Suspending a running programme (暂停), for a fraud investigation or a budget freeze, and resuming it (恢复).

The change of state is programmes.transition_programme's, the programme's one transition function: this module
holds what it asks of a suspension (the reason, the audit action, the notices to the programme's providers) and the
refusal that the services refusing work while a programme is suspended give (a code for a resident, a redemption,
issuance, an issue request). Disputes, ratings and settlements of past redemptions go on. Vouchers keep their
expiry: a suspension does not extend them.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from accounts.notifications import NOTIFICATION_TEXTS, notify, notify_many
from accounts.resident_models import ResidentProfile
from audit.labels import ACTION_LABELS
from core.db import db, utcnow
from core.errors import Conflict, invalid
from core.timeutil import to_local
from core.views import path_for
from orgs.enums import MembershipStatus
from orgs.models import Membership

from .enums import ProgrammeStatus, VoucherStatus
from .models import Programme, Voucher

MAX_REASON = 2000  # as a closing's reason (forms.CloseProgrammeForm): refused, never cut
SUSPENDED, ACTIVE, CLOSED = ProgrammeStatus.SUSPENDED, ProgrammeStatus.ACTIVE, ProgrammeStatus.CLOSED

ACTION_LABELS.update({
    "voucher_programme.suspended": _l("Voucher programme suspended"),
    "voucher_programme.resumed": _l("Voucher programme resumed"),
})

NOTIFICATION_TEXTS.update({
    "voucher.programme_suspended": _l("The voucher programme “%(programme)s” is suspended from %(since)s: residents' "
                                      "codes cannot be redeemed until it resumes. Disputes and settlements of past "
                                      "redemptions go on. The officer's reason: %(reason)s"),
    "voucher.programme_resumed": _l("The voucher programme “%(programme)s” has resumed: you can redeem residents' "
                                    "codes again."),
    # (to the residents holding its vouchers: what they can and cannot do, in their words)
    "voucher.programme_paused_resident": _l("“%(programme)s” is paused from %(since)s: you cannot use its vouchers "
                                            "for now. Your balance stays as it is, and you can use it again once the "
                                            "street office resumes the programme. The pause does not extend the "
                                            "vouchers' expiry dates."),
    "voucher.programme_resumed_resident": _l("“%(programme)s” has resumed: you can use its vouchers again."),
})


def reason_for(target: ProgrammeStatus, reason: str | None) -> str:
    """The reason recorded with the change (stripped): required to suspend or close, at most MAX_REASON
    characters; a refusal names the field."""
    reason = (reason or "").strip()
    if not reason and target is CLOSED:  # every unspent voucher is revoked for good: never without a reason
        raise invalid({"reason": _("Give the reason for closing the programme.")})
    if not reason and target is SUSPENDED:
        raise invalid({"reason": _("Give the reason for suspending the programme.")})
    if len(reason) > MAX_REASON:
        raise invalid({"reason": _("A reason has at most %(n)d characters.", n=MAX_REASON)})
    return reason


def action_of(current: ProgrammeStatus, target: ProgrammeStatus) -> str:
    """The audit action: voucher_programme.<state entered>, and .resumed (not .active, a start) after a suspension."""
    return "voucher_programme.resumed" if current is SUSPENDED and target is ACTIVE else \
        f"voucher_programme.{target.value}"


def since_text(programme) -> str:
    """When the suspension began, in Beijing time (2026-12-07 10:30)."""
    return to_local(programme.suspended_at).strftime("%Y-%m-%d %H:%M") if programme.suspended_at else ""


def refusal(programme) -> Conflict:
    """What a resident, provider or officer is told when the programme's suspension refuses what they asked (409
    programme_suspended): never the generic 'not running', which reads as closed for good."""
    return Conflict(_("The programme “%(name)s” is suspended since %(since)s: no codes, redemptions or issuance "
                      "until the street office resumes it. Vouchers keep their expiry dates.",
                      name=programme.name, since=since_text(programme)), code="programme_suspended")


def require_not_suspended(programme) -> None:
    if programme.status == SUSPENDED:
        raise refusal(programme)


def tell_providers(programme, current: ProgrammeStatus, target: ProgrammeStatus) -> int:
    """Notify the active members of the providers allowed in the programme that it was suspended or resumed;
    nothing for another change. Returns how many were told."""
    if target is SUSPENDED:
        code, data = "voucher.programme_suspended", {"since": since_text(programme), "reason": programme.status_reason}
    elif current is SUSPENDED and target is ACTIVE:
        code, data = "voucher.programme_resumed", {}
    else:
        return 0
    from .programmes import allowed_providers  # (programmes calls this module)

    org_ids = [org.id for org in allowed_providers(programme)]
    users = sorted(set(db.session.scalars(select(Membership.user_id).where(
        Membership.org_id.in_(org_ids), Membership.status == MembershipStatus.ACTIVE.value)))) if org_ids else []
    for user_id in users:
        notify(user_id, code, link=path_for("vouchers.provider_home"), programme=programme.name, **data)
    return len(users)


def tell_residents(programme, current: ProgrammeStatus, target: ProgrammeStatus) -> int:
    """Notify the residents holding a balance in the programme (a voucher active, unexpired and not empty) that it
    was paused or resumed, once for each change (the change is what calls this): one query for who, one INSERT for
    all of them, however many. Nothing for another change. Returns how many were told."""
    if target is SUSPENDED:
        code, data = "voucher.programme_paused_resident", {"since": since_text(programme)}
    elif current is SUSPENDED and target is ACTIVE:
        code, data = "voucher.programme_resumed_resident", {}
    else:
        return 0
    holders = db.session.scalars(
        select(ResidentProfile.user_id).distinct().join(Voucher, Voucher.resident_id == ResidentProfile.id)
        .where(Voucher.programme_id == programme.id, Voucher.status == VoucherStatus.ACTIVE.value,
               Voucher.balance_fen > 0, Voucher.expires_at > utcnow()))
    return notify_many(holders, code, link=path_for("vouchers.my_vouchers"), programme=programme.name, **data)


def suspended_programmes() -> list[Programme]:
    """The programmes paused now, for the catalogue to say so rather than that none is running (one query: their
    categories and communities are not loaded)."""
    return list(db.session.scalars(select(Programme).where(Programme.status == SUSPENDED.value)
                                   .options(lazyload(Programme.categories), lazyload(Programme.communities))
                                   .order_by(Programme.id)))
