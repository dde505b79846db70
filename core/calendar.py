"""Statutory working days (法定工作日). chinese_calendar knows the years the State Council has announced; for
later years an administrator enters the holidays and adjusted working days, and failing that Monday–Friday is
assumed. Every answer says which source it used, so pages can show it."""

from datetime import date, timedelta

import chinese_calendar
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, String, select
from sqlalchemy.orm import Mapped, mapped_column

from .db import db
from .errors import invalid

MAX_NOTE = 100  # the width of CalendarDay.note; refused, never cut

SOURCE_LABELS = {
    "statutory": _l("the statutory holiday calendar"),
    "entered": _l("holidays entered by an administrator"),
    "weekdays": _l("Monday to Friday (this year's holidays are not known yet)"),
}


class CalendarDay(db.Model):
    """An administrator's entry for a year the calendar package does not know: a holiday or a working weekend."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool] = mapped_column(Boolean, nullable=False)
    note: Mapped[str] = mapped_column(String(MAX_NOTE), nullable=False, default="")


def _package_knows(day: date) -> bool:
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def day_info(day: date) -> tuple[bool, str]:
    """(is it a working day, source)."""
    if _package_knows(day):
        return chinese_calendar.is_workday(day), "statutory"
    entered = db.session.scalar(select(CalendarDay.is_working).where(CalendarDay.day == day))
    if entered is not None:
        return entered, "entered"
    year_known = db.session.scalar(select(CalendarDay.day).where(
        CalendarDay.day >= date(day.year, 1, 1), CalendarDay.day <= date(day.year, 12, 31)).limit(1))
    return day.weekday() < 5, "entered" if year_known else "weekdays"


def add_working_days(start: date, count: int) -> tuple[date, set[str]]:
    """The date `count` working days after `start` (start itself not counted), and the sources used."""
    if count < 1:
        raise ValueError("count must be at least 1")
    current, sources = start, set()
    while count:
        current += timedelta(days=1)
        working, source = day_info(current)
        sources.add(source)
        if working:
            count -= 1
    return current, sources


def set_day(day: date, is_working: bool, note: str) -> CalendarDay:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise invalid({"note": _("At most %(n)d characters.", n=MAX_NOTE)})
    entry = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    entry.is_working, entry.note = is_working, note
    db.session.add(entry)
    db.session.flush()
    return entry
