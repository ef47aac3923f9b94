"""Time in one place, so tests can reason about it (UTC, naive as MongoDB returns it); documents use it too.

People see Europe/Amsterdam: every screen, CSV and XLSX export and every count per day, month or year goes
through ``local`` (stored -> Dutch time) or ``utc_of_local`` (a Dutch calendar day -> the stored UTC instant it
starts at), so a statement made final at 00:30 on 1 February in Amsterdam is February everywhere.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utcnow():
    """Return the current UTC time without tzinfo, millisecond precision like MongoDB."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def local(dt):
    """Convert a stored naive UTC datetime (or an aware one) to Dutch local time."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(AMSTERDAM)


def local_today():
    """Return today's date in the Netherlands (after 23:00 UTC in winter it is already tomorrow there)."""
    return local(utcnow()).date()


def utc_of_local(day):
    """Return the naive UTC instant at which a Dutch calendar day starts, for queries on stored times."""
    start = datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)
    return start.astimezone(UTC).replace(tzinfo=None)


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
    """Return a stored UTC datetime as Dutch local time without tzinfo (Excel cells have no time zone)."""
    return local(dt).replace(tzinfo=None) if dt is not None else None
