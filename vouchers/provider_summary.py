"""What awaits a provider's members at the top of their page (provider.html): the disputes of its redemptions still
open with no reply from it (dispute_replies), each linked to where its row is in the redemptions list. The list pages
the redemptions newest first, so a dispute of an older redemption was on a later page and easily missed."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, exists, func, or_, select
from sqlalchemy.orm import aliased

from audit.models import AuditEvent
from core.db import db
from core.paging import PER_PAGE

from .dispute_replies import REPLIED
from .enums import DisputeStatus
from .models import VoucherService
from .redemption_models import Dispute, Redemption


@dataclass(frozen=True)
class AwaitingReply:
    dispute_id: int
    service_name: str
    amount_fen: int
    raised_at: datetime  # UTC
    page: int  # the page of the provider's redemptions list the redemption (and its dispute) is on


def awaiting_reply(org) -> list[AwaitingReply]:
    """The provider's open disputes it has not replied to, oldest first (one query: the reply is an audit event on
    the redemption; the page is counted from the redemptions listed before it, newest first as the list is)."""
    newer = aliased(Redemption)
    before = (select(func.count(newer.id)).where(
        newer.provider_org_id == org.id,
        or_(newer.created_at > Redemption.created_at,
            and_(newer.created_at == Redemption.created_at, newer.id > Redemption.id)))
        .correlate(Redemption).scalar_subquery())
    replied = exists().where(AuditEvent.target_type == Redemption.__tablename__,
                             AuditEvent.target_id == cast(Redemption.id, String), AuditEvent.action == REPLIED)
    rows = db.session.execute(
        select(Dispute.id, VoucherService.name, Redemption.amount_fen, Dispute.created_at, before)
        .join(Redemption, Redemption.id == Dispute.redemption_id)
        .join(VoucherService, VoucherService.id == Redemption.service_id)
        .where(Redemption.provider_org_id == org.id, Dispute.status == DisputeStatus.OPEN.value, ~replied)
        .order_by(Dispute.created_at, Dispute.id))
    return [AwaitingReply(did, name, amount, raised, position // PER_PAGE + 1)
            for did, name, amount, raised, position in rows]
