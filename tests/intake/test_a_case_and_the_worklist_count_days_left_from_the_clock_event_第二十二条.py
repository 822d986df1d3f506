"""A case's clocks and the office's 待办 count the working days left as of today from the calendar window the
deadlines service sent with the clock (``clock.scheduled``), with its HTTP API unreachable: right across
National Day 2025 (Sunday 9月28日 and Saturday 10月11日 worked, 10月1–8日 off) and one less each working day
(第二十二条: 30 working days for the coordination opinion)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from casework_support import OPINION, Desk, accepted_application
from freezegun import freeze_time

from services.deadlines.adapters.calendar_store import calendars
from services.deadlines.domain.calendar import LocalOverride, OverrideKind
from services.deadlines.usecases import calendar_admin
from services.intake.adapters import deadlines_calendar
from services.intake.usecases import directory, worklist
from shared.contracts import CLOCK_SCHEDULED
from shared.identity import Principal, Role
from shared.localtime import zone
from shared.runtime import ServiceRuntime

ADMIN = Principal("bb.admin", "周敏", "330200", "nb-bb", frozenset({Role.OFFICE_ADMIN}))


def beijing(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=zone())


@pytest.fixture
def calls(monkeypatch) -> list[Any]:  # type: ignore[no-untyped-def]
    """The deadlines calendar API is unreachable; every attempt to ask it is recorded."""
    asked: list[Any] = []

    def unreachable(self: Any, start: date, working_days: int) -> dict[str, Any]:
        asked.append((start, working_days))
        raise deadlines_calendar.CalendarUnavailable("connection refused")

    monkeypatch.setattr(deadlines_calendar.DeadlinesCalendar, "_due_date", unreachable)
    return asked


def relay(source: ServiceRuntime, target: ServiceRuntime, queue: str, at: datetime) -> None:
    """What ``source`` published to ``queue`` delivered to ``target``, as the broker would, at ``at``."""
    envelopes = [env for q, env in source.sender.sent if q == queue]
    source.sender.sent[:] = [(q, env) for q, env in source.sender.sent if q != queue]
    with freeze_time(at):
        for envelope in envelopes:
            target.bus.handle(envelope)


@pytest.fixture
def deadlines(make_runtime) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    return make_runtime("deadlines")


@pytest.fixture
def case(make_runtime, deadlines, calls) -> tuple[Desk, str]:  # type: ignore[no-untyped-def]
    """A coordination application accepted on Friday 2025-09-26: its opinion clock runs to 2025-11-13."""
    desk = Desk(make_runtime("intake"))
    with freeze_time(beijing(9, 26)):
        case_id = accepted_application(desk)
    relay(desk.runtime, deadlines, "deadlines", beijing(9, 26))
    relay(deadlines, desk.runtime, "intake", beijing(9, 26))
    return desk, case_id


def opinion_left(desk: Desk, case_id: str, month: int, day: int, due: str = "2025-11-13") -> int:
    with freeze_time(beijing(month, day)):
        clocks = {c["rule"]: c for c in desk.get("bb.clerk", f"/cases/{case_id}").json["clocks"]}
    assert clocks["coordination_opinion"]["due_date"] == due
    return clocks["coordination_opinion"]["remaining_working_days"]


def test_the_case_counts_days_left_as_of_today_across_the_working_weekend_第二十二条(case, calls) -> None:
    desk, case_id = case
    assert opinion_left(desk, case_id, 9, 26) == 30
    assert opinion_left(desk, case_id, 9, 28) == 29  # the working Sunday is used up
    assert opinion_left(desk, case_id, 10, 8) == 27  # nothing used inside the holiday
    assert opinion_left(desk, case_id, 10, 11) == 24  # 9日, 10日 and the working Saturday
    assert opinion_left(desk, case_id, 11, 13) == 0
    assert calls == []


def test_the_office_worklist_counts_the_same_days_left_without_asking_deadlines_第二十二条(
    case, calls
) -> None:
    desk, case_id = case
    me = directory.principal_of(directory.find_person(desk.runtime, "bb.clerk"))
    unreachable = deadlines_calendar.DeadlinesCalendar("http://deadlines.invalid")

    def badge(day: date) -> str:
        rows = worklist.office_worklist(desk.runtime, me, worklist.Filters(), counter=unreachable, today=day)
        [task] = [t for t in rows if case_id in t.task_id and t.due_date]
        assert task.due_date == date(2025, 11, 13) and task.time_left is not None
        return task.time_left.label

    assert badge(date(2025, 9, 28)) == "剩余 29 个工作日"
    assert badge(date(2025, 10, 11)) == "剩余 24 个工作日"
    assert badge(date(2025, 11, 14)) == "已超期 1 个工作日"
    assert calls == []


def test_a_recompute_event_updates_the_stored_window_and_the_count_第二十二条(case, deadlines, calls) -> None:
    """A local closure (停止办公) on Monday 10月20日 moves the due date to 11月14日; the event carries the
    closure in its window, so the count as of 10月13日 stays 23 (with the old window it would say 24)."""
    desk, case_id = case
    assert opinion_left(desk, case_id, 10, 13) == 23
    closure = LocalOverride(date(2025, 10, 20), OverrideKind.CLOSURE, "台风“示例”停止办公")
    with deadlines.unit_of_work() as uow:
        calendar_admin.set_override(
            uow, calendars(deadlines.db), "330200", closure, actor=ADMIN, now=beijing(10, 13)
        )
        uow.commit()
    [event] = [env["payload"] for env in deadlines.sender.of_type(CLOCK_SCHEDULED)]
    assert event["reason"] == "calendar_changed" and "2025-10-20" in event["calendar"]["off_days"]
    relay(deadlines, desk.runtime, "intake", beijing(10, 13))
    assert opinion_left(desk, case_id, 10, 13, due="2025-11-14") == 23
    assert opinion_left(desk, case_id, 10, 21, due="2025-11-14") == 18  # 14–17日 used, 20日 closed, 21日 used
    assert calls == []


def test_the_opinion_sent_for_approval_takes_its_clocks_window_to_the_leaders_inbox_第二十一条_第二十二条(
    case, calls
) -> None:
    from services.intake.usecases import approvals

    desk, case_id = case
    with freeze_time(beijing(10, 9)):
        desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意由执法局负责收运环节"})
        assert desk.act("bb.clerk", case_id, "opinion", OPINION).json["status"] == "awaiting_approval"
    [request] = desk.sent("approval.request")
    assert request["statutory_calendar"]["off_days"][:2] == ["2025-09-27", "2025-10-01"]
    relay(desk.runtime, desk.runtime, "intake", beijing(10, 9))
    head = directory.principal_of(directory.find_person(desk.runtime, "bb.head"))
    unreachable = deadlines_calendar.DeadlinesCalendar("http://deadlines.invalid")
    [item] = approvals.inbox(desk.runtime, head, counter=unreachable, now=beijing(10, 9))
    assert (
        item.time_left is not None and item.time_left.label == "剩余 26 个工作日"
    )  # 28日, 29日, 30日, 9日 used
    [item] = approvals.inbox(desk.runtime, head, counter=unreachable, now=beijing(10, 11))
    assert (
        item.time_left is not None and item.time_left.label == "剩余 24 个工作日"
    )  # and the working Saturday
    assert calls == []


def test_a_closure_after_the_due_date_reaches_the_worklists_overdue_count_but_not_the_to_do_centre_第二十二条(
    case, deadlines, calls
) -> None:
    desk, case_id = case
    me = directory.principal_of(directory.find_person(desk.runtime, "bb.clerk"))
    unreachable = deadlines_calendar.DeadlinesCalendar("http://deadlines.invalid")

    def badge() -> str:
        rows = worklist.office_worklist(
            desk.runtime, me, worklist.Filters(), counter=unreachable, today=date(2025, 11, 21)
        )
        [task] = [t for t in rows if case_id in t.task_id and t.due_date]
        assert task.time_left is not None
        return task.time_left.label

    assert badge() == "已超期 6 个工作日"  # 14, 17, 18, 19, 20, 21日
    closure = LocalOverride(date(2025, 11, 20), OverrideKind.CLOSURE, "台风“示例”停止办公")
    with deadlines.unit_of_work() as uow:
        calendar_admin.set_override(
            uow, calendars(deadlines.db), "330200", closure, actor=ADMIN, now=beijing(11, 19)
        )
        uow.commit()
    [event] = [env["payload"] for env in deadlines.sender.of_type(CLOCK_SCHEDULED)]
    assert event["reason"] == "refreshed" and event["due_date"] == "2025-11-13"
    desk.sender.sent.clear()
    relay(deadlines, desk.runtime, "intake", beijing(11, 19))
    assert badge() == "已超期 5 个工作日"
    assert desk.sent("task.opened") == [] and desk.sent("notify.send") == []  # nothing anyone sees moved
    assert calls == []
