"""The permission helper: per-object predicates `can_<verb>(user, obj)` and one `require()`.

Predicates live in each package's permissions.py and return a bool; views and API endpoints call
`require(can_x(current_user, obj))`, which answers 403 (HTML or JSON, by the blueprint's handler).

A resident's personal data is the exception (DESIGN.md rule 6): their record, their redemptions, their needs are
checked with `require_visible()`, a 404 like a record that does not exist, so that staff of one community cannot
learn who is registered, or was served, in another. Whether someone may use such pages at all (their role) is still
`require()`, a 403, asked before the record is looked up.
"""

from functools import wraps

from flask import abort
from flask_login import current_user


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def require_visible(allowed: bool) -> None:
    """A per-object check on a resident's personal data: refused, a 404 (its existence is private)."""
    if not allowed:
        abort(404)


def has_role(user, *roles) -> bool:
    """True when an authenticated, active user holds any of the roles."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.role_names & {str(getattr(r, "value", r)) for r in roles})


def roles_required(*roles):
    """Decorator for views open to whole roles; per-object checks still go through require()."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            require(has_role(current_user, *roles))
            return view(*args, **kwargs)

        return wrapped

    return decorator
