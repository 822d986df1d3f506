"""The inbox counts the working days left to a statutory due date as of today from the calendar window the
clock's ``clock.scheduled`` carried, never asking the deadlines service (here unreachable): right across the
调休 weekends of National Day 2025 (Sunday 9月28日 and Saturday 10月11日 worked, 10月1–8日 off), one less each
working day, and updated when deadlines recomputes (an extension, 第二十二条)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import requests
from approvals_support import logged_in
from freezegun import freeze_time

from services.intake.adapters.deadlines_calendar import DeadlinesCalendar
from services.intake.api.mobile import COUNTER_KEY
from services.intake.app import create_app
from services.intake.usecases import approvals as service
from services.intake.usecases.directory import find_person, principal_of
from shared.contracts import CLOCK_EXTEND, CLOCK_SCHEDULED, CLOCK_START, case_ref, party
from shared.localtime import zone
from shared.messaging import Envelope
from shared.runtime import ServiceRuntime

NINGBO = "330200"


def beijing(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=zone())


class Unreachable:
    """A deadlines API that never answers, counting how often it is asked."""

    calls = 0

    def get(self, *_args: Any, **_kwargs: Any) -> Any:
        Unreachable.calls += 1
        raise requests.ConnectionError("connection refused")


@pytest.fixture
def unreachable() -> DeadlinesCalendar:
    Unreachable.calls = 0
    return DeadlinesCalendar("http://deadlines.invalid", session=Unreachable())  # type: ignore[arg-type]


@pytest.fixture
def deadlines(make_runtime) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    return make_runtime("deadlines")


def command(deadlines: ServiceRuntime, message_type: str, payload: dict[str, Any], at: datetime) -> None:
    with freeze_time(at):
        envelope = Envelope(type=message_type, payload=payload, source="intake", occurred_at=at.isoformat())
        deadlines.bus.handle(envelope.to_dict())


def relay(deadlines: ServiceRuntime, intake: ServiceRuntime) -> dict[str, Any]:
    """Deliver what deadlines published to intake's queue, as the broker would; returns the last event."""
    events = [
        env for queue, env in deadlines.sender.sent if queue == "intake" and env["type"] == CLOCK_SCHEDULED
    ]
    deadlines.sender.sent.clear()
    for envelope in events:
        intake.bus.handle(envelope)
    return events[-1]["payload"]


def start(deadlines: ServiceRuntime, rule: str, at: datetime) -> None:
    case = case_ref(service="intake", kind="coordination", id="c-1", title="关于活禽监管职责的协调申请",
                    jurisdiction=NINGBO)  # fmt: skip
    body = {"clock_id": "clk-1", "rule": rule, "case": case, "owner_service": "intake",
            "start_at": at.isoformat(), "responsible": [party("role", "office_clerk", NINGBO)]}  # fmt: skip
    command(deadlines, CLOCK_START, body, at)


def left_on(intake: ServiceRuntime, counter: DeadlinesCalendar, day: datetime) -> str:
    head = principal_of(find_person(intake, "bb.head"))
    [item] = service.inbox(intake, head, counter=counter, now=day)
    assert item.time_left is not None
    return item.time_left.label


def test_the_days_left_count_across_national_days_working_weekend_without_asking_deadlines_第十七条(
    deadlines, intake, ask, unreachable
) -> None:
    start(deadlines, "acceptance_decision", beijing(2025, 9, 26))  # 5 working days: due 2025-10-10
    event = relay(deadlines, intake)
    ask(
        statutory_clock_id="clk-1", statutory_due_date=event["due_date"], statutory_calendar=event["calendar"]
    )
    counts = {
        (9, 26): "剩余 5 个工作日",  # 28 (Sunday, worked), 29, 30, 10月9日, 10日; weekdays alone would say 10
        (9, 27): "剩余 5 个工作日",
        (9, 28): "剩余 4 个工作日",  # the working Sunday itself has passed by its evening
        (9, 30): "剩余 2 个工作日",
        (10, 5): "剩余 2 个工作日",  # inside the holiday nothing is used up
        (10, 9): "剩余 1 个工作日",
        (10, 10): "今天到期",
        (10, 11): "已超期 1 个工作日",  # Saturday 10月11日 is a working day: already one day late
        (10, 13): "已超期 2 个工作日",
    }
    for (month, day), label in counts.items():
        assert left_on(intake, unreachable, beijing(2025, month, day)) == label, (month, day)
    assert Unreachable.calls == 0


def test_an_extension_event_moves_the_count_without_asking_deadlines_第二十二条(
    deadlines, intake, ask, unreachable
) -> None:
    start(deadlines, "coordination_opinion", beijing(2025, 9, 26))  # 30 working days: due 2025-11-13
    event = relay(deadlines, intake)
    ask(
        statutory_clock_id="clk-1", statutory_due_date=event["due_date"], statutory_calendar=event["calendar"]
    )
    assert left_on(intake, unreachable, beijing(2025, 11, 10)) == "剩余 3 个工作日"
    command(
        deadlines,
        CLOCK_EXTEND,
        {"clock_id": "clk-1", "reason": "涉及部门多，情况复杂"},
        beijing(2025, 11, 10),
    )
    assert relay(deadlines, intake)["due_date"] == "2025-12-25"
    assert left_on(intake, unreachable, beijing(2025, 11, 10)) == "剩余 33 个工作日"
    assert left_on(intake, unreachable, beijing(2025, 11, 11)) == "剩余 32 个工作日"
    assert Unreachable.calls == 0


def test_the_phone_inbox_shows_todays_count_with_deadlines_unreachable_第十七条(
    deadlines, intake, ask, unreachable
) -> None:
    start(deadlines, "acceptance_decision", beijing(2025, 9, 26))
    event = relay(deadlines, intake)
    ask(
        statutory_clock_id="clk-1", statutory_due_date=event["due_date"], statutory_calendar=event["calendar"]
    )
    app = create_app(runtime=intake)
    app.extensions[COUNTER_KEY] = unreachable
    for day, label in [(28, "剩余 4 个工作日"), (30, "剩余 2 个工作日")]:
        with freeze_time(beijing(2025, 9, day)):
            client = app.test_client()
            logged_in(client, intake, "bb.head")
            html = client.get("/m/approvals").get_data(as_text=True)
        assert label in html and "约" not in html, day
    assert Unreachable.calls == 0


def test_an_approval_without_a_window_falls_back_to_the_calendar_api_and_says_约(
    intake, ask, unreachable
) -> None:
    """A request stored before clock events carried their calendar (or without a clock): counted by the
    deadlines API as before; when that is unreachable too, by weekends only, marked 约."""
    ask(statutory_due_date="2025-10-10")
    assert left_on(intake, unreachable, beijing(2025, 9, 26)) == "剩余约 10 个工作日"
    assert Unreachable.calls > 0
