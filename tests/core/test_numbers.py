"""Whole numbers and amounts as Chinese users type them are read (core.numbers.parse_whole, core.money.parse_yuan):
thousands separators (',', '，', spaces, thin spaces), full-width digits, '．', '¥'/'￥' and '元' for money. What is
ambiguous or wrong is still refused: badly grouped digits, decimals in a whole number, more than two decimals in
yuan, exponents, other scripts' digits, numbers beyond a database integer."""

from decimal import Decimal

import pytest

from core.money import MAX_FEN, MoneyError, NegativeAmount, parse_yuan
from core.numbers import DB_INT_MAX, NumberError, NumberTooLarge, parse_decimal, parse_whole

THIN, NARROW_NBSP, NBSP, IDEOGRAPHIC = "\u2009", "\u202f", "\u00a0", "\u3000"


@pytest.mark.parametrize(("text", "number"), [
    ("2880", 2880), ("2,880", 2880), ("2，880", 2880), ("２８８０", 2880), ("２，８８０", 2880),
    ("2 880", 2880), (f"2{THIN}880", 2880), (f"2{NARROW_NBSP}880", 2880), (f"2{NBSP}880", 2880),
    (f"2{IDEOGRAPHIC}880", 2880), (" 2880 ", 2880), (f"{IDEOGRAPHIC}２８８０{IDEOGRAPHIC}", 2880),
    ("1,234,567", 1234567), ("1 234 567", 1234567), ("12,345", 12345), ("123,456", 123456),
    ("0", 0), ("007", 7), ("+5", 5), ("-5", -5), ("－５", -5),  # a sign is read; the field's range judges it
    ("2147483647", DB_INT_MAX), ("2,147,483,647", DB_INT_MAX), ("-2147483647", -DB_INT_MAX),
])
def test_whole_numbers_as_typed_are_read(text, number):
    assert parse_whole(text) == number


@pytest.mark.parametrize("text", [
    "", " ", "　", "-", "+",
    "1,2,3", "28,80", "1,0000", "2,8800", "12,34,567", ",880", "2,880,", "2,,880", "0,880", "1,234 567",
    "1  234", "2 8 8 0",  # grouped otherwise than in threes, or with two kinds of separator: refused, not guessed
    "12.0", "2,880.00", "2880．", "1e3", "1E3", "0x10", "1_000", "1＿000", "abc", "二千八百八十", "2880元", "¥2880",
    "\u0663", "1²", "①", "𝟏𝟐", "2\n880", "2\t880", "1-2", "--5", "+-5", "5-",
])
def test_anything_else_is_not_a_whole_number(text):
    with pytest.raises(NumberError) as refused:
        parse_whole(text)
    assert not isinstance(refused.value, NumberTooLarge)


@pytest.mark.parametrize("text", ["2147483648", "2,147,483,648", "-2147483648", "9" * 5000, "１" + "０" * 12])
def test_beyond_a_database_integer_is_too_large(text):
    with pytest.raises(NumberTooLarge):
        parse_whole(text)


def test_a_smaller_maximum_is_kept():
    assert parse_whole("1,000", maximum=1000) == 1000
    with pytest.raises(NumberTooLarge):
        parse_whole("1,001", maximum=1000)


def test_only_text_is_parsed():
    for value in (2880, 2880.0, None, True):
        with pytest.raises(NumberError):
            parse_whole(value)


@pytest.mark.parametrize(("text", "fen"), [
    ("¥1,234.50", 123450), ("￥1,234.50", 123450), ("￥１，２３４．５０", 123450), ("1,234.50元", 123450),
    ("1234.5 元", 123450), ("¥ 1 234.50", 123450), (f"1{THIN}234.50", 123450), (f"1{NARROW_NBSP}234．5元", 123450),
    (f"{IDEOGRAPHIC}￥１２３４．５{IDEOGRAPHIC}", 123450), ("２，８８０", 288000), ("2 880", 288000),
    ("1 000 000", 100000000), ("¥1,234.50元", 123450), ("0.05", 5), ("．５", 50),
])
def test_amounts_as_typed_are_read(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(("text", "reason"), [
    ("1,2,3", "not an amount"), ("1 2 3", "not an amount"), ("1,234 567.00", "not an amount"),
    ("1  234", "not an amount"), ("12,34.50", "not an amount"), ("¥", "not an amount"), ("元", "not an amount"),
    ("¥¥5", "not an amount"), ("5元元", "not an amount"), ("5 块", "not an amount"), ("RMB 5", "not an amount"),
    ("1.234", "more than two decimal places"), ("１．２３４", "more than two decimal places"),
    ("-1", "negative amount"), ("¥-1,234.50", "negative amount"), ("－１元", "negative amount"),
    ("10,000,000,000,000.01", "amount too large"), ("１" + "０" * 14, "amount too large"),
])
def test_amounts_otherwise_are_refused(text, reason):
    with pytest.raises(MoneyError, match=reason) as refused:
        parse_yuan(text)
    assert isinstance(refused.value, NegativeAmount) is (reason == "negative amount")


def test_the_largest_amount_with_separators():
    assert parse_yuan("10,000,000,000,000") == MAX_FEN


def _fields_form(app, formdata: dict):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict
    from wtforms.validators import InputRequired, NumberRange, Optional

    from core.forms import MoneyField, WholeNumberField

    class Form(FlaskForm):
        count = WholeNumberField("Count", validators=[InputRequired(), NumberRange(0, 100)])
        target = WholeNumberField("Target", validators=[Optional(), NumberRange(min=0)])
        amount = MoneyField("Amount", validators=[InputRequired()])

    form = Form(formdata=MultiDict(formdata), meta={"csrf": False})
    form.validate()
    return form


def test_a_whole_number_field_is_a_text_input_with_the_number_keys(app):
    """Not type=number: a browser sends a number input holding '2,880' or '２８８０' as empty."""
    with app.test_request_context():
        form = _fields_form(app, {"count": "２８", "target": "2,880", "amount": "¥1,234.50"})
        assert form.errors == {}
        assert (form.count.data, form.target.data, form.amount.data) == (28, 2880, 123450)
        assert 'type="text"' in form.count() and 'inputmode="numeric"' in form.count()
        assert 'value="2,880"' in form.target()  # shown again as typed


# Each refusal once: text that is no whole number is not also told the range.
@pytest.mark.parametrize(("formdata", "errors"), [
    ({"count": "", "target": "", "amount": "1"}, {"count": ["This field is required."]}),
    ({"count": "  ", "target": " ", "amount": "  "},
     {"count": ["Enter a whole number."], "amount": ["Enter an amount in yuan, with at most two decimals."]}),
    ({"count": "1,2,3", "target": "99,999,999,999", "amount": "1"},
     {"count": ["Enter a whole number."], "target": ["This number is too large."]}),
    ({"count": "101", "target": "-1", "amount": "1"},
     {"count": ["Number must be between 0 and 100."], "target": ["Number must be at least 0."]}),
    # an amount below zero is a number: told to be above zero, not to type an amount in yuan
    ({"count": "1", "target": "", "amount": "－５００"}, {"amount": ["Enter an amount above zero."]}),
])
def test_a_whole_number_field_refuses_what_is_not_one_and_leaves_an_optional_one_empty(app, formdata, errors):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        form = _fields_form(app, formdata)
        assert form.errors == errors
        if "target" not in errors:
            assert form.target.data is None


# Scores and other numbers with decimals (core.numbers.parse_decimal): read as typed, never as another number.
@pytest.mark.parametrize(("text", "number"), [
    ("7.5", "7.5"), ("7．5", "7.5"), ("７.５", "7.5"), ("７．５", "7.5"), (" 8 ", "8"), ("８", "8"),
    (f"{IDEOGRAPHIC}７．５{IDEOGRAPHIC}", "7.5"), (f"{NBSP}8{THIN}", "8"), ("0", "0"), ("0.5", "0.5"), (".5", "0.5"),
    ("．５", "0.5"), ("7.50", "7.5"), ("7.0", "7"), ("007.5", "7.5"), ("1,000.5", "1000.5"), ("1 000", "1000"),
    ("+7.5", "7.5"), ("-7.5", "-7.5"), ("－７．５", "-7.5"), ("-0", "0"),  # a sign is read; the caller's range judges
])
def test_decimals_as_typed_are_read(text, number):
    read = parse_decimal(text)
    assert read == Decimal(number) and str(read) == number


@pytest.mark.parametrize("text", [
    "", " ", "　", ".", "．", "-", "+", "7.", "７．", "7.5.", "1.2.3", "7..5", "7 .5", "7. 5",
    "1e1", "1E1", "7.5e0", "1_0", "7_5", "7.2_5", "NaN", "nan", "sNaN", "Infinity", "inf", "-Infinity", "0x10",
    "7.25", "7.55", "０．２５", "7,5", "7，5", "1,2", "1,0000.5", "7½", "七点五", "7分", "٧.٥", "７.٥", "⑦", "7²",
    "7\n.5", "7\t.5", "--7", "7-", "1/2",
])
def test_anything_else_is_not_a_decimal(text):
    with pytest.raises(NumberError) as refused:
        parse_decimal(text)
    assert not isinstance(refused.value, NumberTooLarge)


def test_decimal_places_and_maximum_are_the_callers():
    assert parse_decimal("7.25", places=2) == Decimal("7.25")
    assert parse_decimal("7.00", places=0) == 7  # zeros after the point change nothing
    with pytest.raises(NumberError):
        parse_decimal("7.5", places=0)
    assert parse_decimal("1000", maximum=1000) == 1000
    for text in ("1000.5", "-1000.5", "1,001", "9" * 5000):
        with pytest.raises(NumberTooLarge):
            parse_decimal(text, maximum=1000)
    for value in (7.5, 7, Decimal("7.5"), None):
        with pytest.raises(NumberError):
            parse_decimal(value)
