from flask import abort, jsonify, request
from flask_login import current_user

from core.api import api_blueprint
from core.permissions import require
from core.views import db_int

from . import services as audit
from .permissions import can_view_audit_log

bp = api_blueprint("audit_api")


@bp.route("/audit/head")
def head():
    current = audit.head()
    return jsonify({"seq": current.seq, "hash": current.hash})


@bp.route("/audit/events")
def events():
    if not current_user.is_authenticated:
        abort(401)
    require(can_view_audit_log(current_user))
    before = request.args.get("before", type=db_int)
    flt = audit.EventFilter(actor=request.args.get("actor", ""), action=request.args.get("action", ""),
                            target_type=request.args.get("target_type", ""),
                            target_id=request.args.get("target_id", ""))
    rows = audit.search_events(flt, before=before, limit=100)
    return jsonify({"events": [
        {"seq": e.seq, "occurred_at": e.occurred_at.strftime(audit.TS_FORMAT), "actor_id": e.actor_id,
         "actor_roles": e.actor_roles, "ip": e.ip, "request_id": e.request_id, "action": e.action,
         "target_type": e.target_type, "target_id": e.target_id, "data": e.data, "prev_hash": e.prev_hash,
         "hash": e.hash} for e in rows
    ]})
