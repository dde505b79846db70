"""Residents' needs (居民需求): a resident raises one; community staff of the resident's community, or an officer,
acknowledge and close it with a reply the resident reads (services flush; callers commit).

The audit trail holds ids and states only: a need's description and replies are the resident's own words about their
health, home or family, personal data that stays in its table (DESIGN.md rule 6)."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from audit import services as audit
from core.db import db, lock_row, utcnow
from core.errors import Conflict, Forbidden, ServiceError
from core.paging import count_of
from core.permissions import has_role
from core.views import path_for

from .enums import NEED_TRANSITIONS, NeedCategory, NeedStatus, Role
from .models import User
from .need_models import MAX_DESCRIPTION, MAX_REPLY, NeedReply, ResidentNeed
from .notifications import notify
from .resident_models import ResidentProfile, ResidentStatus
from .residents import served_community_ids, serves

# --- permissions -------------------------------------------------------------------------------
# A resident sees their own needs; community staff those of the communities they look after (none assigned: every
# one); officers every one and answer them too; auditors read every one and answer none.


def can_list_needs(user) -> bool:
    return has_role(user, Role.COMMUNITY_STAFF, Role.ADMIN, Role.OFFICER, Role.AUDITOR)


def listed_community_ids(user) -> set[int] | None:
    """The communities whose needs the list shows: None for every one."""
    if has_role(user, Role.OFFICER, Role.AUDITOR, Role.ADMIN):
        return None
    return served_community_ids(user)


def can_handle_need(user, need: ResidentNeed) -> bool:
    return has_role(user, Role.OFFICER) or serves(user, need.community_id)


def check_can_handle(user, need: ResidentNeed) -> None:
    """Refuses (403) someone who may not answer this need: the transition's own check, which the API asks first too,
    before it reads what was sent (as the page asks can_handle_need before its form)."""
    if not can_handle_need(user, need):
        raise Forbidden(_("You do not look after this resident's community."))


def handled_community_ids(user) -> set[int] | None:
    """The communities whose needs this user may answer (can_handle_need's rule as a set): None for every one."""
    return None if has_role(user, Role.OFFICER) else served_community_ids(user)


def staff_looking_after(community_id: int) -> list[User]:
    """The active community staff who answer this community's needs: by residents.serves, those assigned to it and
    those assigned to none (the whole street office)."""
    staff = db.session.scalars(select(User).where(User.active, User.roles.any(role=Role.COMMUNITY_STAFF.value))
                               .options(selectinload(User.communities)).order_by(User.id))
    return [user for user in staff if serves(user, community_id)]


def can_view_need(user, need: ResidentNeed) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return need.resident.user_id == user.id or can_handle_need(user, need) or has_role(user, Role.AUDITOR)


# --- operations --------------------------------------------------------------------------------

def raise_need(profile: ResidentProfile, category: str, description: str, wants_contact: bool, *,
               actor) -> ResidentNeed:
    """The resident raises a need for their own community."""
    if actor is None or profile.user_id != actor.id:
        raise Forbidden(_("You can raise needs only for yourself."))
    if profile.status == ResidentStatus.SUSPENDED.value:
        raise Forbidden(_("Your resident record is suspended; please ask your community."))
    description = (description or "").strip()
    errors = {}
    if category not in NeedCategory._value2member_map_:
        errors["category"] = _("Choose what your need is about.")
    if not description:
        errors["description"] = _("Please describe what you need.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most %(n)d characters.", n=MAX_DESCRIPTION)
    if errors:
        raise ServiceError(_("Some of the information is not valid."), fields=errors)
    need = ResidentNeed(resident_id=profile.id, community_id=profile.community_id, category=category,
                        description=description, wants_contact=bool(wants_contact),
                        status=NeedStatus.OPEN.value)
    db.session.add(need)
    db.session.flush()
    audit.record("need.raised", need, actor=actor,
                 data={"resident_id": profile.id, "community_id": profile.community_id})
    link = path_for("needs.detail", need_id=need.id)
    for staff in staff_looking_after(need.community_id):
        if staff.id != actor.id:  # staff who live in the community and raise a need of their own
            notify(staff.id, "need.raised", link=link, category=category, community=profile.community.name)
    return need


def transition_need(need: ResidentNeed, to, *, actor, reply: str | None = None) -> ResidentNeed:
    """The one place a need's status changes: open → acknowledged → closed, or open → closed. Closing needs a reply
    (the resident reads it); acknowledging may carry one. Each step is kept in the thread (NeedReply): who, when, the
    status it came with and the reply, empty when taking it on said nothing."""
    check_can_handle(actor, need)
    try:
        target = NeedStatus(to)
    except ValueError:
        raise ServiceError(_("Choose what to do with this need."), fields={"to": _("Choose a valid action.")}) \
            from None
    lock_row(need, "status")
    current = NeedStatus(need.status)
    if target not in NEED_TRANSITIONS[current]:
        raise Conflict(_("This need is %(status)s already; it cannot be changed that way.", status=current.label))
    reply = _checked_reply(reply, required=target is NeedStatus.CLOSED)
    need.status = target.value
    _add_to_thread(need, reply, actor=actor, action=f"need.{target.value}",
                   changes={"status": [current.value, target.value]})
    return need


def reply_to_need(need: ResidentNeed, reply: str | None, *, actor) -> ResidentNeed:
    """A word to the resident on a need taken on that leaves it open (how it is going, when someone will call):
    closing cannot be undone, and was the only other way to write to them. Kept in the thread with the status it
    stays in, and sent to the resident as the other replies are. A need not taken on (open: taking it on carries a
    reply) or closed meanwhile is refused as stale (409)."""
    check_can_handle(actor, need)
    lock_row(need, "status")
    current = NeedStatus(need.status)
    if current is not NeedStatus.ACKNOWLEDGED:
        raise Conflict(_("This need is %(status)s already; it cannot be changed that way.", status=current.label))
    _add_to_thread(need, _checked_reply(reply, required=True), actor=actor, action="need.replied")
    return need


def _checked_reply(reply: str | None, *, required: bool) -> str:
    reply = (reply or "").strip()
    if required and not reply:
        raise ServiceError(_("Please write a reply for the resident."),
                           fields={"reply": _("Please write a reply for the resident.")})
    if len(reply) > MAX_REPLY:
        raise ServiceError(_("Some of the information is not valid."),
                           fields={"reply": _("At most %(n)d characters.", n=MAX_REPLY)})
    return reply


def _add_to_thread(need: ResidentNeed, reply: str, *, actor, action: str, changes: dict | None = None) -> None:
    """The step as an entry of the thread, beside the earlier ones (who took the need on and when, with what they
    wrote or nothing: the resident still sees that someone has it; who wrote how it is going; who closed it with what
    reply), its audit event (ids only) and the resident's notice."""
    need.handled_by_id = actor.id
    need.updated_at = utcnow()
    need.replies.append(NeedReply(author_id=actor.id, text=reply, status=need.status, created_at=need.updated_at))
    db.session.flush()
    audit.record(action, need, actor=actor, data={"resident_id": need.resident_id, "community_id": need.community_id},
                 changes=changes)
    notify(need.resident.user_id, action, link=path_for("needs.mine"), category=need.category)


# --- queries -------------------------------------------------------------------------------------

def with_replies(stmt):
    """The needs stmt selects, their replies loaded with them (one query more, however many needs)."""
    return stmt.options(selectinload(ResidentNeed.replies))


def own_needs_query(profile: ResidentProfile):
    """The resident's needs, newest first."""
    return select(ResidentNeed).where(ResidentNeed.resident_id == profile.id).order_by(ResidentNeed.id.desc())


def open_needs_count(user) -> int:
    """How many needs nobody has taken on yet this user may answer (the home page tells community staff)."""
    return count_of(needs_query(handled_community_ids(user), status=NeedStatus.OPEN.value))


def needs_of(profile: ResidentProfile, limit: int = 50) -> list[ResidentNeed]:
    return list(db.session.scalars(with_replies(own_needs_query(profile)).limit(limit)))


def needs_query(served: set[int] | None, *, status: str | None = None, community_id: int | None = None,
                category: str | None = None):
    """Needs newest first, only of the served communities when given."""
    stmt = select(ResidentNeed).order_by(ResidentNeed.id.desc())
    if served is not None:
        stmt = stmt.where(ResidentNeed.community_id.in_(sorted(served)))
    if community_id:
        stmt = stmt.where(ResidentNeed.community_id == community_id)
    if status:
        stmt = stmt.where(ResidentNeed.status == status)
    if category:
        stmt = stmt.where(ResidentNeed.category == category)
    return stmt
