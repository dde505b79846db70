"""Residents: sign-up, real-name verification by community staff, hardship tags (services flush; callers commit).

The ID number is validated (stdnum.cn.ric), stored encrypted, found by its keyed hash (UNIQUE: one person, one
profile) and shown masked; it never goes into the audit trail, logs or exports in clear (DESIGN.md rule 6).
"""

import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from audit import services as audit
from audit.models import AuditEvent
from core import personal
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.permissions import has_role
from core.timeutil import local_today

from . import login_names
from . import services as accounts
from .enums import Role
from .models import Community, User
from .resident_models import RESIDENT_TRANSITIONS, HardshipTag, ResidentProfile, ResidentStatus, ResidentTag

MAX_ADDRESS = 200  # the width of ResidentProfile.address
MAX_NOTE = 2000  # as on the resident form (vouchers.forms.ResidentForm); both refused, never cut
# The earliest birth date an ID number may hold: nobody alive was born before it (stdnum only checks that the date
# exists, so 1800-01-01 passed, and a resident "aged 226" was eligible for an old-age programme).
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass
class ResidentData:
    real_name: str
    id_number: str
    community_id: int | None
    address: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)  # HardshipTag values; aged_80 is computed and ignored here


# --- permissions -------------------------------------------------------------------------------

def can_manage_residents(user) -> bool:
    """Community staff verify and register residents (administrators too)."""
    return has_role(user, Role.COMMUNITY_STAFF, Role.ADMIN)


def served_community_ids(user) -> set[int] | None:
    """The communities whose residents this user looks after: None for every one (administrators, and community
    staff with no community assigned, who work for the whole street office), else the assigned ones."""
    if has_role(user, Role.ADMIN) or not getattr(user, "is_authenticated", False):
        return None
    return {c.id for c in user.communities} or None


def communities(only: set[int] | None = None) -> list[Community]:
    """Every community, or only those with these ids (served_community_ids: those a user looks after), in the order
    the pages list them: by district, then street."""
    stmt = select(Community).order_by(Community.district, Community.street, Community.id)
    if only is not None:
        stmt = stmt.where(Community.id.in_(sorted(only)))
    return list(db.session.scalars(stmt))


def serves(user, community_id: int | None) -> bool:
    """May this user act as community staff for a resident of this community?"""
    if not can_manage_residents(user):
        return False
    served = served_community_ids(user)
    return served is None or community_id in served


def can_manage_resident(user, profile: ResidentProfile) -> bool:
    return serves(user, profile.community_id)


def can_view_resident(user, profile: ResidentProfile) -> bool:
    return can_manage_resident(user, profile) or has_role(user, Role.OFFICER, Role.AUDITOR) or (
        getattr(user, "is_authenticated", False) and profile.user_id == user.id)


def _require_staff(actor, community_id: int | None = None, *, any_community: bool = False) -> None:
    """Community staff (or an administrator) who look after this community (any_community: whichever)."""
    if not can_manage_residents(actor):
        raise Forbidden(_("Only community staff can do this."))
    if not any_community and not serves(actor, community_id):
        raise Forbidden(_("You do not look after this resident's community."))


# --- validation --------------------------------------------------------------------------------

def invalid_id_number() -> str:
    """What is wrong, and what to do: the check character is the usual slip (and the one a reader misses: X)."""
    return _("This is not a valid resident ID number. Check its 18 characters (the last may be an X) and type it "
             "again.")


def birth_date_problem(birth: date) -> str | None:
    """Why the birth date an ID number holds (its 7th to 14th characters) cannot be a resident's, or None: a slip
    there (2030 for 1930) passed the check character's test by chance, and made the age (and so eligibility) wrong."""
    if birth > local_today():
        return _("The date of birth in this ID number (%(date)s) is in the future. Check characters 7 to 14 "
                 "(year, month, day) and type the number again.", date=birth.isoformat())
    if birth < EARLIEST_BIRTH:
        return _("The date of birth in this ID number (%(date)s) is too long ago. Check characters 7 to 14 "
                 "(year, month, day) and type the number again.", date=birth.isoformat())
    return None


def _validated(data: ResidentData, *, exclude_id: int | None = None) -> tuple[str, date, Community, list[str]]:
    errors = {}
    if not (data.real_name or "").strip() or len(data.real_name.strip()) > 60:
        errors["real_name"] = _("Enter the resident's real name.")
    number = birth = None
    try:
        number = personal.normalise_id_number(data.id_number)
        birth = personal.id_number_birth_date(number)
    except personal.PersonalDataError:
        errors["id_number"] = invalid_id_number()
    else:
        if problem := birth_date_problem(birth):
            errors["id_number"] = problem
    community = db.session.get(Community, data.community_id) if isinstance(data.community_id, int) else None
    if community is None:
        errors["community_id"] = _("Choose the resident's community.")
    if len((data.address or "").strip()) > MAX_ADDRESS:
        errors["address"] = _("At most %(n)d characters.", n=MAX_ADDRESS)
    if len((data.note or "").strip()) > MAX_NOTE:
        errors["note"] = _("At most %(n)d characters.", n=MAX_NOTE)
    tags = sorted(set(data.tags or []) - {HardshipTag.AGED_80.value})
    if any(t not in {h.value for h in HardshipTag} for t in tags):
        errors["tags"] = _("Unknown hardship tag.")
    if errors:
        raise invalid(errors)
    if _holder_of(number, exclude_id) is not None:
        raise Conflict(_("A resident with this ID number is already registered."),
                       fields={"id_number": _("Already registered.")}, code="duplicate_id")
    return number, birth, community, tags


def _holder_of(number: str, exclude_id: int | None = None) -> int | None:
    return db.session.scalar(select(ResidentProfile.id).where(
        ResidentProfile.id_hash == personal.keyed_hash(number, "id-number-lookup"),
        ResidentProfile.id != exclude_id))


def find_by_id_number(text: str) -> ResidentProfile | None:
    """The profile holding this ID number (looked up by keyed hash), or None."""
    try:
        digest = personal.id_number_hash(text)
    except personal.PersonalDataError:
        return None
    return db.session.scalar(select(ResidentProfile).where(ResidentProfile.id_hash == digest))


def _apply(profile: ResidentProfile, data: ResidentData, number: str, birth: date, community: Community,
           tags: list[str]) -> None:
    profile.real_name = data.real_name.strip()
    profile.id_number_enc = personal.encrypt(number)
    profile.id_hash = personal.keyed_hash(number, "id-number-lookup")
    profile.id_masked = personal.mask_id_number(number)
    profile.birth_date, profile.community_id = birth, community.id
    profile.address, profile.note = (data.address or "").strip(), (data.note or "").strip()
    profile.tag_rows = [row for row in profile.tag_rows if row.tag in tags] + [
        ResidentTag(tag=t) for t in tags if t not in {row.tag for row in profile.tag_rows}]


def _audit_view(profile: ResidentProfile) -> dict:
    """What the audit trail may hold: the masked ID, never the number or its hash."""
    return {"id_masked": profile.id_masked, "community_id": profile.community_id,
            "tags": sorted(r.tag for r in profile.tag_rows), "status": profile.status}


def _flush_unique(profile: ResidentProfile) -> None:
    """Flush inside a savepoint: a concurrent registration of the same ID is a clear Conflict, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("A resident with this ID number is already registered."),
                       fields={"id_number": _("Already registered.")}, code="duplicate_id") from exc


# --- services ----------------------------------------------------------------------------------

def submit_profile(user: User, data: ResidentData, *, actor: User) -> ResidentProfile:
    """A resident asks to be verified (status pending until community staff verify)."""
    if actor.id != user.id:
        _require_staff(actor, any_community=True)
    if db.session.scalar(select(ResidentProfile.id).where(ResidentProfile.user_id == user.id)):
        raise Conflict(_("This account already has a resident profile."))
    try:
        number, birth, community, tags = _validated(data)
    except Conflict as exc:
        if exc.code != "duplicate_id" or actor.id != user.id:
            raise
        raise _already_registered(data) from None
    if actor.id != user.id:
        _require_staff(actor, community.id)
    if actor.id == user.id and not user.role_names:  # a self-signed-up account with no role asks to be a resident
        accounts.set_roles(user, [Role.RESIDENT], actor=user)
    profile = ResidentProfile(user_id=user.id, status=ResidentStatus.PENDING.value, tag_rows=[])
    _apply(profile, data, number, birth, community, tags if can_manage_residents(actor) else [])
    db.session.add(profile)
    _flush_unique(profile)
    audit.record("resident.submitted", profile, actor=actor, data=_audit_view(profile))
    return profile


def _already_registered(data: ResidentData) -> Conflict:
    """Said to a resident whose ID number is on record already: most often their community registered them
    without a phone, and the office can set up a log-in for that record (staff_views.resident_password); "already
    registered" alone left them stuck at the form. The community named is the one they chose, not the record's."""
    chosen = db.session.get(Community, data.community_id) if isinstance(data.community_id, int) else None
    where = _("the %(community)s community office", community=chosen.full_name) if chosen else \
        _("your community office")
    return Conflict(_("This ID number is already registered. If it is yours (your community may have registered "
                      "you without a phone), take your ID card to %(where)s: the staff there can set up your "
                      "log-in.", where=where),
                    fields={"id_number": _("Already registered: please ask %(where)s.", where=where)},
                    code="duplicate_id")


def _registered_elsewhere(data: ResidentData, actor: User) -> Conflict:
    """Said to staff registering an ID number already on record, with the way forward. Staff who look after the
    record's community are told where it is (they can find it and correct its community: update_profile). Others
    are not told where (a resident's community is not theirs to know): a resident who moved is moved by whoever looks
    after both communities (update_profile asks for both), that is the street office's community staff, who are
    assigned no community, or an administrator; officers manage no residents."""
    holder = find_by_id_number(data.id_number)
    if holder is not None and serves(actor, holder.community_id):
        return Conflict(_("This resident is already registered, in %(community)s. Find them by their ID number on "
                          "the residents' page; if they have moved, change the community on their record.",
                          community=holder.community.full_name),
                        fields={"id_number": _("Already registered.")}, code="duplicate_id")
    return Conflict(_("This resident is already registered, in a community you do not look after (they may have "
                      "moved). The street office's community staff, who look after every community, or an "
                      "administrator can move their record to your community; it then appears in your list."),
                    fields={"id_number": _("Registered in a community you do not look after.")}, code="duplicate_id")


def register_without_phone(data: ResidentData, *, actor: User, display_name: str | None = None) -> ResidentProfile:
    """Community staff register a resident who has no phone: an account nobody can log in to (random password)
    until staff set one with the resident, under a login name of seven digits they can read and type (login_names);
    staff print codes for them. The profile is verified at once by the registering staff member."""
    _require_staff(actor, any_community=True)
    try:
        number, birth, community, tags = _validated(data)
    except Conflict as exc:
        if exc.code != "duplicate_id":
            raise
        raise _registered_elsewhere(data, actor) from None
    _require_staff(actor, community.id)
    user = accounts.create_user(login_names.new_login_name(), display_name or data.real_name.strip(),
                                secrets.token_urlsafe(32), [Role.RESIDENT], actor=actor)
    profile = ResidentProfile(user_id=user.id, status=ResidentStatus.VERIFIED.value, registered_by_id=actor.id,
                              verified_by_id=actor.id, verified_at=utcnow(), tag_rows=[])
    _apply(profile, data, number, birth, community, tags)
    db.session.add(profile)
    _flush_unique(profile)
    audit.record("resident.registered", profile, actor=actor, data=_audit_view(profile))
    return profile


def update_profile(profile: ResidentProfile, data: ResidentData, *, actor: User) -> None:
    """Staff correct a profile (name, ID, community, address, tags): staff of its community, into one of theirs. An
    empty ID number keeps the one on record."""
    _require_staff(actor, profile.community_id)
    if not (data.id_number or "").strip():  # not retyped: the number stays as it is
        data = replace(data, id_number=personal.decrypt(profile.id_number_enc))
    before = _audit_view(profile)
    number, birth, community, tags = _validated(data, exclude_id=profile.id)
    _require_staff(actor, community.id)
    _apply(profile, data, number, birth, community, tags)
    _flush_unique(profile)
    changes = audit.diff(before, _audit_view(profile))
    audit.record("resident.updated", profile, actor=actor, changes=changes)


def set_tags(profile: ResidentProfile, tags: list[str], *, actor: User) -> None:
    _require_staff(actor, profile.community_id)
    wanted = sorted(set(tags) - {HardshipTag.AGED_80.value})
    if any(t not in {h.value for h in HardshipTag} for t in wanted):
        raise ServiceError(_("Unknown hardship tag."), fields={"tags": _("Unknown hardship tag.")})
    before = sorted(r.tag for r in profile.tag_rows)
    if before == wanted:
        return
    profile.tag_rows = [r for r in profile.tag_rows if r.tag in wanted] + [
        ResidentTag(tag=t) for t in wanted if t not in before]
    db.session.flush()
    audit.record("resident.tags_changed", profile, actor=actor, data={"before": before, "after": wanted})


def transition_resident(profile: ResidentProfile, to: ResidentStatus | str, *, actor: User, reason: str = "",
                        card_number: str | None = None) -> None:
    """pending → verified, verified ↔ suspended. Verifying needs the ID number read off the card the resident
    shows (card_number): it must be the number the record holds, which the staff member sees only masked. A
    mismatch is refused and nothing changes."""
    _require_staff(actor, profile.community_id)
    lock_row(profile, "status")
    current, target = ResidentStatus(profile.status), ResidentStatus(to)
    if target not in RESIDENT_TRANSITIONS[current]:
        raise Conflict(_("A resident cannot go from %(a)s to %(b)s.", a=current.label, b=target.label))
    reason = (reason or "").strip()
    if target is ResidentStatus.SUSPENDED and not reason:
        raise ServiceError(_("Please give a reason."), fields={"reason": _("Please give a reason.")})
    if target is ResidentStatus.VERIFIED:
        _check_card(profile, card_number)
    profile.status = target.value
    if target is ResidentStatus.VERIFIED:
        profile.verified_by_id, profile.verified_at = actor.id, utcnow()
    db.session.flush()
    audit.record(f"resident.{target.value}", profile, actor=actor,
                 data={"from": current.value, "reason": reason})


@dataclass(frozen=True)
class Suspension:
    since: datetime
    by: User | None
    reason: str


def suspension(profile: ResidentProfile) -> Suspension | None:
    """Since when, by whom and why a suspended resident is suspended (None for one who is not): the reason staff gave
    is kept only in the suspension's audit event, which community staff may not open, so their record page reads it
    from there (as evaluation.score_sheets reads why a score sheet was reopened)."""
    if profile.status != ResidentStatus.SUSPENDED.value:
        return None
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.target_type == ResidentProfile.__tablename__, AuditEvent.target_id == str(profile.id),
        AuditEvent.action == f"resident.{ResidentStatus.SUSPENDED.value}").order_by(AuditEvent.seq.desc()).limit(1))
    if event is None:
        return None
    by = db.session.get(User, event.actor_id) if event.actor_id else None
    return Suspension(since=event.occurred_at, by=by, reason=audit.decoded_data(event).get("reason", ""))


def _check_card(profile: ResidentProfile, card_number: str | None) -> None:
    if not (card_number or "").strip():
        raise ServiceError(_("Type the ID number from the resident's card."),
                           fields={"card_number": _("Type the ID number from the resident's card.")})
    try:
        digest = personal.id_number_hash(card_number)
    except personal.PersonalDataError:
        raise ServiceError(invalid_id_number(), fields={"card_number": invalid_id_number()}) from None
    if not secrets.compare_digest(digest, profile.id_hash):
        raise ServiceError(_("The number on the card is not the one the resident gave. Check the card, or "
                             "correct the record first."),
                           fields={"card_number": _("Not the number on record.")}, code="card_mismatch")


def resident_account_only(profile: ResidentProfile) -> bool:
    """Whether the profile's account is a resident's and nothing more (community staff may reset its password)."""
    return profile.user.role_names == {Role.RESIDENT.value}


def reset_resident_password(profile: ResidentProfile, new_password: str, *, actor: User, card_number: str) -> None:
    """At the community office: a resident who forgot their password shows the ID card, and staff who look after
    the community set the new password the resident chooses (every session of the account ends). Only for an
    account that is a resident's and nothing more: an officer's or administrator's account that also holds a
    resident profile is the administrators' to reset, or staff could take it over."""
    _require_staff(actor, profile.community_id)
    if not resident_account_only(profile):
        raise Forbidden(_("Only an administrator can set a new password for this account."))
    _check_card(profile, card_number)
    accounts.reset_password(profile.user, new_password, actor=actor)


def reveal_id_number(profile: ResidentProfile, *, actor: User) -> str:
    """The ID number in clear, for staff checking a document; the viewing is audited (the number is not)."""
    _require_staff(actor, profile.community_id)
    audit.record("resident.id_viewed", profile, actor=actor, data={"id_masked": profile.id_masked})
    return personal.decrypt(profile.id_number_enc)


def resident_of(user) -> ResidentProfile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(ResidentProfile).where(ResidentProfile.user_id == user.id))


def resident_or_403(user) -> ResidentProfile:
    """The user's resident profile, for the residents' API: an account without one is refused (403)."""
    profile = resident_of(user)
    if profile is None:
        raise Forbidden(_("This account has no resident profile."), code="not_a_resident")
    return profile
