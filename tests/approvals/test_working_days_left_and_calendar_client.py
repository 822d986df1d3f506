"""Working days left to a case's statutory due date: from the deadlines calendar when it answers, weekends
only and marked 约 when it does not (DESIGN.md "Deadlines": never guessed silently)."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import requests

from services.intake.adapters.deadlines_calendar import DeadlinesCalendar
from services.intake.domain.approvals.workdays import WeekendOnlyCounter, time_left, weekdays_between

# 2026: 10月1–8日 national-day holiday, 10月10日 (Saturday) an adjusted working day — the calendar's business.
HOLIDAYS = {date(2026, 10, 1) + timedelta(days=i) for i in range(8)}
ADJUSTED = {date(2026, 10, 10)}


def working(day: date) -> bool:
    return day in ADJUSTED or (day.weekday() < 5 and day not in HOLIDAYS)


class FakeDeadlines:
    """Answers GET /api/v1/calendar/due-date as issue 3 specifies it."""

    def __init__(self, *, provisional: bool = False, fail: bool = False) -> None:
        self.provisional, self.fail, self.calls = provisional, fail, 0

    def get(self, url: str, params: dict[str, Any], timeout: float) -> Any:
        self.calls += 1
        if self.fail:
            raise requests.ConnectionError("refused")
        day, left, skipped = date.fromisoformat(params["start"]), int(params["working_days"]), []
        while left:
            day += timedelta(days=1)
            if working(day):
                left -= 1
            else:
                skipped.append({"date": day.isoformat(), "reason": "节假日"})
        body = {"due_date": day.isoformat(), "provisional": self.provisional, "skipped": skipped}
        return type("R", (), {"status_code": 200, "json": lambda self: body})()


def exact(after: date, through: date) -> int:
    return sum(1 for i in range(1, (through - after).days + 1) if working(after + timedelta(days=i)))


def test_the_count_skips_holidays_and_counts_adjusted_working_weekends() -> None:
    calendar = DeadlinesCalendar("http://deadlines", session=FakeDeadlines())  # type: ignore[arg-type]
    for after, through in [(date(2026, 9, 28), date(2026, 10, 14)), (date(2026, 9, 30), date(2026, 10, 9))]:
        assert calendar.count(after, through) == (exact(after, through), False)


def test_when_the_calendar_is_down_the_count_is_weekends_only_and_approximate() -> None:
    calendar = DeadlinesCalendar("http://deadlines", session=FakeDeadlines(fail=True))  # type: ignore[arg-type]
    assert calendar.count(date(2026, 9, 28), date(2026, 10, 14)) == (12, True)


def test_a_provisional_answer_is_marked_approximate() -> None:
    calendar = DeadlinesCalendar("http://deadlines", session=FakeDeadlines(provisional=True))  # type: ignore[arg-type]
    assert calendar.count(date(2027, 1, 4), date(2027, 1, 8))[1] is True


def test_answers_are_cached_for_the_inbox_list() -> None:
    fake = FakeDeadlines()
    calendar = DeadlinesCalendar("http://deadlines", session=fake)  # type: ignore[arg-type]
    calendar.count(date(2026, 11, 2), date(2026, 11, 13))
    calls = fake.calls
    calendar.count(date(2026, 11, 2), date(2026, 11, 13))
    assert fake.calls == calls


def test_labels_say_days_left_due_today_or_overdue_with_约_when_approximate() -> None:
    counter = WeekendOnlyCounter()
    monday = date(2026, 11, 30)
    assert time_left(date(2026, 12, 3), monday, counter).label == "剩余约 3 个工作日"
    assert time_left(monday, monday, counter).label == "今天到期"
    late = time_left(date(2026, 11, 26), monday, counter)
    assert late.overdue and late.label == "已超期约 2 个工作日"
    assert late.sort_key < time_left(monday, monday, counter).sort_key


def test_weekdays_between_matches_a_day_by_day_count() -> None:
    start = date(2026, 1, 1)
    for span in range(0, 40):
        end = start + timedelta(days=span)
        slow = sum(1 for i in range(1, span + 1) if (start + timedelta(days=i)).weekday() < 5)
        assert weekdays_between(start, end) == slow


def test_the_client_agrees_with_the_real_deadlines_calendar_over_national_day(make_runtime) -> None:  # type: ignore[no-untyped-def]
    """Against the deadlines service's own API: 2025-09-26 + 5 working days is 2025-10-10 (issue 3's example),
    so (2025-09-26, 2025-10-10] holds exactly 5 working days, with 9月28日 an adjusted working Sunday."""
    from werkzeug.serving import make_server

    from services.deadlines.app import create_app as create_deadlines

    server = make_server("127.0.0.1", 0, create_deadlines(runtime=make_runtime("deadlines")), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        calendar = DeadlinesCalendar(f"http://127.0.0.1:{server.server_port}", jurisdiction="330200")
        assert calendar.count(date(2025, 9, 26), date(2025, 10, 10)) == (5, False)
        assert calendar.count(date(2025, 9, 26), date(2025, 9, 30)) == (3, False)  # 28th, 29th, 30th
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_a_clock_window_counts_exactly_inside_and_by_its_fallback_outside_marked_约() -> None:
    from services.intake.domain.approvals.workdays import ClockCalendar

    off = [(date(2026, 9, 27) + timedelta(days=i)).isoformat() for i in range(40)]
    window = {"after": "2026-09-27", "through": "2026-10-31", "provisional_from": None,
              "off_days": [d for d in off if not working(date.fromisoformat(d))]}  # fmt: skip
    calendar = ClockCalendar.from_json(window, WeekendOnlyCounter())
    assert calendar.count(date(2026, 9, 28), date(2026, 10, 14)) == (
        exact(date(2026, 9, 28), date(2026, 10, 14)),
        False,
    )
    inside, _ = calendar.count(date(2026, 10, 14), date(2026, 10, 31))
    assert calendar.count(date(2026, 10, 14), date(2026, 11, 6)) == (
        inside + 5,
        True,
    )  # 11月2–6日 by weekdays
    assert ClockCalendar.from_json(None, WeekendOnlyCounter()).count(date(2026, 9, 28), date(2026, 10, 14))[1]


def test_a_count_reaching_the_windows_provisional_day_is_marked_约() -> None:
    from services.intake.domain.approvals.workdays import ClockCalendar

    window = {
        "after": "2026-12-10",
        "through": "2027-04-30",
        "off_days": [],
        "provisional_from": "2026-12-20",
    }
    calendar = ClockCalendar.from_json(window, WeekendOnlyCounter())
    assert calendar.count(date(2026, 12, 10), date(2026, 12, 18))[1] is False
    assert calendar.count(date(2026, 12, 10), date(2026, 12, 21))[1] is True
