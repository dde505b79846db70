"""Personal data (DESIGN.md rule 6): ID numbers encrypted at rest, found by a keyed hash, shown masked.

Keys come from config PERSONAL_DATA_KEY (any string; keep it stable and secret) or, when it is not set, from
SECRET_KEY. Each purpose gets its own key by HKDF, so the lookup hash can never decrypt anything. Changing the
key makes stored ID numbers unreadable and breaks duplicate detection: set PERSONAL_DATA_KEY once and keep it.
"""

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from datetime import date
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from .money import half_width

TOKEN_VERSION = "v1"


class PersonalDataError(ValueError):
    pass


def _master_secret() -> bytes:
    secret = current_app.config.get("PERSONAL_DATA_KEY") or current_app.config["SECRET_KEY"]
    return secret.encode() if isinstance(secret, str) else bytes(secret)


@lru_cache(maxsize=32)
def _derive(master: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"gongzhi-personal-data",
                info=purpose.encode()).derive(master)


def purpose_key(purpose: str) -> bytes:
    """A 256-bit key for one purpose ('id-number-encryption', 'id-number-lookup', 'voucher-code', …)."""
    return _derive(_master_secret(), purpose)


def encrypt(plain: str, purpose: str = "id-number-encryption") -> str:
    """AES-256-GCM; the result is text ('v1:' + base64 of nonce ‖ ciphertext) for a String column."""
    nonce = os.urandom(12)
    sealed = AESGCM(purpose_key(purpose)).encrypt(nonce, plain.encode(), purpose.encode())
    return f"{TOKEN_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def seal(data: bytes, purpose: str) -> bytes:
    """AES-256-GCM over bytes, for a binary column (nonce ‖ ciphertext): a document that holds secrets."""
    nonce = os.urandom(12)
    return nonce + AESGCM(purpose_key(purpose)).encrypt(nonce, data, purpose.encode())


def unseal(data: bytes, purpose: str) -> bytes:
    try:
        return AESGCM(purpose_key(purpose)).decrypt(data[:12], data[12:], purpose.encode())
    except InvalidTag as exc:
        raise PersonalDataError("cannot decrypt: wrong key or altered data") from exc


def decrypt(token: str, purpose: str = "id-number-encryption") -> str:
    version, _, body = (token or "").partition(":")
    if version != TOKEN_VERSION:
        raise PersonalDataError("unknown token version")
    raw = base64.urlsafe_b64decode(body.encode())
    try:
        return AESGCM(purpose_key(purpose)).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
    except InvalidTag as exc:
        raise PersonalDataError("cannot decrypt: wrong key or altered data") from exc


def keyed_hash(value: str, purpose: str) -> str:
    """HMAC-SHA256 hex of value under the purpose's key: equal values give equal hashes, and without the key
    nobody can test guesses (an ID number has far too little entropy for a plain hash)."""
    return hmac.new(purpose_key(purpose), value.encode(), hashlib.sha256).hexdigest()


def normalise_id_number(text: str) -> str:
    """A valid 18-character resident ID number (upper-case X), or PersonalDataError. Spaces (as it is read off a
    card: 110105 1949 1231 002X) and a Chinese keyboard's full-width digits are accepted."""
    try:
        number = ric.validate(re.sub(r"\s+", "", half_width(text or "")))
    except ValidationError as exc:
        raise PersonalDataError("invalid ID number") from exc
    if len(number) != 18:
        raise PersonalDataError("invalid ID number")
    return number.upper()


def is_id_number(text: str) -> bool:
    """Whether text reads as a resident ID number (its form and check character), whoever it belongs to."""
    try:
        normalise_id_number(text)
    except PersonalDataError:
        return False
    return True


def id_number_birth_date(number: str) -> date:
    return ric.get_birth_date(number)


def id_number_hash(number: str) -> str:
    return keyed_hash(normalise_id_number(number), "id-number-lookup")


def mask_id_number(number: str) -> str:
    """110105194912310021 -> 110105********0021 (region and last four, never the birth date)."""
    number = (number or "").strip()
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# Two-character family names (复姓) common enough that a three-character name starting with one is read as it.
# Kept to those whose first character is rarely a family name on its own, so a misreading (夏侯 of 夏 + 侯…) stays
# rare: showing a given name's first character would tell more than the rule allows.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "令狐",
    "端木", "澹台", "南宫", "呼延", "独孤", "轩辕", "申屠", "万俟", "东方", "西门", "司空", "拓跋", "钟离",
})
NAME_MASK = "**"


def mask_name(name: str | None) -> str:
    """A person's name as shown wherever the full name may not be (pages, PDFs, exports, the API, the public
    verification page): the family name and a fixed ** that tells nothing of the name's length.

    张三丰, 张三, 张 -> 张**; 欧阳娜娜 -> 欧阳** (a compound family name, when more follows it: 欧阳 alone is
    欧 + 阳 -> 欧**); Zhang San, John Smith -> Z**, J** (in Latin letters the family name may come first or last,
    so the initial only); empty -> "". The one rule: no page, PDF or export masks a name by itself."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        return ""
    family = name[:2] if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else name[0]
    return family + NAME_MASK


def mask_phone(phone: str | None) -> str:
    return "" if not phone else (phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****")
