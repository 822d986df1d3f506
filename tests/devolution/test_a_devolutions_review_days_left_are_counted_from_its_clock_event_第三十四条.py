"""A devolution's review (10 working days, 第三十四条) shows its working days left on intake's 待办 counted
from the calendar window its clock's ``clock.scheduled`` carried, passed on with the task — never asking the
deadlines calendar API (here unreachable), and right across National Day 2025 (Sunday 9月28日 and Saturday
10月11日 worked, 10月1–8日 off). (Its approval carries no statutory date: the review ends with the conclusion
the leaders approve.)"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from devolution_factories import complete_application
from freezegun import freeze_time

from services.intake.adapters import deadlines_calendar
from services.intake.usecases import directory, worklist
from shared import demo
from shared.contracts import DEADLINES, DEVOLUTION, INTAKE, NOTIFY, TASK_OPENED
from shared.localtime import zone
from shared.runtime import ServiceRuntime


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


def relay(source: ServiceRuntime, target: ServiceRuntime, queue: str, at: datetime) -> list[dict[str, Any]]:
    """What ``source`` published to ``queue`` delivered to ``target`` as the broker would; returns it."""
    envelopes = [env for q, env in source.sender.sent if q == queue]
    source.sender.sent[:] = [(q, env) for q, env in source.sender.sent if q != queue]
    with freeze_time(at):
        for envelope in envelopes:
            target.bus.handle(envelope)
    return envelopes


def test_the_review_task_counts_days_left_across_national_day_without_asking_deadlines_第三十四条(
    client, auth, devolution, make_runtime, calls
) -> None:  # type: ignore[no-untyped-def]
    intake, deadlines = make_runtime("intake"), make_runtime("deadlines")
    directory.load_directory(intake, demo.demo_directory())
    with freeze_time(beijing(9, 26)):
        created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth("scjg.clerk"))
        dv = created.get_json()["id"]
        assert (
            client.post(f"/api/v1/devolutions/{dv}/submission", headers=auth("scjg.clerk")).status_code == 200
        )
    relay(devolution, deadlines, DEADLINES, beijing(9, 26))
    relay(deadlines, devolution, DEVOLUTION, beijing(9, 26))  # due 2025-10-16
    to_notify = [env for q, env in devolution.sender.sent if q == NOTIFY and env["type"] == TASK_OPENED]
    assert to_notify and all(
        "calendar" not in env["payload"] for env in to_notify
    )  # the to-do centre counts none
    relay(devolution, intake, INTAKE, beijing(9, 26))
    office = directory.principal_of(directory.find_person(intake, "bb.clerk"))
    unreachable = deadlines_calendar.DeadlinesCalendar("http://deadlines.invalid")

    def review_left(day: date) -> str:
        rows = worklist.office_worklist(intake, office, worklist.Filters(), counter=unreachable, today=day)
        [task] = [t for t in rows if t.step_name == "审核论证"]
        assert task.due_date == date(2025, 10, 16) and task.time_left is not None
        return task.time_left.label

    assert review_left(date(2025, 9, 26)) == "剩余 10 个工作日"  # weekdays alone would say 14
    assert review_left(date(2025, 9, 28)) == "剩余 9 个工作日"  # the working Sunday is used up
    assert review_left(date(2025, 10, 11)) == "剩余 4 个工作日"  # and the working Saturday: 13–16日 left

    assert calls == []
