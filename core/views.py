from flask import Blueprint, current_app, has_request_context, render_template, url_for
from werkzeug.routing import IntegerConverter

from .i18n import set_language

bp = Blueprint("core", __name__)


@bp.route("/")
def home():
    return render_template("core/home.html")


@bp.route("/lang/<code>")
def language(code: str):
    return set_language(code)


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}


def path_for(endpoint: str, **values) -> str:
    """A URL path for stored links (notifications), with or without a request (CLI, workers)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


class BoundedIntConverter(IntegerConverter):
    """<int:...> in URLs stays within a database integer: a huge number is a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)
