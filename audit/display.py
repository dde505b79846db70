"""The audit trail as people read it: an event's data on the log page, and the log as a spreadsheet (CSV) with
every field that was hashed, so a copy can be checked outside the platform: each row's hash is
sha256(prev_hash ‖ canonical JSON of [seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type,
target_id, data]) (audit.chain.canonical_event), and each row's prev_hash is the hash of the row before it."""

import json
import re
from collections.abc import Iterator
from datetime import datetime

from flask_babel import gettext as _

from core.csvexport import Raw, number
from core.db import db
from core.money import format_fen
from core.timeutil import format_local

from . import chain
from . import services as audit
from .labels import action_label
from .models import AuditEvent

# A moment as the services record it (UTC, ISO 8601): '2026-11-20T06:55:00.000000Z', '…+00:00'.
UTC_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|\+00:00)\Z")
CSV_BATCH = 1000  # events read per query while the file streams (keyset paging, newest first)


def _as_recorded(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def shown_data(event: AuditEvent) -> list[tuple[str, str, str]]:
    """An event's data for the log page, as it was recorded: (field, text, reading) rows, a value that is not text
    written as the JSON that was hashed (null, false, [1, 2], not Python's None, False), and each recorded change on
    a row of its own as "old → new". reading is an amount in fen (a field named …fen) in yuan, "¥1,600.00" or
    "¥100.00 → ¥120.00", so an auditor need not divide by a hundred; a moment recorded in UTC in Beijing time (the
    time the rest of the page is in: an expiry read '2026-11-20T06:55:00Z' for 14:55); else ''."""
    rows = []
    for key, value in audit.decoded_data(event).items():
        if key == "changes" and isinstance(value, dict):
            rows += [(field, f"{_as_recorded(pair[0])} → {_as_recorded(pair[1])}", _in_yuan(field, *pair))
                     if isinstance(pair, list) and len(pair) == 2 else (field, _as_recorded(pair), "")
                     for field, pair in value.items()]
        else:
            rows.append((key, value if isinstance(value, str) else _as_recorded(value),
                         _in_yuan(key, value) or _in_beijing(value)))
    return rows


def _in_beijing(value) -> str:
    if not isinstance(value, str) or not UTC_MOMENT.match(value):
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # (a 30 February matches the pattern)
        return ""
    return _("%(time)s Beijing time", time=format_local(moment, "%Y-%m-%d %H:%M:%S"))


def _in_yuan(field: str, *values) -> str:
    if not field.endswith("fen") or not all(type(value) is int for value in values):
        return ""
    return " → ".join(format_fen(value) for value in values)


def csv_rows(flt: "audit.EventFilter", up_to_seq: int) -> Iterator[list]:
    """The header, then the events the filter matches up to event #up_to_seq (the head when the download began:
    what is appended while it streams is not in it), newest first, read a batch at a time."""
    yield [_("Seq"), _("Time (Beijing)"), "occurred_at (UTC)", "actor_id", _("Actor (user name)"), "actor_roles",
           "ip", "request_id", "action", _("Action"), "target_type", "target_id", "data", "prev_hash", "hash"]
    before = up_to_seq + 1
    while True:
        events = audit.search_events(flt, before=before, limit=CSV_BATCH)
        for e in events:
            yield [number(e.seq), Raw(format_local(e.occurred_at, "%Y-%m-%d %H:%M:%S")),
                   Raw(e.occurred_at.strftime(chain.TS_FORMAT)), number(e.actor_id),
                   e.actor.username if e.actor else "", e.actor_roles, e.ip, e.request_id, e.action,
                   action_label(e.action), e.target_type, e.target_id, Raw(e.data), Raw(e.prev_hash), Raw(e.hash)]
        if len(events) < CSV_BATCH:
            return
        before = events[-1].seq
        for e in events:  # a million-event download holds one batch, not the trail
            db.session.expunge(e)
