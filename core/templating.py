"""Jinja filters and globals shared by every template."""

from flask_babel import get_locale

from .i18n import LANGUAGE_NAMES, html_lang
from .money import format_fen
from .timeutil import format_local


def init_templating(app) -> None:
    app.jinja_env.filters["money"] = format_fen
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, html_lang=html_lang,
                                 current_locale=lambda: str(get_locale()))
