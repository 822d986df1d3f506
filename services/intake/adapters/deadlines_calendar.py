"""Counting working days through the deadlines service's public calendar API (it owns the calendar).

The days left to a clock's due date are not counted here: intake counts them from the calendar window the
clock's events carry (``domain.approvals.workdays.ClockCalendar``). This client is what remains for the
rest: a clock or approval stored without a window, an approval without a clock (the days it has waited), the
supervision figures' durations (:meth:`DeadlinesCalendar.off_days`) and the solicitation form's live preview
of a reply's due date (``pages/case.py``).

Only ``GET /api/v1/calendar/due-date?start=…&working_days=N`` is needed: its answer lists the non-working days
inside the period (``skipped``), so the working days in ``(after, through]`` are the calendar days minus the
skipped ones up to ``through``. When the service cannot answer, or answers ``provisional`` (a year it does not
know), the count is weekends-only and marked approximate (约). Answers are cached for a few minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

import requests

from services.intake.domain.approvals.workdays import WeekendOnlyCounter, weekdays_between
from shared.config import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

DUE_DATE_PATH = "/api/v1/calendar/due-date"


class CalendarUnavailable(Exception):
    """Raised when the deadlines calendar gives no usable answer."""


class DeadlinesCalendar:
    """A :class:`~services.intake.domain.approvals.workdays.WorkingDayCounter` over the deadlines API."""

    def __init__(
        self,
        base_url: str,
        *,
        jurisdiction: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 2.0,
        cache_seconds: float = 300.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.jurisdiction = jurisdiction  # local closures (a typhoon day) differ by jurisdiction
        self.session = session or requests.Session()
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._cache: dict[tuple[str, date, date], tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._fallback = WeekendOnlyCounter()

    def count(self, after: date, through: date) -> tuple[int, bool]:
        if through <= after:
            return 0, False
        return self._cached(
            ("count", after, through),
            lambda: self._count(after, through),
            lambda: self._fallback.count(after, through),
        )

    def off_days(self, first: date, last: date) -> tuple[set[date], bool]:
        """The non-working days in ``first..last`` (holidays; weekends unless 调休 makes them working days)
        and whether the answer is approximate: weekends only when the calendar does not answer, or
        provisional for a year it does not know. One cached answer serves a whole dashboard."""
        return self._cached(
            ("off_days", first, last),
            lambda: self._off_days(first, last),
            lambda: self._fallback.off_days(first, last),
        )

    def _cached(self, key: tuple[str, date, date], ask: Callable[[], T], fallback: Callable[[], T]) -> T:
        """A cached answer of the calendar (for ``cache_seconds``), or ``fallback``'s (weekends only, not
        cached) when it does not answer."""
        with self._lock:
            cached = self._cache.get(key)
        if cached and time.monotonic() - cached[0] < self.cache_seconds:
            answer: T = cached[1]
            return answer
        try:
            answer = ask()
        except (CalendarUnavailable, requests.RequestException, ValueError, KeyError) as exc:
            log.warning("deadlines calendar unavailable, counting weekends only: %s", exc)
            return fallback()
        with self._lock:
            self._cache[key] = (time.monotonic(), answer)
        return answer

    def _off_days(self, first: date, last: date) -> tuple[set[date], bool]:
        off: set[date] = set()
        provisional, start = False, first - timedelta(days=1)
        for _ in range(12):
            body = self._due_date(start, max(weekdays_between(start, last), 1))
            provisional = provisional or bool(body.get("provisional"))
            off |= {date.fromisoformat(s["date"]) for s in body.get("skipped", [])}
            due = date.fromisoformat(body["due_date"])
            if due >= last:
                return {d for d in off if first <= d <= last}, provisional
            start = due
        raise CalendarUnavailable("the calendar's answers do not converge")

    def _count(self, after: date, through: date) -> tuple[int, bool]:
        """Ask for the Nth working day after ``after``; if it falls short of ``through``, continue from it."""
        total, provisional, start = 0, False, after
        for _ in range(6):
            guess = max(weekdays_between(start, through), 1)
            body = self._due_date(start, guess)
            provisional = provisional or bool(body.get("provisional"))
            due = date.fromisoformat(body["due_date"])
            if due >= through:
                skipped = {date.fromisoformat(s["date"]) for s in body.get("skipped", [])}
                off = sum(1 for day in skipped if start < day <= through)
                return total + (through - start).days - off, provisional
            total, start = total + guess, due
        raise CalendarUnavailable("the calendar's answers do not converge")

    def _due_date(self, start: date, working_days: int) -> dict[str, Any]:
        params: dict[str, str | int] = {"start": start.isoformat(), "working_days": working_days}
        if self.jurisdiction:
            params["jurisdiction"] = self.jurisdiction
        response = self.session.get(
            self.base_url + DUE_DATE_PATH,
            params=params,
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise CalendarUnavailable(f"HTTP {response.status_code}")
        return response.json()


_counters: dict[tuple[str, str | None], DeadlinesCalendar] = {}
_counters_lock = threading.Lock()


def calendar_for(settings: Settings, jurisdiction: str | None = None) -> DeadlinesCalendar:
    """One client per deadlines URL and jurisdiction per process (its cache serves every request)."""
    key = (settings.service_urls["deadlines"], jurisdiction)
    with _counters_lock:
        if key not in _counters:
            _counters[key] = DeadlinesCalendar(key[0], jurisdiction=jurisdiction)
        return _counters[key]
