from datetime import UTC, date, datetime

import pytest
from flask import render_template_string

from core.calendar import add_working_days, day_info, set_day
from core.money import MoneyError, format_fen, input_text, parse_yuan, split_by_percentages
from core.timeutil import local_day_bounds, local_to_utc, to_local


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


@pytest.mark.parametrize("fen, text", [(5000, "50.00"), (123456789, "1234567.89"), (5, "0.05"), (0, "0.00"),
                                       (-150, "-1.50"), (None, "")])
def test_input_text_is_what_parse_yuan_reads_back(fen, text):
    assert input_text(fen) == text
    if fen is not None and fen >= 0:
        assert parse_yuan(text) == fen


def test_templates_fill_an_amount_input_with_input_text(app):
    with app.test_request_context():
        html = render_template_string('<input value="{{ fen|input_money }}">', fen=4800000)
    assert html == '<input value="48000.00">'


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


def test_working_days_follow_the_statutory_calendar(session):
    assert day_info(date(2026, 10, 1)) == (False, "statutory")  # National Day
    assert day_info(date(2026, 11, 23)) == (True, "statutory")
    # Friday 2026-09-25 + 5 working days: 28, 29, 30 September, then the holiday week, then 8 and 9 October.
    assert add_working_days(date(2026, 9, 25), 5) == (date(2026, 10, 9), {"statutory"})
    # Saturday 10 October 2026 is an adjusted working day (调休): Friday 9th + 1 working day is that Saturday.
    assert add_working_days(date(2026, 10, 9), 1)[0] == date(2026, 10, 10)


@pytest.mark.usefixtures("calendar_through_2026")
def test_unknown_years_fall_back_to_weekdays_until_an_administrator_enters_holidays(session):
    assert day_info(date(2027, 1, 1)) == (True, "weekdays")  # a Friday; the 2027 schedule is not known yet
    set_day(date(2027, 1, 1), False, "元旦")
    set_day(date(2027, 1, 3), True, "调休上班")
    assert day_info(date(2027, 1, 1)) == (False, "entered")
    assert day_info(date(2027, 1, 3)) == (True, "entered")
    assert day_info(date(2027, 1, 4)) == (True, "entered")  # the year is now administered
    # New Year's Day off, Saturday 2nd off, Sunday 3rd an adjusted working day, Monday 4th working.
    assert add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 3), {"entered"})
    assert add_working_days(date(2026, 12, 31), 2)[0] == date(2027, 1, 4)
