from datetime import UTC, date, datetime

import pytest

from core.money import MoneyError, format_fen, parse_yuan, split_by_percentages
from core.timeutil import add_working_days, is_working_day, local_day_bounds, local_to_utc, to_local


@pytest.mark.parametrize("text, fen", [("0", 0), ("12", 1200), ("12.5", 1250), ("1,234.56", 123456),
                                       ("¥99.99", 9999), ("100元", 10000), (" 3.10 ", 310)])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "-1", "1.234", "NaN", "Infinity", "1e30", 1.5])
def test_parse_yuan_refuses(text):
    with pytest.raises(MoneyError):
        parse_yuan(text)


def test_format_fen():
    assert format_fen(123456) == "¥1,234.56"
    assert format_fen(5) == "¥0.05"
    assert format_fen(-150, symbol=False) == "-1.50"
    with pytest.raises(TypeError):
        format_fen(1.5)


def test_split_by_percentages_keeps_every_fen():
    parts = split_by_percentages(100001, [40, 30, 30])
    assert parts == [40000, 30000, 30001] and sum(parts) == 100001
    with pytest.raises(MoneyError):
        split_by_percentages(100, [50, 40])


def test_local_time_round_trip():
    utc = local_to_utc(datetime(2026, 11, 23, 9, 0))
    assert utc == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert to_local(utc).hour == 9
    start, end = local_day_bounds(date(2026, 11, 23))
    assert start == datetime(2026, 11, 22, 16, 0, tzinfo=UTC) and (end - start).days == 1


def test_working_days_follow_the_statutory_calendar():
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert is_working_day(date(2026, 11, 23))
    # Friday 2026-09-25 + 5 working days skips the National Day holiday week.
    assert add_working_days(date(2026, 9, 25), 5) > date(2026, 10, 7)
    # Years the calendar package does not know yet fall back to weekdays minus fixed holidays.
    assert not is_working_day(date(2027, 1, 1)) and is_working_day(date(2027, 1, 4))
