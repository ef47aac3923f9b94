"""Time: moved to core.clock (documents use it too); kept here so existing imports keep working."""

from core.clock import AMSTERDAM, format_date, format_datetime, format_number, local, local_naive, utcnow  # noqa: F401
