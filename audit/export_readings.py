"""How the log page reads what an export recorded: the audit log's download names its filter as the filter form reads
it (the actor by name, the target by its label, the action by its label, the days), not as the JSON that was hashed;
every export's "format" in capitals (CSV). Only the display changes: the data stays as hashed.

The actors a page's downloads were filtered by are read in one query for the page (preload_filter_actors, called by
the log view), so the page's query count does not grow with its events."""

from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.i18n import aside, colon, semicolon

from .labels import ACTION_GROUPS, ACTION_LABELS, action_label, target_label
from .models import AuditEvent
from .services import decoded_data

EXPORT_AUDIT_LOG = "export.audit_log"
FORMATS = {"csv": "CSV"}  # (a file format's name, the same in every language)
# the filter's parts, in the order and with the names of the log's filter form (audit.forms.AuditFilterForm)
PART_LABELS = {"actor": _l("Actor (user name)"), "action": _l("Action"), "target": _l("Target"),
               "date_from": _l("From"), "date_to": _l("To")}


def file_format(event, data: dict, value) -> str:
    return FORMATS.get(value, "") if isinstance(value, str) else ""


def _user_class():
    return AuditEvent.actor.property.mapper.class_


def preload_filter_actors(events) -> None:
    """Read, in one query, the accounts the page's audit-log downloads were filtered by (for audit_log_filter)."""
    ids = set()
    for event in events:
        if event.action == EXPORT_AUDIT_LOG:
            asked = decoded_data(event).get("filter")
            if isinstance(asked, dict) and type(asked.get("actor_id")) is int:
                ids.add(asked["actor_id"])
    _load_actors(ids)


def _load_actors(ids: set[int]) -> dict[int, tuple[str, str]]:
    """{id: (user name, display name)}, read once per id (the page's, by preload_filter_actors)."""
    known = g.setdefault("audit_filter_actors", {})
    missing = ids - known.keys()
    if missing:
        user = _user_class()
        rows = db.session.execute(select(user.id, user.username, user.display_name).where(user.id.in_(missing)))
        known.update({ident: (username, display_name) for ident, username, display_name in rows})
    return known


def _actor(asked: dict) -> str:
    ident, typed = asked.get("actor_id"), asked.get("actor")
    if type(ident) is int:
        found = _load_actors({ident}).get(ident)
        if found is None:
            return _("account #%(id)d", id=ident)
        username, display_name = found
        return aside(display_name, username) if display_name and display_name != username else username
    if isinstance(typed, str) and typed:  # typed, and no account had that name
        return _("“%(name)s” (no such account)", name=typed)
    return ""


def _action(code) -> str:
    if not isinstance(code, str) or not code:
        return ""
    if code in ACTION_LABELS:
        return action_label(code)
    group = ACTION_GROUPS.get(code[:-1]) if code.endswith(".") else None
    if group is not None:
        return _("All: %(group)s", group=group)
    return _("Starting with “%(prefix)s”", prefix=code)


def _target(asked: dict) -> str:
    table, ident = asked.get("target_type"), asked.get("target_id")
    parts = [target_label(table) if isinstance(table, str) and table else "",
             f"#{ident}" if isinstance(ident, str | int) and ident != "" else ""]
    return " ".join(part for part in parts if part)


def audit_log_filter(event, data: dict, value) -> str:
    """The audit log download's filter as the form reads it: '操作人（用户名）：王芳（wangfang）；操作对象：合同 #9';
    none at all: the whole log."""
    if not isinstance(value, dict):
        return ""
    if not value:
        return _("No filter: the whole log")
    parts = {"actor": _actor(value), "action": _action(value.get("action")), "target": _target(value),
             "date_from": value.get("date_from") if isinstance(value.get("date_from"), str) else "",
             "date_to": value.get("date_to") if isinstance(value.get("date_to"), str) else ""}
    return semicolon().join(f"{PART_LABELS[key]}{colon()}{text}" for key, text in parts.items() if text)


# key, or (action, key), → reader; added to audit.display.READINGS.
EXPORT_READINGS: dict = {
    "format": file_format,
    (EXPORT_AUDIT_LOG, "filter"): audit_log_filter,
}
