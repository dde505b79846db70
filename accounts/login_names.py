"""Login names for residents that community staff register without a phone (residents.register_without_phone).

They were 'r' and twelve random hex characters ('r3f9a0c1be27d'): an elderly resident could neither read them out
nor type them on a phone. They are now seven digits, the first neither 0 (dropped when a number is written down or
read out) nor 1 (a mobile number starts with it), shown in two groups (234 5678): typed on a phone's number pad,
read like a landline number, and another length than a mobile number (11 digits) or a printed voucher's one-time
code (8). A log-in typed with the groups' space, or in a Chinese input method's full-width digits, is read as the
name (services.account_named). Accounts named before keep their names.
"""

import re
import secrets

from sqlalchemy import select

from core.db import db

from .models import User

LENGTH = 7
FIRST_DIGITS = "23456789"
LOGIN_NAME_RE = re.compile(rf"\A[{FIRST_DIGITS}]\d{{{LENGTH - 1}}}\Z", re.ASCII)
ATTEMPTS = 20  # names taken by chance, one after the other: with 8 million names, never more than a few


def _candidate() -> str:
    return secrets.choice(FIRST_DIGITS) + "".join(secrets.choice("0123456789") for _ in range(LENGTH - 1))


def new_login_name() -> str:
    """A login name no account holds (a user name taken by anyone, a self-signed-up '2345678' too, is skipped)."""
    for _ in range(ATTEMPTS):
        name = _candidate()
        if db.session.scalar(select(User.id).where(User.username == name)) is None:
            return name
    raise RuntimeError(f"no free resident login name after {ATTEMPTS} attempts")  # a full name space: a defect


def is_digit_login_name(name: str) -> bool:
    return LOGIN_NAME_RE.match(name or "") is not None


def grouped(name: str) -> str:
    """A digit login name as shown and printed, in two groups ('234 5678'); any other name as it is."""
    return f"{name[:3]} {name[3:]}" if is_digit_login_name(name) else name
