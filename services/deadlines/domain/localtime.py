"""Instants and dates: store in UTC, count and show in Asia/Shanghai (北京时间).

A period "ends at 24:00" of its last day; 24:00 of a day is 00:00 of the next day in Shanghai, which is the
instant stored (in UTC) as a clock's ``due_at``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.errors import ValidationFailed

SHANGHAI = ZoneInfo("Asia/Shanghai")


def require_aware(instant: datetime, field: str) -> datetime:
    """The instant in UTC; a naive datetime is refused, because its time zone would be a guess."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationFailed.for_field(
            field, "时间必须带时区（例如 2025-09-26T09:00:00+08:00）", code="naive_datetime"
        )
    return instant.astimezone(UTC)


def local_date(instant: datetime) -> date:
    """The Shanghai calendar date of an instant."""
    return instant.astimezone(SHANGHAI).date()


def local_instant(day: date, at: time) -> datetime:
    """The UTC instant of ``at`` o'clock Shanghai time on ``day``."""
    return datetime.combine(day, at, tzinfo=SHANGHAI).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """24:00 Shanghai time of ``day`` (= 00:00 of the next day), as a UTC instant."""
    return local_instant(day + timedelta(days=1), time(0, 0))
