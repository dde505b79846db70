"""Money is integer fen (分). Parsing and formatting live here and nowhere else."""

import re
from decimal import Decimal

from .numbers import FULL_WIDTH, GROUPED, half_width, typed, ungrouped

# (half_width: phones, ID numbers and documents read typed text with it too)
__all__ = ["FULL_WIDTH", "MAX_FEN", "AmountTooLarge", "MoneyError", "NegativeAmount", "format_fen", "half_width",
           "input_text", "parse_yuan", "split_by_percentages"]

MAX_FEN = 10**15  # well inside BIGINT; a trillion yuan is not a community project

# What a person types as an amount: ASCII digits (a Chinese IME's full-width ones read as ASCII), grouped in threes
# by commas or spaces as whole numbers are (core.numbers), at most two decimals. Decimal() alone also took '1e5',
# '1_000', 'NaN' and any script's digits ('٣').
AMOUNT_RE = re.compile(rf"(?P<sign>[+-]?)(?P<whole>{GROUPED}|\d*)(?:\.(?P<cents>\d*))?\Z", re.ASCII)


class MoneyError(ValueError):
    pass


class NegativeAmount(MoneyError):
    """An amount typed below zero: a number, so the person is told it must be above zero, not to type a number."""


class AmountTooLarge(MoneyError):
    """An amount typed above MAX_FEN: a number, so the person is told it is too large (and the most taken), not to
    type an amount in yuan."""


def parse_yuan(text: str | int | Decimal) -> int:
    """'1,234.5' yuan -> 123450 fen; also as a Chinese user types it: '¥1,234.50', '￥１，２３４．５', '1 234.50 元'.
    Refuses floats, negatives, more than two decimals, badly grouped digits, exponents, underscores and digits other
    than 0-9 (full-width ones typed by a Chinese IME are read as ASCII)."""
    if isinstance(text, float):
        raise MoneyError("floats are not money")
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise MoneyError("not an amount")
        text = format(text, "f")
    raw = typed(str(text)).removeprefix("¥").removesuffix("元").strip()
    match = AMOUNT_RE.match(raw)
    if match is None or not (match["whole"] or match["cents"]):
        raise MoneyError("not an amount")
    whole, cents = ungrouped(match["whole"]).lstrip("0"), match["cents"] or ""
    if len(cents) > 2:
        raise MoneyError("more than two decimal places")
    if match["sign"] == "-" and (whole or cents.strip("0")):  # (-0 is 0; a huge negative is negative, not too large)
        raise NegativeAmount("negative amount")
    if len(whole) > len(str(MAX_FEN // 100)):  # before int(): it refuses strings of over 4300 digits
        raise AmountTooLarge("amount too large")
    fen = int(whole + cents.ljust(2, "0"))
    if fen > MAX_FEN:
        raise AmountTooLarge("amount too large")
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
