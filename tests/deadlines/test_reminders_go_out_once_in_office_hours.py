"""The sweep: due soon, due today, overdue and escalation reminders (each once, in office hours of working
days), the 第二十条 expiry event for the owner, and no duplicates however often the scheduler restarts.

The running example: an acceptance decision (第十七条, 5 working days) received Monday 2025-11-03 is due
Monday 11月10日. Due soon: Thursday 11月6日 09:00; due today: 11月10日 09:00; overdue #1: 11月11日, #2:
11月13日; escalation after 3 working days overdue: 11月13日.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from deadlines_support import NINGBO, shanghai
from sqlalchemy import func, select

from services.deadlines.tables import ClockRecord, SentReminder
from services.deadlines.usecases import sweep
from shared.contracts import (
    CLOCK_DUE,
    CLOCK_DUE_SOON,
    CLOCK_EXPIRED,
    CLOCK_OVERDUE,
    CLOCK_PAUSE,
    NOTIFY_SEND,
    party,
)


def notices(sent) -> list[dict]:  # type: ignore[no-untyped-def]
    return [env["payload"] for env in sent.of_type(NOTIFY_SEND)]


def templates(sent) -> list[str]:  # type: ignore[no-untyped-def]
    return [n["template"] for n in notices(sent)]


def owner_events(sent) -> list[str]:  # type: ignore[no-untyped-def]
    kinds = {CLOCK_DUE_SOON, CLOCK_DUE, CLOCK_OVERDUE, CLOCK_EXPIRED}
    return [env["type"] for dest, env in sent.sent if dest == "intake" and env["type"] in kinds]


def next_reminder_at(runtime) -> datetime | None:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        return session.scalar(select(ClockRecord.next_reminder_at))


def test_due_soon_then_due_today_then_overdue_each_once_第十七条(deadlines, start_clock, sent) -> None:
    start_clock(at=shanghai(2025, 11, 3))
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 6, 8, 59)) == 0
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 6, 9, 1)) == 1
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 6, 9, 2)) == 0
    assert next_reminder_at(deadlines) == shanghai(2025, 11, 10, 9).astimezone(UTC)
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 10, 9, 0)) == 1
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 11, 9, 0)) == 1
    assert templates(sent) == ["due_soon", "due_today", "overdue"]
    assert owner_events(sent) == [CLOCK_DUE_SOON, CLOCK_DUE, CLOCK_OVERDUE]
    due_soon = notices(sent)[0]
    assert due_soon["recipients"] == [party("department", "BB001", NINGBO)]
    assert due_soon["link"] == "http://127.0.0.1:8001/cases/c-1"
    assert due_soon["params"] == {
        "clock_id": "clk-1",
        "case_title": "关于海域使用监管职责分工的协调申请",
        "rule": "acceptance_decision",
        "rule_name": "受理决定",
        "article": "第十七条",
        "link": "http://127.0.0.1:8001/cases/c-1",
        "due_date": "2025-11-10",
        "remaining_working_days": 2,
        "overdue_working_days": 0,
        "provisional": False,
        "stage": "due_soon",
        "sequence": 1,
    }
    assert notices(sent)[2]["params"]["overdue_working_days"] == 1


def test_a_scheduler_restarted_twice_and_down_for_days_sends_no_duplicate_and_no_stale_due_soon_第十七条(
    deadlines, start_clock, sent
) -> None:
    start_clock(at=shanghai(2025, 11, 3))
    for _restart in range(3):  # the same tick replayed by a restarted scheduler
        sweep.sweep(deadlines, now=shanghai(2025, 11, 6, 9, 30))
    # then down from Thursday to the next Friday: only the latest overdue notice and the escalation go out
    for _restart in range(3):
        sweep.sweep(deadlines, now=shanghai(2025, 11, 14, 10))
    # the relay hands one commit's messages to the broker in no particular order
    assert sorted(templates(sent)) == ["due_soon", "escalation", "overdue"]
    by_template = {n["template"]: n for n in notices(sent)}
    overdue, escalation = by_template["overdue"], by_template["escalation"]
    assert overdue["params"]["sequence"] == 2 and overdue["params"]["overdue_working_days"] == 4
    assert escalation["recipients"] == [party("role", "office_leader", NINGBO)]
    escalated = [env["payload"]["escalated"] for env in sent.of_type(CLOCK_OVERDUE)]
    assert sorted(escalated) == [False, True]
    dedupe_keys = [n["dedupe_key"] for n in notices(sent)]
    assert len(dedupe_keys) == len(set(dedupe_keys))
    with deadlines.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SentReminder)) == 3


def test_reminders_caught_up_on_a_weekend_wait_for_the_next_working_morning(
    deadlines, start_clock, sent
) -> None:
    start_clock(at=shanghai(2025, 11, 3))
    # the scheduler was down Thursday and Friday; it comes back on Saturday 11月8日
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 8, 10)) == 0
    assert next_reminder_at(deadlines) == shanghai(2025, 11, 10, 9).astimezone(UTC)
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 10, 9)) == 1
    assert templates(sent) == ["due_today"]  # the stale "due soon" is dropped


def test_an_urgent_clock_is_reminded_at_once_even_on_a_weekend(deadlines, start_clock, sent) -> None:
    start_clock(at=shanghai(2025, 11, 3), urgent=True)
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 8, 10)) == 1
    assert templates(sent) == ["due_soon"] and notices(sent)[0]["urgency"] == "urgent"


def test_an_escalation_goes_to_the_parties_the_owner_named(deadlines, start_clock, sent) -> None:
    leader = party("person", "bb.leader", NINGBO)
    start_clock(at=shanghai(2025, 11, 3), escalate_to=[leader])
    sweep.sweep(deadlines, now=shanghai(2025, 11, 13, 9))
    [escalation] = [n for n in notices(sent) if n["template"] == "escalation"]
    assert escalation["recipients"] == [leader]


def test_a_written_reply_that_runs_out_is_an_expired_event_for_the_owner_at_once_第二十条(
    deadlines, start_clock, sent
) -> None:
    start_clock(rule="written_reply", at=shanghai(2025, 11, 3), working_days=5)
    # due 11月10日 24:00; at 03:00 on 11月11日 the owner learns at once (silence = 视为没有不同意见)
    sweep.sweep(deadlines, now=shanghai(2025, 11, 11, 3))
    assert owner_events(sent) == [CLOCK_EXPIRED]
    assert sent.of_type(CLOCK_EXPIRED)[0]["payload"]["due_date"] == "2025-11-10"
    assert templates(sent) == []
    sweep.sweep(deadlines, now=shanghai(2025, 11, 20, 10))
    assert owner_events(sent) == [CLOCK_EXPIRED]  # no overdue chasing after a written reply ran out


def test_a_paused_clock_is_not_reminded_第二十五条(deadlines, start_clock, send, sent) -> None:
    start_clock(at=shanghai(2025, 11, 3))
    send(
        CLOCK_PAUSE,
        {"clock_id": "clk-1", "at": shanghai(2025, 11, 4).isoformat(), "reason": "机构调整"},
        at=shanghai(2025, 11, 4),
    )
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 20, 10)) == 0
    assert templates(sent) == []


def test_a_tick_claims_in_batches_until_nothing_is_due(deadlines, start_clock, sent) -> None:
    for number in range(7):
        start_clock(f"clk-{number}", at=shanghai(2025, 11, 3), case_id=f"c-{number}")
    assert sweep.sweep(deadlines, now=shanghai(2025, 11, 6, 9, 30), batch_size=3) == 7
    assert templates(sent) == ["due_soon"] * 7


def test_a_scheduler_tick_runs_the_sweep_and_the_calendar_watch_without_error(deadlines, caplog) -> None:
    assert sweep.sweep_tick in deadlines.periodic and len(deadlines.periodic) == 2
    with caplog.at_level(logging.ERROR):
        deadlines.run_periodic()  # run_periodic logs a failing task instead of raising
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
