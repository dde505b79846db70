"""Log-in sessions: the user a session cookie names (Flask-Login's loader, on every page), log-ins recorded, sessions
ended. Services flush; callers commit."""

import secrets
from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, bindparam, false, func, select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from audit import services as audit
from core.db import db, utcnow
from core.templating import register_user_facts

from .models import User, UserRole, new_nonce
from .notifications import Notification
from .services import account_named

# Every page needs the user, their roles and the unread-notification count for the menu: one Core query for all
# three (a row per role), built once. The objects are then put together from the row as if the ORM had loaded them
# (persistent, unmodified, roles loaded): running the same query through the ORM cost more than the query itself.
_USERS, _ROLES, _NOTIFICATIONS = User.__table__, UserRole.__table__, Notification.__table__
_UNREAD = (select(func.count(_NOTIFICATIONS.c.id))
           .where(_NOTIFICATIONS.c.user_id == _USERS.c.id, _NOTIFICATIONS.c.read_at.is_(None)).scalar_subquery())
USER_ROLES = (_USERS, _ROLES.c.id.label("role_id"), _ROLES.c.role.label("role_name"))


class WorkFacts(NamedTuple):
    """What the "My work" menu offers a user beyond their roles (templates/_nav_menus.html)."""

    member: bool  # an active member of an organisation: its pages, proposals, projects and fees
    invited: bool  # invited to one: "My organisations" is where they accept
    provider: bool  # an active member of one offering a voucher service (a catalogue entry): voucher redemption
    paid: bool  # named as the recipient of a fee or allowance an organisation paid


# The facts come from other packages' records (organisations, voucher services, fees), whose code accounts may not
# import (DESIGN.md section 3): each package registers the SQL of its own facts (register_work_fact: an EXISTS on an
# indexed column, correlated to the user), added to the session user's one query rather than run as queries of their
# own. A fact no package registered (not in this app) is false.
_FACT_CLAUSES: dict[str, Callable[[ColumnElement], ColumnElement]] = {}
_QUERIES: dict[str, Select] = {}


def register_work_fact(name: str, clause: Callable[[ColumnElement], ColumnElement]) -> None:
    """clause(the users table's id column) -> a boolean SQL expression: whether that user has the fact `name` (one of
    WorkFacts' fields)."""
    if name not in WorkFacts._fields:
        raise ValueError(f"no such work fact: {name}")
    _FACT_CLAUSES[name] = clause
    _QUERIES.clear()


def _query(name: str) -> Select:
    """The session user's query (a row per role, with the unread count and the facts), or the facts alone; built
    once the packages have registered their facts, and again only if one registers later."""
    if not _QUERIES:
        facts = [(_FACT_CLAUSES[f](_USERS.c.id) if f in _FACT_CLAUSES else false()).label(f) for f in WorkFacts._fields]
        _QUERIES["facts"] = select(*facts).where(_USERS.c.id == bindparam("user_id"))
        _QUERIES["session_user"] = (select(*USER_ROLES, _UNREAD.label("unread"), *facts)
                                    .select_from(_USERS.outerjoin(_ROLES, _ROLES.c.user_id == _USERS.c.id))
                                    .where(_USERS.c.id == bindparam("user_id")).order_by(_ROLES.c.role))
    return _QUERIES[name]


_USER_COLUMNS = [(prop.key, prop.columns[0].name) for prop in User.__mapper__.column_attrs]


def _as_loaded(model, **values):
    """The session's object for this row: the one it holds already, else one built from the values and held as
    persistent and unmodified, as the ORM's loading does (the second return value says which)."""
    held = db.session.identity_map.get(identity_key(model, values["id"]))
    if held is not None:
        return held, False
    obj = model.__mapper__.class_manager.new_instance()  # no __init__, no change events: a loaded object
    obj.__dict__.update(values)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj, True


def user_with_roles(rows) -> User:
    """The user (with roles loaded) from the rows of a query selecting USER_ROLES, one row per role (a session's
    here, an API token's in accounts.tokens)."""
    first = rows[0]._mapping
    user, built = _as_loaded(User, **{key: first[name] for key, name in _USER_COLUMNS})
    if built:
        roles = [_as_loaded(UserRole, id=row.role_id, user_id=row.id, role=row.role_name)[0]
                 for row in rows if row.role_id is not None]
        set_committed_value(user, "roles", roles)
        for role in roles:
            set_committed_value(role, "user", user)
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: the cookie holds 'id:nonce'; a rotated nonce means a dead session."""
    user_id, _sep, nonce = (session_id or "").partition(":")
    if not user_id.isdigit() or not nonce or len(user_id) > 9:
        return None
    rows = db.session.connection().execute(_query("session_user"), {"user_id": int(user_id)}).all()
    if not rows:
        return None
    user = user_with_roles(rows)
    user.unread_at_load = rows[0].unread
    user.work_facts_at_load = _facts_of(rows[0])
    if not user.active or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    return user


def _facts_of(row) -> WorkFacts:
    return WorkFacts(*(bool(getattr(row, name)) for name in WorkFacts._fields))


def work_facts(user: User) -> WorkFacts:
    """The user's WorkFacts: read with the session user, else (a user loaded another way) in one query."""
    loaded = getattr(user, "work_facts_at_load", None)
    if loaded is not None:
        return loaded
    return _facts_of(db.session.connection().execute(_query("facts"), {"user_id": user.id}).one())


register_user_facts(work_facts)  # part of every cached fragment's key (core.templating)


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.flush()
    audit.record("auth.login", user, actor=user)


def record_failed_login(username: str) -> None:
    # The typed name may be anything (even a phone number), so it is recorded only when it is an account.
    user = account_named(username)
    audit.record("auth.login_failed", user if user else None, actor=None, data={"known_user": bool(user)})


def end_sessions(user: User) -> None:
    """Logout: rotate the nonce, so the cookie the browser held (or anyone copied) no longer works."""
    user.session_nonce = new_nonce()
    db.session.flush()
    audit.record("auth.logout", user, actor=user)
