"""Every ``clock.scheduled`` carries the calendar around its clock's period (``contracts.CalendarWindow``):
the owner counts the working days left as of any later day from it, without asking the deadlines service.

National Day 2025: 10月1–8日 off, Sunday 9月28日 and Saturday 10月11日 adjusted working days."""

from __future__ import annotations

from datetime import date

from deadlines_support import ADMIN, NINGBO, shanghai

from services.deadlines.adapters.calendar_store import calendars
from services.deadlines.domain.calendar import LocalOverride, OverrideKind
from services.deadlines.usecases import calendar_admin
from shared.contracts import CLOCK_EXTEND, CLOCK_SCHEDULED, NOTIFY_SEND


def scheduled(sent) -> list[dict]:  # type: ignore[no-untyped-def]
    return [envelope["payload"] for envelope in sent.of_type(CLOCK_SCHEDULED)]


def test_a_started_clock_tells_its_owner_the_days_off_and_a_working_weekend_day_is_not_one_第十七条(
    start_clock, sent
) -> None:
    start_clock(rule="acceptance_decision", at=shanghai(2025, 9, 26))
    [event] = scheduled(sent)
    window = event["calendar"]
    assert event["due_date"] == "2025-10-10"
    assert (window["after"], window["through"]) == ("2025-09-26", "2026-01-10")  # past the due date too
    off = set(window["off_days"])
    assert {"2025-09-27", "2025-10-01", "2025-10-08", "2025-10-12"} <= off
    assert "2025-09-28" not in off and "2025-10-11" not in off  # 调休上班: working days, counted
    assert "2025-10-09" not in off and "2026-01-01" in off
    assert window["provisional_from"] is None


def test_an_extension_sends_the_moved_due_date_with_a_window_reaching_past_it_第二十二条(
    start_clock, send, sent
) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2025, 9, 26))
    send(CLOCK_EXTEND, {"clock_id": "clk-1", "reason": "涉及部门多，情况复杂"}, at=shanghai(2025, 11, 10))
    first, extended = scheduled(sent)
    assert (first["due_date"], extended["due_date"]) == ("2025-11-13", "2025-12-25")
    assert extended["reason"] == "extended"
    assert extended["calendar"]["through"] == "2026-03-27" > first["calendar"]["through"]
    assert "2026-01-01" in extended["calendar"]["off_days"]


def test_a_closure_after_the_due_date_is_sent_in_the_window_without_moving_anything_第十七条(
    deadlines, start_clock, sent
) -> None:
    start_clock(rule="acceptance_decision", at=shanghai(2025, 9, 26))
    closure = LocalOverride(date(2025, 10, 14), OverrideKind.CLOSURE, "台风“示例”停止办公")
    with deadlines.unit_of_work() as uow:
        result = calendar_admin.set_override(
            uow, calendars(deadlines.db), NINGBO, closure, actor=ADMIN, now=shanghai(2025, 10, 13, 18)
        )
        uow.commit()
    assert result.to_dict() == {"recomputed_clocks": 0, "moved_due_dates": 0}
    _started, refreshed = scheduled(sent)
    assert refreshed["reason"] == "refreshed" and refreshed["due_date"] == "2025-10-10"
    assert "2025-10-14" in refreshed["calendar"]["off_days"]
    assert not sent.of_type(NOTIFY_SEND)  # nobody's due date moved: nobody is told


def test_a_period_reaching_next_years_blind_spot_says_from_which_day_a_count_is_provisional_第二十二条(
    start_clock, sent
) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2026, 12, 10))  # 2027 is not loaded
    [event] = scheduled(sent)
    assert event["provisional"] is True
    assert event["calendar"]["provisional_from"] == "2026-12-20"  # the year-end days 2027's notice may move


def test_the_open_clocks_can_be_announced_again_for_owners_that_stored_them_without_a_window(
    deadlines, start_clock, sent
) -> None:
    start_clock("clk-1", at=shanghai(2025, 9, 26))
    start_clock("clk-2", at=shanghai(2025, 9, 29), case_id="c-2")
    sent.sent.clear()
    with deadlines.unit_of_work() as uow:
        announced = calendar_admin.announce_open_clocks(
            uow, calendars(deadlines.db), now=shanghai(2025, 9, 30)
        )
        uow.commit()
    assert announced == 2
    assert sorted(e["clock_id"] for e in scheduled(sent)) == ["clk-1", "clk-2"]
    assert {e["reason"] for e in scheduled(sent)} == {"refreshed"}
    assert all(e["calendar"]["off_days"] for e in scheduled(sent))
