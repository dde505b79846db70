"""Disputes: within 7 days a resident disputes a redemption; it is held out of settlement until an officer
decides. Upheld: reversal ledger rows restore the vouchers' balances. Rejected: back in settlement. Either way the
resident is notified."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from accounts.notifications import NOTIFICATION_TEXTS, notify
from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.i18n import _l
from core.money import format_fen
from core.timeutil import format_local
from core.views import path_for
from orgs.enums import MembershipStatus

from . import ledger, permissions
from .enums import REDEMPTION_TRANSITIONS, DisputeStatus, LedgerKind, RedemptionStatus, VoucherStatus
from .models import Programme, Voucher
from .redemption import use_cap
from .redemption_models import Dispute, LedgerEntry, Redemption

DISPUTE_WINDOW = timedelta(days=7)
# What community staff who raised a dispute for a resident are told of the decision (the resident is told in
# vouchers.labels' words): a resident without a phone never logs in to read theirs, so the staff member tells them.
NOTIFICATION_TEXTS.update({
    "voucher.dispute_upheld.staff": _l("The dispute you raised for %(resident)s about %(service)s on %(date)s was "
                                       "upheld: %(amount)s has been returned to their vouchers. The officer's note: "
                                       "%(note)s"),
    "voucher.dispute_upheld_lapsed.staff": _l("The dispute you raised for %(resident)s about %(service)s on %(date)s "
                                              "was upheld: %(amount)s was returned, but %(lapsed)s of it went back to "
                                              "vouchers that had expired or been withdrawn and cannot be used. The "
                                              "officer's note: %(note)s"),
    "voucher.dispute_rejected.staff": _l("The dispute you raised for %(resident)s about %(service)s on %(date)s was "
                                         "not upheld; the money was not returned. The officer's note: %(note)s"),
})
# What the provider's members are told: a dispute of one of its redemptions was opened (they may reply to it on their
# page, vouchers.dispute_replies, before an officer decides), and what was decided. The resident is not named.
NOTIFICATION_TEXTS.update({
    "voucher.dispute_opened.provider": _l("A resident disputed your redemption of %(service)s on %(date)s "
                                          "(%(amount)s). It is held out of settlement until an officer decides; you "
                                          "can reply to the dispute on your voucher page."),
    "voucher.dispute_upheld.provider": _l("The dispute of your redemption of %(service)s on %(date)s (%(amount)s) was "
                                          "upheld: the redemption was reversed and is not paid to you. The officer's "
                                          "note: %(note)s"),
    "voucher.dispute_rejected.provider": _l("The dispute of your redemption of %(service)s on %(date)s (%(amount)s) "
                                            "was not upheld: the redemption stands and is settled with the others. "
                                            "The officer's note: %(note)s"),
})
MAX_REASON = 2000  # a dispute's reason (vouchers.forms, the API); refused, never cut


def transition_redemption(redemption: Redemption, to: RedemptionStatus | str, *, actor,
                          unsettled: bool = False) -> None:
    """completed → disputed → completed (rejected) or reversed (upheld); audited by the callers' events. A guarded
    UPDATE, so a statement being prepared at the same moment cannot take a redemption that is being disputed."""
    current, target = RedemptionStatus(redemption.status), RedemptionStatus(to)
    if target not in REDEMPTION_TRANSITIONS[current]:
        raise Conflict(_("A redemption cannot go from %(a)s to %(b)s.", a=current.label, b=target.label))
    stmt = update(Redemption).where(Redemption.id == redemption.id, Redemption.status == current.value)
    if unsettled:
        stmt = stmt.where(Redemption.settlement_id.is_(None))
    changed = db.session.execute(stmt.values(status=target.value).execution_options(synchronize_session=False))
    ledger.forget_loaded(Redemption, redemption.id, "status", "settlement_id")
    if changed.rowcount != 1:
        raise Conflict(_("This redemption has already been settled."), code="already_settled")


def dispute_deadline(redemption: Redemption) -> datetime:
    return redemption.created_at + DISPUTE_WINDOW


def raise_dispute(redemption: Redemption, reason: str, *, actor, now: datetime | None = None) -> Dispute:
    if not permissions.can_dispute(actor, redemption):
        raise Forbidden(_("Only the resident can dispute this redemption."))
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    if len(reason) > MAX_REASON:
        raise invalid({"reason": _("A reason has at most %(n)d characters.", n=MAX_REASON)})
    if now > dispute_deadline(redemption):
        raise Conflict(_("A redemption can be disputed only within 7 days."), code="dispute_window_closed")
    if db.session.scalar(select(Dispute.id).where(Dispute.redemption_id == redemption.id)):
        raise Conflict(_("This redemption has already been disputed."), code="already_disputed")
    transition_redemption(redemption, RedemptionStatus.DISPUTED, actor=actor, unsettled=True)
    dispute = Dispute(redemption_id=redemption.id, raised_by_id=actor.id, reason=reason,
                      status=DisputeStatus.OPEN.value, created_at=now)
    db.session.add(dispute)
    db.session.flush()
    audit.record("voucher.disputed", redemption, actor=actor, data={"dispute_id": dispute.id, "reason": dispute.reason})
    _tell_provider(dispute, "voucher.dispute_opened.provider")
    return dispute


def _tell_provider(dispute: Dispute, code: str) -> None:
    """The provider's active members learn that a dispute of its redemption was opened or decided: which service,
    when, how much (and the officer's note once decided), linked to the dispute on their page; not who disputed it."""
    redemption = dispute.redemption
    link = path_for("vouchers.provider", org_id=redemption.provider_org_id, _anchor=f"dispute-{dispute.id}")
    said = dict(service=redemption.service.name, date=format_local(redemption.created_at, "%Y-%m-%d"),
                amount=format_fen(redemption.amount_fen), note=dispute.decision_note or "")
    for membership in redemption.provider.memberships:
        if membership.status == MembershipStatus.ACTIVE:
            notify(membership.user_id, code, link=link, **said)


def _reverse(redemption: Redemption, *, actor) -> int:
    """Put the redeemed value back on the vouchers it came from. A voucher that has expired or been revoked
    meanwhile gets it back and loses it again at once (reverse + expire/revoke rows), the value returning to the
    programme's budget."""
    now = utcnow()
    # In the order redemption takes voucher locks (earliest-expiring first), so the two cannot deadlock.
    parts = db.session.execute(select(LedgerEntry.voucher_id, LedgerEntry.amount_fen)
                               .join(Voucher, Voucher.id == LedgerEntry.voucher_id).where(
        LedgerEntry.redemption_id == redemption.id, LedgerEntry.kind == LedgerKind.REDEEM.value)
        .order_by(Voucher.expires_at, Voucher.id)).all()
    entries, returned = [], 0
    for voucher_id, amount in parts:
        voucher = db.session.execute(select(Voucher).where(Voucher.id == voucher_id).with_for_update()
                                     .execution_options(populate_existing=True)).scalar_one()
        base = {"programme_id": redemption.programme_id, "voucher_id": voucher_id,
                "resident_id": redemption.resident_id, "provider_org_id": redemption.provider_org_id,
                "redemption_id": redemption.id, "actor_id": actor.id, "created_at": now}
        entries.append({**base, "kind": LedgerKind.REVERSE.value, "amount_fen": -amount})
        if voucher.status == VoucherStatus.ACTIVE:
            db.session.execute(update(Voucher).where(Voucher.id == voucher_id)
                               .values(balance_fen=Voucher.balance_fen - amount)
                               .execution_options(synchronize_session=False))
            ledger.forget_loaded(Voucher, voucher_id, "balance_fen")
        else:
            gone = LedgerKind.EXPIRE if voucher.status == VoucherStatus.EXPIRED else LedgerKind.REVOKE
            entries.append({**base, "kind": gone.value, "amount_fen": amount})
            returned += -amount
    ledger.add_entries(entries)
    ledger.release(redemption.programme_id, returned)
    programme = db.session.get(Programme, redemption.programme_id)
    use_cap(programme.id, redemption.period, "resident", redemption.resident_id, -redemption.amount_fen,
            programme.resident_cap_fen)
    use_cap(programme.id, redemption.period, "provider", redemption.provider_org_id, -redemption.amount_fen,
            programme.provider_cap_fen)
    return returned


def decide_dispute(dispute: Dispute, uphold: bool, note: str, *, actor) -> None:
    """An officer's decision. Upheld: the redemption is reversed; rejected: it goes back into settlement."""
    if not permissions.can_decide_dispute(actor, dispute):
        raise Forbidden(_("Only officers decide disputes."))
    if dispute.status != DisputeStatus.OPEN:
        raise Conflict(_("This dispute has already been decided."))
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Please give a reason."), fields={"note": _("Please give a reason.")})
    redemption = dispute.redemption
    returned = 0
    if uphold:
        returned = _reverse(redemption, actor=actor)
        transition_redemption(redemption, RedemptionStatus.REVERSED, actor=actor)
    else:
        transition_redemption(redemption, RedemptionStatus.COMPLETED, actor=actor)
    dispute.status = (DisputeStatus.UPHELD if uphold else DisputeStatus.REJECTED).value
    dispute.decided_by_id, dispute.decided_at, dispute.decision_note = actor.id, utcnow(), note
    db.session.flush()
    audit.record("voucher.dispute_upheld" if uphold else "voucher.dispute_rejected", redemption, actor=actor,
                 data={"dispute_id": dispute.id, "amount_fen": redemption.amount_fen, "note": note,
                       "returned_to_budget_fen": returned})
    _tell_resident(dispute, uphold, lapsed_fen=returned)
    _tell_provider(dispute, "voucher.dispute_upheld.provider" if uphold else "voucher.dispute_rejected.provider")


def _tell_resident(dispute: Dispute, uphold: bool, *, lapsed_fen: int) -> None:
    """The resident learns the decision, and so does whoever raised the dispute for them (community staff, for a
    resident who has no phone and never logs in to read it), no one else: what was decided, on which service, how
    much came back to their vouchers (lapsed_fen of it on vouchers that had expired or been revoked meanwhile, so
    lost again) and the officer's note. The staff member's notice names the resident and links to their record."""
    redemption = dispute.redemption
    if not uphold:
        code = "voucher.dispute_rejected"
    else:
        code = "voucher.dispute_upheld_lapsed" if lapsed_fen else "voucher.dispute_upheld"
    said = dict(service=redemption.service.name, date=format_local(redemption.created_at, "%Y-%m-%d"),
                amount=format_fen(redemption.amount_fen), lapsed=format_fen(lapsed_fen), note=dispute.decision_note)
    resident = redemption.resident
    notify(resident.user_id, code, link=path_for("vouchers.my_redemptions", _anchor=f"redemption-{redemption.id}"),
           **said)
    if dispute.raised_by_id is not None and dispute.raised_by_id != resident.user_id:
        notify(dispute.raised_by_id, f"{code}.staff", resident=resident.real_name,
               link=path_for("vouchers.resident", resident_id=resident.id, _anchor=f"redemption-{redemption.id}"),
               **said)


def open_disputes(programme_id: int | None = None) -> list[Dispute]:
    stmt = select(Dispute).where(Dispute.status == DisputeStatus.OPEN.value).order_by(Dispute.created_at)
    if programme_id is not None:
        stmt = stmt.join(Redemption).where(Redemption.programme_id == programme_id)
    return list(db.session.scalars(stmt))


def lapsed_on_return(found: dict[int, Dispute]) -> dict[int, int]:
    """{redemption id: fen} of the upheld disputes among found (disputes by redemption id, as a page lists them):
    how much of the value put back went to vouchers that had expired or been revoked meanwhile and was lost again at
    once (_reverse: the only expire and revoke rows that name a redemption). One query, none without an upheld one."""
    upheld = sorted(rid for rid, d in found.items() if d.status == DisputeStatus.UPHELD)
    if not upheld:
        return {}
    rows = db.session.execute(
        select(LedgerEntry.redemption_id, func.sum(LedgerEntry.amount_fen))
        .where(LedgerEntry.redemption_id.in_(upheld),
               LedgerEntry.kind.in_([LedgerKind.EXPIRE.value, LedgerKind.REVOKE.value]))
        .group_by(LedgerEntry.redemption_id))
    return {rid: -int(total) for rid, total in rows}
