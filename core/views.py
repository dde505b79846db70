from flask import Blueprint, abort, current_app, flash, has_request_context, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from .db import db, ensure_write_transaction
from .errors import InvalidForm, ServiceError
from .forms import apply_service_error
from .i18n import remember_language, set_language
from .numbers import DB_INT_MAX

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    return render_template("core/home.html")


@bp.route("/lang/<code>")
def language(code: str):
    user = current_user._get_current_object()
    if user.is_authenticated and code in current_app.config["LANGUAGES"] and user.locale != code:
        # A GET that writes (the choice kept on the account): the write transaction first, as the audited downloads
        # take it, so SQLite never upgrades this request's read snapshot; and only when the choice changes.
        ensure_write_transaction()
        remember_language(user, code)
        db.session.commit()
    return set_language(code)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


def path_for(endpoint: str, **values) -> str:
    """A URL path for stored links (notifications), with or without a request (CLI, workers)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def db_int(value: str) -> int:
    """`request.args.get(name, type=db_int)`: a whole number that fits a database integer column, else the
    default (a huge or malformed id is then 'not found', never a 500)."""
    number = int(value)
    if not -DB_INT_MAX <= number <= DB_INT_MAX:
        raise ValueError(value)
    return number


def at_most_pattern(limit: int) -> str:
    """A regular expression for the whole numbers 0 to limit (leading zeros allowed): fewer digits, or as many and
    smaller at the first digit that differs, or the limit itself."""
    digits = str(limit)
    parts = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    parts += [digits[:i] + f"[0-{int(d) - 1}]" + rf"\d{{{len(digits) - 1 - i}}}"
              for i, d in enumerate(digits) if d != "0"]
    return "0*(?:" + "|".join([*parts, digits]) + ")"


class BoundedIntConverter(IntegerConverter):
    """<int:...> in URLs stays within a database integer: a huge number is a 404, not a 500.

    Bounded in the pattern too, not only in to_python: Werkzeug checks a rule's methods before its converters, so a
    huge id on a path that another rule serves with other methods (PUT /api/v1/proposals/<id> beside its GET) was a
    405 instead of a 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)
        if not self.fixed_digits and not self.signed and self.max == DB_INT_MAX:
            self.regex = at_most_pattern(DB_INT_MAX)


def refusal_text(exc: ServiceError) -> str:
    """A service's refusal as one sentence: the message, then each field's reason."""
    details = [" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in exc.fields.values()]
    return " ".join(dict.fromkeys([str(exc.message), *details]))  # a field's reason that repeats the message: once


def valid_form(form):
    """The submitted form, validated; else the request is refused with a page naming each invalid field and why
    (422; nothing has changed)."""
    if not form.validate_on_submit():
        raise InvalidForm(form)
    return form


class Outcome:
    """What attempt() or run_service() did: true when the call went through (and was committed), with its result as
    .value; else .refusal is the service's ServiceError."""

    __slots__ = ("ok", "value", "refusal")

    def __init__(self, ok: bool, value=None, refusal: ServiceError | None = None):
        self.ok, self.value, self.refusal = ok, value, refusal

    def __bool__(self) -> bool:
        return self.ok


def attempt(call) -> Outcome:
    """Run one service call: commit on success; on refusal roll back and hand the refusal back, for a page that
    shows it its own way (run_service shows it beside a form or as a flash). Lack of permission is a 403."""
    try:
        value = call()
    except ServiceError as exc:
        db.session.rollback()
        if exc.code == "forbidden":
            abort(403)
        return Outcome(False, refusal=exc)
    db.session.commit()
    return Outcome(True, value)


def run_service(call, form=None, names: dict | None = None, *, summarised: bool = False,
                once: bool = False) -> Outcome:
    """Run one service call (attempt): on refusal show why, beside the form's fields when there is a form (names:
    the form's names for the service's fields, where they differ; summarised, once: see apply_service_error), else
    as a flashed message."""
    outcome = attempt(call)
    if outcome.refusal is not None:
        if form is None:
            flash(refusal_text(outcome.refusal), "danger")
        else:
            apply_service_error(form, outcome.refusal, names, summarised=summarised, once=once)
    return outcome


def form_status() -> int:
    """The status of a page holding a form: 200 when opened; 422 when it is shown again after a POST, which reaches
    the page only when refused (a form that passes redirects), with what was typed and each reason beside it."""
    return 422 if request.method == "POST" else 200


def run_and_redirect(call, success: str, target: str):
    """Run one service call (run_service) and go to target, saying so on success."""
    if run_service(call):
        flash(success, "success")
    return redirect(target)
