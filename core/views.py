from flask import Blueprint, render_template

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
