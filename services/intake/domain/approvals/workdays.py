"""Working days left before a case's statutory due date, as the approver sees them in the inbox.

The deadlines service owns the working-day calendar (holidays, 调休上班日). Every ``clock.scheduled`` event
carries the calendar around its clock's period (``shared.contracts.CalendarWindow``): intake keeps it with its
copy of the clock and counts from it, as of today, through a :class:`ClockCalendar` — no request to deadlines.
Outside a window (a clock scheduled before events carried one, a request without a clock) the count falls back
to another :class:`WorkingDayCounter`. When a count reaches a year the calendar does not know, or is
weekends-only, it says so (约), never silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol


class WorkingDayCounter(Protocol):
    def count(self, after: date, through: date) -> tuple[int, bool]:
        """Working days ``d`` with ``after < d <= through``, and whether the count is approximate."""
        ...


def weekdays_between(after: date, through: date) -> int:
    """Monday–Friday days ``d`` with ``after < d <= through`` (no holidays: the honest fallback)."""
    if through <= after:
        return 0
    span = (through - after).days
    full_weeks, rest = divmod(span, 7)
    count = full_weeks * 5
    for offset in range(1, rest + 1):
        if (after + timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


class WeekendOnlyCounter:
    """The fallback counter: weekends only, always approximate."""

    def count(self, after: date, through: date) -> tuple[int, bool]:
        return weekdays_between(after, through), True

    def off_days(self, first: date, last: date) -> tuple[set[date], bool]:
        """The Saturdays and Sundays in ``first..last``, approximate."""
        days = (first + timedelta(days=i) for i in range((last - first).days + 1))
        return {day for day in days if day.weekday() >= 5}, True


@dataclass(frozen=True)
class ClockCalendar:
    """The calendar a clock event carried: the non-working days ``d`` with ``after < d <= through``, and the
    first day from which a count may still change (``provisional_from``). A 调休 working weekend day is not
    among ``off``, so it counts.

    Inside the window the count is exact; a part of a span outside it is counted by ``fallback``."""

    after: date
    through: date
    off: frozenset[date]
    provisional_from: date | None
    fallback: WorkingDayCounter

    @classmethod
    def from_json(cls, window: Mapping[str, Any] | None, fallback: WorkingDayCounter) -> WorkingDayCounter:
        """The counter for a stored ``CalendarWindow``; ``fallback`` itself when there is none (or it is not
        one: a clock stored before events carried their window)."""
        try:
            if not window:
                return fallback
            provisional = window.get("provisional_from")
            return cls(
                after=date.fromisoformat(window["after"]),
                through=date.fromisoformat(window["through"]),
                off=frozenset(date.fromisoformat(day) for day in window["off_days"]),
                provisional_from=date.fromisoformat(provisional) if provisional else None,
                fallback=fallback,
            )
        except (KeyError, TypeError, ValueError):
            return fallback

    def covers(self, after: date, through: date) -> bool:
        return self.after <= after and through <= self.through

    def count(self, after: date, through: date) -> tuple[int, bool]:
        if through <= after:
            return 0, False
        low, high = max(after, self.after), min(through, self.through)
        days, approximate = 0, self.provisional_from is not None and through >= self.provisional_from
        if low < high:
            days += (high - low).days - sum(1 for day in self.off if low < day <= high)
        for outside in ((after, min(through, self.after)), (max(after, self.through), through)):
            if outside[0] < outside[1]:
                more, rough = self.fallback.count(*outside)
                days, approximate = days + more, approximate or rough
        return days, approximate


@dataclass(frozen=True)
class TimeLeft:
    """Working days left until the due date (``overdue`` when past it, ``days`` then counts days late)."""

    due_date: date
    days: int
    overdue: bool
    approximate: bool

    @property
    def sort_key(self) -> int:
        return -self.days - 1 if self.overdue else self.days

    @property
    def label(self) -> str:
        prefix = "约" if self.approximate else ""
        if self.overdue:
            return f"已超期{prefix} {self.days} 个工作日" if self.days else "已超过期限"
        if self.days == 0:
            return "今天到期"
        return f"剩余{prefix} {self.days} 个工作日"


def time_left(due_date: date, today: date, counter: WorkingDayCounter) -> TimeLeft:
    """How long until (or since) ``due_date`` ends at 24:00, counted in working days from ``today``."""
    if today == due_date:
        return TimeLeft(due_date, 0, False, False)
    if today < due_date:
        days, approximate = counter.count(today, due_date)
        return TimeLeft(due_date, days, False, approximate)
    days, approximate = counter.count(due_date, today)
    return TimeLeft(due_date, days, True, approximate)
