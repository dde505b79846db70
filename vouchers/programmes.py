"""Programmes: set-up, the one transition function, periods, eligibility and which providers may redeem."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Date, and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from accounts.models import Community
from accounts.resident_models import AGED_THRESHOLD, HardshipTag, ResidentProfile, ResidentStatus, ResidentTag
from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.money import MAX_FEN, format_fen
from core.timeutil import LOCAL_TZ, local_day_bounds, local_today, to_local
from orgs.models import CreditListEntry, Organisation, ServiceCategory
from orgs.services import standing
from projects.contract_models import Contract, ContractStatus
from projects.models import Call

from . import ledger, permissions
from . import programme_suspension as suspension
from .enums import PROGRAMME_TRANSITIONS, ProgrammeStatus, ProviderMode, TagsMode
from .models import Programme, VoucherService

MAX_VALIDITY_DAYS = 3660  # vouchers valid for at most about ten years, by days or by an end date


@dataclass
class ProgrammeData:
    name: str
    budget_fen: int
    face_value_fen: int
    vouchers_per_period: int
    category_ids: list[int]
    description: str = ""
    community_ids: list[int] = field(default_factory=list)  # empty: every community
    min_age: int | None = None
    required_tags: list[str] = field(default_factory=list)
    tags_mode: str = TagsMode.ANY.value
    validity_days: int | None = None
    valid_until: date | None = None
    provider_mode: str = ProviderMode.OPEN.value
    contract_call_id: int | None = None
    resident_cap_fen: int | None = None
    provider_cap_fen: int | None = None


# --- periods (calendar months in Asia/Shanghai) ---------------------------------------------------

def period_of(moment: datetime | None = None) -> str:
    """'2026-11' for the Beijing month containing moment (default now)."""
    return (moment or utcnow()).astimezone(LOCAL_TZ).strftime("%Y-%m")


def parse_period(text: str) -> str:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        if not (2000 <= year <= 2100 and 1 <= month <= 12):
            raise ValueError
    except ValueError as exc:
        raise ServiceError(_("A month is written as year-month (YYYY-MM), for example 2026-12."),
                           fields={"period": _("Write the month as year-month, for example 2026-12.")}) from exc
    return f"{year:04d}-{month:02d}"


def shift_period(period: str, months: int) -> str:
    """The month `months` after period ('2026-12', 1 -> '2027-01'; negative: before)."""
    year, month = (int(part) for part in period.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def issuable_period(programme: Programme, text: str | None, now: datetime) -> str:
    """The month to issue vouchers for (default: this one): last month, this month or next month in Beijing, so that
    a mistyped year cannot give residents a second set of vouchers under another month's name; and only while the
    programme's vouchers would still be valid when issued."""
    period = parse_period(text) if text else period_of(now)
    first, last = shift_period(period_of(now), -1), shift_period(period_of(now), 1)
    if not first <= period <= last:  # (YYYY-MM strings sort as the months do)
        raise ServiceError(_("Vouchers are issued for last month, this month or next month."), fields={
            "period": _("Choose a month from %(first)s to %(last)s.", first=first, last=last)})
    if voucher_expiry(programme, now) <= now:
        raise Conflict(_("The programme's vouchers were valid until %(day)s: none can be issued now.",
                         day=programme.valid_until.isoformat()), code="programme_expired")
    start = valid_from(period, now)
    if period_expiry(programme, period, now) <= start:
        raise Conflict(_("The programme's vouchers are valid until %(day)s, before %(period)s begins.",
                         day=programme.valid_until.isoformat(), period=period), code="programme_expired")
    return period


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """The UTC instants where a Beijing month begins and ends (half-open)."""
    year, month = (int(p) for p in parse_period(period).split("-"))
    start = datetime(year, month, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def valid_from(period: str, now: datetime) -> datetime:
    """When a voucher for period issued at now becomes spendable: the 1st of its Beijing month, or now if later."""
    return max(now, period_bounds(period)[0])


def period_expiry(programme: Programme, period: str, now: datetime) -> datetime:
    """The expiry of a voucher for period issued at now: its validity counts from the day it becomes spendable (so
    next month's vouchers issued today do not expire with this month's)."""
    return voucher_expiry(programme, valid_from(period, now))


def voucher_expiry(programme: Programme, issued_at: datetime) -> datetime:
    """The end of a Beijing day: of the Nth day after the day of issue, or of the valid-until date, whichever comes
    first. A voucher is good for whole days, so a resident reads "valid through 2027-02-04", not a minute of a
    morning (it was N × 24 hours from the moment of issue: 2027-02-05 05:51)."""
    candidates = []
    if programme.validity_days:
        candidates.append(local_day_bounds(to_local(issued_at).date() + timedelta(days=programme.validity_days))[1])
    if programme.valid_until:
        candidates.append(local_day_bounds(programme.valid_until)[1])
    return min(candidates)


# --- set-up ----------------------------------------------------------------------------------------

def _fen(value, name: str, errors: dict, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_FEN:
        errors[name] = _("Enter a positive amount.")


def _validate(data: ProgrammeData) -> tuple[list[ServiceCategory], list[Community]]:
    errors: dict = {}
    if not (data.name or "").strip() or len(data.name.strip()) > 120:
        errors["name"] = _("Give the programme a name of up to 120 characters.")
    _fen(data.budget_fen, "budget_fen", errors)
    _fen(data.face_value_fen, "face_value_fen", errors)
    _fen(data.resident_cap_fen, "resident_cap_fen", errors, optional=True)
    _fen(data.provider_cap_fen, "provider_cap_fen", errors, optional=True)
    if not isinstance(data.vouchers_per_period, int) or not 1 <= data.vouchers_per_period <= 31:
        errors["vouchers_per_period"] = _("Between 1 and 31 vouchers per month.")
    elif not {"budget_fen", "face_value_fen"} & errors.keys() \
            and data.budget_fen < data.face_value_fen * data.vouchers_per_period:
        errors["budget_fen"] = _("The budget must pay for at least one resident's vouchers for a month (%(amount)s).",
                                 amount=format_fen(data.face_value_fen * data.vouchers_per_period))
    if data.min_age is not None and not 0 <= data.min_age <= 150:
        errors["min_age"] = _("An age between 0 and 150.")
    if any(t not in {h.value for h in HardshipTag} for t in data.required_tags):
        errors["required_tags"] = _("Unknown hardship tag.")
    if data.tags_mode not in {m.value for m in TagsMode}:
        errors["tags_mode"] = _("Choose any or all.")
    if not data.validity_days and not data.valid_until:
        errors["validity_days"] = _("Give a number of days or an end date.")
    elif data.validity_days is not None and not 1 <= data.validity_days <= MAX_VALIDITY_DAYS:
        errors["validity_days"] = _("Between 1 and 3660 days.")
    if data.valid_until is not None and data.valid_until > local_today() + timedelta(days=MAX_VALIDITY_DAYS):
        errors["valid_until"] = _("At most 3660 days from today.")  # (a date near the calendar's end overflowed)
    elif data.valid_until is not None and data.valid_until < local_today():
        errors["valid_until"] = _("The end date has already passed: vouchers would be issued expired.")
    if data.provider_mode not in {m.value for m in ProviderMode}:
        errors["provider_mode"] = _("Choose who may provide services.")
    elif data.provider_mode == ProviderMode.CONTRACTED and db.session.get(Call, data.contract_call_id or 0) is None:
        errors["contract_call_id"] = _("Choose the call whose contracted organisations may provide services.")
    categories = list(db.session.scalars(select(ServiceCategory).where(ServiceCategory.id.in_(data.category_ids))))
    if not categories or len(categories) != len(set(data.category_ids)):
        errors["category_ids"] = _("Choose at least one service category.")
    communities = list(db.session.scalars(select(Community).where(Community.id.in_(data.community_ids))))
    if len(communities) != len(set(data.community_ids)):
        errors["community_ids"] = _("Unknown community.")
    if errors:
        raise invalid(errors)
    return categories, communities


def _apply(programme: Programme, data: ProgrammeData, categories, communities) -> None:
    for name in ("budget_fen", "face_value_fen", "vouchers_per_period", "min_age", "tags_mode", "validity_days",
                 "valid_until", "provider_mode", "resident_cap_fen", "provider_cap_fen"):
        setattr(programme, name, getattr(data, name))
    programme.name, programme.description = data.name.strip(), (data.description or "").strip()
    programme.required_tags = sorted(set(data.required_tags))
    programme.contract_call_id = data.contract_call_id if data.provider_mode == ProviderMode.CONTRACTED else None
    programme.categories, programme.communities = categories, communities


def _snapshot(programme: Programme) -> dict:
    return {"name": programme.name, "budget_fen": programme.budget_fen, "face_value_fen": programme.face_value_fen,
            "vouchers_per_period": programme.vouchers_per_period, "min_age": programme.min_age,
            "required_tags": list(programme.required_tags or []), "tags_mode": programme.tags_mode,
            "validity_days": programme.validity_days, "valid_until": programme.valid_until,
            "provider_mode": programme.provider_mode, "contract_call_id": programme.contract_call_id,
            "resident_cap_fen": programme.resident_cap_fen, "provider_cap_fen": programme.provider_cap_fen,
            "category_ids": sorted(programme.category_ids), "community_ids": sorted(programme.community_ids)}


def create_programme(data: ProgrammeData, *, actor) -> Programme:
    """A draft programme (officers)."""
    if not permissions.can_manage_programmes(actor):
        raise Forbidden(_("Only officers can set up voucher programmes."))
    categories, communities = _validate(data)
    programme = Programme(status=ProgrammeStatus.DRAFT.value, allocated_fen=0, created_by_id=actor.id)
    _apply(programme, data, categories, communities)
    db.session.add(programme)
    db.session.flush()
    audit.record("voucher_programme.created", programme, actor=actor, data=_snapshot(programme))
    return programme


def update_programme(programme: Programme, data: ProgrammeData, *, actor) -> None:
    """Drafts change freely; a running programme's rules are fixed (its budget can be raised: raise_budget)."""
    if not permissions.can_manage_programmes(actor):
        raise Forbidden(_("Only officers can set up voucher programmes."))
    if programme.status != ProgrammeStatus.DRAFT:
        raise Conflict(_("Only a draft programme can be changed."))
    categories, communities = _validate(data)
    before = _snapshot(programme)
    _apply(programme, data, categories, communities)
    db.session.flush()
    audit.record("voucher_programme.updated", programme, actor=actor, changes=audit.diff(before, _snapshot(programme)))


def raise_budget(programme: Programme, new_budget_fen: int, *, actor) -> None:
    if not permissions.can_manage_programmes(actor):
        raise Forbidden(_("Only officers can set up voucher programmes."))
    lock_row(programme, "status", "budget_fen")  # (two officers at once: the second sees the first's raise)
    if programme.status == ProgrammeStatus.CLOSED:
        raise Conflict(_("This programme is closed."))
    errors: dict = {}
    _fen(new_budget_fen, "budget_fen", errors)
    if errors or new_budget_fen <= programme.budget_fen:  # (the same budget again is no raise, nor an event)
        message = _("The budget can only be raised: give more than %(now)s.", now=format_fen(programme.budget_fen))
        raise ServiceError(message, fields={"budget_fen": message})
    before = programme.budget_fen
    programme.budget_fen = new_budget_fen
    db.session.flush()
    audit.record("voucher_programme.budget_raised", programme, actor=actor, data={"from": before, "to": new_budget_fen})


def transition_programme(programme: Programme, to: ProgrammeStatus | str, *, actor, reason: str = "") -> None:
    """draft → active (opens issuance and redemption); active → suspended (暂停: no codes, redemptions or issuance;
    vouchers keep their expiry) → active again (恢复, resumed); active or suspended → closed (outstanding vouchers
    are revoked and their value returns to the budget). Suspending and closing take a reason (programme_suspension)."""
    if not permissions.can_manage_programmes(actor):
        raise Forbidden(_("Only officers can set up voucher programmes."))
    lock_row(programme, "status")
    current, target = ProgrammeStatus(programme.status), ProgrammeStatus(to)
    if target not in PROGRAMME_TRANSITIONS[current]:
        raise Conflict(_("A programme cannot go from %(a)s to %(b)s.", a=current.label, b=target.label))
    if target is ProgrammeStatus.ACTIVE and programme.valid_until and programme.valid_until < local_today():
        raise Conflict(_("The vouchers' end date has already passed."), fields={"valid_until": _("In the past.")})
    if current is ProgrammeStatus.DRAFT:
        from .provider_guard import require_provider_to_start  # (it reads this module's provider rule)

        require_provider_to_start(programme)
    reason = suspension.reason_for(target, reason)
    revoked = (0, 0)
    if target is ProgrammeStatus.CLOSED:
        revoked = ledger.revoke_outstanding(programme, actor=actor, reason=reason)
    programme.status, programme.status_reason, now = target.value, reason, utcnow()
    if current is ProgrammeStatus.DRAFT:
        programme.activated_at = now  # (resuming keeps the day it started)
    elif target is ProgrammeStatus.CLOSED:
        programme.closed_at = now
    suspended = target is ProgrammeStatus.SUSPENDED
    programme.suspended_at, programme.suspended_by_id = (now, actor.id) if suspended else (None, None)
    db.session.flush()
    audit.record(suspension.action_of(current, target), programme, actor=actor,
                 data={"from": current.value, "to": target.value, "reason": programme.status_reason,
                       "revoked_vouchers": revoked[0], "revoked_fen": revoked[1]})
    suspension.tell_providers(programme, current, target)
    suspension.tell_residents(programme, current, target)


# --- eligibility ---------------------------------------------------------------------------------

def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _tag_condition(tag: str, on: date):
    if tag == HardshipTag.AGED_80:
        return ResidentProfile.birth_date <= _years_before(on, AGED_THRESHOLD)
    return exists().where(ResidentTag.resident_id == ResidentProfile.id, ResidentTag.tag == tag)


def eligibility_conditions(programme: Programme, on: date) -> list:
    """SQL conditions on ResidentProfile equal to is_eligible() (batch issuance runs them set-based)."""
    conditions = [ResidentProfile.status == ResidentStatus.VERIFIED.value]
    if programme.communities:
        conditions.append(ResidentProfile.community_id.in_(sorted(programme.community_ids)))
    if programme.min_age is not None:
        conditions.append(ResidentProfile.birth_date <= _years_before(on, programme.min_age))
    tags = [_tag_condition(t, on) for t in sorted(programme.required_tags or [])]
    if tags:
        conditions.append(and_(true(), *tags) if programme.tags_mode == TagsMode.ALL else or_(false(), *tags))
    return conditions


# The rules a resident fails, as codes: said in the officers' words by eligibility_problems, in the resident's own by
# vouchers.no_balance (why they have no vouchers).
NOT_VERIFIED, OTHER_COMMUNITY, TOO_YOUNG, WITHOUT_TAGS = "not_verified", "community", "age", "tags"


def eligibility_failures(programme: Programme, resident: ResidentProfile, on: date | None = None) -> list[str]:
    """Which eligibility rules the resident fails (empty when eligible): the codes above, in this order."""
    on = on or local_today()
    failures = []
    if resident.status != ResidentStatus.VERIFIED:
        failures.append(NOT_VERIFIED)
    if programme.communities and resident.community_id not in programme.community_ids:
        failures.append(OTHER_COMMUNITY)
    if programme.min_age is not None and resident.age_on(on) < programme.min_age:
        failures.append(TOO_YOUNG)
    wanted, held = set(programme.required_tags or []), resident.tags_on(on)
    if wanted and (not wanted <= held if programme.tags_mode == TagsMode.ALL else not wanted & held):
        failures.append(WITHOUT_TAGS)
    return failures


def eligibility_problems(programme: Programme, resident: ResidentProfile, on: date | None = None) -> list[str]:
    """Why a resident is not eligible (empty when eligible), translated for the officer issuing vouchers."""
    said = {NOT_VERIFIED: lambda: _("The resident is not verified."),
            OTHER_COMMUNITY: lambda: _("The resident's community is not covered."),
            TOO_YOUNG: lambda: _("The resident is younger than %(n)d.", n=programme.min_age),
            WITHOUT_TAGS: lambda: _("The resident does not have the required hardship tags.")}
    return [said[failure]() for failure in eligibility_failures(programme, resident, on)]


def is_eligible(programme: Programme, resident: ResidentProfile, on: date | None = None) -> bool:
    return not eligibility_problems(programme, resident, on)


# --- providers --------------------------------------------------------------------------------------

def provider_conditions(contracted: bool) -> list:
    """SQL conditions on Organisation: in good standing (registered, on no credit list that day), offering an active
    service in an eligible category and, for a contracted programme, holding a contract in force under its call.
    The programme's values are bind parameters (provider_params() gives them at execution), so a statement built
    with these conditions can be built once and reused."""
    on = bindparam("provider_on", type_=Date)
    offered = aliased(VoucherService)  # an alias, so a query that already selects services does not correlate it
    conditions = [
        Organisation.status == "approved",
        ~exists().where(CreditListEntry.org_id == Organisation.id, CreditListEntry.start_on <= on,
                        or_(CreditListEntry.end_on.is_(None), CreditListEntry.end_on > on)),
        exists().where(offered.org_id == Organisation.id, offered.active,
                       offered.category_id.in_(bindparam("provider_category_ids", expanding=True))),
    ]
    if contracted:
        conditions.append(exists().where(Contract.org_id == Organisation.id,
                                         Contract.call_id == bindparam("provider_call_id"),
                                         Contract.status == ContractStatus.ACTIVE.value))
    return conditions


def provider_params(programme: Programme, on: date | None = None) -> dict:
    """The values of provider_conditions()' bind parameters for this programme, on this day (default today)."""
    return {"provider_on": on or local_today(), "provider_category_ids": sorted(programme.category_ids),
            "provider_call_id": programme.contract_call_id}


def is_contracted(programme: Programme) -> bool:
    return programme.provider_mode == ProviderMode.CONTRACTED


@cache
def _provider_allowed_statement(contracted: bool):
    return select(Organisation.id).where(Organisation.id == bindparam("org_id"), *provider_conditions(contracted))


def provider_allowed(programme: Programme, org: Organisation, on: date | None = None) -> bool:
    """May this organisation redeem this programme's vouchers? One query, built once (it runs on every redemption);
    its good standing test is the one of orgs' standing().in_good_standing, which the tests hold it to."""
    return db.session.scalar(_provider_allowed_statement(is_contracted(programme)),
                             {"org_id": org.id, **provider_params(programme, on)}) is not None


def in_good_standing(org: Organisation, on: date | None = None) -> bool:
    """orgs' own verdict (several queries), for pages that show why a provider is not allowed."""
    return standing(org, on or local_today()).in_good_standing


def allowed_providers(programme: Programme, on: date | None = None) -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(*provider_conditions(is_contracted(programme)))
                                   .order_by(Organisation.name_initials, Organisation.id),
                                   provider_params(programme, on)))


def active_programmes() -> list[Programme]:
    return list(db.session.scalars(select(Programme).where(Programme.status == ProgrammeStatus.ACTIVE.value)
                                   .order_by(Programme.id)))
