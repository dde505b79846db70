"""A provider's reply to a dispute of one of its redemptions (its side of it: "the worker called at 9:10 and nobody
answered"), written once by one of its members while the dispute awaits an officer's ruling. The officer deciding
the dispute reads it beside the resident's reason; the provider's page shows it with the dispute.

The reply is kept in its audit event, and read from there, as a resident's suspension reason is
(accounts.residents.suspension): voucher_disputes has no column for it, and a column needs a migration. A dispute's
states are not changed by a reply (no "replied" state: the CHECK on its status would need a migration too), so the
one place that moves a dispute on stays disputes.decide_dispute. "Once" holds against two members sending at the
same moment: the dispute's row is locked (core.db.lock_row) before the trail is read for an earlier reply."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from accounts.models import User
from audit import services as audit
from audit.models import AuditEvent
from core.db import db, lock_row
from core.errors import Conflict, Forbidden, invalid

from . import permissions
from .enums import DisputeStatus
from .redemption_models import Dispute, Redemption

REPLIED = "voucher.dispute_replied"
MAX_REPLY = 2000  # as a dispute's reason (disputes.MAX_REASON); refused, never cut


@dataclass(frozen=True)
class DisputeReply:
    text: str
    at: datetime  # UTC
    by: User | None  # the member who wrote it (None: an account since removed)


def reply_to_dispute(dispute: Dispute, text: str | None, *, actor) -> None:
    """The provider's one reply to an open dispute. Refused: someone not an active member of the provider (403); a
    dispute decided meanwhile, or replied to already by another member (409); an empty or too long reply (422)."""
    if not permissions.can_reply_to_dispute(actor, dispute):
        raise Forbidden(_("Only the provider's members can reply to a dispute of its redemption."))
    lock_row(dispute, "status")
    if dispute.status != DisputeStatus.OPEN.value:
        raise Conflict(_("This dispute has already been decided."), code="dispute_decided")
    if replies_to([dispute]):
        raise Conflict(_("Your organisation has already replied to this dispute."), code="already_replied")
    text = (text or "").strip()
    if not text:
        raise invalid({"reply": _("Please write your reply.")})
    if len(text) > MAX_REPLY:
        raise invalid({"reply": _("A reply has at most %(n)d characters.", n=MAX_REPLY)})
    redemption = dispute.redemption
    audit.record(REPLIED, redemption, actor=actor,
                 data={"dispute_id": dispute.id, "org_id": redemption.provider_org_id, "reply": text})


def replies_to(disputes) -> dict[int, DisputeReply]:
    """{dispute id: its provider's reply} for these disputes (those replied to): one query, and one more for who
    wrote them; none for no disputes. The events are on the disputes' redemptions (as the dispute's own event)."""
    by_redemption = {str(d.redemption_id): d.id for d in disputes}
    if not by_redemption:
        return {}
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == Redemption.__tablename__,
                                 AuditEvent.target_id.in_(sorted(by_redemption)), AuditEvent.action == REPLIED)
        .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.seq))
    found: dict[int, DisputeReply] = {}
    for event in events:
        data = audit.decoded_data(event)
        dispute_id = by_redemption[event.target_id]
        if data.get("dispute_id") == dispute_id and dispute_id not in found:  # the first is the reply
            found[dispute_id] = DisputeReply(text=data.get("reply", ""), at=event.occurred_at, by=event.actor)
    return found
