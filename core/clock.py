"""Time in one place, so tests can reason about it (UTC, naive as MongoDB returns it); documents use it too."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow():
    """Return the current UTC time without tzinfo, millisecond precision like MongoDB."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def local(dt):
    """Convert a stored naive UTC datetime to Dutch local time."""
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC).astimezone(AMSTERDAM)


def format_date(value):
    """Format a date or datetime as dd-mm-jjjj."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return value.strftime("%d-%m-%Y")


def format_datetime(value):
    """Format a stored UTC datetime as dd-mm-jjjj uu:mm in Dutch local time."""
    if value is None:
        return ""
    return local(value).strftime("%d-%m-%Y %H:%M")


def format_number(value):
    """A whole number the Dutch way: 1200 -> '1.200'; None stays empty."""
    return "" if value is None else f"{int(value):,}".replace(",", ".")


def local_naive(dt):
    """A stored UTC datetime as Dutch local time without tzinfo (for Excel cells)."""
    return local(dt).replace(tzinfo=None) if dt is not None else None
