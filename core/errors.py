"""Domain errors raised by services and the HTML/JSON error pages (DESIGN.md rule 7)."""

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from .money import MAX_FEN, format_fen
from .security import local_path

# The message of a refusal whose reasons are beside the fields (a msgid: translated where used, _(INVALID)).
INVALID = "Please correct the marked fields."


class ServiceError(Exception):
    """Bad input or a refused operation: translated message, optional per-field messages."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


def amount_too_large() -> str:
    """What is said of an amount above the largest taken (core.money.MAX_FEN), wherever an amount is typed: it was
    told to "enter an amount in yuan", which 10^23 is."""
    return _("The amount is too large: at most %(max)s.", max=format_fen(MAX_FEN))


def invalid(fields: dict, *, code: str | None = None) -> ServiceError:
    """The refusal of input whose reasons are beside its fields: "Please correct the marked fields." above them."""
    return ServiceError(_(INVALID), fields=fields, code=code)


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class InvalidForm(ServiceError):
    """A submitted form that does not validate (a reason too long, a required field left empty): the page says
    which field and why, in the user's language, and nothing is changed."""

    def __init__(self, form):
        fields = {str(form[name].label.text): " ".join(map(str, errors))
                  for name, errors in form.errors.items() if name in form._fields}
        super().__init__(_("Some of the information is not valid."), fields=fields)


class Forbidden(ServiceError):
    """The actor may not do this to this object (views answer 403)."""

    status = 403
    code = "forbidden"


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


def _too_large(*, page: bool) -> str:
    """Why a request over MAX_CONTENT_LENGTH (MAX_REQUEST_MB) was refused before its form was read, with the limits
    that apply (MAX_UPLOAD_MB for each file), so that the person knows what to send instead; on a page, what to do."""
    from .uploads import size_text  # (core.uploads imports this module)

    total, each = current_app.config["MAX_CONTENT_LENGTH"], current_app.config["MAX_UPLOAD_BYTES"]
    if not total:  # no limit on the whole request: a 413 from elsewhere (Werkzeug's form parser)
        return _("The upload is too large.")
    if page:
        return _("The files sent are too large: at most %(total)s in all, and %(each)s for each file. Go back to "
                 "the form and choose fewer or smaller files.", total=size_text(total), each=size_text(each))
    return _("The request is too large: at most %(total)s in all, and %(each)s for each file.",
             total=size_text(total), each=size_text(each))


def back_to_form() -> str:
    """The page the request came from (its Referer), when it is on this site: a 'Back to the form' link's target;
    else "" (no link: the home page's is there). A path local_path refuses ('//evil.example') is none either."""
    back = request.referrer or ""
    back = back.removeprefix(request.host_url.rstrip("/")) if back.startswith(request.host_url) else ""
    return back if back and local_path(back) == back else ""


def _http_messages() -> dict:
    return {
        400: _("The request could not be understood."),
        401: _("Please log in to continue."),
        403: _("You do not have permission to do this."),
        404: _("The page you asked for does not exist."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state of the record."),
        413: _too_large(page=False),
        422: _("Some of the information is not valid."),
        429: _("Too many requests. Please wait and try again."),
        500: _("Something went wrong on our side. The error has been logged."),
    }


def http_error(exc: HTTPException):
    """The page (or JSON body) for an HTTP error, in the user's language."""
    status = exc.code or 500
    messages = _http_messages()
    # Werkzeug's own descriptions (416 on a static file, say) are English: a status without a message of its own
    # gets the general one of its class.
    message = messages.get(status) or messages[400 if status < 500 else 500]
    if isinstance(exc, CSRFError):  # most often a page left open across a logout or a restart
        message = _("This form has expired. Please reload the page and try again.")
    limit = getattr(exc, "limit", None)  # Flask-Limiter's: its description is the limit ("20 per 1 hour")
    if status == 429 and limit is not None and limit.error_message:  # unless the route gave a message
        message = str(exc.description)
    if wants_json():
        return json_error(status, exc.name.lower().replace(" ", "_"), message)
    back = ""
    if status == 413:  # files too large: back to the form they were chosen in, to choose others
        message, back = _too_large(page=True), back_to_form()
    elif request.method == "POST" and status in (400, 422):  # a form refused before its view (an expired token)
        back = back_to_form()
    template = f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message, back=back), status


def _unique_violation(exc: IntegrityError) -> bool:
    """PostgreSQL's unique_violation (SQLSTATE 23505), or SQLite's 'UNIQUE constraint failed'."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or str(exc.orig).startswith("UNIQUE constraint failed")


def register_error_handlers(app) -> None:
    app.register_error_handler(HTTPException, http_error)

    @app.errorhandler(ServiceError)
    def _service(exc: ServiceError):
        # Views normally catch these and re-render their form; this is the safety net.
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, exc.fields)
        return render_template("errors/generic.html", status=exc.status, message=exc.message, fields=exc.fields,
                               back=back_to_form()), exc.status

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        """A unique index refused a row that a check before it allowed: another request (a second click, another
        officer) saved the same thing in a transaction not yet committed when this one looked. The database kept
        one; this request changed nothing, so it is a conflict to reload, not a 500. Any other refusal (a CHECK, a
        missing row) is a defect and stays one."""
        if not _unique_violation(exc):
            return _unexpected(exc)
        from core.db import db

        db.session.rollback()
        app.logger.warning("unique index refused a concurrent duplicate (request %s): %s", request.path,
                           type(exc.orig).__name__)
        message = _("The same thing was saved a moment ago by another request (a second click?). Reload the page "
                    "to see what was saved.")
        if wants_json():
            return json_error(409, "conflict", message)
        return render_template("errors/generic.html", status=409, message=message), 409

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error (request %s)", getattr(request, "path", "?"))
        from core.db import db

        db.session.rollback()
        if wants_json():
            return json_error(500, "internal_error", _http_messages()[500])
        return render_template("errors/500.html", status=500, message=_http_messages()[500]), 500
