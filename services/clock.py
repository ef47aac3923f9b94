"""Time: moved to core.clock (documents use it too); kept here so existing imports keep working."""

from core.clock import (  # noqa: F401
    AMSTERDAM,
    format_date,
    format_datetime,
    format_number,
    local,
    local_naive,
    local_today,
    utc_of_local,
    utcnow,
)
