"""Checks on an organisation's registration facts, with translated field errors."""

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from pypinyin import Style, lazy_pinyin
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as uscc_std

from core.money import half_width
from core.phones import is_contact_phone, is_mobile, typed_mobile
from core.timeutil import local_today

from .enums import OrgKind

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
MAX_LENGTHS = {"legal_representative": 60, "registration_authority": 100, "address": 200, "contact_name": 60,
               "contact_email": 254, "description": 4000}
# No registration under today's system predates the People's Republic; a year-1 date would also satisfy any call's
# "registered for at least N years" rule.
EARLIEST_REGISTRATION = date(1949, 10, 1)


def uscc_error(code: str, kind: OrgKind) -> str | None:
    """None when the code is valid for this kind of organisation, else the message to show."""
    try:
        uscc_std.validate(code)
    except stdnum_errors.InvalidLength:
        return _("A unified social credit code has 18 characters.")
    except stdnum_errors.InvalidFormat:
        return _("The code contains characters a unified social credit code cannot have.")
    except stdnum_errors.InvalidChecksum:
        return _("The check character (the 18th) does not match: please check the code for a typing error.")
    except stdnum_errors.ValidationError:
        return _("This is not a valid unified social credit code.")
    digit = kind.uscc_kind_digit
    if digit is None:  # community groups and social enterprises: any registration authority
        return None
    # Associations, agencies and foundations are registered by civil affairs (民政): the 1st character is 5;
    # a company's code (9…) or another authority's is not theirs.
    if code[0] != "5":
        return _("This code was not issued by civil affairs: a %(kind)s's code starts with 5%(d)s.",
                 kind=kind.label, d=digit)
    if code[1] != digit:
        return _("This code belongs to another kind of organisation: for a %(kind)s the second character is %(d)s.",
                 kind=kind.label, d=digit)
    return None


def typed_contact_phone(text: str | None) -> str:
    """An organisation's contact phone as typed, read as stored: a mobile number as its 11 ASCII digits, whatever
    spaces, hyphens or full-width digits (a Chinese IME's) were typed ('１３８ ００１３ ８０００' -> '13800138000'); a
    landline without spaces, its area code parted by a hyphen if one was typed, or by brackets ('(021) 6234 5678',
    '021-6234-5678' -> '021-62345678'). What cannot be read so is returned without its spaces, for
    is_contact_phone to refuse."""
    mobile = typed_mobile(text)
    if is_mobile(mobile):
        return mobile
    phone = re.sub(r"\s+", "", half_width(text or ""))
    phone = re.sub(r"\A\((0\d{2,3})\)-?", r"\1-", phone)  # (021)62345678: the area code in brackets
    area, hyphen, number = phone.partition("-")
    for candidate in (area + hyphen + number.replace("-", ""), phone.replace("-", "")):
        if is_contact_phone(candidate):
            return candidate
    return phone


def name_initials(name: str) -> str:
    """幸福家园 -> 'xfjy': lets people search by pinyin initials."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())


@dataclass
class OrgData:
    """An application's facts as entered (forms and the API both fill this)."""

    name: str = ""
    kind: str = ""
    uscc: str = ""
    legal_representative: str = ""
    registration_authority: str = ""
    registered_on: date | None = None
    address: str = ""
    full_time_staff: int | None = 0
    certified_social_workers: int | None = 0
    volunteers: int | None = 0
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    description: str = ""
    category_ids: list[int] = field(default_factory=list)
    community_ids: list[int] = field(default_factory=list)

    def normalised(self) -> "OrgData":
        strip = {k: (v.strip() if isinstance(v, str) else v) for k, v in self.__dict__.items()}
        data = OrgData(**strip)
        # The code as stdnum reads it (no spaces or hyphens): what is checked is what is stored and compared.
        data.uscc = uscc_std.compact(data.uscc)
        data.contact_phone = typed_contact_phone(data.contact_phone)
        return data

    def errors(self) -> dict[str, str]:
        """Field errors; empty when the facts are acceptable."""
        errors: dict[str, str] = {}
        required = _("Required.")
        if not 2 <= len(self.name) <= 120:
            errors["name"] = _("Enter the organisation's full name (2–120 characters).")
        try:
            kind = OrgKind(self.kind)
        except ValueError:
            errors["kind"] = _("Choose a kind of organisation.")
            kind = None
        if kind is not None and kind.needs_uscc:
            if not self.uscc:
                errors["uscc"] = _("Required for this kind of organisation.")
            elif message := uscc_error(self.uscc, kind):
                errors["uscc"] = message
        elif kind is not None and self.uscc and (message := uscc_error(self.uscc, kind)):
            errors["uscc"] = message
        for name in ("legal_representative", "registration_authority", "address", "contact_name"):
            if not getattr(self, name):
                errors[name] = required
        for name, limit in MAX_LENGTHS.items():  # the columns' sizes: the API has no form to stop longer text
            if name not in errors and len(getattr(self, name)) > limit:
                errors[name] = _("At most %(n)d characters.", n=limit)
        if self.registered_on is None:
            errors["registered_on"] = required
        elif self.registered_on > local_today():
            errors["registered_on"] = _("The date cannot be in the future.")
        elif self.registered_on < EARLIEST_REGISTRATION:
            errors["registered_on"] = _("The date of registration (or founding) cannot be before %(date)s.",
                                        date=EARLIEST_REGISTRATION.isoformat())
        for name in ("full_time_staff", "certified_social_workers", "volunteers"):
            value = getattr(self, name)
            if value is None or value < 0 or value > 1_000_000:
                errors[name] = _("Enter a whole number, 0 or more.")
        if not is_contact_phone(self.contact_phone):
            errors["contact_phone"] = _("Enter a mobile number (11 digits) or a landline with area code.")
        if self.contact_email and not EMAIL_RE.match(self.contact_email):
            errors["contact_email"] = _("Enter a valid e-mail address.")
        if not self.category_ids:
            errors["category_ids"] = _("Choose at least one service category.")
        if not self.community_ids:
            errors["community_ids"] = _("Choose at least one community served.")
        return errors
