"""Jinja filters and globals shared by every template."""

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from .i18n import LANGUAGE_NAMES, html_lang
from .money import format_fen
from .timeutil import format_local

FRAGMENT_CACHE_SIZE = 256


def cached_fragment(template: str) -> Markup:
    """A fragment that depends only on the language and the user's roles (menus, the home launcher), rendered once
    per process for each combination instead of on every page. Fragments must not show anything else about the
    user or the request. Rendered afresh while templates auto-reload (debugging)."""
    roles = tuple(sorted(current_user.role_names)) if current_user.is_authenticated else None  # None: anonymous
    key = (template, str(get_locale()), roles, request.script_root)
    cache = current_app.extensions.setdefault("gongzhi_fragments", {})
    html = cache.get(key)
    if html is None or current_app.jinja_env.auto_reload:
        html = Markup(render_template(template))
        if len(cache) >= FRAGMENT_CACHE_SIZE:
            cache.clear()
        cache[key] = html
    return html


def init_templating(app) -> None:
    app.jinja_env.filters["money"] = format_fen
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, html_lang=html_lang,
                                 current_locale=lambda: str(get_locale()), cached_fragment=cached_fragment)
