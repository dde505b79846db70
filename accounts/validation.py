"""Checks on account details shared by the forms and the services, with translated field errors."""

import re

from flask_babel import lazy_gettext as _l

from core.errors import invalid

MAX_EMAIL = 254
# Strict enough for the addresses people here use (ASCII; no quoted local parts or IP-literal domains): a local part
# of dot-separated atoms, then a domain of at least two labels, each 1–63 letters, digits or inner hyphens.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}\Z")
EMAIL_MESSAGE = _l("Enter an e-mail address such as name@example.cn.")


def email_error(email: str) -> str | None:
    """None when this is an e-mail address we accept, else the message to show beside the field."""
    local, _sep, _domain = email.partition("@")
    if len(email) > MAX_EMAIL or len(local) > 64 or not EMAIL_RE.match(email):
        return str(EMAIL_MESSAGE)
    return None


def check_email(email: str | None) -> None:
    """For services: an empty address is no address; a malformed one is refused with a field error."""
    if email and (message := email_error(email)):
        raise invalid({"email": message})
