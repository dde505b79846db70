"""Whole numbers as people type them into forms ('2,880', '２８８０', '2 880'), read in one place. Money (core.money)
reads its yuan with the same digits and grouping. The JSON API does not come here: it takes JSON numbers."""

import re
import unicodedata
from decimal import Decimal

DB_INT_MAX = 2**31 - 1  # a database INTEGER column's largest value

FULL_WIDTH = re.compile("[\uff01-\uff5e\uffe5]")  # a Chinese IME's full-width forms: '１２３．５０', '1，000', '￥'
# The spaces a number is grouped with, or typed beside: ASCII, no-break, figure, thin, narrow no-break and the
# ideographic space of a Chinese IME. Each is one space (two in a row are no grouping); a line break is none.
SPACES = re.compile("[ \u00a0\u2007\u2009\u202f\u3000]")
# Digits grouped in threes from the right, by commas or by spaces, the same separator throughout: '2,880',
# '1 234 567'. Badly grouped digits ('1,2,3', '28,80', '1,0000') are refused, not guessed at: they may be a list,
# or a typing slip that a wrong amount would hide.
GROUPED = r"[1-9]\d{0,2}(?P<sep>[, ])\d{3}(?:(?P=sep)\d{3})*"
WHOLE_RE = re.compile(rf"(?P<sign>[+-]?)(?P<digits>{GROUPED}|\d+)\Z", re.ASCII)
# A number with a decimal point ('7.5', '７．５', '.5'), grouped as whole numbers are. A point with nothing after
# it ('7.') is refused: a slip that may have lost its decimals.
DECIMAL_RE = re.compile(rf"(?P<sign>[+-]?)(?P<whole>{GROUPED}|\d*)(?:\.(?P<fraction>\d+))?\Z", re.ASCII)


class NumberError(ValueError):
    pass


class NumberTooLarge(NumberError):
    """A whole number, but beyond what can be stored."""


def half_width(text: str) -> str:
    """Full-width digits and punctuation to ASCII (NFKC, applied to those characters only: NFKC would also turn
    superscripts and circled digits into digits)."""
    return FULL_WIDTH.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def typed(text: str) -> str:
    """A number's text as typed, ready to match: full-width forms as ASCII, each kind of space as an ASCII space, and
    no space around it."""
    return SPACES.sub(" ", half_width(text)).strip()


def ungrouped(digits: str) -> str:
    """Grouped digits ('1,234', '1 234') without their separators."""
    return digits.replace(",", "").replace(" ", "")


def parse_whole(text: str, maximum: int = DB_INT_MAX) -> int:
    """A whole number typed into a form: '2,880', '2，880', '２８８０', '2 880', ' 2880 ' -> 2880; '-5' -> -5 (whether
    a negative is allowed is the field's range to say). Refuses what is not plainly one whole number: decimals
    ('12.0'), exponents, underscores, letters, digits of other scripts, badly grouped digits ('1,2,3'), and
    anything beyond `maximum` either way (a database integer: larger was a 500 when stored)."""
    if not isinstance(text, str):
        raise NumberError("not text")
    match = WHOLE_RE.match(typed(text))
    if match is None:
        raise NumberError("not a whole number")
    digits = ungrouped(match["digits"]).lstrip("0") or "0"
    if len(digits) > len(str(maximum)):  # before int(): it refuses strings of over 4300 digits
        raise NumberTooLarge("number too large")
    number = int(digits)
    if number > maximum:
        raise NumberTooLarge("number too large")
    return -number if match["sign"] == "-" else number


def parse_decimal(text: str, places: int = 1, maximum: int = DB_INT_MAX) -> Decimal:
    """A number with decimals typed into a form (a score, a weight), read as parse_whole reads whole numbers:
    '7．5', '７.５', ' 8 ', '1,000.5' -> Decimal('7.5'), Decimal('7.5'), Decimal('8'), Decimal('1000.5'); '.5' -> 0.5.
    At most `places` decimals ('7.50' is 7.5, its zeros change nothing; '7.25' with places=1 is refused, never
    rounded). Refuses what Decimal() alone took: exponents ('1e1'), underscores ('1_0'), 'NaN', 'Infinity', other
    scripts' digits; also a point with no digits after it, badly grouped digits and anything beyond `maximum`
    either way. Whether a sign, or a step such as half points, is allowed is the caller's rule to say."""
    if not isinstance(text, str):
        raise NumberError("not text")
    match = DECIMAL_RE.match(typed(text))
    if match is None or not (match["whole"] or match["fraction"]):
        raise NumberError("not a number")
    whole, fraction = ungrouped(match["whole"]).lstrip("0") or "0", (match["fraction"] or "").rstrip("0")
    if len(fraction) > places:
        raise NumberError("too many decimal places")
    if len(whole) > len(str(maximum)):  # before Decimal(): no work on thousands of digits
        raise NumberTooLarge("number too large")
    number = Decimal(f"{whole}.{fraction}" if fraction else whole)
    if number > maximum:
        raise NumberTooLarge("number too large")
    return -number if match["sign"] == "-" and number else number
