"""Statutory clocks: the rule table and what each command does to a clock
(第十五、十七、二十、二十二、二十五、三十四、三十五、三十七条).

A small hand-built calendar (made-up 2031 data, below) keeps the dates checkable by eye.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.deadlines.domain.calendar import LocalOverride, OverrideKind, WorkingCalendar, YearData
from services.deadlines.domain.chinesecalendar_source import seeded_calendar
from services.deadlines.domain.clock import (
    Clock,
    ClockPhase,
    ClockState,
    EventKind,
    StartClock,
    StopOutcome,
    start_or_confirm,
)
from services.deadlines.domain.rules import RULES, PeriodKind, rule_by_code
from shared.errors import Conflict, ValidationFailed
from shared.localtime import zone

SHANGHAI = zone()

D = date


def toy_calendar(*overrides: LocalOverride) -> WorkingCalendar:
    """2031: 国庆 10月1–7日 off, 9月28日 (Sun) and 10月11日 (Sat) worked. 2032 is not loaded."""
    national_day = {D(2031, 10, day): "国庆节" for day in range(1, 8)}
    adjusted = {D(2031, 9, 28): "国庆节调休上班", D(2031, 10, 11): "国庆节调休上班"}
    return WorkingCalendar([YearData(2031, national_day, adjusted, "测试用2031年数据")], overrides)


def shanghai(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


def start_command(
    rule_code: str = "coordination_opinion", on: datetime | None = None, **changes: object
) -> StartClock:
    fields: dict[str, object] = {
        "clock_id": "clk-1",
        "rule_code": rule_code,
        "case_reference": "甬编协〔2031〕7号",
        "owner_service": "intake",
        "responsible_party": "市委编办职能处",
        "jurisdiction": "宁波市",
        "at": on or shanghai(2031, 9, 22),
        **changes,
    }
    return StartClock(**fields)  # type: ignore[arg-type]


def started(rule_code: str = "coordination_opinion", on: datetime | None = None, **changes: object) -> Clock:
    return Clock.start(start_command(rule_code, on, **changes), toy_calendar())


# --- the rule table ---


def test_every_rule_cites_its_article_by_number_and_by_its_chinese_label() -> None:
    cited = {code: (rule.article, rule.article_label) for code, rule in RULES.items()}

    assert cited == {
        "filing_opinion": (15, "第十五条"),
        "acceptance_decision": (17, "第十七条"),
        "written_reply": (20, "第二十条"),
        "coordination_opinion": (22, "第二十二条"),
        "devolution_review": (34, "第三十四条"),
        "operation_report": (35, "第三十五条"),
        "rectification": (37, "第三十七条"),
    }


def test_periods_are_as_the_measures_set_them() -> None:
    periods = {
        code: (rule.period_kind, rule.length, rule.extension_working_days) for code, rule in RULES.items()
    }

    assert periods["filing_opinion"] == (PeriodKind.WORKING_DAYS, 5, None)
    assert periods["acceptance_decision"] == (PeriodKind.WORKING_DAYS, 5, None)
    assert periods["coordination_opinion"] == (PeriodKind.WORKING_DAYS, 30, 30)
    assert periods["devolution_review"] == (PeriodKind.WORKING_DAYS, 10, None)
    assert periods["operation_report"] == (PeriodKind.CALENDAR_MONTHS, 6, None)
    assert periods["rectification"] == (PeriodKind.FIXED_DATE, None, None)
    assert (RULES["written_reply"].min_length, RULES["written_reply"].max_length) == (5, 10)


def test_only_a_written_reply_treats_silence_at_expiry_as_no_objection_第20条() -> None:
    assert [code for code, rule in RULES.items() if rule.silence_means_no_objection] == ["written_reply"]


def test_an_unknown_rule_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        rule_by_code("appeal")
    assert error.value.fields.keys() == {"rule"}


@pytest.mark.parametrize("length", [5, 7, 10])
def test_a_written_reply_period_of_five_to_ten_working_days_is_set_per_solicitation_第20条(
    length: int,
) -> None:
    clock = started("written_reply", period_length=length)

    assert clock.period_length == length
    assert clock.due_date == toy_calendar().nth_working_day_after(D(2031, 9, 22), length)


def test_a_written_reply_period_outside_five_to_ten_needs_an_explicit_reason_第20条() -> None:
    with pytest.raises(ValidationFailed) as error:
        started("written_reply", period_length=15)
    assert error.value.code == "period_out_of_range"
    assert "period_length" in error.value.fields

    clock = started("written_reply", period_length=15, length_reason="涉及部门多，需征求下级意见")
    assert clock.period_length == 15


def test_a_written_reply_without_a_period_is_refused_第20条() -> None:
    with pytest.raises(ValidationFailed) as error:
        started("written_reply")
    assert error.value.code == "period_length_required"


def test_a_period_fixed_by_the_measures_cannot_be_set_by_the_caller_第15条() -> None:
    with pytest.raises(ValidationFailed) as error:
        started("filing_opinion", period_length=8)
    assert error.value.code == "period_fixed_by_rule"


# --- starting ---


def test_a_clock_is_due_at_24_00_shanghai_time_of_the_nth_working_day_stored_in_utc_第17条() -> None:
    clock = started("acceptance_decision")  # Monday 2031-09-22

    assert clock.due_date == D(2031, 9, 28)  # 23, 24, 25, 26 and the adjusted Sunday
    assert clock.due_at == datetime(2031, 9, 28, 16, 0, tzinfo=UTC)
    assert clock.due_at.tzinfo is UTC
    assert (clock.state, clock.working_days_used, clock.calendar_version) == (
        ClockState.RUNNING,
        0,
        toy_calendar().version,
    )
    assert [event.kind for event in clock.events] == [EventKind.STARTED]
    assert clock.events[0].detail["due_date"] == "2031-09-28"


def test_the_start_date_is_the_shanghai_date_of_the_start_instant() -> None:
    late_evening_utc = datetime(2031, 9, 22, 17, 0, tzinfo=UTC)  # 01:00 on 9月23日 in Ningbo

    clock = started("filing_opinion", on=late_evening_utc)

    assert clock.start_date == D(2031, 9, 23)
    assert clock.started_at == late_evening_utc


def test_a_start_instant_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        started(on=datetime(2031, 9, 22, 10))
    assert error.value.code == "naive_datetime"


def test_a_clock_without_a_responsible_party_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        started(responsible_party="  ")
    assert error.value.fields.keys() == {"responsible_party"}


def test_starting_the_same_clock_twice_returns_the_first_one_unchanged() -> None:
    first, created = start_or_confirm(None, start_command(), toy_calendar())

    again, created_again = start_or_confirm(first, start_command(), toy_calendar())

    assert (created, created_again) == (True, False)
    assert again is first
    assert len(first.events) == 1


def test_reusing_a_clock_id_for_another_deadline_is_a_conflict() -> None:
    first = started()

    with pytest.raises(Conflict) as error:
        start_or_confirm(first, start_command(case_reference="甬编协〔2031〕8号"), toy_calendar())
    assert error.value.code == "clock_id_reused"


def test_an_operation_report_is_due_half_a_year_after_formal_devolution_第35条() -> None:
    clock = Clock.start(start_command("operation_report", on=shanghai(2025, 4, 1)), seeded_calendar())

    assert clock.due_date == D(2025, 10, 9)  # 10月1日 rolled past 国庆 to the next working day


def test_a_rectification_is_due_on_the_date_set_in_the_order_第37条() -> None:
    clock = started("rectification", fixed_due_date=D(2031, 10, 31))

    assert clock.due_date == D(2031, 10, 31)
    assert not clock.provisional


def test_a_rectification_without_a_date_after_the_order_is_refused_第37条() -> None:
    with pytest.raises(ValidationFailed) as error:
        started("rectification", fixed_due_date=D(2031, 9, 22))
    assert error.value.fields.keys() == {"fixed_due_date"}


def test_a_clock_reaching_a_year_the_calendar_does_not_know_is_provisional_第22条() -> None:
    clock = started(on=shanghai(2031, 12, 1))

    assert clock.provisional
    assert not started().provisional


# --- 中止 and 恢复 (第二十五条) ---


def test_suspension_across_national_day_keeps_used_days_and_counts_the_rest_from_resumption_第25条() -> None:
    calendar = toy_calendar()
    clock = started()  # coordination opinion, 30 working days from Monday 2031-09-22

    clock.pause(at=shanghai(2031, 9, 24), calendar=calendar, reason="相关部门正在进行机构调整")
    assert (clock.state, clock.working_days_used, clock.due_date, clock.due_at) == (
        ClockState.PAUSED,
        2,
        None,
        None,
    )
    assert clock.remaining_working_days(D(2031, 10, 20), calendar) == 28

    clock.resume(at=shanghai(2031, 10, 9), calendar=calendar)
    assert clock.state is ClockState.RUNNING
    assert clock.counting_from == D(2031, 10, 9)
    assert clock.due_date == D(2031, 11, 17)  # 28 working days after 10月9日, the Saturday 10月11日 included
    assert [event.kind for event in clock.events] == [EventKind.STARTED, EventKind.PAUSED, EventKind.RESUMED]


def test_pausing_a_paused_clock_is_a_no_op_第25条() -> None:
    calendar = toy_calendar()
    clock = started()
    assert clock.pause(at=shanghai(2031, 9, 24), calendar=calendar, reason="机构调整")

    assert not clock.pause(at=shanghai(2031, 9, 25), calendar=calendar, reason="机构调整")
    assert clock.working_days_used == 2
    assert len(clock.events) == 2


def test_resuming_a_running_clock_is_a_no_op() -> None:
    clock = started()

    assert not clock.resume(at=shanghai(2031, 9, 24), calendar=toy_calendar())
    assert len(clock.events) == 1


def test_a_repeated_command_id_is_applied_once() -> None:
    calendar = toy_calendar()
    clock = started()
    clock.pause(at=shanghai(2031, 9, 24), calendar=calendar, reason="机构调整", command_id="cmd-1")
    clock.resume(at=shanghai(2031, 9, 26), calendar=calendar, command_id="cmd-2")

    assert not clock.pause(at=shanghai(2031, 9, 24), calendar=calendar, reason="机构调整", command_id="cmd-1")
    assert clock.state is ClockState.RUNNING


def test_a_suspension_needs_a_reason_第25条() -> None:
    with pytest.raises(ValidationFailed) as error:
        started().pause(at=shanghai(2031, 9, 24), calendar=toy_calendar(), reason="")
    assert error.value.fields.keys() == {"reason"}


def test_a_clock_paused_on_its_due_date_and_resumed_on_a_holiday_is_due_on_the_next_working_day() -> None:
    calendar = toy_calendar()
    clock = started("acceptance_decision", on=shanghai(2031, 9, 23))  # due 9月29日
    clock.pause(at=shanghai(2031, 9, 29, 15), calendar=calendar, reason="机构调整")
    assert clock.remaining_working_days(D(2031, 10, 1), calendar) == 0

    clock.resume(at=shanghai(2031, 10, 2), calendar=calendar)

    assert clock.due_date == D(2031, 10, 8)


@pytest.mark.parametrize(
    ("rule_code", "changes"),
    [("operation_report", {}), ("rectification", {"fixed_due_date": D(2031, 10, 31)})],
)
def test_months_and_fixed_date_clocks_cannot_be_suspended_and_say_why_第25条(
    rule_code: str, changes: dict[str, Any]
) -> None:
    clock = started(rule_code, **changes)

    with pytest.raises(Conflict) as error:
        clock.pause(at=shanghai(2031, 9, 24), calendar=toy_calendar(), reason="机构调整")
    assert error.value.code == "suspension_not_applicable"
    assert "第二十五条" in error.value.detail


def test_an_expired_clock_cannot_be_suspended() -> None:
    clock = started("filing_opinion")

    with pytest.raises(Conflict) as error:
        clock.pause(at=shanghai(2031, 10, 9), calendar=toy_calendar(), reason="机构调整")
    assert error.value.code == "clock_expired"


def test_a_command_older_than_the_latest_change_is_refused() -> None:
    calendar = toy_calendar()
    clock = started()
    clock.pause(at=shanghai(2031, 9, 25), calendar=calendar, reason="机构调整")

    with pytest.raises(Conflict) as error:
        clock.resume(at=shanghai(2031, 9, 24), calendar=calendar)
    assert error.value.code == "command_out_of_order"


# --- 延长 (第二十二条) ---


def test_an_extension_adds_thirty_working_days_counted_from_the_old_due_date_第22条() -> None:
    calendar = toy_calendar()
    clock = started()
    old_due = clock.due_date
    assert old_due is not None

    assert clock.extend(at=shanghai(2031, 10, 20), calendar=calendar, reason="涉及机构改革，情况特殊")

    assert clock.due_date == calendar.nth_working_day_after(old_due, 30)
    assert clock.extended
    assert clock.events[-1].detail["reason"] == "涉及机构改革，情况特殊"


def test_a_second_extension_is_a_conflict_but_a_repeated_delivery_is_not_第22条() -> None:
    calendar = toy_calendar()
    clock = started()
    clock.extend(at=shanghai(2031, 10, 20), calendar=calendar, reason="情况特殊", command_id="ext-1")
    due = clock.due_date

    assert not clock.extend(
        at=shanghai(2031, 10, 20), calendar=calendar, reason="情况特殊", command_id="ext-1"
    )
    assert clock.due_date == due
    with pytest.raises(Conflict) as error:
        clock.extend(at=shanghai(2031, 10, 21), calendar=calendar, reason="仍需论证", command_id="ext-2")
    assert error.value.code == "already_extended"


def test_a_rule_without_an_extension_cannot_be_extended_第15条() -> None:
    with pytest.raises(Conflict) as error:
        started("filing_opinion").extend(at=shanghai(2031, 9, 23), calendar=toy_calendar(), reason="情况特殊")
    assert error.value.code == "extension_not_allowed"
    assert "第十五条" in error.value.detail


def test_an_extension_needs_a_reason_第22条() -> None:
    with pytest.raises(ValidationFailed) as error:
        started().extend(at=shanghai(2031, 9, 23), calendar=toy_calendar(), reason=" ")
    assert error.value.fields.keys() == {"reason"}


def test_an_extension_while_suspended_adds_to_the_days_left_after_resumption_第22条_第25条() -> None:
    calendar = toy_calendar()
    clock = started()
    clock.pause(at=shanghai(2031, 9, 24), calendar=calendar, reason="机构调整")

    clock.extend(at=shanghai(2031, 9, 25), calendar=calendar, reason="情况特殊")
    clock.resume(at=shanghai(2031, 10, 9), calendar=calendar)

    assert clock.due_date == calendar.nth_working_day_after(D(2031, 10, 9), 58)


# --- 停止 ---


def test_stopping_twice_with_the_same_outcome_is_a_no_op_and_with_another_a_conflict() -> None:
    clock = started()
    assert clock.stop(at=shanghai(2031, 9, 30), outcome=StopOutcome.DONE)

    assert not clock.stop(at=shanghai(2031, 9, 30), outcome="done")
    with pytest.raises(Conflict) as error:
        clock.stop(at=shanghai(2031, 9, 30), outcome=StopOutcome.WITHDRAWN)
    assert "办结" in error.value.detail
    assert [event.kind for event in clock.events] == [EventKind.STARTED, EventKind.STOPPED]


def test_resuming_a_stopped_clock_is_a_conflict_naming_its_state() -> None:
    clock = started()
    clock.stop(at=shanghai(2031, 9, 30), outcome=StopOutcome.TERMINATED)

    with pytest.raises(Conflict) as error:
        clock.resume(at=shanghai(2031, 10, 9), calendar=toy_calendar())
    assert error.value.code == "clock_stopped"
    assert "已停止" in error.value.detail


def test_a_suspended_coordination_may_be_terminated_when_the_dispute_is_resolved_第25条() -> None:
    calendar = toy_calendar()
    clock = started()
    clock.pause(at=shanghai(2031, 9, 24), calendar=calendar, reason="机构调整")

    assert clock.stop(at=shanghai(2031, 9, 26), outcome=StopOutcome.TERMINATED)
    assert clock.remaining_working_days(D(2031, 9, 26), calendar) is None


def test_an_unknown_stop_outcome_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        started().stop(at=shanghai(2031, 9, 30), outcome="lost")
    assert error.value.fields.keys() == {"outcome"}


# --- status and recomputation ---


def test_a_clock_is_overdue_from_24_00_of_its_due_date_第17条() -> None:
    clock = started("acceptance_decision")  # due 2031-09-28

    assert clock.phase(shanghai(2031, 9, 28, 23)) is ClockPhase.RUNNING
    assert clock.phase(datetime(2031, 9, 28, 16, 0, tzinfo=UTC)) is ClockPhase.OVERDUE


def test_a_written_reply_past_its_due_instant_is_expired_not_overdue_第20条() -> None:
    clock = started("written_reply", period_length=5)

    assert clock.phase(shanghai(2031, 10, 20)) is ClockPhase.EXPIRED


def test_remaining_working_days_count_down_to_zero_on_the_due_date_and_below_when_overdue() -> None:
    calendar = toy_calendar()
    clock = started("acceptance_decision")  # due 2031-09-28 (the adjusted Sunday)

    assert clock.remaining_working_days(D(2031, 9, 22), calendar) == 5
    assert clock.remaining_working_days(D(2031, 9, 28), calendar) == 0
    assert clock.remaining_working_days(D(2031, 10, 8), calendar) == -3  # 29日, 30日, 10月8日


def test_a_typhoon_closure_loaded_later_moves_the_due_date_and_is_recorded() -> None:
    clock = started("acceptance_decision")
    closure = LocalOverride(D(2031, 9, 24), OverrideKind.CLOSURE, "台风停止办公")
    reloaded = toy_calendar(closure)

    assert clock.recompute(reloaded, at=datetime(2031, 9, 24, 2, tzinfo=UTC))

    assert clock.due_date == D(2031, 9, 29)
    assert clock.calendar_version == reloaded.version
    event = clock.events[-1]
    assert (event.kind, event.detail["from_due_date"], event.detail["due_date"]) == (
        EventKind.RECOMPUTED,
        "2031-09-28",
        "2031-09-29",
    )


def test_recomputing_with_an_unchanged_calendar_moves_nothing_and_records_nothing() -> None:
    clock = started()

    assert not clock.recompute(toy_calendar(), at=shanghai(2031, 9, 24))
    assert len(clock.events) == 1


def test_loading_next_years_data_replaces_a_provisional_date_with_a_firm_one_第22条() -> None:
    clock = started(on=shanghai(2031, 12, 1))
    provisional_due = clock.due_date
    next_year = YearData(2032, {D(2032, 1, 1): "元旦", D(2032, 1, 2): "元旦"}, {}, "测试用2032年数据")
    loaded = toy_calendar().with_year(next_year)

    moved = clock.recompute(loaded, at=shanghai(2031, 12, 20))

    assert moved
    assert provisional_due is not None and clock.due_date == provisional_due + timedelta(days=2)
    assert not clock.provisional


def test_a_closure_inside_a_suspended_clocks_used_days_gives_a_day_back_on_recompute_第25条() -> None:
    clock = started()
    clock.pause(at=shanghai(2031, 9, 24), calendar=toy_calendar(), reason="机构调整")
    closure = LocalOverride(D(2031, 9, 23), OverrideKind.CLOSURE, "台风停止办公")

    assert clock.recompute(toy_calendar(closure), at=shanghai(2031, 9, 25))
    assert clock.working_days_used == 1


def test_a_stopped_clock_is_never_recomputed() -> None:
    clock = started("acceptance_decision")
    clock.stop(at=shanghai(2031, 9, 25), outcome=StopOutcome.DONE)
    closure = LocalOverride(D(2031, 9, 24), OverrideKind.CLOSURE, "台风停止办公")

    assert not clock.recompute(toy_calendar(closure), at=shanghai(2031, 9, 26))
    assert clock.due_date == D(2031, 9, 28)
