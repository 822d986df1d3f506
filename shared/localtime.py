"""Beijing time (北京时间): instants are stored in UTC and shown and counted in the suite's time zone.

The zone is ``Settings.timezone`` (``Asia/Shanghai``; DESIGN.md "Deadlines"), set once at process start-up by
:func:`configure` (``create_app`` and worker start-up call it); every service reads it from here, nowhere
else. Pure: no framework, no I/O — the domains use it too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.errors import ValidationFailed

DEFAULT_ZONE = "Asia/Shanghai"

_zone = ZoneInfo(DEFAULT_ZONE)


def configure(name: str) -> None:
    """Use the zone ``name`` (from ``Settings.timezone``) for every conversion in this process."""
    global _zone
    _zone = ZoneInfo(name)


def zone() -> ZoneInfo:
    """The suite's time zone."""
    return _zone


def now_utc() -> datetime:
    return datetime.now(UTC)


def local_date(instant: datetime) -> date:
    """The local calendar date of an instant."""
    return instant.astimezone(_zone).date()


def today(now: datetime | None = None) -> date:
    """Today's local date (of ``now`` when given)."""
    return local_date(now or now_utc())


def local_instant(day: date, at: time) -> datetime:
    """The UTC instant of ``at`` o'clock local time on ``day``."""
    return datetime.combine(day, at, tzinfo=_zone).astimezone(UTC)


def start_of_day(day: date) -> datetime:
    """00:00 local time of ``day``, as a UTC instant."""
    return local_instant(day, time(0, 0))


def end_of_day(day: date) -> datetime:
    """24:00 local time of ``day`` (= 00:00 of the next day), as a UTC instant."""
    return local_instant(day + timedelta(days=1), time(0, 0))


def require_aware(instant: datetime, field: str) -> datetime:
    """The instant in UTC; a naive datetime is refused, because its time zone would be a guess."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationFailed.for_field(
            field, "时间必须带时区（例如 2025-09-26T09:00:00+08:00）", code="naive_datetime"
        )
    return instant.astimezone(UTC)
