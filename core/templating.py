"""Jinja filters and globals shared by every template."""

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from .i18n import LANGUAGE_NAMES, aside, colon, comma, html_lang, semicolon, with_unit
from .money import format_fen, input_text
from .personal import mask_name
from .timeutil import format_local, format_until

# Entries of a few KB each, one per template, language, role set and user facts in use (the facts multiply the
# combinations by a few): 1024 holds them all in a worker for a few MB, where clearing when full would re-render.
FRAGMENT_CACHE_SIZE = 1024
_user_facts = None  # accounts registers it: core may not import accounts (DESIGN.md section 3)


def register_user_facts(facts) -> None:
    """facts(user) -> a hashable value (accounts.sessions.WorkFacts): what cached fragments may show a user beyond
    their roles, such as a menu entry for the members of an organisation. It is part of every fragment's key."""
    global _user_facts
    _user_facts = facts


class _Slots:
    """What a fragment template sees as `slot`: slot.name renders a marker that cached_fragment() replaces."""

    def __getattr__(self, name: str) -> Markup:
        return Markup(f"\x00{name}\x00")


def _fragment_key() -> tuple:
    """What a cached fragment may depend on: the language, the user's roles and facts (None: anonymous) and the
    mount point; worked out once per request."""
    key = g.get("_fragment_key")
    if key is None:
        user = current_user._get_current_object()
        roles = tuple(sorted(user.role_names)) if user.is_authenticated else None
        facts = _user_facts(user) if user.is_authenticated and _user_facts else None
        key = g._fragment_key = (str(get_locale()), roles, facts, request.script_root)
    return key


def user_facts():
    """The registered facts of the current user, as in the fragment's key (a fragment reads them through this)."""
    return _fragment_key()[2]


def cached_fragment(template: str, **slots) -> Markup:
    """A fragment that depends only on the language, the user's roles and the user's facts (register_user_facts: a
    few booleans, such as being a member of an organisation), rendered once per process for each combination
    instead of on every page (menus, the home launcher). Anything else about the user or the request goes in
    through slots: the template writes {{ slot.name }}, cached as a marker, and each call fills in its value
    (escaped, unless it is Markup). A slot is opaque text: tests and filters on it see the marker, not the value.
    Rendered afresh while templates auto-reload (debugging)."""
    key = (template, *_fragment_key())
    cache = current_app.extensions.setdefault("gongzhi_fragments", {})
    html = cache.get(key)
    if html is None or current_app.jinja_env.auto_reload:
        html = render_template(template, slot=_Slots())
        if len(cache) >= FRAGMENT_CACHE_SIZE:
            cache.clear()
        cache[key] = html
    for name, value in slots.items():
        html = html.replace(f"\x00{name}\x00", escape(value).replace("\x00", ""))
    return Markup(html)


def init_templating(app) -> None:
    app.jinja_env.filters["money"] = format_fen
    app.jinja_env.filters["input_money"] = input_text
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["until"] = format_until  # the last day a voucher (or the like) is good for
    app.jinja_env.filters["mask_name"] = mask_name  # the one masking rule (core.personal)
    app.jinja_env.globals["with_unit"] = with_unit
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, html_lang=html_lang,
                                 current_locale=lambda: str(get_locale()), cached_fragment=cached_fragment,
                                 user_facts=user_facts,
                                 aside=aside, colon=colon, comma=comma, semicolon=semicolon)
