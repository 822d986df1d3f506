"""Working days left before a case's statutory due date, as the approver sees them in the inbox.

The deadlines service owns the working-day calendar (holidays, 调休上班日); the inbox asks it through a
:class:`WorkingDayCounter`. When the calendar cannot answer, or the answer reaches a year it does not know,
the count is weekends-only and says so (约), never silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol


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
