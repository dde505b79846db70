"""Settlement 结算: per provider and month, a statement of the undisputed redemptions whose dispute window has
closed; an officer approves it and records the payment (a SETTLE ledger row). Disputed redemptions are held out;
if the dispute is rejected they go into the next statement (seq 2, …) for the same month."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, invalid
from orgs.models import Organisation
from projects.contract_money import two_person_threshold

from . import ledger, permissions, settlement_notices
from .disputes import DISPUTE_WINDOW
from .enums import SETTLEMENT_TRANSITIONS, LedgerKind, RedemptionStatus, SettlementStatus
from .models import Programme
from .programmes import parse_period, period_bounds
from .redemption_models import Redemption, Settlement

PAYMENT_REFERENCE_MAX = 100  # the column's length


@dataclass(frozen=True)
class Settleable:
    provider_org_id: int
    period: str
    redemptions: int
    total_fen: int


def _settleable(programme_id: int, now: datetime):
    return (Redemption.programme_id == programme_id, Redemption.status == RedemptionStatus.COMPLETED.value,
            Redemption.settlement_id.is_(None), Redemption.created_at <= now - DISPUTE_WINDOW)


def settleable(programme: Programme, *, now: datetime | None = None) -> list[Settleable]:
    """What could be put on a statement now, per provider and ended month (one query)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Redemption.provider_org_id, Redemption.period, func.count(Redemption.id),
               func.sum(Redemption.amount_fen))
        .where(*_settleable(programme.id, now)).group_by(Redemption.provider_org_id, Redemption.period)
        .order_by(Redemption.period, Redemption.provider_org_id))
    return [Settleable(org_id, period, count, int(total)) for org_id, period, count, total in rows
            if period_bounds(period)[1] <= now]


def prepare_settlement(programme: Programme, provider: Organisation, period: str, *, actor,
                       now: datetime | None = None) -> Settlement:
    """The statement for one provider and one ended month."""
    if not permissions.can_settle(actor):
        raise Forbidden(_("Only officers settle with providers."))
    now = now or utcnow()
    period = parse_period(period)
    if period_bounds(period)[1] > now:
        raise Conflict(_("A month is settled after it has ended."), fields={"period": _("Not ended yet.")})
    conditions = (*_settleable(programme.id, now), Redemption.provider_org_id == provider.id,
                  Redemption.period == period)
    ids = list(db.session.scalars(select(Redemption.id).where(*conditions).order_by(Redemption.id)))
    if not ids:
        raise Conflict(_("There is nothing to settle for this provider and month."), code="nothing_to_settle")
    total = db.session.scalar(select(func.sum(Redemption.amount_fen)).where(Redemption.id.in_(ids)))
    seq = (db.session.scalar(select(func.max(Settlement.seq)).where(
        Settlement.programme_id == programme.id, Settlement.provider_org_id == provider.id,
        Settlement.period == period)) or 0) + 1
    settlement = Settlement(programme_id=programme.id, provider_org_id=provider.id, period=period, seq=seq,
                            total_fen=int(total), redemption_count=len(ids), status=SettlementStatus.DRAFT.value,
                            created_by_id=actor.id, created_at=now)
    db.session.add(settlement)
    db.session.flush()
    claimed = db.session.execute(update(Redemption).where(Redemption.id.in_(ids), *conditions)
                                 .values(settlement_id=settlement.id)
                                 .execution_options(synchronize_session=False)).rowcount
    if claimed != len(ids):  # a dispute or another statement got there first
        raise Conflict(_("The redemptions changed meanwhile. Please try again."))
    for redemption_id in ids:
        ledger.forget_loaded(Redemption, redemption_id, "settlement_id")
    audit.record("voucher.settlement_prepared", settlement, actor=actor,
                 data={"programme_id": programme.id, "provider_org_id": provider.id, "period": period, "seq": seq,
                       "redemptions": len(ids), "total_fen": settlement.total_fen})
    return settlement


def needs_second_officer(settlement: Settlement) -> bool:
    """Above the two-person threshold (TWO_PERSON_APPROVAL_ABOVE_FEN, as for a contract's tranches), the officer who
    approved a statement does not also record its payment."""
    threshold = two_person_threshold()
    return threshold is not None and settlement.total_fen > threshold


def transition_settlement(settlement: Settlement, to: SettlementStatus | str, *, actor, reason: str = "",
                          payment_reference: str = "") -> None:
    """draft → approved → paid, or withdrawn before it is paid. Paying needs the payment reference and writes the
    SETTLE ledger row; above the two-person threshold another officer than the approver records it. Withdrawing
    (a statement drawn up by mistake) needs the reason and gives its redemptions back to be settled again: the
    statement stays, withdrawn, and its event lists them. The provider's members are told of each step."""
    if not permissions.can_settle(actor, settlement):
        raise Forbidden(_("Only officers settle with providers."))
    lock_row(settlement, "status")
    current, target = SettlementStatus(settlement.status), SettlementStatus(to)
    if target not in SETTLEMENT_TRANSITIONS[current]:
        raise Conflict(_("A statement cannot go from %(a)s to %(b)s.", a=current.label, b=target.label))
    now, reason, extra = utcnow(), (reason or "").strip(), {}
    if target is SettlementStatus.APPROVED:
        settlement.approved_by_id, settlement.approved_at = actor.id, now
    elif target is SettlementStatus.WITHDRAWN:
        if not reason:
            raise invalid({"reason": _("Give the reason for withdrawing the statement.")})
        extra["redemption_ids"] = _release_lines(settlement)
    else:
        _record_payment(settlement, actor, payment_reference, now)
    settlement.status = target.value
    db.session.flush()
    audit.record(f"voucher.settlement_{target.value}", settlement, actor=actor,
                 data={"from": current.value, "to": target.value, "total_fen": settlement.total_fen,
                       "redemptions": settlement.redemption_count,
                       "payment_reference": settlement.payment_reference, "reason": reason, **extra})
    settlement_notices.tell_provider(settlement, target.value, reason=reason)


def _record_payment(settlement: Settlement, actor, payment_reference: str, now: datetime) -> None:
    if needs_second_officer(settlement) and settlement.approved_by_id == actor.id:
        raise Forbidden(_("Another officer than the one who approved must record this payment."))
    reference = (payment_reference or "").strip()
    if not reference or len(reference) > PAYMENT_REFERENCE_MAX:
        raise invalid({"payment_reference": _("Enter the payment reference.")})
    settlement.paid_by_id, settlement.paid_at, settlement.payment_reference = actor.id, now, reference
    ledger.add_entries([{"programme_id": settlement.programme_id, "provider_org_id": settlement.provider_org_id,
                         "kind": LedgerKind.SETTLE.value, "amount_fen": settlement.total_fen,
                         "settlement_id": settlement.id, "actor_id": actor.id, "created_at": now}])


def _release_lines(settlement: Settlement) -> list[int]:
    """A withdrawn statement's redemptions, settleable again (on the next statement for their month): their ids."""
    ids = list(db.session.scalars(select(Redemption.id).where(Redemption.settlement_id == settlement.id)
                                  .order_by(Redemption.id)))
    db.session.execute(update(Redemption).where(Redemption.settlement_id == settlement.id)
                       .values(settlement_id=None).execution_options(synchronize_session=False))
    for redemption_id in ids:
        ledger.forget_loaded(Redemption, redemption_id, "settlement_id")
    return ids
