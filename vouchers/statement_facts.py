"""What a settlement statement states beside its lines, the same on its page, its PDF and its CSV: who drew it up,
approved it and recorded its payment (the statement's own columns, as the statement page reads them), its state
in one word per state (支付 / 已支付 for a statement: 拨付 is a contract's tranches), and which of its lines had a
dispute that was rejected (a line is on a statement once its dispute period has passed and it is undisputed or
its dispute was rejected; those lines are marked 争议已驳回)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEvent
from audit.services import decoded_data
from core.db import db

from .enums import DisputeStatus, SettlementStatus
from .redemption_models import Dispute, Redemption, Settlement


def _users(ids: set) -> dict[int, User]:
    """{id: user} for these user ids (None among them left out): one query, none for no ids."""
    ids = ids - {None}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def people(found: Settlement) -> dict:
    """The users who drew up, approved and recorded the payment of a statement (None where not done yet)."""
    users = _users({found.created_by_id, found.approved_by_id, found.paid_by_id})
    return {"created": users.get(found.created_by_id), "approved": users.get(found.approved_by_id),
            "paid": users.get(found.paid_by_id)}


def rejected_dispute_lines(found: Settlement) -> set[int]:
    """The ids of the statement's redemptions whose dispute was rejected (one query)."""
    return set(db.session.scalars(
        select(Dispute.redemption_id).join(Redemption, Redemption.id == Dispute.redemption_id)
        .where(Redemption.settlement_id == found.id, Dispute.status == DisputeStatus.REJECTED.value)))


def status_label(found: Settlement) -> str:
    return str(SettlementStatus(found.status).label)


@dataclass(frozen=True)
class Correction:
    """A withdrawal or a payment reference corrected, as its audit event recorded it."""

    action: str  # "withdrawn" or "reference_corrected"
    at: datetime
    by: User | None
    reason: str
    old: str = ""  # the payment reference before and after (a correction)
    new: str = ""
    redemption_ids: tuple[int, ...] = ()  # the lines given back (a withdrawal)


CORRECTION_ACTIONS = {"voucher.settlement_withdrawn": "withdrawn",
                      "voucher.settlement_reference_corrected": "reference_corrected"}


def corrections(found: Settlement) -> list[Correction]:
    """The statement's withdrawal and payment reference corrections, oldest first (two queries; none for a statement
    never corrected but the first). The audit trail is their record: the statement keeps only where they left it."""
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == Settlement.__tablename__,
                                 AuditEvent.target_id == str(found.id),
                                 AuditEvent.action.in_(sorted(CORRECTION_ACTIONS)))
        .order_by(AuditEvent.seq)))
    users = _users({e.actor_id for e in events})
    found_corrections = []
    for event in events:
        data = decoded_data(event)
        old, new = (data.get("changes") or {}).get("payment_reference") or ["", ""]
        found_corrections.append(Correction(
            CORRECTION_ACTIONS[event.action], event.occurred_at, users.get(event.actor_id), data.get("reason", ""),
            old=old, new=new, redemption_ids=tuple(data.get("redemption_ids") or ())))
    return found_corrections
