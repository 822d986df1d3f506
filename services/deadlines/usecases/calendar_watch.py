"""From 1 November, remind the office admins that next year's holiday notice is not loaded yet.

Dates in an unknown year are provisional (weekends only) until the year is loaded; the office should load it
as soon as the State Council publishes it; a year still missing when it begins is reminded of until loaded.
Each tick sets the gauge ``dm_calendar_next_year_missing``; in office hours of a working day, each
jurisdiction's ``office_admin`` role gets one ``calendar_year_missing`` notice per day (a sent-reminder key
per day and jurisdiction) until the year is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from prometheus_client import Gauge
from sqlalchemy import select

from services.deadlines.adapters.calendar_store import CalendarCache, calendars
from services.deadlines.domain.reminder_plan import DEFAULT_PLAN
from services.deadlines.domain.reminders import in_office_hours
from services.deadlines.tables import ClockRecord, SentReminder
from shared.auth import Role
from shared.contracts import NOTIFY, NOTIFY_SEND, party
from shared.db import utcnow
from shared.localtime import local_date
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

NEXT_YEAR_MISSING = Gauge(
    "dm_calendar_next_year_missing",
    "1 while this year's (or, from 1 November, next year's) holiday notice is not loaded, else 0",
    multiprocess_mode="livemax",
)
TEMPLATE = "calendar_year_missing"
WATCH_FROM = (11, 1)


def missing_year(today: date, known: tuple[int, ...]) -> int | None:
    """The current year if it is not loaded (every date in it is provisional: keep reminding after
    1 January); else next year, if ``today`` is on or after 1 November and next year is not loaded."""
    if today.year not in known:
        return today.year
    if (today.month, today.day) >= WATCH_FROM and today.year + 1 not in known:
        return today.year + 1
    return None


def watch_task(configured: tuple[str, ...]) -> Callable[[ServiceRuntime], None]:
    """The periodic task registered on the deadlines runtime, reminding ``configured`` jurisdictions too."""

    def calendar_watch(runtime: ServiceRuntime) -> None:
        with runtime.unit_of_work() as uow:
            remind_missing_year(uow, calendars(runtime.db), configured=configured, now=utcnow())
            uow.commit()

    return calendar_watch


def remind_missing_year(
    uow: UnitOfWork, cache: CalendarCache, *, configured: tuple[str, ...], now: datetime
) -> int:
    """Set the gauge and, once a day in office hours, remind every jurisdiction; returns how many were sent.

    The sent-reminder row per day and jurisdiction (unique key and recipient) makes the round idempotent.
    """
    calendar = cache.get(uow.session)
    year = missing_year(local_date(now), calendar.known_years)
    NEXT_YEAR_MISSING.set(0 if year is None else 1)
    if year is None or not in_office_hours(now, calendar, DEFAULT_PLAN):
        return 0
    key = f"calendar/{year}/missing/{local_date(now).isoformat()}"
    if uow.session.scalars(select(SentReminder.id).where(SentReminder.key == key).limit(1)).first():
        return 0  # today's round is done; a jurisdiction whose first clock starts later is told tomorrow
    count = 0
    for jurisdiction in sorted(set(configured) | _clock_jurisdictions(uow)):
        uow.session.add(SentReminder(key=key, recipient=jurisdiction, stage=TEMPLATE, sent_at=now))
        uow.publish(NOTIFY, NOTIFY_SEND, _notice(key, year, jurisdiction))
        count += 1
    return count


def _notice(key: str, year: int, jurisdiction: str) -> dict[str, object]:
    return {
        "dedupe_key": f"{key}/{jurisdiction}",
        "template": TEMPLATE,
        "params": {
            "year": year,
            "notice": f"国务院办公厅关于{year}年部分节假日安排的通知",
            "hint": f"{year}年节假日安排尚未载入，涉及{year}年的期限暂按周末计算，"
            f"{year - 1}年12月20日以后到期的期限也可能调整",
        },
        "recipients": [party("role", Role.OFFICE_ADMIN.value, jurisdiction)],
        "urgency": "normal",
    }


def _clock_jurisdictions(uow: UnitOfWork) -> set[str]:
    return set(uow.session.scalars(select(ClockRecord.jurisdiction).distinct()))
