"""A resident's balance: which of their vouchers can be spent now (the one rule, spendable_where, that the
redemption's debit, the code page and the paused programme's page all read) and what that comes to per running
programme."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, select

from accounts.resident_models import ResidentProfile
from core.db import db, utcnow

from .enums import ProgrammeStatus, VoucherStatus
from .models import Programme, Voucher
from .programmes import period_of
from .redemption_models import PeriodUsage


@dataclass(frozen=True)
class BalanceLine:
    programme_id: int
    programme_name: str
    balance_fen: int
    vouchers: int
    next_expiry: datetime | None
    cap_fen: int | None = None  # the programme's monthly limit for a resident, and what they used of it this month
    used_fen: int = 0

    @property
    def allowance_used_up(self) -> bool:
        """This month's limit is used up: a provider would refuse any amount until next month (issue_code refuses a
        code, and the code page says so before its button)."""
        return self.cap_fen is not None and self.used_fen >= self.cap_fen

def spendable_where(resident_id, now, month) -> list:
    """The one place spendability is decided: active, unexpired, not empty, and for this Beijing month or an earlier
    one (a voucher issued ahead for next month is spendable from the 1st of that month; periods are YYYY-MM, which
    sort as the months do)."""
    v = Voucher.__table__.c
    return [v.resident_id == resident_id, v.status == VoucherStatus.ACTIVE.value, v.expires_at > now,
            v.balance_fen > 0, v.period <= month]


def balance(resident: ResidentProfile, *, now: datetime | None = None) -> list[BalanceLine]:
    """What the resident can spend, per running programme, with its monthly limit and what they used of it this
    month (one query: the usage counter is at most one row per programme, on its unique key)."""
    now = now or utcnow()
    month = period_of(now)
    usage = and_(PeriodUsage.programme_id == Programme.id, PeriodUsage.period == month,
                 PeriodUsage.subject == "resident", PeriodUsage.subject_id == resident.id)
    rows = db.session.execute(
        select(Programme.id, Programme.name, func.sum(Voucher.balance_fen), func.count(Voucher.id),
               func.min(Voucher.expires_at), Programme.resident_cap_fen, PeriodUsage.used_fen)
        .select_from(Voucher).join(Programme, Programme.id == Voucher.programme_id).outerjoin(PeriodUsage, usage)
        .where(*spendable_where(resident.id, now, month), Programme.status == ProgrammeStatus.ACTIVE.value)
        .group_by(Programme.id, Programme.name, Programme.resident_cap_fen, PeriodUsage.used_fen)
        .order_by(Programme.id))
    return [BalanceLine(pid, name, int(total), count, aware(expiry), cap, used or 0)
            for pid, name, total, count, expiry, cap, used in rows]


def aware(value):
    """min() over a UTCDateTime column may come back as naive text on SQLite; make it an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value
