"""Locale selection: ?lang= / the switcher (kept in the session) > Accept-Language > Chinese."""

from functools import cache

from babel import Locale
from flask import current_app, has_request_context, redirect, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .db import db
from .security import local_path

LANGUAGE_NAMES = {"zh_Hans_CN": "中文", "en": "English"}


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)  # parsed once per process, not on every request


def select_locale() -> Locale:
    if not has_request_context():  # CLI, workers: the default language
        return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return _locale(chosen)
    # Accept-Language says zh, zh-CN or zh-Hans; all of them mean our Chinese catalogue.
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "zh-Hans-CN", "en"])
    if best and best.startswith("en"):
        return _locale("en")
    return _locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def html_lang() -> str:
    return "en" if str(get_locale()) == "en" else "zh-CN"


def colon() -> str:
    """The separator after a label ("Deadline: …"): a full-width colon in Chinese, where ': ' looks foreign."""
    return _(": ")


def comma() -> str:
    """The separator between the items of a list of names: 、 in Chinese, ', ' in English."""
    return _(", ")


def semicolon() -> str:
    """The separator between longer items (figures, clauses): ； in Chinese, '; ' in English."""
    return _("; ")


def aside(name, note) -> str:
    """A name with a note in brackets: full-width in Chinese ("助餐（¥300.00）"), "Meals (¥300.00)" in English."""
    return _("%(name)s (%(note)s)", name=name, note=note)


def with_unit(number, unit) -> str:
    """A figure and its unit as typed by whoever set it ("80场", "80 sessions"): a space before a unit in a script
    that spaces its words, none before a Chinese (or full-width) one or a percent sign, whatever the reader's
    language."""
    unit = str(unit or "").strip()
    if not unit:
        return str(number)
    close = unit[0] in "%‰°" or "\u2e80" <= unit[0] <= "\u9fff" or "\uff00" <= unit[0] <= "\uffef"
    return f"{number}{unit}" if close else f"{number} {unit}"


def joined(items) -> str:
    """Names as one list in the user's language ("甲、乙、丙" / "A, B, C")."""
    return comma().join(map(str, items))


def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(local_path(request.args.get("next")))  # only a path on this site, never another one


def remember_language(user, code: str) -> None:
    """A signed-in user's choice is kept on their account as well as in the session, so what reaches them outside
    the site (notification e-mail, sent in user.locale) is in the language they chose. A display preference, as
    the session's was: not an event of the audit trail."""
    if code in current_app.config["LANGUAGES"] and user.locale != code:
        user.locale = code
        db.session.flush()


__all__ = ["LANGUAGE_NAMES", "_l", "aside", "colon", "comma", "html_lang", "joined", "remember_language",
           "select_locale", "semicolon", "set_language"]
