"""The JSON API under /api/v1: Bearer tokens only (never the session cookie), JSON errors."""

from collections.abc import Callable

from flask import Blueprint, g, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin

from .errors import ServiceError, json_error
from .extensions import csrf

API_PREFIX = "/api/v1"
MAX_PAGE = 1_000_000


def api_blueprint(name: str) -> Blueprint:
    """A package's API blueprint; every one is CSRF-exempt because cookies never authenticate it."""
    bp = Blueprint(name, __name__, url_prefix=API_PREFIX)
    csrf.exempt(bp)  # here, not in init_app: API modules may be imported after the app is set up

    @bp.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return json_error(exc.status, exc.code, exc.message, exc.fields)

    return bp


def json_object() -> dict:
    """The request's JSON body, which must be an object."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ServiceError(_("The request body must be a JSON object."), code="bad_json")
    return body


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def init_api(app, user_for_token: Callable[[str], object | None]) -> None:
    @app.before_request
    def _api_auth():
        if not request.path.startswith("/api/"):
            return None
        token = bearer_token()
        user = user_for_token(token) if token else None
        # Setting Flask-Login's per-request user here means a session cookie is ignored on the API.
        g._login_user = user if user is not None else AnonymousUserMixin()
        if token and user is None:
            return json_error(401, "invalid_token", _("The API token is invalid or has been revoked."))
        return None


def page_args(default_size: int = 20, max_size: int = 100) -> tuple[int, int]:
    values = {}
    for name, default in (("page", 1), ("per_page", default_size)):
        try:
            values[name] = int(request.args.get(name, default))
        except ValueError:
            raise ServiceError(_("page and per_page must be whole numbers"), code="bad_page",
                               fields={name: _("Enter a whole number.")}) from None
    return min(MAX_PAGE, max(1, values["page"])), min(max_size, max(1, values["per_page"]))
