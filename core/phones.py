"""Phone numbers: which kinds each field takes, how a typed one is read, and how a page dials it. The patterns match
the whole value in ASCII digits ('$' also matched before a trailing newline, '\\d' any script's digits), with
match() as with fullmatch()."""

import re

from .money import half_width

_MOBILE = r"1\d{10}"  # a mainland mobile number
_LANDLINE = r"0\d{2,3}-?\d{7,8}"  # with its area code
_EXTENSION = r"(?P<extension>-\d{1,6})?"  # after a landline, dialled after a pause
_SERVICE_NUMBER = r"[48]00-?\d{3}-?\d{4}"  # a 400/800 service number

# An account's phone, and so a log-in by number or a fee recipient's phone: a mobile number only.
MOBILE_RE = re.compile(rf"\A{_MOBILE}\Z", re.ASCII)
# An organisation's contact: a mobile number or a landline with its area code.
CONTACT_PHONE_RE = re.compile(rf"\A(?:{_MOBILE}|{_LANDLINE})\Z", re.ASCII)
# A public phone to book a service: also a landline's extension or a 400/800 service number.
PUBLIC_PHONE_RE = re.compile(rf"\A(?:{_MOBILE}|{_LANDLINE}{_EXTENSION}|{_SERVICE_NUMBER})\Z", re.ASCII)


def is_mobile(text: str) -> bool:
    return MOBILE_RE.match(text) is not None


def is_contact_phone(text: str) -> bool:
    return CONTACT_PHONE_RE.match(text) is not None


def typed_mobile(text: str | None) -> str:
    """A mobile number as typed, read as stored: full-width digits (a Chinese IME's) as ASCII, spaces and hyphens
    between the groups dropped ('１３８ ０００-０１２３４' -> '13800001234'). Whether it is a mobile number is
    is_mobile's to say."""
    return re.sub(r"[\s-]+", "", half_width(text or ""))


def public_phone(text: str | None) -> str | None:
    """A public phone as stored ('021-62345678', '13800001234'): full-width digits and hyphens (a Chinese IME's)
    read as ASCII, spaces dropped; None when it is no phone number. Empty stays empty (the field is optional)."""
    phone = re.sub(r"\s+", "", half_width(text or ""))
    return phone if not phone or PUBLIC_PHONE_RE.match(phone) else None


def tel_uri(phone: str) -> str:
    """A tel: link's target for a stored public phone: the digits, and an extension after a comma (phones dial it
    after a pause)."""
    match = PUBLIC_PHONE_RE.match(phone)
    extension = match["extension"] if match else None
    number = phone.removesuffix(extension or "").replace("-", "")
    return "tel:" + number + ("," + extension[1:] if extension else "")
