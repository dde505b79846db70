"""API tokens: created, revoked, listed, and the user a request's bearer token names (with its last use recorded at
most every TOKEN_USE_INTERVAL). Services flush; callers commit."""

import hashlib
import secrets
from datetime import timedelta

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import bindparam, or_, select, update

from audit import services as audit
from core.db import db, utcnow
from core.errors import Conflict, invalid

from .models import ApiToken, User, UserRole
from .sessions import USER_ROLES, user_with_roles

TOKEN_PREFIX = "gz_"
_USERS, _ROLES, _TOKENS = User.__table__, UserRole.__table__, ApiToken.__table__


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, *, actor) -> tuple[ApiToken, str]:
    """A new token; the plain text is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise invalid({"name": _("Give the token a name of up to 100 characters.")})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=plain[:10], token_hash=_token_digest(plain))
    db.session.add(token)
    db.session.flush()
    audit.record("token.created", token, actor=actor, data={"user_id": user.id, "name": name})
    return token, plain


def revoke_token(token: ApiToken, *, actor) -> None:
    if token.revoked_at is not None:
        raise Conflict(_("This token has already been revoked."))
    token.revoked_at = utcnow()
    db.session.flush()
    audit.record("token.revoked", token, actor=actor, data={"user_id": token.user_id})


# Every API request: the token's state, its user and the user's roles in one Core query, built once (like
# accounts.sessions._query("session_user")).
_TOKEN_USER = (select(*USER_ROLES, _TOKENS.c.id.label("token_id"), _TOKENS.c.revoked_at.label("token_revoked_at"),
                      _TOKENS.c.last_used_at.label("token_last_used_at"))
               .select_from(_TOKENS.join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
                            .outerjoin(_ROLES, _ROLES.c.user_id == _USERS.c.id))
               .where(_TOKENS.c.token_hash == bindparam("token_hash")).order_by(_ROLES.c.role))
# A token's last use is written at most once per interval: a script calling the API many times a second costs one
# UPDATE per token every five minutes, not one per request. (Not an audit event: far too many, and saying nothing.)
TOKEN_USE_INTERVAL = timedelta(minutes=5)
# Where a request notes the token whose use is due to be recorded (accounts.api records it after the response).
TOKEN_USE_DUE = "api_token_use_due"


def user_for_token(plain: str) -> User | None:
    if not plain.startswith(TOKEN_PREFIX):
        return None
    rows = db.session.connection().execute(_TOKEN_USER, {"token_hash": _token_digest(plain)}).all()
    if not rows or rows[0].token_revoked_at is not None:
        return None
    user = user_with_roles(rows)
    if not user.active:
        return None
    last_used = rows[0].token_last_used_at
    if last_used is None or last_used <= utcnow() - TOKEN_USE_INTERVAL:
        if has_request_context():
            # Not written here, in the request's transaction: a GET reads in a deferred transaction on SQLite (which
            # must not be upgraded to a write) and never commits, and a refused POST rolls back. accounts.api writes
            # it after the response, in a short transaction of its own.
            g.setdefault(TOKEN_USE_DUE, rows[0].token_id)
        else:
            record_token_use(rows[0].token_id)
    return user


def record_token_use(token_id: int) -> bool:
    """Stamp the token as used now, unless it was stamped within TOKEN_USE_INTERVAL (the condition is in the UPDATE
    itself, so two requests racing past the check write once). One Core UPDATE; the caller commits. True when it
    wrote."""
    now = utcnow()
    result = db.session.connection().execute(
        update(_TOKENS)
        .where(_TOKENS.c.id == token_id,
               or_(_TOKENS.c.last_used_at.is_(None), _TOKENS.c.last_used_at <= now - TOKEN_USE_INTERVAL))
        .values(last_used_at=now))
    return result.rowcount == 1


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc())))
