from flask import jsonify, request
from flask_login import current_user

from core.api import api_blueprint, api_user
from core.errors import invalid
from core.openapi import api_doc, array, component, identifier, integer, iso_date, nullable, record, string
from core.permissions import require

from . import chain, verification
from . import services as audit
from .forms import AuditFilterForm
from .permissions import can_view_audit_log

bp = api_blueprint("audit_api")
PER_PAGE = 100


HEAD = component("AuditHead", record("The chain's newest event: anyone can hold the platform to it.",
                                     seq=integer(minimum=0), hash=string(64)))
EVENT = component("AuditEvent", record(
    seq=integer("Position in the chain, from 1.", minimum=1), occurred_at=string(description="UTC time."),
    actor_id=nullable(identifier()), actor_roles=string(200, "The actor's roles when it happened."), ip=string(64),
    request_id=string(64), action=string(80, "What happened, e.g. `proposal.submitted`."),
    target_type=string(60), target_id=string(60),
    data=string(description="The event's data as the canonical JSON text that was hashed."),
    prev_hash=string(64), hash=string(64, "sha256(prev_hash ‖ canonical JSON of the event).")))


@bp.route("/audit/head")
@api_doc("The head of the audit chain", tag="Audit", public=True, response=HEAD)
def head():
    current = verification.head()
    return jsonify({"seq": current.seq, "hash": current.hash})


@bp.route("/audit/events")
@api_doc("Search the audit trail", tag="Audit", errors=[403], response=record(
    events=array(EVENT), next_before=nullable(integer("Pass as `before` for the next (older) page.", minimum=1))),
    description="For administrators and auditors. Newest first, 100 at a time; `next_before` is the cursor for "
                "the next page (null on the last one). A bad filter or cursor is a 422 naming it.",
    query={"actor": string(64, "The actor's user name."), "action": string(80), "target_type": string(60),
           "target_id": string(60), "date_from": iso_date("From this day (Beijing time)."),
           "date_to": iso_date("Up to this day, inclusive."),
           "before": string(description="Events before this sequence number (a whole number from 1).",
                            pattern="^[0-9]{1,19}$")})
def events():
    """Newest first, 100 at a time; `next_before` is the cursor for the next page (null on the last one). The
    filters and the cursor are checked as on the audit log page: a bad one is a 422 naming it, never the newest
    page (a paging script would go round for ever)."""
    api_user()
    require(can_view_audit_log(current_user))
    form = AuditFilterForm(request.args)
    if not form.validate():
        raise invalid({name: " ".join(map(str, errors)) for name, errors in form.errors.items()})
    rows = audit.search_events(form.event_filter(), before=form.cursor, limit=PER_PAGE + 1)
    next_before = rows[PER_PAGE - 1].seq if len(rows) > PER_PAGE else None
    return jsonify({"events": [
        {"seq": e.seq, "occurred_at": e.occurred_at.strftime(chain.TS_FORMAT), "actor_id": e.actor_id,
         "actor_roles": e.actor_roles, "ip": e.ip, "request_id": e.request_id, "action": e.action,
         "target_type": e.target_type, "target_id": e.target_id, "data": e.data, "prev_hash": e.prev_hash,
         "hash": e.hash} for e in rows[:PER_PAGE]
    ], "next_before": next_before})
