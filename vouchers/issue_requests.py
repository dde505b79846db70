"""A resident registered after a month's issuance gets no vouchers until the next monthly batch. What the staff's
resident page says about it (issuance_outlook: per running programme the resident qualifies for and holds nothing of
this month, when the street office issued last and when the next monthly issuance is expected, if its batches tell),
and community staff asking the street office to issue to this resident now (request_issuance): a notification to the
programme's officers, who issue to one resident on the programme's page (officer_views.issue_one), audited, once per
resident, programme and month. Services flush; the caller commits."""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import selectinload

from accounts import residents as resident_services
from accounts.enums import Role
from accounts.models import User, UserRole
from accounts.notifications import NOTIFICATION_TEXTS, notify
from accounts.resident_models import ResidentProfile, ResidentStatus
from audit import services as audit
from audit.labels import ACTION_LABELS
from audit.models import AuditEvent
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden
from core.timeutil import LOCAL_TZ
from core.views import path_for

from . import programme_suspension
from .enums import ProgrammeStatus
from .models import IssuanceBatch, Programme, Voucher
from .programmes import active_programmes, eligibility_problems, period_bounds, period_of, shift_period

REQUESTED = "voucher.issue_requested"
ACTION_LABELS.update({REQUESTED: _l("Vouchers asked for a resident")})
NOTIFICATION_TEXTS.update({
    REQUESTED: _l("%(staff)s (%(community)s) asks that “%(programme)s” vouchers for %(period)s be issued now to "
                  "%(name)s (ID number %(id_masked)s), registered after this month's issuance. Issue to one "
                  "resident on the programme's page."),
})


@dataclass(frozen=True)
class Request:
    at: datetime  # UTC
    by: User | None


@dataclass(frozen=True)
class Outlook:
    """A running programme the resident qualifies for and holds no vouchers of this month."""

    programme: Programme
    period: str  # this month
    last_issued_on: date | None  # the Beijing day its latest monthly issuance began (None: never issued)
    next_period: str | None  # the month the next monthly issuance is for (None: not known)
    expected_on: date | None  # about when, by the day of the month its latest issuance ran (None: not known)
    requested: Request | None  # asked of the street office this month already


def _month_later(day: date) -> date:
    """The same day a month later (the 31st of a shorter month: its last day)."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def next_issuance(programme: Programme, latest: IssuanceBatch | None, now: datetime) -> tuple:
    """(last issued on, next period, expected on) from the programme's latest batch: the street office issues a
    month at a time, so the next is for the month after the latest's, about a month after it ran; a day already
    past is not said (the batch is late: only the month is known)."""
    if latest is None:
        return None, None, None
    ran = latest.started_at.astimezone(LOCAL_TZ).date()
    expected = _month_later(ran)
    return ran, shift_period(latest.period, 1), expected if expected >= now.astimezone(LOCAL_TZ).date() else None


def next_issuances(programme_ids: list[int], *, now: datetime | None = None) -> dict[int, tuple]:
    """{programme id: (last issued on, next period, expected on)} (next_issuance), in one query: for any page that
    tells a resident with nothing of this month when the next issuance is expected (vouchers.no_balance may)."""
    now = now or utcnow()
    latest = _latest_batches(programme_ids)
    return {pid: next_issuance(None, latest.get(pid), now) for pid in programme_ids}


def _latest_batches(programme_ids: list[int]) -> dict[int, IssuanceBatch]:
    if not programme_ids:
        return {}
    rows = db.session.scalars(select(IssuanceBatch).where(IssuanceBatch.programme_id.in_(programme_ids))
                              .order_by(IssuanceBatch.started_at, IssuanceBatch.id))
    return {batch.programme_id: batch for batch in rows}  # (the latest of each wins)


def _asked(*where):
    """The requests (audit events) that meet where, oldest first, with who asked."""
    return (select(AuditEvent).where(AuditEvent.action == REQUESTED, *where)
            .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.seq))


def _requests(resident: ResidentProfile) -> dict[tuple[int, str], Request]:
    """{(programme id, period): the request} made for the resident."""
    events = db.session.scalars(_asked(AuditEvent.target_type == ResidentProfile.__tablename__,
                                       AuditEvent.target_id == str(resident.id)))
    found = {}
    for event in events:
        data = audit.decoded_data(event)
        found.setdefault((data.get("programme_id"), data.get("period")), Request(event.occurred_at, event.actor))
    return found


def issuance_outlook(resident: ResidentProfile, *, now: datetime | None = None) -> list[Outlook]:
    """For the staff's resident page: each running programme the verified resident qualifies for and holds no
    vouchers of this month, with when the next monthly issuance is expected and whether it was asked for now."""
    if resident.status != ResidentStatus.VERIFIED:
        return []
    now = now or utcnow()
    period, today = period_of(now), now.astimezone(LOCAL_TZ).date()
    running = [p for p in active_programmes() if not eligibility_problems(p, resident, today)]
    if not running:
        return []
    held = set(db.session.scalars(select(Voucher.programme_id).where(
        Voucher.resident_id == resident.id, Voucher.period == period,
        Voucher.programme_id.in_([p.id for p in running]))))
    waiting = [p for p in running if p.id not in held]
    latest = _latest_batches([p.id for p in waiting])
    asked = _requests(resident) if waiting else {}
    return [Outlook(p, period, *next_issuance(p, latest.get(p.id), now), asked.get((p.id, period)))
            for p in waiting]


def _officers(programme: Programme) -> list[int]:
    """The programme's officers: who set it up and who ran its issuances, while active officers; none of them any
    longer, every active officer (any of them may issue)."""
    officer = (select(User.id).join(UserRole, UserRole.user_id == User.id)
               .where(UserRole.role == Role.OFFICER.value, User.active.is_(True)))
    own = {programme.created_by_id, *db.session.scalars(
        select(IssuanceBatch.started_by_id).where(IssuanceBatch.programme_id == programme.id))} - {None}
    ids = list(db.session.scalars(officer.where(User.id.in_(own)).order_by(User.id))) if own else []
    return ids or list(db.session.scalars(officer.order_by(User.id)))


def request_issuance(programme: Programme, resident: ResidentProfile, *, actor, now: datetime | None = None) -> int:
    """Community staff who look after the resident ask the programme's officers to issue this month's vouchers to
    them now. Refused: 403 for anyone else; 409 when the programme is not running, the resident does not qualify or
    already holds this month's vouchers, or it was asked already this month. Returns how many officers were told."""
    if not resident_services.can_manage_resident(actor, resident):
        raise Forbidden(_("You cannot ask for vouchers for this resident."))
    lock_row(resident, "status")  # (two clicks at once: the second sees the first's request)
    now = now or utcnow()
    period = period_of(now)
    programme_suspension.require_not_suspended(programme)
    if programme.status != ProgrammeStatus.ACTIVE:
        raise Conflict(_("This programme is not running."), code="programme_not_running")
    if problems := eligibility_problems(programme, resident, now.astimezone(LOCAL_TZ).date()):
        raise Conflict(_("The resident does not qualify for this programme: %(why)s",
                         why=" ".join(problems)), code="not_eligible")
    if db.session.scalar(select(Voucher.id).where(Voucher.programme_id == programme.id,
                                                  Voucher.resident_id == resident.id, Voucher.period == period)):
        raise Conflict(_("This resident already has vouchers for %(period)s.", period=period), code="already_issued")
    earlier = _requests(resident).get((programme.id, period))
    if earlier is not None:
        raise Conflict(_("The street office was already asked to issue %(period)s to this resident, on %(when)s.",
                         period=period, when=earlier.at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")),
                       code="already_requested")
    officers = _officers(programme)
    audit.record(REQUESTED, resident, actor=actor,
                 data={"programme_id": programme.id, "period": period, "officers": len(officers)})
    link = path_for("vouchers.programme", programme_id=programme.id, _anchor="issue-requests")
    for officer_id in officers:
        notify(officer_id, REQUESTED, link=link, staff=actor.display_name, community=resident.community.full_name,
               programme=programme.name, period=period, name=resident.real_name, id_masked=resident.id_masked)
    return len(officers)


@dataclass(frozen=True)
class OpenRequest:
    resident: ResidentProfile
    period: str
    at: datetime
    staff: User | None


def _for(programme: Programme, period: str):
    """The request's data (canonical JSON text) names this programme and month, read by the database, so that only
    the programme's requests leave it whatever the month holds for other programmes. The values compare as JSON
    values, as the decoded data would (the programme id a number, not the text "5")."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(AuditEvent.data, JSONB).contains({"programme_id": programme.id, "period": period})
    return and_(func.json_extract(AuditEvent.data, "$.programme_id") == programme.id,
                func.json_extract(AuditEvent.data, "$.period") == period)


def open_requests(programme: Programme, *, now: datetime | None = None) -> list[OpenRequest]:
    """This month's requests from community staff for the programme that are still open (the resident holds no
    vouchers of the month yet), oldest first: the programme's page lists them, each issued with one click. A few
    queries whatever their number: the programme's requests of the month (with who asked), their vouchers of the
    month, the residents. The database picks the programme's requests out of the month's (_for)."""
    now = now or utcnow()
    period = period_of(now)
    start, _end = period_bounds(period)
    asked: dict[int, tuple] = {}
    for event in db.session.scalars(_asked(AuditEvent.occurred_at >= start, _for(programme, period))):
        asked.setdefault(int(event.target_id), (event.occurred_at, event.actor))
    if not asked:
        return []
    held = set(db.session.scalars(select(Voucher.resident_id).where(
        Voucher.programme_id == programme.id, Voucher.period == period, Voucher.resident_id.in_(list(asked)))))
    residents = {r.id: r for r in db.session.scalars(select(ResidentProfile).where(
        ResidentProfile.id.in_([i for i in asked if i not in held])))}
    return [OpenRequest(residents[i], period, *asked[i]) for i in asked if i in residents]
