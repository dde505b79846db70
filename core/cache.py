"""A small cache: Redis when REDIS_URL is set (shared by every app process), otherwise in this process.

Used for whole public pages seen by anonymous visitors with no session at all (so no flash message, language
choice or CSRF token can be in them). Entries live a short time and a 'generation' counter lets a change to
the underlying records retire every cached page of a kind at once.
"""

import threading
import time
from functools import wraps

from flask import current_app, make_response, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event

from .db import db

_local: dict[str, tuple[float, object]] = {}
_lock = threading.Lock()
MAX_LOCAL_ENTRIES = 2000


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("gongzhi_redis")
    if client is None:
        from redis import Redis

        client = current_app.extensions["gongzhi_redis"] = Redis.from_url(url)
    return client


def get(key: str):
    client = _redis()
    if client is not None:
        return client.get(key)
    with _lock:
        entry = _local.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]


def put(key: str, value, ttl: int) -> None:
    client = _redis()
    if client is not None:
        client.set(key, value, ex=ttl)
        return
    with _lock:
        if len(_local) >= MAX_LOCAL_ENTRIES:
            now = time.monotonic()
            for stale in [k for k, (expiry, _v) in _local.items() if expiry < now] or list(_local)[:100]:
                _local.pop(stale, None)
        _local[key] = (time.monotonic() + ttl, value)


def generation(name: str) -> int:
    value = get(f"gen:{name}")
    return int(value or 0)


def bump(name: str) -> None:
    """Retire every page cached under this generation once the records behind them have changed: when the
    transaction commits, not before (a visitor's request in between would read the old records and cache them
    under the new generation), and not at all if it rolls back. Services call it; they never commit."""
    db.session.info.setdefault(_PENDING, set()).add(name)


_PENDING = "gongzhi_cache_bumps"


@event.listens_for(db.session, "after_commit")
def _bump_committed(session) -> None:
    for name in sorted(session.info.pop(_PENDING, ())):
        _bump_now(name)


@event.listens_for(db.session, "after_transaction_end")
def _forget_rolled_back(session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended without a commit (a commit popped them first)
        session.info.pop(_PENDING, None)


def _bump_now(name: str) -> None:
    client = _redis()
    if client is not None:
        client.incr(f"gen:{name}")
        return
    with _lock:
        current = _local.get(f"gen:{name}")
        _local[f"gen:{name}"] = (float("inf"), int(current[1] if current else 0) + 1)


def public_page(name: str, ttl: int = 30):
    """Cache a GET page for anonymous visitors without a session cookie."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            cookie = current_app.config.get("SESSION_COOKIE_NAME", "session")
            if request.method != "GET" or request.cookies.get(cookie) or current_user.is_authenticated \
                    or current_app.config.get("TESTING_NO_PAGE_CACHE"):
                return view(*args, **kwargs)
            key = f"page:{name}:{generation(name)}:{get_locale()}:{request.full_path}"
            body = get(key)
            if body is not None:
                response = make_response(body)
                response.headers["X-Cache"] = "hit"
                return response
            response = make_response(view(*args, **kwargs))
            if response.status_code == 200 and not response.headers.getlist("Set-Cookie"):
                put(key, response.get_data(), ttl)
            return response

        return wrapped

    return decorator
