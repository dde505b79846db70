"""The hash-chained audit trail (DESIGN.md section 5).

hash = sha256(prev_hash || canonical_json(event)) where canonical_json(event) is the compact JSON array
[seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type, target_id, data]
(occurred_at as "YYYY-MM-DDTHH:MM:SS.ffffffZ", data as the stored canonical JSON text). The public
page /audit/head documents this so anyone holding an export can recompute the chain.

Here: recording an event and searching the trail; the chain's head and its verification are audit.verification.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import db

from .chain import TS_FORMAT, append
from .models import AuditEvent

MASK = "***"
# Values recorded as MASK wherever they appear in an event's data: secrets, and personal data (a resident's ID
# number, anyone's phone and e-mail, an organisation's contact person, a private person whose name the trail, which
# is never erased, need not keep: that they changed is recorded, not to what).
SENSITIVE_KEYS = {"password", "password_hash", "token", "token_hash", "secret", "session_nonce",
                  "id_number", "id_number_enc", "id_hash", "phone", "email", "contact_name", "contact_phone",
                  "contact_email"}


def _json_default(value):
    if isinstance(value, datetime):
        return value.strftime(TS_FORMAT) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | set | frozenset):
        return str(value) if isinstance(value, Decimal) else sorted(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit trail")


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def mask_sensitive(data):
    if isinstance(data, dict):
        return {k: (MASK if k in SENSITIVE_KEYS else mask_sensitive(v)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [mask_sensitive(v) for v in data]
    return data


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose values differ."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


def _target_ref(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    return target.__tablename__, str(target.id)


def _actor_fields(actor) -> tuple[int | None, str]:
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if actor is None or not getattr(actor, "id", None):
        return None, ""
    return actor.id, ",".join(sorted(actor.role_names))


def record(action: str, target=None, *, actor=None, data: dict | None = None,
           changes: dict | None = None) -> AuditEvent:
    """Append an event in the current transaction (the caller commits, with the change it records)."""
    payload = dict(data or {})
    if changes:
        payload["changes"] = changes
    data_text = canonical_json(mask_sensitive(payload))
    target_type, target_id = _target_ref(target)
    actor_id, actor_roles = _actor_fields(actor)
    ip = (request.remote_addr or "") if has_request_context() else ""
    request_id = g.get("request_id", "") if has_request_context() else ""
    fields = dict(actor_id=actor_id, actor_roles=actor_roles, ip=ip, request_id=request_id, action=action,
                  target_type=target_type, target_id=target_id, data=data_text)

    db.session.flush()  # earlier changes first, so a target id exists and ordering is clear
    return append(fields)


@dataclass(frozen=True)
class EventFilter:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive
    exact: bool = False  # the action is one code ('auth.login' is no 'auth.login_failed'), else a prefix ('voucher.')


def actor_id_named(username: str) -> int | None:
    """The id of the account the log's actor filter names (None: no such account)."""
    user_cls = AuditEvent.actor.property.mapper.class_
    return db.session.scalar(select(user_cls.id).where(user_cls.username == username.strip().lower()))


def search_events(flt: EventFilter, *, before: int | None = None, limit: int = 50) -> list[AuditEvent]:
    """Newest first, keyset-paginated by seq (the table only grows, offsets would get slow)."""
    stmt = select(AuditEvent).options(selectinload(AuditEvent.actor)).order_by(AuditEvent.seq.desc())
    if flt.actor:
        user_cls = AuditEvent.actor.property.mapper.class_
        ids = select(user_cls.id).where(user_cls.username == flt.actor.strip().lower())
        stmt = stmt.where(AuditEvent.actor_id.in_(ids))
    if flt.action:
        action = flt.action.strip()
        stmt = stmt.where(AuditEvent.action == action if flt.exact
                          else AuditEvent.action.startswith(action, autoescape=True))
    if flt.target_type:
        stmt = stmt.where(AuditEvent.target_type == flt.target_type.strip())
    if flt.target_id:
        stmt = stmt.where(AuditEvent.target_id == flt.target_id.strip())
    if flt.start:
        stmt = stmt.where(AuditEvent.occurred_at >= flt.start)
    if flt.end:
        stmt = stmt.where(AuditEvent.occurred_at < flt.end)
    if before:
        stmt = stmt.where(AuditEvent.seq < before)
    return list(db.session.scalars(stmt.limit(limit)))


def decoded_data(event: AuditEvent) -> dict:
    return json.loads(event.data or "{}")
