"""The hash-chained audit trail (DESIGN.md section 5).

hash = sha256(prev_hash || canonical_json(event)) where canonical_json(event) is the compact JSON array
[seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type, target_id, data]
(occurred_at as "YYYY-MM-DDTHH:MM:SS.ffffffZ", data as the stored canonical JSON text). The public
page /audit/head documents this so anyone holding an export can recompute the chain.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from core.db import db, utcnow

from .models import AuditEvent

GENESIS = "0" * 64
TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
ADVISORY_LOCK_KEY = 0x6A5A_0001  # any constant; one lock serialises all appends on PostgreSQL
MASK = "***"
SENSITIVE_KEYS = {"password", "password_hash", "token", "token_hash", "secret", "session_nonce",
                  "id_number", "id_number_enc", "id_hash"}


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


def event_hash(prev_hash: str, seq: int, occurred_at: str, actor_id, actor_roles: str, ip: str,
               request_id: str, action: str, target_type: str, target_id: str, data: str) -> str:
    payload = json.dumps([seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type,
                          target_id, data], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


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


def _lock_chain() -> None:
    """Serialise appends. SQLite write transactions already hold the lock (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


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

    _lock_chain()
    db.session.flush()  # earlier changes first, so a target id exists and ordering is clear
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
    occurred = utcnow()
    event = AuditEvent(
        seq=seq, occurred_at=occurred, actor_id=actor_id, actor_roles=actor_roles, ip=ip,
        request_id=request_id, action=action, target_type=target_type, target_id=target_id,
        data=data_text, prev_hash=prev_hash,
        hash=event_hash(prev_hash, seq, occurred.strftime(TS_FORMAT), actor_id, actor_roles, ip,
                        request_id, action, target_type, target_id, data_text),
    )
    db.session.add(event)
    db.session.flush()
    return event


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


def head() -> Head:
    row = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return Head(row.seq, row.hash) if row else Head(0, GENESIS)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head: Head
    bad_seq: int | None = None
    reason: str = ""


def _timestamp_sql(dialect: str) -> str:
    if dialect == "postgresql":
        return "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    return "replace(occurred_at, ' ', 'T') || 'Z'"


def verify(batch_size: int = 20000) -> VerifyResult:
    """Walk the chain from the genesis and report the first event that does not match."""
    connection = db.session.connection()
    sql = text(
        f"SELECT seq, {_timestamp_sql(connection.dialect.name)}, actor_id, actor_roles, ip, request_id, "
        "action, target_type, target_id, data, prev_hash, hash FROM audit_events ORDER BY seq"
    )
    result = connection.execute(sql, execution_options={"stream_results": True, "yield_per": batch_size})
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    sha256 = hashlib.sha256
    expected_seq, prev = 1, GENESIS
    checked = 0
    for rows in result.partitions(batch_size):
        for seq, ts, actor_id, roles, ip, rid, action, ttype, tid, data, prev_hash, stored in rows:
            if seq != expected_seq:
                reason = "missing" if seq > expected_seq else "out of order"
                return VerifyResult(False, checked, Head(expected_seq - 1, prev), expected_seq, reason)
            if prev_hash != prev:
                return VerifyResult(False, checked, Head(seq - 1, prev), seq, "prev_hash does not link")
            payload = dumps([seq, ts, actor_id, roles, ip, rid, action, ttype, tid, data])
            if sha256((prev + payload).encode()).hexdigest() != stored:
                return VerifyResult(False, checked, Head(seq - 1, prev), seq, "hash does not match content")
            prev = stored
            expected_seq += 1
            checked += 1
    result.close()
    return VerifyResult(True, checked, Head(expected_seq - 1, prev))


@dataclass(frozen=True)
class EventFilter:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive


def search_events(flt: EventFilter, *, before: int | None = None, limit: int = 50) -> list[AuditEvent]:
    """Newest first, keyset-paginated by seq (the table only grows, offsets would get slow)."""
    stmt = select(AuditEvent).options(selectinload(AuditEvent.actor)).order_by(AuditEvent.seq.desc())
    if flt.actor:
        user_cls = AuditEvent.actor.property.mapper.class_
        ids = select(user_cls.id).where(user_cls.username == flt.actor.strip().lower())
        stmt = stmt.where(AuditEvent.actor_id.in_(ids))
    if flt.action:
        stmt = stmt.where(AuditEvent.action.startswith(flt.action.strip(), autoescape=True))
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
