from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from core.api import api_blueprint
from core.errors import ServiceError
from core.permissions import require

from . import services as audit
from .forms import AuditFilterForm
from .permissions import can_view_audit_log

bp = api_blueprint("audit_api")
PER_PAGE = 100


@bp.route("/audit/head")
def head():
    current = audit.head()
    return jsonify({"seq": current.seq, "hash": current.hash})


@bp.route("/audit/events")
def events():
    """Newest first, 100 at a time; `next_before` is the cursor for the next page (null on the last one). The
    filters and the cursor are checked as on the audit log page: a bad one is a 422 naming it, never the newest
    page (a paging script would go round for ever)."""
    if not current_user.is_authenticated:
        abort(401)
    require(can_view_audit_log(current_user))
    form = AuditFilterForm(request.args)
    if not form.validate():
        raise ServiceError(_("Please correct the marked fields."),
                           fields={name: " ".join(map(str, errors)) for name, errors in form.errors.items()})
    rows = audit.search_events(form.event_filter(), before=form.cursor, limit=PER_PAGE + 1)
    next_before = rows[PER_PAGE - 1].seq if len(rows) > PER_PAGE else None
    return jsonify({"events": [
        {"seq": e.seq, "occurred_at": e.occurred_at.strftime(audit.TS_FORMAT), "actor_id": e.actor_id,
         "actor_roles": e.actor_roles, "ip": e.ip, "request_id": e.request_id, "action": e.action,
         "target_type": e.target_type, "target_id": e.target_id, "data": e.data, "prev_hash": e.prev_hash,
         "hash": e.hash} for e in rows[:PER_PAGE]
    ], "next_before": next_before})
