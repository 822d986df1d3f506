"""Clock commands from other services over the deadlines queue: start, 中止 and 恢复 (第二十五条), 延长 once
(第二十二条), stop — each applied once, logged, and announced to the owner as ``clock.scheduled``."""

from __future__ import annotations

from datetime import date

import pytest
from deadlines_support import NINGBO, shanghai, start_payload
from sqlalchemy import func, select

from services.deadlines.tables import ClockRecord
from shared.contracts import (
    CLOCK_EXTEND,
    CLOCK_PAUSE,
    CLOCK_RESUME,
    CLOCK_SCHEDULED,
    CLOCK_START,
    CLOCK_STOP,
    party,
)
from shared.errors import Conflict, ValidationFailed


def clock_row(runtime, clock_id: str = "clk-1") -> ClockRecord:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        row = session.get(ClockRecord, clock_id)
        assert row is not None
        session.expunge(row)
        return row


def scheduled(sent) -> list[dict]:  # type: ignore[no-untyped-def]
    return [env["payload"] for dest, env in sent.sent if env["type"] == CLOCK_SCHEDULED and dest == "intake"]


def test_an_acceptance_decision_started_before_national_day_is_due_after_the_adjusted_sunday_第十七条(
    deadlines, start_clock, sent
) -> None:
    # 2025-09-26 (Fri): 9月28日 (Sun) is worked, 10月1–8日 are off → the 5th working day is 10月10日
    start_clock(at=shanghai(2025, 9, 26))
    row = clock_row(deadlines)
    assert (row.due_date, row.provisional, row.state) == (date(2025, 10, 10), False, "running")
    assert row.responsible == [party("department", "BB001", NINGBO)]
    assert row.next_reminder_at is not None
    [announced] = scheduled(sent)
    assert announced["due_date"] == "2025-10-10" and announced["reason"] == "started"
    assert announced["rule"] == "acceptance_decision" and announced["remaining_working_days"] == 5
    assert announced["case"]["title"] == "关于海域使用监管职责分工的协调申请"


def test_a_start_on_a_holiday_counts_from_the_next_working_day_第十七条(deadlines, start_clock) -> None:
    # 2026-02-21 is a Saturday inside the Spring Festival break; 2月28日 (Sat) is an adjusted working day
    start_clock(at=shanghai(2026, 2, 21))
    assert clock_row(deadlines).due_date == date(2026, 2, 28)


def test_the_same_start_twice_changes_nothing_and_announces_nothing_第十七条(
    deadlines, start_clock, send, sent
) -> None:
    first = start_clock(at=shanghai(2025, 11, 3))
    send(CLOCK_START, {}, at=shanghai(2025, 11, 3, 11), envelope=first)  # redelivered by the broker
    start_clock(at=shanghai(2025, 11, 3))  # re-sent by the owner as a new message
    with deadlines.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ClockRecord)) == 1
    assert len(scheduled(sent)) == 1
    assert len(clock_row(deadlines).events) == 1


def test_a_reused_clock_id_for_another_deadline_is_refused(start_clock) -> None:
    start_clock(at=shanghai(2025, 11, 3))
    with pytest.raises(Conflict) as refused:
        start_clock(rule="filing_opinion", at=shanghai(2025, 11, 3))
    assert refused.value.code == "clock_id_reused"


def test_a_suspension_across_national_day_keeps_the_working_days_used_第二十五条(
    deadlines, start_clock, send, sent
) -> None:
    # coordination opinion, 30 working days from 2025-09-15 (Mon)
    start_clock(rule="coordination_opinion", at=shanghai(2025, 9, 15))
    # paused on 9月26日 (Fri) after 9 working days; resumed on 10月9日 (Thu) after the break
    send(
        CLOCK_PAUSE,
        {"clock_id": "clk-1", "at": shanghai(2025, 9, 26).isoformat(), "reason": "三定草拟中"},
        at=shanghai(2025, 9, 26),
    )
    paused = clock_row(deadlines)
    assert (paused.state, paused.due_date, paused.working_days_used, paused.next_reminder_at) == (
        "paused",
        None,
        9,
        None,
    )
    send(
        CLOCK_RESUME, {"clock_id": "clk-1", "at": shanghai(2025, 10, 9).isoformat()}, at=shanghai(2025, 10, 9)
    )
    resumed = clock_row(deadlines)
    # 21 working days remain, counted from 10月9日 (the 10月11日 Saturday is worked): 11月6日
    assert (resumed.state, resumed.due_date) == ("running", date(2025, 11, 6))
    assert [e["kind"] for e in resumed.events] == ["started", "paused", "resumed"]
    assert [p["reason"] for p in scheduled(sent)] == ["started", "paused", "resumed"]
    assert scheduled(sent)[1]["due_date"] is None and scheduled(sent)[1]["state"] == "paused"


def test_an_extension_counts_30_more_working_days_from_the_old_due_date_once_第二十二条(
    deadlines, start_clock, send, sent
) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2025, 11, 3))
    before = clock_row(deadlines).due_date
    extend = {"clock_id": "clk-1", "reason": "涉及多个部门，情况特殊"}
    send(CLOCK_EXTEND, extend, at=shanghai(2025, 11, 20))
    send(CLOCK_EXTEND, extend, at=shanghai(2025, 11, 21))  # the same extension sent again: a repeat
    row = clock_row(deadlines)
    assert before == date(2025, 12, 15)
    assert row.extended and row.due_date == date(2026, 1, 27)  # 元旦 2026 (1月1–3日) off, 1月4日 (Sun) worked
    assert [p["reason"] for p in scheduled(sent)] == ["started", "extended"]
    with pytest.raises(Conflict) as refused:
        send(CLOCK_EXTEND, {"clock_id": "clk-1", "reason": "再次延长"}, at=shanghai(2025, 11, 24))
    assert refused.value.code == "already_extended"


def test_a_stopped_clock_owes_no_reminder_and_a_repeated_stop_is_a_no_op(
    deadlines, start_clock, send, sent
) -> None:
    start_clock(at=shanghai(2025, 11, 3))
    stop = {"clock_id": "clk-1", "at": shanghai(2025, 11, 5).isoformat(), "outcome": "done"}
    send(CLOCK_STOP, stop, at=shanghai(2025, 11, 5))
    send(CLOCK_STOP, stop, at=shanghai(2025, 11, 5, 11))
    row = clock_row(deadlines)
    assert (row.state, row.stop_outcome, row.next_reminder_at) == ("stopped", "done", None)
    assert [p["state"] for p in scheduled(sent)] == ["running", "stopped"]


def test_a_written_reply_period_is_set_per_solicitation_within_5_to_10_working_days_第二十条(
    deadlines, start_clock
) -> None:
    start_clock(rule="written_reply", at=shanghai(2025, 11, 3), working_days=7)
    assert clock_row(deadlines).due_date == date(2025, 11, 12)
    with pytest.raises(ValidationFailed) as refused:
        start_clock("clk-2", rule="written_reply", at=shanghai(2025, 11, 3), working_days=12)
    assert refused.value.fields == {"period_length": [refused.value.fields["period_length"][0]]}
    start_clock(
        "clk-3",
        rule="written_reply",
        at=shanghai(2025, 11, 3),
        working_days=12,
        working_days_reason="涉及面广，需征求县（市、区）意见",
    )
    assert clock_row(deadlines, "clk-3").due_date == date(2025, 11, 19)


def test_a_rectification_runs_to_the_date_in_the_order_第三十七条(deadlines, start_clock) -> None:
    start_clock(rule="rectification", at=shanghai(2025, 11, 3), due_date="2025-12-31")
    row = clock_row(deadlines)
    assert (row.due_date, row.fixed_due_date, row.provisional) == (
        date(2025, 12, 31),
        date(2025, 12, 31),
        False,
    )


def test_a_command_without_responsible_parties_names_the_field(send) -> None:
    payload = start_payload(at=shanghai(2025, 11, 3))
    payload["responsible"] = []
    with pytest.raises(ValidationFailed) as refused:
        send(CLOCK_START, payload, at=shanghai(2025, 11, 3))
    assert list(refused.value.fields) == ["responsible"]
