"""The per-account lockout after failed logins. The login view's limit (Flask-Limiter, counted only when a log-in
fails) is keyed by login_account_key; end_login_lockout clears that count for one account, reaching into the
limiter's limit manager for it (tests/accounts/test_lockout.py pins that it still works)."""

from flask import current_app, request

from core.extensions import limiter

from . import services

LOGIN_ENDPOINT = "accounts.login"


def account_key(typed: str) -> str:
    """What failed logins count under: the account's user name whether its name or its number is typed
    (services.login_name)."""
    return "login-account:" + services.login_name(typed)


def login_account_key() -> str:
    """The login view's per-account limit key: the account the posted log-in names."""
    return account_key(request.form.get("username", ""))


def end_login_lockout(username: str) -> None:
    """Lift the per-account lockout after failed logins: once a password has been reset, its owner (who may well
    have locked the account trying to remember it) can log in at once."""
    if not (limiter.enabled and limiter.initialized):  # RATELIMIT_ENABLED off (a load test): no lockout, no storage
        return  # (Flask-Limiter's storage is then absent: reaching for it was a 500 on every password reset)
    blueprint = LOGIN_ENDPOINT.partition(".")[0]
    default, decorated = limiter.limit_manager.resolve_limits(current_app, LOGIN_ENDPOINT, blueprint)
    for limit in (*default, *decorated):
        if limit.key_func is login_account_key:
            limiter.limiter.clear(limit.limit, account_key(username), limit.scope_for(LOGIN_ENDPOINT, "POST"))
