"""parse_yuan reads what a person types as an amount and nothing else: Decimal() alone took '1e5' as ¥100,000,
'1_000' as ¥1,000 and other scripts' digits ('٣'). Full-width digits and punctuation from a Chinese IME are read as
their ASCII forms."""

from decimal import Decimal

import pytest

from core.money import MoneyError, parse_yuan

ARABIC_INDIC_3 = "\u0663"
DEVANAGARI_12 = "\u0967\u0968"


@pytest.mark.parametrize(("text", "fen"), [
    ("0", 0), ("-0", 0), ("+5", 500), ("12", 1200), ("12.", 1200), (".5", 50), ("0.05", 5),
    ("12,345.50", 1234550), ("1,000,000", 100000000), ("¥ 100", 10000), ("100 元", 10000),
    ("10000000000000", 10**15),  # the largest amount, ¥10 trillion
    # a Chinese IME in full-width mode
    ("１２", 1200), ("１２３．５０", 12350), ("1，000", 100000), ("１，２３４．５", 123450), ("￥１２", 1200),
    ("１２元", 1200), ("12\u3000", 1200),
    (5, 500), (Decimal("12.50"), 1250), (Decimal("1E+2"), 10000),
])
def test_amounts_people_type_are_read(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(("text", "reason"), [
    ("1e5", "not an amount"), ("1E5", "not an amount"), ("1e-2", "not an amount"), ("１ｅ５", "not an amount"),
    ("1_000", "not an amount"), ("1＿000", "not an amount"),
    (ARABIC_INDIC_3, "not an amount"), (DEVANAGARI_12, "not an amount"), ("1²", "not an amount"),
    ("①", "not an amount"), ("𝟏𝟐", "not an amount"),
    ("1,2,3", "not an amount"), ("12,34", "not an amount"), ("1,0000", "not an amount"), ("0,100", "not an amount"),
    (",100", "not an amount"), ("1,,000", "not an amount"),
    ("NaN", "not an amount"), ("Infinity", "not an amount"), ("0x10", "not an amount"), ("1 00", "not an amount"),
    (".", "not an amount"), ("", "not an amount"), ("+", "not an amount"), ("1.2.3", "not an amount"),
    ("12\n3", "not an amount"), ("12。50", "not an amount"),
    ("-1", "negative amount"), ("－５", "negative amount"), ("¥-5", "negative amount"),
    ("1.234", "more than two decimal places"), ("1.230", "more than two decimal places"),
    ("10000000000000.01", "amount too large"), ("9" * 5000, "amount too large"),
])
def test_anything_else_is_refused(text, reason):
    with pytest.raises(MoneyError, match=reason):
        parse_yuan(text)


def test_floats_and_non_finite_decimals_are_refused():
    for value in (1.5, Decimal("NaN"), Decimal("Infinity")):
        with pytest.raises(MoneyError):
            parse_yuan(value)


def test_money_inputs_ask_a_phone_for_its_number_keys(app):
    """A provider redeeming on a phone gets the number keys for the amount (every MoneyField)."""
    from flask_wtf import FlaskForm

    from core.forms import MoneyField

    class Form(FlaskForm):
        amount = MoneyField("Amount")
        limit = MoneyField("Limit", render_kw={"placeholder": "0.00"})

    with app.test_request_context():
        form = Form(meta={"csrf": False})
        assert 'inputmode="decimal"' in form.amount() and 'inputmode="decimal"' in form.limit()
        assert 'placeholder="0.00"' in form.limit()
