"""Residents' needs (居民需求) over the JSON API: a resident lists their own and raises one; community staff of the
need's community, officers (and administrators) list those they may see, take them on, write to the resident on
them and close them with a reply; auditors list and read. The same services and permission predicates as the pages
(accounts.needs)."""

from flask import abort, jsonify, request
from flask_babel import gettext as _

from core.api import api_blueprint, api_user, bool_field, committed, json_object, page_args, query_int, text_field
from core.db import db
from core.errors import invalid
from core.openapi import (
    PAGING,
    api_doc,
    array,
    body,
    boolean,
    component,
    identifier,
    nullable,
    page_of,
    record,
    string,
    timestamp,
)
from core.paging import count_of, paged
from core.permissions import require

from . import needs
from .enums import NeedCategory, NeedStatus
from .need_models import MAX_DESCRIPTION, MAX_REPLY, ResidentNeed
from .residents import resident_or_403

bp = api_blueprint("needs_api")
TAG = "Residents' needs"
ACTIONS = {"acknowledge": NeedStatus.ACKNOWLEDGED, "close": NeedStatus.CLOSED}
NOT_A_RESIDENT = "A 403 (`not_a_resident`) when the token's user has no resident profile."

REPLY = component("ResidentNeedReply", record(
    "One step of a need's thread, as the resident reads it: who took it on, wrote or closed it, when, and what they "
    "wrote.",
    text=string(MAX_REPLY, "The reply; empty when the need was taken on without one."),
    status=string(description="The status the need moved to (or stayed in) with it.", enum=NeedStatus),
    author=nullable(string(description="Who took the step (their display name).")), created_at=timestamp()))

NEED = component("ResidentNeed", record(
    "A resident's need (居民需求) and their community's answer.",
    id=identifier(), category=string(enum=NeedCategory), status=string(enum=NeedStatus),
    description=string(MAX_DESCRIPTION, "What the resident needs, in their words."),
    wants_contact=boolean("The resident asked to be contacted about it."),
    contact_phone=nullable(string(20, "The resident's phone, when they asked to be contacted and gave one.")),
    resident=string(description="The resident's real name."), community_id=identifier(),
    community=string(description="The community's name (the resident's when they raised it)."),
    reply=string(MAX_REPLY, "The latest reply written; empty until there is one."),
    replies=array(REPLY, "The thread, oldest first: one entry for taking the need on (its text empty when nothing "
                         "was written), one for each reply that left it open, one for closing it."),
    created_at=timestamp(), updated_at=timestamp()))


def need_json(need: ResidentNeed) -> dict:
    phone = need.resident.user.phone if need.wants_contact else None
    return {"id": need.id, "category": need.category, "status": need.status, "description": need.description,
            "wants_contact": need.wants_contact, "contact_phone": phone or None, "resident": need.resident.real_name,
            "community_id": need.community_id, "community": need.community.name, "reply": need.reply,
            "replies": [{"text": r.text, "status": r.status, "author": r.author.display_name if r.author else None,
                         "created_at": r.created_at.isoformat()} for r in need.replies],
            "created_at": need.created_at.isoformat(), "updated_at": need.updated_at.isoformat()}


def _page(stmt):
    number, per_page = page_args()
    found = paged(needs.with_replies(stmt), number, per_page)
    return jsonify({"items": [need_json(n) for n in found.items], "total": count_of(stmt), "page": found.page,
                    "per_page": per_page})


def _choice(name: str, enum, unknown) -> str | None:
    """A query argument that must be one of enum's values (absent or empty: None); unknown(values) says why not."""
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if value not in enum._value2member_map_:
        raise invalid({name: unknown(", ".join(e.value for e in enum))})
    return value


@bp.route("/needs/mine")
@api_doc("My needs (residents)", tag=TAG, response=page_of(NEED), query=PAGING, errors=[403],
         description=f"The needs the token's resident raised, newest first, with their status and reply. "
                     f"{NOT_A_RESIDENT}")
def my_needs():
    return _page(needs.own_needs_query(resident_or_403(api_user())))


@bp.route("/needs", methods=["POST"])
@api_doc("Raise a need (residents)", tag=TAG, status=201, response=NEED, errors=[403],
         description=f"For the resident's own community (their profile's); its community staff and the officers are "
                     f"told on their list and answer it. Refused (403) while the resident record is suspended. "
                     f"{NOT_A_RESIDENT}",
         request=body(required=["category", "description"], category=string(enum=NeedCategory),
                      description=string(MAX_DESCRIPTION, "What the resident needs (not empty).", min_length=1),
                      wants_contact=boolean("Ask to be contacted about it (default false).")))
def raise_need():
    actor = api_user()
    profile = resident_or_403(actor)
    data = json_object()
    category = text_field(data, "category")
    description = text_field(data, "description", max_length=MAX_DESCRIPTION)
    wants_contact = bool_field(data, "wants_contact")
    need = committed(lambda: needs.raise_need(profile, category, description, wants_contact, actor=actor))
    return jsonify(need_json(need)), 201


@bp.route("/needs")
@api_doc("Residents' needs to answer (staff)", tag=TAG, response=page_of(NEED), errors=[403],
         description="For community staff, the needs of the communities they look after (none assigned: every "
                     "one); for officers, administrators and auditors, every one. Newest first.",
         query={"status": string(enum=NeedStatus), "category": string(enum=NeedCategory),
                "community_id": identifier("Only this community's."), **PAGING})
def list_needs():
    user = api_user()
    require(needs.can_list_needs(user))
    status = _choice("status", NeedStatus, lambda v: _("Unknown status: choose one of %(values)s.", values=v))
    category = _choice("category", NeedCategory,
                       lambda v: _("Unknown category: choose one of %(values)s.", values=v))
    stmt = needs.needs_query(needs.listed_community_ids(user), status=status, category=category,
                             community_id=query_int("community_id", minimum=1))
    return _page(stmt)


@bp.route("/needs/<int:need_id>/<any(acknowledge, close, reply):action>", methods=["POST"])
@api_doc("Take on, reply to or close a need (staff)", tag=TAG, response=NEED, errors=[403, 409],
         params={"action": "`acknowledge`: take it on (the resident is told someone is looking into it); `reply`: "
                           "write to the resident about a need taken on, leaving it taken on (how it is going); "
                           "`close`: answer it, with a reply the resident reads."},
         description="By community staff of the need's community or an officer; auditors read but do not answer "
                     "(403). A need someone may not see is a 404. A need already taken on, or already closed (by "
                     "someone else meanwhile, say), is a 409 and nothing changes; so is a reply to a need not taken "
                     "on yet (taking it on carries a reply) or closed.",
         request=body(reply=string(MAX_REPLY, "To the resident: required to reply or close, optional to take it "
                                              "on.")),
         request_optional=True)
def answer_need(need_id: int, action: str):
    actor = api_user()
    need = db.session.get(ResidentNeed, need_id)
    if need is None or not needs.can_view_need(actor, need):
        abort(404)
    needs.check_can_handle(actor, need)
    reply = text_field(json_object(optional=True), "reply", max_length=MAX_REPLY)
    # A need already taken on or closed (a stale client, two answering at once) is the service's Conflict: a 409.
    committed(lambda: needs.reply_to_need(need, reply, actor=actor) if action == "reply" else
              needs.transition_need(need, ACTIONS[action], actor=actor, reply=reply))
    return jsonify(need_json(need))
