"""The JSON API under /api/v1: Bearer tokens only (never the session cookie), JSON errors."""

import json
from collections.abc import Callable

from flask import Blueprint, abort, g, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin, current_user

from .db import db
from .errors import ServiceError, invalid, json_error
from .extensions import csrf
from .numbers import DB_INT_MAX
from .paging import MAX_PAGE  # the deepest page, the same for the pages and the API

API_PREFIX = "/api/v1"


def api_blueprint(name: str) -> Blueprint:
    """A package's API blueprint; every one is CSRF-exempt because cookies never authenticate it."""
    bp = Blueprint(name, __name__, url_prefix=API_PREFIX)
    csrf.exempt(bp)  # here, not in init_app: API modules may be imported after the app is set up

    @bp.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        return json_error(exc.status, exc.code, exc.message, exc.fields)

    return bp


def json_object(*, optional: bool = False) -> dict:
    """The request's JSON body, which must be an object. With optional=True an empty body is an empty object (an
    endpoint whose fields are all optional), but a body that is there must still be a JSON object: text, a list or
    broken JSON is refused, never read as 'nothing'."""
    if optional and not request.get_data(cache=True):
        return {}
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # arrays nested a thousand deep: not data anyone sends, and not a 500
        body = None
    return _readable(body)


def _readable(body) -> dict:
    """A parsed body that is a JSON object whose texts are all Unicode: JSON may escape half of a surrogate pair
    ("\\ud800"), a string no database can store (a 500 at the INSERT, on SQLite and PostgreSQL alike); such a
    request cannot be read (400), as one with a NUL character (core.security)."""
    if not isinstance(body, dict):
        raise ServiceError(_("The request body must be a JSON object."), code="bad_json")
    try:
        json.dumps(body, ensure_ascii=False).encode()
    except (UnicodeEncodeError, RecursionError, ValueError):
        error = ServiceError(_("The request body holds text that is not valid Unicode."), code="bad_json")
        error.status = 400
        raise error from None
    return body


def json_and_files():
    """The request's JSON object and its files: a JSON body (no files), or multipart/form-data with the JSON text in
    a `data` field beside the files. Either way the JSON must be an object."""
    if request.mimetype != "multipart/form-data":
        return json_object(), None
    try:
        body = json.loads(request.form.get("data") or "")
    except (ValueError, RecursionError):
        body = None
    return _readable(body), request.files


def refuse(field: str, message: str):
    """A 422 naming one field (DESIGN.md rule 7)."""
    raise invalid({field: message})


def text_field(body: dict, name: str, *, max_length: int | None = None, field: str | None = None) -> str:
    """A text field of a JSON object: absent or null is "", a string is taken as sent, anything else (a number, a
    list, an object, true) is refused; never turned into its Python repr ("['x']", "True") and stored. Longer than
    max_length is refused too, never cut (a cut text may say something else)."""
    value = body.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        refuse(field or name, _("Enter text."))
    if max_length is not None and len(value.strip()) > max_length:
        refuse(field or name, _("At most %(n)d characters.", n=max_length))
    return value


def id_field(body: dict, name: str, *, field: str | None = None) -> int | None:
    """An id of a JSON object: a positive whole number that fits an id column, or None when absent or null (the
    service says what is missing). Whether the record exists is the caller's or the service's question."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        refuse(field or name, _("Enter a whole number."))
    if not 0 < value <= DB_INT_MAX:
        refuse(field or name, _("No such record."))
    return value


def id_list(body: dict, name: str) -> list[int]:
    """A list of ids (absent or null: an empty list)."""
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(type(v) is int and 0 < v <= DB_INT_MAX for v in value):
        refuse(name, _("A list of numbers."))
    return value


def bool_field(body: dict, name: str, *, default: bool = False) -> bool:
    """true or false (absent or null: the default); "yes", 1 or [] are refused, never read as false."""
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        refuse(name, _("true or false"))
    return value


def committed(call):
    """Run one service call for an API endpoint: commit on success; on refusal roll back and let it through (the
    blueprint answers it as JSON)."""
    try:
        result = call()
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def api_user():
    """The token's user, or a 401 (no token, or none that is valid: init_api answered an invalid one already)."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user


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


def query_int(name: str, *, minimum: int = 0, maximum: int = DB_INT_MAX) -> int | None:
    """A whole-number query argument (`?category_id=7`): absent or empty is None. Anything but plain ASCII digits (a
    sign, a point, full-width digits, '²') or a number outside minimum..maximum (at most DB_INT_MAX: beyond, it would
    overflow an integer column, a 500 on PostgreSQL) is a 422 naming the argument. Whether a record has that id is
    the caller's question (an unknown one filters nothing in, or is a 404)."""
    value = request.args.get(name)
    if value in (None, ""):
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > len(str(DB_INT_MAX)):
        refuse(name, _("Enter a whole number."))
    if not minimum <= int(value) <= maximum:
        refuse(name, _("Enter a whole number.") if maximum == DB_INT_MAX
               else _("Enter a whole number from %(low)d to %(high)d.", low=minimum, high=maximum))
    return int(value)


def page_args(default_size: int = 20, max_size: int = 100) -> tuple[int, int]:
    """?page= (from 1 to MAX_PAGE) and ?per_page= (1 to max_size), by query_int's rule: absent or empty, the first
    page of default_size; malformed or out of range (?page=-5, ?page=0, ?page=abc, ?per_page=500) a 422 naming the
    argument, never read as another page than the one asked for."""
    return query_page(), query_int("per_page", minimum=1, maximum=max_size) or default_size


def query_page() -> int:
    """?page= alone (page_args' rule), for a list without per_page (the officers' watch list)."""
    return query_int("page", minimum=1, maximum=MAX_PAGE) or 1
