"""Money is integer fen (分). Parsing and formatting live here and nowhere else."""

import re
import unicodedata
from decimal import Decimal

MAX_FEN = 10**15  # well inside BIGINT; a trillion yuan is not a community project

# What a person types as an amount: ASCII digits, thousands commas only between groups of three, at most two
# decimals. Decimal() alone also took '1e5', '1_000', 'NaN' and any script's digits ('٣').
AMOUNT_RE = re.compile(r"(?P<sign>[+-]?)(?P<whole>[1-9]\d{0,2}(?:,\d{3})+|\d*)(?:\.(?P<cents>\d*))?\Z", re.ASCII)
FULL_WIDTH = re.compile("[\uff01-\uff5e\uffe5]")  # a Chinese IME's full-width forms: '１２３．５０', '1，000', '￥'


class MoneyError(ValueError):
    pass


def half_width(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC, applied to those characters only: NFKC would also turn
    superscripts and circled digits into digits)."""
    return FULL_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def parse_yuan(text: str | int | Decimal) -> int:
    """'1,234.5' yuan -> 123450 fen. Refuses floats, negatives, more than two decimals, misplaced commas,
    exponents, underscores and digits other than 0-9 (full-width ones typed by a Chinese IME are read as ASCII)."""
    if isinstance(text, float):
        raise MoneyError("floats are not money")
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise MoneyError("not an amount")
        text = format(text, "f")
    raw = half_width(str(text)).strip().removeprefix("¥").removesuffix("元").strip()
    match = AMOUNT_RE.match(raw)
    if match is None or not (match["whole"] or match["cents"]):
        raise MoneyError("not an amount")
    whole, cents = match["whole"].replace(",", "").lstrip("0"), match["cents"] or ""
    if len(cents) > 2:
        raise MoneyError("more than two decimal places")
    if len(whole) > len(str(MAX_FEN // 100)):  # before int(): it refuses strings of over 4300 digits
        raise MoneyError("amount too large")
    fen = int(whole + cents.ljust(2, "0"))
    if fen and match["sign"] == "-":
        raise MoneyError("negative amount")
    if fen > MAX_FEN:
        raise MoneyError("amount too large")
    return fen


def format_fen(fen: int | None, symbol: bool = True) -> str:
    """123450 -> '¥1,234.50'."""
    if fen is None:
        return ""
    if not isinstance(fen, int):
        raise TypeError("fen must be an int")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{'¥' if symbol else ''}{yuan:,}.{cents:02d}"


def input_text(fen: int | None) -> str:
    """An amount as typed into a form, which parse_yuan reads back: 123450 -> '1234.50', None -> ''."""
    return format_fen(fen, symbol=False).replace(",", "")


def split_by_percentages(total_fen: int, percentages: list[int]) -> list[int]:
    """Split an amount into parts by whole percentages adding to 100; the last part absorbs rounding."""
    if sum(percentages) != 100 or any(p < 0 for p in percentages):
        raise MoneyError("percentages must be non-negative and add up to 100")
    parts = [total_fen * p // 100 for p in percentages[:-1]]
    parts.append(total_fen - sum(parts))
    return parts
