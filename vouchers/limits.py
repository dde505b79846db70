"""Monthly limits (a programme's resident_cap_fen and provider_cap_fen): what is left of one this month, for the
refusal that names it (redemption._use_caps) and for the resident's pages, which show the limit beside the balance.
The counters are voucher_period_usage rows (redemption.use_cap keeps them); no row yet is nothing used."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select

from core.db import db, utcnow

from .models import Programme
from .programmes import period_of
from .redemption_models import PeriodUsage


@dataclass(frozen=True)
class MonthlyLimit:
    cap_fen: int
    used_fen: int

    @property
    def left_fen(self) -> int:
        return max(0, self.cap_fen - self.used_fen)  # (a cap lowered below what was used: nothing left)


def left_this_period(programme_id: int, period: str, subject: str, subject_id: int, cap_fen: int) -> int:
    """What may still be redeemed under the cap in the period (read after a redemption was refused by it)."""
    used = db.session.scalar(select(PeriodUsage.used_fen).where(
        PeriodUsage.programme_id == programme_id, PeriodUsage.period == period, PeriodUsage.subject == subject,
        PeriodUsage.subject_id == subject_id)) or 0
    return MonthlyLimit(cap_fen, used).left_fen


def resident_limits(resident, programme_ids, *, now: datetime | None = None) -> dict[int, MonthlyLimit]:
    """The resident's monthly limit in each of these programmes that has one, with what they used this month (one
    query)."""
    if not programme_ids:
        return {}
    usage = and_(PeriodUsage.programme_id == Programme.id, PeriodUsage.period == period_of(now or utcnow()),
                 PeriodUsage.subject == "resident", PeriodUsage.subject_id == resident.id)
    rows = db.session.execute(
        select(Programme.id, Programme.resident_cap_fen, PeriodUsage.used_fen).outerjoin(PeriodUsage, usage)
        .where(Programme.id.in_(list(programme_ids)), Programme.resident_cap_fen.is_not(None)))
    return {pid: MonthlyLimit(cap, used or 0) for pid, cap, used in rows}
