"""Money is integer fen (分). Parsing and formatting live here and nowhere else."""

import re
from decimal import Decimal

from .numbers import FULL_WIDTH, GROUPED, half_width, typed, ungrouped

# (half_width: phones, ID numbers and documents read typed text with it too)
__all__ = ["FULL_WIDTH", "MAX_FEN", "AmountTooLarge", "MoneyError", "NegativeAmount", "fen_in_capitals", "format_fen",
           "half_width", "input_text", "parse_yuan", "split_by_percentages"]

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


# 大写金额: the financial capitals a contract, an invoice or a cheque states its amount in, so that no stroke can turn
# one figure into another (一 into 十). Rules as in the payment regulations (支付结算办法) and the accounting norms
# (会计基础工作规范): 拾 always with its digit (壹拾, never 拾 alone); one 零 for any run of zeros inside the yuan,
# across the 万 and 亿 sections too (壹亿零壹仟); none for zeros that end it; 整 after 元 or 角 when there are no
# 分; 零 between 元 and 分 when the 角 is zero (壹元零伍分).
CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_GROUP_UNITS = ("仟", "佰", "拾", "")
_SECTIONS = ((10**8, "亿"), (10**4, "万"))


def _four_digits(n: int) -> str:
    """0 < n < 10⁴: 1001 -> 壹仟零壹, 1010 -> 壹仟零壹拾, 10 -> 壹拾."""
    words, zero = [], False
    for digit, unit in zip(f"{n:04d}", _GROUP_UNITS, strict=True):
        if digit == "0":
            zero = bool(words)  # a zero after a digit: written once, before the next digit (never at the end)
            continue
        if zero:
            words.append("零")
            zero = False
        words.append(CAPITAL_DIGITS[int(digit)] + unit)
    return "".join(words)


def _whole_yuan(n: int) -> str:
    """0 < n: the yuan in capitals, by sections of 亿 and 万 (a section of 10¹² is 壹万亿)."""
    for size, name in _SECTIONS:
        if n >= size:
            high, low = divmod(n, size)
            if low == 0:
                return _whole_yuan(high) + name
            # A zero between this section and the rest (100,001,000: 壹亿零壹仟) is read as one 零.
            return _whole_yuan(high) + name + ("零" if low < size // 10 else "") + _whole_yuan(low)
    return _four_digits(n)


def fen_in_capitals(fen: int) -> str:
    """An amount in fen in financial capitals (大写金额), as a Chinese contract states it beside the figures:
    7599993 -> '人民币柒万伍仟玖佰玖拾玖元玖角叁分', 5000000 -> '人民币伍万元整', 105 -> '人民币壹元零伍分',
    5 -> '人民币伍分', 0 -> '人民币零元整'. Refuses a negative amount (a contract states none), one above MAX_FEN and
    anything but an int."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("fen must be an int")
    if fen < 0:
        raise NegativeAmount("negative amount")
    if fen > MAX_FEN:
        raise AmountTooLarge("amount too large")
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    words = _whole_yuan(yuan) + "元" if yuan else ""
    if jiao:
        words += CAPITAL_DIGITS[jiao] + "角"
    elif fen_digit and yuan:
        words += "零"
    if fen_digit:
        words += CAPITAL_DIGITS[fen_digit] + "分"
    elif words:
        words += "整"
    return "人民币" + (words or "零元整")
