"""Time: UTC in the database, Asia/Shanghai on screen, Chinese working days for deadlines."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(LOCAL_TZ)


def local_to_utc(value: datetime) -> datetime:
    """A wall-clock time entered in China (naive or Shanghai-aware) as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(UTC)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a Shanghai calendar day begins and ends (half-open)."""
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def local_today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


# Fixed-date statutory holidays, used only for years the calendar package does not cover yet
# (the State Council publishes each year's schedule, with its make-up working days, late in the year before).
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS


def add_working_days(day: date, count: int) -> date:
    """The date `count` statutory working days after `day` (count >= 0; 0 = the day itself if working)."""
    if count < 0:
        raise ValueError("count must be >= 0")
    current = day
    if count == 0:
        while not is_working_day(current):
            current += timedelta(days=1)
        return current
    while count:
        current += timedelta(days=1)
        if is_working_day(current):
            count -= 1
    return current


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else to_local(value).strftime(fmt)
