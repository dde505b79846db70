"""Appending to the hash-chained audit trail: the hashing of an event (canonical_event(), shared with verify) and
the append itself, one round trip on PostgreSQL, a locked read of the head and an INSERT on SQLite. audit.services
builds the event's fields and re-exports these names."""

import hashlib
import json
from datetime import datetime
from json.encoder import encode_basestring as _json_string  # the C one (c_encode_basestring) when available

from sqlalchemy import select, text
from sqlalchemy.orm import make_transient_to_detached

from core.db import db, utcnow

from .models import AuditEvent

GENESIS = "0" * 64
TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
ADVISORY_LOCK_KEY = 0x6A5A_0001  # any constant; one lock serialises all appends on PostgreSQL


_json_array = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def canonical_event(seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type, target_id,
                    data) -> str:
    """The hashed text of an event, byte for byte json.dumps([seq, occurred_at, actor_id, ...], ensure_ascii=False,
    separators=(",", ":")). record() and verify() both use it; for the column types the table holds (int seq,
    int or None actor, strings) it is put together directly, several times faster than json.dumps."""
    if type(seq) is int and (actor_id is None or type(actor_id) is int):
        q = _json_string
        try:
            return (f'[{seq},{q(occurred_at)},{"null" if actor_id is None else actor_id},{q(actor_roles)},{q(ip)},'
                    f'{q(request_id)},{q(action)},{q(target_type)},{q(target_id)},{q(data)}]')
        except TypeError:  # a field that is not a string (a tampered row, say): json renders it
            pass
    return _json_array([seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type, target_id,
                        data])


def event_hash(prev_hash: str, seq: int, occurred_at: str, actor_id, actor_roles: str, ip: str,
               request_id: str, action: str, target_type: str, target_id: str, data: str) -> str:
    payload = canonical_event(seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type,
                              target_id, data)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _lock_chain() -> None:
    """Serialise appends. SQLite write transactions already hold the lock (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


def append(fields: dict) -> AuditEvent:
    """Append an event with these fields (actor_id, actor_roles, ip, request_id, action, target_type, target_id,
    data) after the chain's head, in the current transaction; the caller has flushed and will commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _append_postgresql(fields)
    _lock_chain()
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
    occurred = utcnow()
    event = AuditEvent(seq=seq, occurred_at=occurred, prev_hash=prev_hash,
                       hash=_fields_hash(prev_hash, seq, occurred, fields), **fields)
    db.session.add(event)
    db.session.flush()
    return event


def _fields_hash(prev_hash: str, seq: int, occurred: datetime, fields: dict) -> str:
    return event_hash(prev_hash, seq, occurred.strftime(TS_FORMAT), fields["actor_id"], fields["actor_roles"],
                      fields["ip"], fields["request_id"], fields["action"], fields["target_type"],
                      fields["target_id"], fields["data"])


# On PostgreSQL the lock and the append go to the server together (one round trip, psycopg's pipeline mode), so
# the lock is held from there to the caller's COMMIT, not across round trips to a Python process that may be
# waiting for its turn to run. The INSERT is a statement of its own, after the lock: it reads the head in a
# snapshot taken once the previous holder has committed. It computes seq, the time and the hash on the server,
# exactly as canonical_event() writes them (the time as _timestamp_sql() renders it for verify); the returned hash
# is checked against the Python computation before anything is committed.
_APPEND_SQL = """
INSERT INTO audit_events (seq, occurred_at, actor_id, actor_roles, ip, request_id, action, target_type, target_id,
                          data, prev_hash, hash)
SELECT n.seq, n.at, %(actor_id)s::integer, %(actor_roles)s::text, %(ip)s::text, %(request_id)s::text,
       %(action)s::text, %(target_type)s::text, %(target_id)s::text, %(data)s::text, n.prev,
       encode(sha256(convert_to(n.prev || '[' || n.seq::text || ',"' || n.at_text || '"' || %(rest)s::text,
                                'UTF8')), 'hex')
FROM (SELECT h.seq, h.prev, h.at, to_char(h.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text
      FROM (SELECT coalesce(last.seq, 0) + 1 AS seq, coalesce(last.hash, %(genesis)s::text) AS prev,
                   clock_timestamp() AS at
            FROM (SELECT 1) AS one
            LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1) AS last ON true) AS h
     ) AS n
RETURNING seq, occurred_at, prev_hash, hash
"""


def _append_postgresql(fields: dict) -> AuditEvent:
    probe = canonical_event(0, "", fields["actor_id"], fields["actor_roles"], fields["ip"], fields["request_id"],
                            fields["action"], fields["target_type"], fields["target_id"], fields["data"])
    if not probe.startswith('[0,""'):  # (canonical_event() always starts so for an int seq and a str time)
        raise RuntimeError("canonical_event() changed its layout")
    raw = db.session.connection().connection.driver_connection
    with raw.pipeline():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
        appended = raw.execute(_APPEND_SQL, {**fields, "rest": probe[len('[0,""'):], "genesis": GENESIS})
    seq, occurred, prev_hash, stored = appended.fetchone()
    if stored != _fields_hash(prev_hash, seq, occurred, fields):  # never commit a hash verify() would reject
        raise RuntimeError(f"audit event {seq}: the database's hash differs from canonical_event()")
    event = AuditEvent(seq=seq, occurred_at=occurred, prev_hash=prev_hash, hash=stored, **fields)
    make_transient_to_detached(event)  # the row exists: the session holds the object as loaded, with no INSERT
    stale = db.session.identity_map.get(db.session.identity_key(AuditEvent, seq))
    if stale is not None:  # an event of a rolled-back savepoint had this seq
        db.session.expunge(stale)
    db.session.add(event)
    return event
