"""Monthly limits (a programme's resident_cap_fen and provider_cap_fen): what is left of one this month, for the
refusal that names it (redemption._use_caps) and for the resident's pages, which show the limit beside the balance.
The counters are voucher_period_usage rows (use_cap keeps them, for redemption and disputes); no row yet is
nothing used."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, select, update

from core.db import db, upsert_dialect, utcnow
from core.errors import Conflict
from core.money import format_fen
from core.timeutil import LOCAL_TZ

from .models import Programme
from .programmes import period_bounds, period_of
from .redemption_models import PeriodUsage

_USAGE = PeriodUsage.__table__
_USAGE_KEY = {"programme_id": bindparam("programme_id"), "period": bindparam("period"),
              "subject": bindparam("subject"), "subject_id": bindparam("subject_id")}
# In an UPDATE a parameter may not share a column's name (SQLAlchemy keeps those for SET): the key is "of_<column>".
_GIVE_BACK = (update(_USAGE).where(*(_USAGE.c[name] == bindparam(f"of_{name}") for name in _USAGE_KEY),
                                   _USAGE.c.used_fen + bindparam("amount") >= 0)
              .values(used_fen=_USAGE.c.used_fen + bindparam("amount")))


@cache
def _cap_statements(dialect):
    """(use within the cap, make sure the counter exists) for this dialect."""
    use = (dialect.insert(_USAGE).values(**_USAGE_KEY, used_fen=bindparam("amount"))
           .on_conflict_do_update(index_elements=list(_USAGE_KEY),
                                  set_={"used_fen": _USAGE.c.used_fen + bindparam("amount")},
                                  where=_USAGE.c.used_fen + bindparam("amount") <= bindparam("cap"))
           .returning(_USAGE.c.id))
    return use, dialect.insert(_USAGE).values(**_USAGE_KEY, used_fen=0).on_conflict_do_nothing()


def use_cap(programme_id: int, period: str, subject: str, subject_id: int, amount_fen: int, cap: int | None) -> bool:
    """Add amount_fen to a per-period counter unless that passes the cap (one guarded statement: an INSERT of the
    period's first use, or an UPDATE of the counter WHERE it stays within the cap). A negative amount gives value
    back (a reversed redemption)."""
    if cap is None:
        return True
    if amount_fen > cap:
        return False
    use, ensure = _cap_statements(upsert_dialect())
    params = {"programme_id": programme_id, "period": period, "subject": subject, "subject_id": subject_id,
              "amount": amount_fen, "cap": cap}
    if amount_fen > 0:
        return db.session.execute(use, params).first() is not None
    db.session.execute(ensure, params)
    return db.session.execute(_GIVE_BACK, {f"of_{name}": params[name] for name in _USAGE_KEY} | params).rowcount == 1


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


# --- a limit used up: said before a code is issued, and when a redemption is refused by it ------------------------

def next_month_starts(now: datetime | None = None) -> date:
    """The Beijing date a new month's limit begins (the 1st of next month)."""
    return period_bounds(period_of(now or utcnow()))[1].astimezone(LOCAL_TZ).date()


def day_text(day: date) -> str:
    """A date as people write it (2027年1月1日; January 1, 2027)."""
    return format_date(day, "long")


def used_up_refusal(programme: Programme, now: datetime) -> Conflict:
    """Why no code is issued (redemption.issue_code): this month's limit is used up, so a provider would refuse any
    amount; a code would only send the resident to the provider for nothing."""
    return Conflict(_("This month's allowance of “%(programme)s” (%(cap)s a month) is used up. The vouchers can be "
                      "used again from %(day)s.", programme=programme.name, cap=format_fen(programme.resident_cap_fen),
                      day=day_text(next_month_starts(now))), code="resident_cap_used_up")


def resident_cap_refusal(left_fen: int, now: datetime) -> Conflict:
    """A redemption refused by the resident's monthly limit: used up (nothing left, said so, with the day it
    renews), or what may still be used."""
    if left_fen <= 0:
        return Conflict(_("This month's allowance is used up: the resident cannot use vouchers again until %(day)s.",
                          day=day_text(next_month_starts(now))), code="resident_cap",
                        fields={"amount_fen": _("This month's allowance is used up.")})
    return Conflict(_("This would pass the resident's monthly limit: at most %(left)s can still be used this month.",
                      left=format_fen(left_fen)), code="resident_cap",
                    fields={"amount_fen": _("At most %(left)s this month.", left=format_fen(left_fen))})
