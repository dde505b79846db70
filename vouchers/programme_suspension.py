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

from accounts.notifications import NOTIFICATION_TEXTS, notify
from audit.labels import ACTION_LABELS
from core.db import db
from core.errors import Conflict, invalid
from core.timeutil import to_local
from core.views import path_for
from orgs.enums import MembershipStatus
from orgs.models import Membership

from .enums import ProgrammeStatus

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
