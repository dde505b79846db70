"""Accounts: users, roles, passwords (and the working-day calendar's entries). Sessions are in accounts.sessions,
API tokens in accounts.tokens. Services flush; callers commit."""

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select

from audit import services as audit
from core import calendar
from core.db import db, utcnow
from core.errors import Conflict, Forbidden, ServiceError, invalid
from core.form_checks import refusals_of
from core.phones import is_mobile, typed_mobile

from .enums import Role
from .models import Community, User, UserRole, new_nonce
from .validation import check_email

_STRONG = PasswordHasher()
# Tests create hundreds of users; the cheapest argon2 parameters keep them fast (never used outside TESTING).
_FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_DUMMY_HASH = _STRONG.hash("not-a-real-password")


class _Hasher:
    def __getattr__(self, name):
        hasher = _FAST if has_app_context() and current_app.config.get("TESTING") else _STRONG
        return getattr(hasher, name)


_hasher = _Hasher()
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}\Z")
MIN_PASSWORD = 8
MAX_REASON = 500  # an administrator's reason for (de)activating a user; refused, never cut


# --- passwords -------------------------------------------------------------------------------

def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ServiceError(_("The password must be at least %(n)d characters long.", n=MIN_PASSWORD),
                           fields={"password": _("Too short.")})


def _password_matches(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def account_named(typed: str) -> User | None:
    """The account a log-in names: a mobile number is the account's whose phone it is (a user name can be a number
    only when it is the account's own phone: _validate_identity), anything else a user name. Digits are read as a
    number is: with the spaces or hyphens of a printed login name's groups (login_names.grouped) dropped, and a
    Chinese input method's full-width digits as ASCII."""
    number = typed_mobile(typed)
    user = db.session.scalar(select(User).where(User.phone == number)) if is_mobile(number) else None
    name = number if number.isascii() and number.isdigit() else normalise_username(typed)
    return user or db.session.scalar(select(User).where(User.username == name))


def login_name(typed: str) -> str:
    """The user name a log-in is for (what the per-account lockout counts under: the same whether the user name
    or the number is typed); what was typed, normalised, when it names no account."""
    user = account_named(typed)
    return user.username if user is not None else normalise_username(typed)


class AccountDeactivated(ServiceError):
    """The password was right but the account is deactivated (authenticate)."""

    def __init__(self):
        super().__init__(_("This account has been deactivated. Please contact the administrator."),
                         code="account_deactivated")


def authenticate(username: str, password: str) -> User | None:
    """The user when the credentials match an active account, else None (same cost either way). What was typed is
    a user name or the account's mobile number (account_named). The right password for a deactivated account
    raises AccountDeactivated: its owner is told why, and a guesser, who never reaches it, learns nothing."""
    user = account_named(username)
    if user is None:
        _password_matches(_DUMMY_HASH, password)
        return None
    if not _password_matches(user.password_hash, password):
        return None
    if not user.active:
        raise AccountDeactivated()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


# --- users -------------------------------------------------------------------------------------

def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def _validate_identity(username: str | None, phone: str | None, exclude_id: int | None = None) -> None:
    fields = {}
    if username is not None:
        if not USERNAME_RE.match(username):
            fields["username"] = _("3–64 characters: lowercase letters, digits, '.', '_' or '-'.")
        elif is_mobile(username) and username != phone:  # else it would take over that number's log-ins
            fields["username"] = _("A user name that is a mobile number must be this account's own number.")
        elif db.session.scalar(select(User.id).where(User.username == username, User.id != exclude_id)):
            raise Conflict(_("This user name is taken."), fields={"username": _("This user name is taken.")})
    if phone:
        if not is_mobile(phone):
            fields["phone"] = _("A mainland mobile number has 11 digits and starts with 1.")
        elif db.session.scalar(select(User.id).where(User.phone == phone, User.id != exclude_id)):
            raise Conflict(_("This phone number is already registered."),
                           fields={"phone": _("This phone number is already registered.")})
    if fields:
        raise invalid(fields)


def _parse_roles(roles) -> list[Role]:
    try:
        return sorted({Role(str(r)) for r in roles})
    except ValueError as exc:
        raise ServiceError(_("Unknown role."), fields={"roles": _("Unknown role.")}) from exc


def create_user(username: str, display_name: str, password: str, roles=(), *, actor=None,
                email: str | None = None, phone: str | None = None, self_signup: bool = False,
                communities=None) -> User:
    """A new active user; communities (ids), when given, are then set as set_communities() does. A phone is read as
    typed (typed_mobile)."""
    username, phone = normalise_username(username), typed_mobile(phone)
    display_name = (display_name or "").strip()
    _validate_identity(username, phone or None)
    check_email(email)
    if not display_name:
        raise invalid({"display_name": _("Required.")})
    check_password_strength(password)
    role_list = _parse_roles(roles)
    if self_signup and set(role_list) - {Role.RESIDENT}:  # the only role one may give oneself (verified later)
        raise Forbidden(_("You do not have permission to do this."))
    user = User(username=username, display_name=display_name, email=(email or None), phone=(phone or None),
                password_hash=hash_password(password), active=True, session_nonce=new_nonce(),
                password_changed_at=utcnow())
    user.roles = [UserRole(role=r.value) for r in role_list]
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", user, actor=user if self_signup else actor,
                 data={"username": username, "roles": [r.value for r in role_list], "self_signup": self_signup})
    if communities is not None:
        set_communities(user, communities, actor=actor)
    return user


def check_new_user(username: str, display_name: str, password: str, roles=(), *, email: str | None = None,
                   phone: str | None = None) -> list[ServiceError]:
    """Every refusal create_user would give for these, asked of its checks one by one (they read and write nothing):
    create_user stops at its first, so a page refused for a password said that the user name was taken only on the
    next attempt. The number is checked apart from the user name, since a user name taken stops the check before
    the number."""
    username, phone = normalise_username(username), typed_mobile(phone)

    def named() -> None:
        if not (display_name or "").strip():
            raise invalid({"display_name": _("Required.")})

    return refusals_of(lambda: _validate_identity(username, phone if phone == username else None),
                       lambda: _validate_identity(None, phone or None), lambda: check_email(email), named,
                       lambda: check_password_strength(password or ""), lambda: _parse_roles(roles or ()))


def sign_up(*, username: str | None, phone: str | None, display_name: str, password: str, resident: bool) -> User:
    """Self sign-up with a user name, or with only a mobile number (which then is the user name too); a resident's
    account gets the resident role (verified later, by community staff), anyone else's none."""
    username, phone = (username or "").strip(), typed_mobile(phone)
    if not username and not phone:
        raise invalid({"username": _("Enter a user name or a phone number.")})
    return create_user(username or phone, display_name, password, [Role.RESIDENT] if resident else [],
                       phone=phone or None, self_signup=True)


def update_profile(user: User, *, actor, display_name: str, email: str | None, phone: str | None) -> None:
    display_name = (display_name or "").strip()
    if not display_name:
        raise invalid({"display_name": _("Required.")})
    phone = typed_mobile(phone)
    _validate_identity(None, phone or None, exclude_id=user.id)
    check_email(email)
    before = {"display_name": user.display_name, "email": user.email, "phone": user.phone}
    user.display_name, user.email, user.phone = display_name, email or None, phone or None
    after = {"display_name": user.display_name, "email": user.email, "phone": user.phone}
    changes = audit.diff(before, after)  # phone and e-mail are masked by the audit trail itself
    if changes:
        db.session.flush()
        audit.record("user.updated", user, actor=actor, changes=changes)


def _active_admin_count() -> int:
    return db.session.scalar(
        select(func.count(User.id)).join(UserRole).where(UserRole.role == Role.ADMIN.value, User.active)
    )


def set_roles(user: User, roles, *, actor) -> None:
    wanted = {r.value for r in _parse_roles(roles)}
    current = user.role_names
    if wanted == current:
        return
    if Role.ADMIN.value in current - wanted and user.active and _active_admin_count() <= 1:
        raise Conflict(_("The last active administrator cannot lose the administrator role."))
    user.roles = [r for r in user.roles if r.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - current)
    ]
    db.session.flush()
    audit.record("user.roles_changed", user, actor=actor,
                 data={"added": sorted(wanted - current), "removed": sorted(current - wanted)})


def set_communities(user: User, community_ids, *, actor) -> None:
    """The communities whose residents a community staff member looks after (none: every community)."""
    wanted = sorted({int(i) for i in community_ids or []})
    found = list(db.session.scalars(select(Community).where(Community.id.in_(wanted)).order_by(Community.id)))
    if len(found) != len(wanted):
        raise invalid({"communities": _("Unknown community.")})
    before = [c.id for c in user.communities]
    if before == wanted:
        return
    user.communities = found
    db.session.flush()
    audit.record("user.communities_changed", user, actor=actor, data={"before": before, "after": wanted})


def set_active(user: User, active: bool, *, actor, reason: str = "") -> None:
    """Deactivate (with a reason) or reactivate a user; deactivation ends all their sessions and tokens at once."""
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        message = _("A reason has at most %(n)d characters.", n=MAX_REASON)
        raise ServiceError(message, fields={"reason": message})
    if user.active == active:
        raise Conflict(_("The user is already active.") if active else _("The user is already deactivated."))
    if not active:
        if actor is not None and actor.id == user.id:
            raise Conflict(_("You cannot deactivate your own account."))
        if user.has_role(Role.ADMIN) and _active_admin_count() <= 1:
            raise Conflict(_("The last active administrator cannot be deactivated."))
        if not reason:  # as returning or rejecting an application: the user and the audit trail are told why
            raise invalid({"reason": _("Please give a reason.")})
    user.active = active
    user.session_nonce = new_nonce()
    db.session.flush()
    audit.record("user.reactivated" if active else "user.deactivated", user, actor=actor,
                 data={"reason": reason} if reason else None)


def update_user(user: User, *, actor, display_name: str, email: str | None, phone: str | None, roles,
                communities) -> None:
    """An administrator's edit of a user (the admin user page's form): profile, then roles, then communities, each
    recording its own audit event when it changes something (user.updated, user.roles_changed,
    user.communities_changed). A refusal of any part raises before the caller commits, so nothing is kept."""
    update_profile(user, actor=actor, display_name=display_name, email=email, phone=phone)
    set_roles(user, roles, actor=actor)
    set_communities(user, communities, actor=actor)


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not _password_matches(user.password_hash, current_password):
        raise ServiceError(_("The current password is not correct."),
                           fields={"current_password": _("Not correct.")})
    _set_password(user, new_password, actor=user, action="user.password_changed")


def reset_password(user: User, new_password: str, *, actor) -> None:
    _set_password(user, new_password, actor=actor, action="user.password_reset")


def _set_password(user: User, new_password: str, *, actor, action: str) -> None:
    check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_nonce = new_nonce()  # every existing session of this user ends
    db.session.flush()
    audit.record(action, user, actor=actor)


# --- working-day calendar ---------------------------------------------------------------------

def set_calendar_day(day, is_working: bool, note: str, *, actor) -> None:
    """An administrator's entry for a year the statutory calendar package does not know yet."""
    entry = calendar.set_day(day, is_working, note)  # refuses a note over calendar.MAX_NOTE
    audit.record("calendar.day_set", ("calendar_days", entry.day.isoformat()), actor=actor,
                 data={"working": entry.is_working, "note": entry.note})
