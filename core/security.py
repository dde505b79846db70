"""Security headers on every response, a request id for the audit trail and logs, the session cookie, the pages' CSRF
token, the refusal of NUL characters in input, and the only redirect targets taken from a request (local paths)."""

import time
import uuid

from flask import abort, current_app, g, has_request_context, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def local_path(target: str | None) -> str:
    """A redirect target from the request (?next=) if it is a path on this site, else the home page. Not '//host',
    and no control character or backslash, which URL parsing drops or browsers read as '/' ('/\t/evil.com' became
    '//evil.com'; a newline was a 500 when set as the Location header)."""
    if target and target.startswith("/") and not target.startswith("//") and target.isprintable() \
            and "\\" not in target:
        return target
    return url_for("core.home")


_OPENED_COOKIES_SIZE = 4096
_PLAIN_VALUES = (str, bool, int, float, type(None))


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS (directly, or through a trusted proxy's
    X-Forwarded-Proto), not only when the deployment remembered to set SESSION_COOKIE_SECURE.

    A browser sends the same cookie with every page until the session changes, and opening it (base64, zlib, JSON
    with tags, the HMAC) cost a logged-in page about as much as its database query: a cookie once opened and found
    genuine is kept, with the time it was signed, and reopened from memory while it is younger than the session's
    lifetime (the expiry that the signature's check enforces). Only sessions of plain values are kept (a logged-in
    session: ids, flags, the CSRF token), which the session's dict copies safely; anything else (flashed messages)
    is opened every time, as is any cookie not kept, so a forged one still meets the signature's check."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def open_session(self, app, request):
        cookie = request.cookies.get(self.get_cookie_name(app))
        serializer = self.get_signing_serializer(app)
        if not cookie or serializer is None:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        opened = app.extensions.setdefault("gongzhi_opened_sessions", {})
        kept = opened.get(cookie)
        if kept is not None and 0 <= time.time() - kept[1] <= max_age:
            return self.session_class(kept[0])
        try:
            data, signed_at = serializer.loads(cookie, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(value, _PLAIN_VALUES) for value in data.values()):
            if len(opened) >= _OPENED_COOKIES_SIZE:
                opened.clear()
            opened[cookie] = (data, signed_at.timestamp())
        return self.session_class(data)


CSRF_REUSE_SECONDS = 60
_SIGNED_CSRF_CACHE_SIZE = 10_000


def csrf_token() -> str:
    """The CSRF token for a page (the templates' csrf_token()). Flask-WTF signs the session's token anew on every
    page (a JSON dump, a zlib attempt and an HMAC); a session's signed token is reused here for up to
    CSRF_REUSE_SECONDS, so it stays valid for WTF_CSRF_TIME_LIMIT less at most that from when it is shown."""
    field = current_app.config["WTF_CSRF_FIELD_NAME"]
    cache = current_app.extensions.setdefault("gongzhi_signed_csrf", {})
    now = time.monotonic()
    signed, at = cache.get(session.get(field), ("", 0.0))
    if signed and now - at <= CSRF_REUSE_SECONDS:
        return signed
    signed = generate_csrf()  # (which gives the session its token if it had none)
    if len(cache) >= _SIGNED_CSRF_CACHE_SIZE:
        cache.clear()
    cache[session[field]] = (signed, now)
    return signed


def _carries_nul() -> bool:
    """Whether a query argument, form field or JSON body holds a NUL character. No one types one, PostgreSQL text
    cannot store one (the INSERT would fail with a 500), so such a request is refused up front (400), not stored
    on SQLite and refused on PostgreSQL. Uploaded files are not looked at."""
    if any("\x00" in value for _name, value in request.args.items(multi=True)):
        return True
    if request.method not in UNSAFE_METHODS:
        return False
    if request.is_json:
        body = request.get_data(cache=True)
        return b"\x00" in body or b"\\u0000" in body
    return any("\x00" in value for _name, value in request.form.items(multi=True))


def init_security(app) -> None:
    app.session_interface = SessionInterface()
    # Replaces Flask-WTF's generate_csrf in templates (CSRFProtect.init_app, which ran before, set it as a global
    # and in a context processor; a later processor's value wins).
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})

    @app.before_request
    def _request_context():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex
        if _carries_nul():  # (after the request id, which the 400's log line and header carry)
            abort(400)
        # On SQLite, requests that may write take the write lock up front (BEGIN IMMEDIATE).
        g.write_transaction = request.method in UNSAFE_METHODS

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint and not request.endpoint.endswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
