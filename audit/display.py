"""The audit trail as people read it: an event's data on the log page, and the log as a spreadsheet (CSV) with
every field that was hashed, so a copy can be checked outside the platform: each row's hash is
sha256(prev_hash ‖ canonical JSON of [seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type,
target_id, data]) (audit.chain.canonical_event), and each row's prev_hash is the hash of the row before it."""

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache

from flask_babel import gettext as _

from core.csvexport import Raw, number
from core.db import db
from core.enums import LabelledEnum
from core.money import format_fen
from core.timeutil import format_local

from . import chain
from . import services as audit
from .data_labels import KEY_LABELS
from .export_readings import EXPORT_READINGS
from .labels import action_label
from .models import AuditEvent
from .value_readings import VALUE_READINGS, empty, enum_reading, labelled_enums, prefix_reading, scalar_list

# A moment as the services record it (UTC, ISO 8601): '2026-11-20T06:55:00.000000Z', '…+00:00'.
UTC_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|\+00:00)\Z")
CSV_BATCH = 1000  # events read per query while the file streams (keyset paging, newest first)


def _as_recorded(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def key_label(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else ""


def shown_data(event: AuditEvent) -> list[tuple[str, str, str]]:
    """An event's data for the log page, as it was recorded: (field, text, reading) rows (the page shows the field
    by its label and the reading in place of the text when there is one; a boolean reads 是/否), a value that is not
    text written as the JSON that was hashed (null, false, [1, 2], not Python's None, False), and each recorded
    change on a row of its own as "old → new". reading is how the app reads the value (READINGS): an amount in fen
    in yuan, "¥1,600.00" or "¥100.00 → ¥120.00", so an auditor need not divide by a hundred; a status or another
    code by its label; a moment recorded in UTC in Beijing time (the time the rest of the page is in: an expiry read
    '2026-11-20T06:55:00Z' for 14:55); the codes and structures of audit.value_readings (a document's kind, 项目征集
    #4, a ranking, scores in points); a list joined; null or nothing recorded as "—"; else ''."""
    data = audit.decoded_data(event)
    rows = []
    for key, value in data.items():
        if key == "changes" and isinstance(value, dict):
            rows += [(field, f"{_as_recorded(pair[0])} → {_as_recorded(pair[1])}", _change_reading(event, field, pair))
                     if isinstance(pair, list) and len(pair) == 2 else (field, _as_recorded(pair), "")
                     for field, pair in value.items()]
        else:
            rows.append((key, value if isinstance(value, str) else _as_recorded(value),
                         _read(event, key, data, value)))
    return rows


STATUS_KEYS = ("from", "to", "status")


def _read(event: AuditEvent, key: str, data: dict, value) -> str:
    """How the app reads a value (READINGS, by action and key, by the action's prefix, by key, else an amount or a
    moment), else a boolean as 是/否, a list joined, nothing recorded as "—"; '' when none of them reads it."""
    reading = READINGS.get((event.action, key)) or prefix_reading(event.action, key) or READINGS.get(key)
    joined = "" if key in STATUS_KEYS else scalar_list(event, data, value)  # (a list is no status: as recorded)
    return (reading or _generic_reading(key))(event, data, value) or _yes_no(value) or joined or empty(value)


def _change_reading(event: AuditEvent, field: str, pair: list) -> str:
    """old → new, when both read (a change of the target's own status by its labels, an amount in yuan, codes by
    their labels...)."""
    if field == "status":
        old, new = (_own_status(event, {}, value) or empty(value) for value in pair)
    else:
        old, new = (_read(event, field, {}, value) for value in pair)
    return f"{old} → {new}" if old and new else ""


def _generic_reading(key: str) -> "Reading":
    return _yuan if key.endswith("fen") else _in_beijing


def _in_beijing(event: AuditEvent, data: dict, value) -> str:
    if not isinstance(value, str) or not UTC_MOMENT.match(value):
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # (a 30 February matches the pattern)
        return ""
    return _("%(time)s Beijing time", time=format_local(moment, "%Y-%m-%d %H:%M:%S"))


def _yes_no(value) -> str:
    return (_("Yes") if value else _("No")) if type(value) is bool else ""


def _yuan(event: AuditEvent, data: dict, value) -> str:
    return format_fen(value) if type(value) is int else ""  # (not a bool)


def _amount_pairs(value) -> list[tuple[object, int]]:
    """[[name, fen], …] or {name: fen} as (name, fen) pairs; [] for anything else."""
    pairs = list(value.items()) if isinstance(value, dict) else value
    if not isinstance(pairs, list) or not all(isinstance(p, list | tuple) and len(p) == 2 and type(p[1]) is int
                                              for p in pairs):
        return []
    return [(name, fen) for name, fen in pairs]


def _named_yuan(event: AuditEvent, data: dict, value) -> str:
    """A budget line's item or a fee's recipient with its amount: '张三 ¥500.00; 李四 ¥300.00'."""
    return "; ".join(f"{name} {format_fen(fen)}" for name, fen in _amount_pairs(value))


def _numbered_yuan(event: AuditEvent, data: dict, value) -> str:
    """Amounts by the id of what they went to (a voucher, a proposal): '#4 ¥30.00; #7 ¥20.00'."""
    return "; ".join(f"#{ident} {format_fen(fen)}" for ident, fen in _amount_pairs(value))


def _transition_status(event: AuditEvent, data: dict, value) -> str:
    """A status the target left ("from") or entered ("to"), by its label, when the event is the target's own
    transition: the action names one of its statuses ('contract.closed') or the event records where it went, and
    every status recorded is one of its. 'from' on a contract's event may be its report's status
    (contract.report_returned), or a role, or an amount: those have no reading."""
    enum = _status_enum(event.target_type)
    if enum is None:
        return ""
    values = {member.value for member in enum}
    recorded = [data[key] for key in ("from", "to") if key in data]
    own = event.action.rpartition(".")[2] in values or "to" in data
    if not own or not all(isinstance(status, str) and status in values for status in recorded):
        return ""
    return enum(value).label


def _own_status(event: AuditEvent, data: dict, value) -> str:
    """A value of the target's own status field (a recorded change of it), by its label."""
    enum = _status_enum(event.target_type)
    if enum is None or not isinstance(value, str) or value not in {member.value for member in enum}:
        return ""
    return enum(value).label


STATUS_CHECK = re.compile(r"status IN \((.*)\)\Z")


@lru_cache(maxsize=256)
def _status_enum(target_type: str) -> type[LabelledEnum] | None:
    """The enum of the target's status column: the labelled enum whose values its CHECK constraint lists
    (core.db.enum_check writes it from that enum; audit cannot import the packages' enums). None: no status column, or
    several enums with those values (orgs' and projects' report statuses), whose labels may differ."""
    table = db.metadata.tables.get(target_type)
    constraints = table.constraints if table is not None else ()
    checks = [STATUS_CHECK.match(str(getattr(constraint, "sqltext", ""))) for constraint in constraints]
    listed = [set(re.findall(r"'([^']*)'", found.group(1))) for found in checks if found]
    if len(listed) != 1:
        return None
    enums = [enum for enum in labelled_enums() if {member.value for member in enum} == listed[0]]
    return enums[0] if len(enums) == 1 else None


Reading = Callable[[AuditEvent, dict, object], str]
# key, or (action, key), → how the app reads its value; a key not here reads as an amount if it ends in 'fen', as a
# moment if it is one, else not at all. By action, the amounts in fen recorded under names that do not say so.
READINGS: dict[str | tuple[str, str], Reading] = {
    "from": _transition_status, "to": _transition_status, "status": _own_status,
    ("voucher_programme.budget_raised", "from"): _yuan, ("voucher_programme.budget_raised", "to"): _yuan,
    ("contract.drafted", "lines"): _named_yuan,  # [[item, budget_fen], …]
    ("contract.lines_edited", "before"): _named_yuan, ("contract.lines_edited", "after"): _named_yuan,  # {item: fen}
    ("contract.report_submitted", "fees"): _named_yuan,  # [[recipient, amount_fen], …]
    ("call.decided", "awarded"): _numbered_yuan,  # {proposal id: amount_fen}
    ("voucher.redeemed", "vouchers"): _numbered_yuan,  # [[voucher id, fen taken from it], …]
    "roles": enum_reading("accounts.enums.Role"),  # role codes and enum values by their labels
    ("org.member_invited", "role"): enum_reading("orgs.enums.MemberRole"),
    "seat_type": enum_reading("evaluation.enums.SeatType"),
    "purpose": enum_reading("evaluation.enums.TemplatePurpose"),
    "sheet_status": enum_reading("evaluation.enums.SheetStatus"),
    "grade": enum_reading("evaluation.project_enums.Grade"),
    **VALUE_READINGS,
    **EXPORT_READINGS,
}


def _role_labels(event: AuditEvent) -> str:
    """The actor's roles as hashed ('auditor,officer') by their labels, or as stored when one is unknown."""
    codes = [code for code in event.actor_roles.split(",") if code]
    return READINGS["roles"](event, {}, codes) or event.actor_roles


def csv_header() -> list[str]:
    """The columns' names, all in the request's language; the values under them are as stored, with the action and
    the actor's roles also by their labels (and those hashed, in the chain's order: seq, UTC time, actor id, roles,
    ip, request id, action code, target type, target id, data)."""
    return [_("Seq"), _("Time (Beijing)"), _("Time (UTC, as hashed)"), _("Actor ID"), _("Actor (user name)"),
            _("Actor's role codes (as hashed)"), _("Actor's roles"), _("IP address"), _("Request ID"),
            _("Action code"), _("Action"), _("Target type code"), _("Target ID"), _("Data (as hashed)"),
            _("Previous hash"), _("Hash")]


def csv_rows(flt: "audit.EventFilter", up_to_seq: int) -> Iterator[list]:
    """The header, then the events the filter matches up to event #up_to_seq (the head when the download began:
    what is appended while it streams is not in it), newest first, read a batch at a time."""
    yield csv_header()
    before = up_to_seq + 1
    while True:
        events = audit.search_events(flt, before=before, limit=CSV_BATCH)
        for e in events:
            yield [number(e.seq), Raw(format_local(e.occurred_at, "%Y-%m-%d %H:%M:%S")),
                   Raw(e.occurred_at.strftime(chain.TS_FORMAT)), number(e.actor_id),
                   e.actor.username if e.actor else "", e.actor_roles, _role_labels(e), e.ip, e.request_id, e.action,
                   action_label(e.action), e.target_type, e.target_id, Raw(e.data), Raw(e.prev_hash), Raw(e.hash)]
        if len(events) < CSV_BATCH:
            return
        before = events[-1].seq
        for e in events:  # a million-event download holds one batch, not the trail
            db.session.expunge(e)
