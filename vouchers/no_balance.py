"""Why a resident has no voucher balance, in plain words for them (their vouchers page and their code page said only
"You have no voucher balance right now", and an elderly resident was left guessing).

Only what the app knows about this resident and about the running programmes' published rules: no programme is
running; a programme's rule they do not meet (its age, its communities, its hardship tags: the rule of
programmes.eligibility_failures, the one issuance applies); they qualify but this month's vouchers have not been
issued to them yet; this month's vouchers (or, with none this month, the last month's they held) are used up, have
expired or were withdrawn; vouchers issued ahead for a later month, spendable only from its 1st (redemption's rule:
a voucher is spent in its own month or later); the programme's vouchers were valid until a day now past; a programme
they held vouchers of has ended. Nothing about anyone else. Qualifying and waiting, they are told when the next
monthly issuance is expected, as its latest batch tells (issue_requests.next_issuances: its month, and about which
day while that day is still to come; nothing when the programme was never issued by batch). A resident not yet
verified, or suspended, is told that on the page instead (no reasons here).
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select

from accounts.resident_models import HardshipTag, ResidentProfile, ResidentStatus
from core.db import db, utcnow
from core.i18n import joined
from core.timeutil import LOCAL_TZ

from .enums import TagsMode, VoucherStatus
from .issue_requests import next_issuances
from .models import Programme, Voucher
from .programmes import OTHER_COMMUNITY, TOO_YOUNG, WITHOUT_TAGS, active_programmes, eligibility_failures, period_of


@dataclass(frozen=True)
class Month:
    """One month's vouchers of a programme, counted by what can be done with them now."""

    unspent: int  # active, value left, not expired: spendable now, or from the 1st of a later month
    used_up: int
    expired: int  # (a voucher past its expiry that the nightly run has not closed yet is expired)
    revoked: int


@dataclass
class Held:
    name: str
    months: dict[str, Month] = field(default_factory=dict)  # by period, 'YYYY-MM'


def _held(resident: ResidentProfile, now: datetime) -> dict[int, Held]:
    """{programme id: the resident's vouchers of it, month by month} (one query)."""
    active = Voucher.status == VoucherStatus.ACTIVE.value
    unspent = and_(active, Voucher.balance_fen > 0, Voucher.expires_at > now)
    used_up = and_(active, Voucher.balance_fen == 0)
    expired = or_(Voucher.status == VoucherStatus.EXPIRED.value,
                  and_(active, Voucher.balance_fen > 0, Voucher.expires_at <= now))
    revoked = Voucher.status == VoucherStatus.REVOKED.value
    rows = db.session.execute(
        select(Programme.id, Programme.name, Voucher.period, func.count(case((unspent, 1))),
               func.count(case((used_up, 1))), func.count(case((expired, 1))), func.count(case((revoked, 1))))
        .join(Voucher, Voucher.programme_id == Programme.id).where(Voucher.resident_id == resident.id)
        .group_by(Programme.id, Programme.name, Voucher.period)
        .order_by(Programme.id, Voucher.period))
    held: dict[int, Held] = {}
    for pid, name, period, *counts in rows:
        held.setdefault(pid, Held(name)).months[period] = Month(*counts)
    return held


def _about_month(name: str, month: Month, period: str, this_month: bool) -> str:
    """What became of a month's vouchers that has nothing left to spend."""
    if this_month:
        if month.used_up and month.expired:
            return _("This month's vouchers of “%(programme)s” have been used up or have expired.", programme=name)
        if month.used_up:
            return _("You have used up this month's vouchers of “%(programme)s”.", programme=name)
        if month.expired:
            return _("This month's vouchers of “%(programme)s” have expired.", programme=name)
        return _("This month's vouchers of “%(programme)s” were withdrawn. Your community office can tell you why.",
                 programme=name)
    if month.used_up and month.expired:
        return _("Your vouchers of “%(programme)s” for %(month)s have been used up or have expired.",
                 programme=name, month=period)
    if month.used_up:
        return _("You have used up your vouchers of “%(programme)s” for %(month)s.", programme=name, month=period)
    if month.expired:
        return _("Your vouchers of “%(programme)s” for %(month)s have expired.", programme=name, month=period)
    return _("Your vouchers of “%(programme)s” for %(month)s were withdrawn. Your community office can tell you why.",
             programme=name, month=period)


def _ended(name: str) -> str:
    return _("“%(programme)s” has ended; its vouchers can no longer be used.", programme=name)


def _next_issuance(name: str, upcoming: tuple) -> list[str]:
    """When the next monthly issuance is expected (upcoming: issue_requests.next_issuance's (last issued on, next
    period, expected on)): its month and about which day; its month only when that day has passed (a late batch)."""
    _last, period, day = upcoming
    if period is None:
        return []
    if day is None:
        return [_("The next monthly issuance of “%(programme)s” is for %(month)s; its day is not known yet.",
                  programme=name, month=period)]
    return [_("The next monthly issuance of “%(programme)s”, for %(month)s, is expected around %(day)s.",
              programme=name, month=period, day=day.isoformat())]


def _about_rules(programme: Programme, failures: list[str], *, held_before: bool,
                 upcoming: tuple = (None, None, None)) -> list[str]:
    """This month's vouchers not held: the rules the resident fails, or that they qualify and wait for them (and
    when the next monthly issuance is expected)."""
    name = programme.name
    if not failures:
        if held_before:
            return [_("You qualify for “%(programme)s”, but this month's vouchers have not been issued to you yet.",
                      programme=name), *_next_issuance(name, upcoming)]
        return [_("You qualify for “%(programme)s”, but its vouchers have not been issued to you yet.",
                  programme=name), *_next_issuance(name, upcoming)]
    said = []
    if OTHER_COMMUNITY in failures:
        said.append(_("“%(programme)s” is not offered in your community.", programme=name))
    if TOO_YOUNG in failures:
        said.append(_("“%(programme)s” is for residents aged %(n)d and over.", programme=name, n=programme.min_age))
    if WITHOUT_TAGS in failures:
        tags = joined(HardshipTag(t).label for t in sorted(programme.required_tags or []))
        if programme.tags_mode == TagsMode.ALL and len(programme.required_tags) > 1:
            said.append(_("“%(programme)s” is for residents to whom all of these apply: %(tags)s. If they apply to "
                          "you, your community office can record it.", programme=name, tags=tags))
        else:
            said.append(_("“%(programme)s” is for residents to whom one of these applies: %(tags)s. If one applies "
                          "to you, your community office can record it.", programme=name, tags=tags))
    return said


def _about_programme(programme: Programme, held: Held | None, resident: ResidentProfile, now: datetime,
                     upcoming: tuple = (None, None, None)) -> list[str]:
    """Why nothing of a running programme can be spent now, month by month: this month's vouchers (or, with none,
    the last month's held, and whether this month's are still to come), then those of later months, spendable from
    their 1st. Nothing when some value can be spent now."""
    months, this = (held.months if held else {}), period_of(now)
    if any(month.unspent for period, month in months.items() if period <= this):
        return []  # value left to spend: nothing to explain
    name, today = programme.name, now.astimezone(LOCAL_TZ).date()
    said = []
    if this in months:
        said.append(_about_month(name, months[this], this, this_month=True))
    else:
        earlier = sorted(period for period in months if period < this)
        if earlier:
            said.append(_about_month(name, months[earlier[-1]], earlier[-1], this_month=False))
        if programme.valid_until is not None and programme.valid_until < today:
            said.append(_("The vouchers of “%(programme)s” were valid until %(day)s: no more are issued.",
                          programme=name, day=programme.valid_until.isoformat()))
        else:
            said.extend(_about_rules(programme, eligibility_failures(programme, resident, today),
                                     held_before=bool(months), upcoming=upcoming))
    for period in sorted(period for period, month in months.items() if period > this and month.unspent):
        said.append(_("Your vouchers of “%(programme)s” for %(month)s can be used from %(day)s.",
                      programme=name, month=period, day=f"{period}-01"))
    return said


def reasons(resident: ResidentProfile, *, now: datetime | None = None) -> list[str]:
    """Why the resident has nothing to spend, one sentence each, translated (call it when their balance is empty)."""
    if resident.status != ResidentStatus.VERIFIED:
        return []
    now = now or utcnow()
    running = active_programmes()
    held = _held(resident, now)
    upcoming = next_issuances([p.id for p in running], now=now)  # (one query)
    said = []
    for programme in running:
        said.extend(_about_programme(programme, held.get(programme.id), resident, now, upcoming[programme.id]))
    running_ids = {p.id for p in running}
    said.extend(_ended(mine.name) for pid, mine in held.items() if pid not in running_ids)
    if not running:
        said.insert(0, _("No voucher programme is running at the moment."))
    return said
