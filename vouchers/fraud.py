"""Fraud signals for officers, each with its evidence. Flags never block a redemption; they are read-only."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from accounts.resident_models import ResidentProfile
from core.db import db
from core.i18n import joined
from core.money import format_fen
from core.timeutil import format_local
from orgs.enums import MembershipStatus
from orgs.models import Membership

from .enums import FraudKind
from .models import Programme
from .redemption_models import Dispute, PeriodUsage, Redemption

BURST_COUNT = 5
BURST_MINUTES = 10
DISPUTE_THRESHOLD = 3


@dataclass(frozen=True)
class FraudSignal:
    kind: FraudKind
    provider_org_id: int | None  # None for a resident-only signal
    evidence: dict  # numbers and ids an officer can check (no personal data in clear)
    redemption_ids: tuple[int, ...] = field(default_factory=tuple)
    resident_id: int | None = None


def own_staff(programme: Programme) -> list[FraudSignal]:
    """The provider redeemed for a resident whose account is an active member of the provider."""
    rows = db.session.execute(
        select(Redemption.provider_org_id, Redemption.resident_id, Redemption.id, Redemption.amount_fen)
        .join(ResidentProfile, ResidentProfile.id == Redemption.resident_id)
        .join(Membership, (Membership.user_id == ResidentProfile.user_id)
              & (Membership.org_id == Redemption.provider_org_id))
        .where(Redemption.programme_id == programme.id, Membership.status == MembershipStatus.ACTIVE.value)
        .order_by(Redemption.provider_org_id, Redemption.resident_id, Redemption.id))
    grouped: dict[tuple[int, int], list] = defaultdict(list)
    for org_id, resident_id, rid, amount in rows:
        grouped[(org_id, resident_id)].append((rid, amount))
    return [FraudSignal(FraudKind.OWN_STAFF, org_id,
                        {"redemptions": len(items), "total_fen": sum(a for _r, a in items)},
                        tuple(r for r, _a in items), resident_id)
            for (org_id, resident_id), items in grouped.items()]


def bursts(programme: Programme, *, count: int = BURST_COUNT, minutes: int = BURST_MINUTES) -> list[FraudSignal]:
    """At least `count` redemptions by one provider within `minutes` (each maximal run reported once)."""
    rows = db.session.execute(select(Redemption.provider_org_id, Redemption.id, Redemption.created_at)
                              .where(Redemption.programme_id == programme.id)
                              .order_by(Redemption.provider_org_id, Redemption.created_at, Redemption.id))
    by_provider: dict[int, list] = defaultdict(list)
    for org_id, rid, at in rows:
        by_provider[org_id].append((rid, at))
    window, signals = timedelta(minutes=minutes), []
    for org_id, items in by_provider.items():
        start, end = 0, 0
        while end < len(items):
            while items[end][1] - items[start][1] > window:
                start += 1
            if end - start + 1 >= count and (end + 1 == len(items) or items[end + 1][1] - items[start][1] > window):
                run = items[start:end + 1]
                signals.append(FraudSignal(FraudKind.BURST, org_id,
                                           {"redemptions": len(run), "minutes": minutes, "from": run[0][1],
                                            "to": run[-1][1]}, tuple(r for r, _t in run)))
                start = end + 1
            end += 1
    return signals


def at_cap(programme: Programme) -> list[FraudSignal]:
    """A provider (or resident) at its monthly cap in every month it was active, over two months or more."""
    caps = {"provider": programme.provider_cap_fen, "resident": programme.resident_cap_fen}
    rows = db.session.execute(select(PeriodUsage.subject, PeriodUsage.subject_id, PeriodUsage.period,
                                     PeriodUsage.used_fen).where(PeriodUsage.programme_id == programme.id))
    usage: dict[tuple[str, int], list] = defaultdict(list)
    for subject, subject_id, period, used in rows:
        if used > 0:
            usage[(subject, subject_id)].append((period, used))
    signals = []
    for (subject, subject_id), periods in sorted(usage.items()):
        cap = caps.get(subject)
        if cap and len(periods) >= 2 and all(used >= cap for _p, used in periods):
            evidence = {"subject": subject, "cap_fen": cap, "periods": sorted(p for p, _u in periods)}
            signals.append(FraudSignal(FraudKind.AT_CAP, subject_id if subject == "provider" else None, evidence,
                                       resident_id=subject_id if subject == "resident" else None))
    return signals


def many_disputes(programme: Programme, *, threshold: int = DISPUTE_THRESHOLD) -> list[FraudSignal]:
    rows = db.session.execute(
        select(Redemption.provider_org_id, func.count(Dispute.id), func.count(Redemption.id.distinct()))
        .join(Dispute, Dispute.redemption_id == Redemption.id).where(Redemption.programme_id == programme.id)
        .group_by(Redemption.provider_org_id).having(func.count(Dispute.id) >= threshold))
    signals = []
    for org_id, disputes, _distinct in rows:
        ids = tuple(db.session.scalars(select(Redemption.id).join(Dispute, Dispute.redemption_id == Redemption.id)
                                       .where(Redemption.programme_id == programme.id,
                                              Redemption.provider_org_id == org_id).order_by(Redemption.id)))
        signals.append(FraudSignal(FraudKind.DISPUTES, org_id, {"disputes": disputes}, ids))
    return signals


def fraud_signals(programme: Programme) -> list[FraudSignal]:
    """All signals for a programme, for the officer's page (kind, provider, evidence, redemption ids)."""
    return [*own_staff(programme), *bursts(programme), *at_cap(programme), *many_disputes(programme)]


# How the evidence reads on the officer's page. The evidence itself stays as the detectors build it (plain keys, fen,
# UTC), so it can be stored and compared; only its display is labelled, translated, in yuan and local time.
EVIDENCE_LABELS = {"redemptions": _l("Number of redemptions"), "total_fen": _l("Total amount"),
                   "minutes": _l("Time window"), "from": _l("First redemption"), "to": _l("Last redemption"),
                   "subject": _l("Cap applies to"), "cap_fen": _l("Monthly cap"), "periods": _l("Months at the cap"),
                   "disputes": _l("Number of disputes")}


def _evidence_value(key: str, value) -> str:
    if key.endswith("_fen") and isinstance(value, int):
        return format_fen(value)
    if key in ("from", "to"):
        return format_local(datetime.fromisoformat(value) if isinstance(value, str) else value)
    if key == "minutes":
        return _("%(n)d minutes", n=value)
    if key == "subject":
        return {"provider": _("the provider"), "resident": _("the resident")}.get(value, str(value))
    if isinstance(value, list | tuple):
        return joined(value)
    return str(value)


def evidence_lines(signal: FraudSignal) -> list[tuple[str, str]]:
    """The signal's evidence as (label, value) pairs for an officer; a key without a label shows as it is."""
    return [(str(EVIDENCE_LABELS.get(key, key)), _evidence_value(key, value)) for key, value in signal.evidence.items()]
