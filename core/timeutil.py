"""Time: UTC in the database, Asia/Shanghai on screen (working days: core.calendar)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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


def format_local(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else to_local(value).strftime(fmt)


def format_until(value: datetime | None) -> str:
    """When something stops being good, as people read it: an end at midnight Beijing time is the whole day before
    ("2027-02-04", good through that day), not "2027-02-05 00:00"; an end at any other moment, its date and minute."""
    if value is None:
        return ""
    local = to_local(value)
    if local.time() == time.min:
        return (local - timedelta(days=1)).strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M")
