"""Reminders: due soon, due today, overdue (repeated), escalation, and the 第二十条 expiry event — each once,
in office hours of working days, and after an outage only the stage that is current.

A small hand-built calendar (made-up 2031 data) keeps dates checkable: 国庆 10月1–7日 off, 9月28日 (Sun) and
10月11日 (Sat) worked.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.deadlines.domain.calendar import WorkingCalendar, YearData
from services.deadlines.domain.clock import Clock, StartClock, StopOutcome
from services.deadlines.domain.reminder_plan import RecipientLevel, ReminderPlan
from services.deadlines.domain.reminders import (
    DueReminders,
    Reminder,
    Stage,
    release_instant,
    reminders_due,
)
from shared.errors import ValidationFailed
from shared.localtime import zone

SHANGHAI = zone()

D = date
CALENDAR = WorkingCalendar(
    [
        YearData(
            2031,
            {D(2031, 10, day): "国庆节" for day in range(1, 8)},
            {D(2031, 9, 28): "国庆节调休上班", D(2031, 10, 11): "国庆节调休上班"},
            "测试用2031年数据",
        )
    ]
)


def shanghai(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2031, month, day, hour, minute, tzinfo=SHANGHAI)


def start(rule_code: str = "acceptance_decision", **changes: object) -> Clock:
    """Started Monday 2031-09-22 10:00; an acceptance decision is then due on the adjusted Sunday 9月28日."""
    fields: dict[str, object] = {
        "clock_id": "clk-7",
        "rule_code": rule_code,
        "case_reference": "甬编协〔2031〕7号",
        "owner_service": "intake",
        "responsible_party": "市委编办职能处",
        "jurisdiction": "宁波市",
        "at": shanghai(9, 22, 10),
        **changes,
    }
    return Clock.start(StartClock(**fields), CALENDAR)  # type: ignore[arg-type]


def due_now(
    clock: Clock, now: datetime, sent: set[str] | None = None, plan: ReminderPlan | None = None
) -> DueReminders:
    return reminders_due(clock, CALENDAR, plan, sent=sent or set(), now=now)


def stages(reminders: tuple[Reminder, ...]) -> list[tuple[str, int]]:
    return [(reminder.stage.value, reminder.sequence) for reminder in reminders]


def run_scheduler(clock: Clock, ticks: list[datetime]) -> list[tuple[str, int, datetime]]:
    """A scheduler ticking at each instant, remembering what it sent: (stage, sequence, local tick)."""
    sent: set[str] = set()
    log: list[tuple[str, int, datetime]] = []
    for now in ticks:
        for reminder in due_now(clock, now, sent).due:
            assert reminder.key not in sent
            sent.add(reminder.key)
            log.append((reminder.stage.value, reminder.sequence, now.astimezone(SHANGHAI)))
    return log


def follow_next_at(clock: Clock, until: datetime) -> list[tuple[str, int, datetime]]:
    """A scheduler that only wakes at ``next_at`` — what the indexed ``next_reminder_at`` column drives."""
    sent: set[str] = set()
    log: list[tuple[str, int, datetime]] = []
    now: datetime | None = clock.started_at
    while now is not None and now <= until:
        result = due_now(clock, now, sent)
        for reminder in result.due:
            sent.add(reminder.key)
            log.append((reminder.stage.value, reminder.sequence, now.astimezone(SHANGHAI)))
        now = result.next_at
    return log


# --- the default plan ---


def test_default_reminders_fall_on_working_mornings_around_the_due_date_第17条() -> None:
    log = follow_next_at(start(), until=shanghai(10, 14))

    assert log == [
        ("due_soon", 1, shanghai(9, 25)),  # two working days before the Sunday 9月28日
        ("due_today", 1, shanghai(9, 28)),  # an adjusted working Sunday is a working morning
        ("overdue", 1, shanghai(9, 29)),  # the next working day
        ("overdue", 2, shanghai(10, 8)),  # two working days later, after 国庆
        ("escalation", 1, shanghai(10, 8)),  # three working days overdue
        ("overdue", 3, shanghai(10, 10)),
        ("overdue", 4, shanghai(10, 13)),  # 10月11日 (Saturday, worked) counts as a working day
    ]


def test_each_reminder_has_a_unique_key_naming_clock_due_date_stage_and_sequence() -> None:
    reminder = due_now(start(), shanghai(9, 25)).due[0]

    assert reminder.key == "clk-7/2031-09-28/due_soon/1"
    assert (reminder.recipient, reminder.fire_at) == (RecipientLevel.RESPONSIBLE_PARTY, shanghai(9, 25))
    assert reminder.fire_at.astimezone(UTC) == datetime(2031, 9, 25, 1, 0, tzinfo=UTC)


def test_a_reminder_already_sent_is_not_returned_again_within_the_same_day() -> None:
    clock = start()
    first = due_now(clock, shanghai(9, 25, 9, 0))

    again = due_now(clock, shanghai(9, 25, 9, 1), sent={r.key for r in first.due})

    assert again.due == ()
    assert again.next_at == shanghai(9, 28)


def test_escalation_goes_to_the_next_level_of_leadership() -> None:
    escalation = [r for r in due_now(start(), shanghai(10, 8)).due if r.stage is Stage.ESCALATION]

    assert [r.recipient for r in escalation] == [RecipientLevel.NEXT_LEVEL_LEADERSHIP]


def test_an_uncorrected_rectification_escalates_to_supervision_第37条() -> None:
    clock = start("rectification", fixed_due_date=D(2031, 9, 30))

    escalation = [r for r in due_now(clock, shanghai(10, 10)).due if r.stage is Stage.ESCALATION]

    assert [r.recipient for r in escalation] == [RecipientLevel.SUPERVISION]


# --- held until a working morning ---


def test_a_reminder_for_a_holiday_is_held_until_nine_on_the_next_working_day() -> None:
    assert release_instant(D(2031, 10, 4), CALENDAR, ReminderPlan()) == shanghai(10, 8)
    assert release_instant(D(2031, 9, 27), CALENDAR, ReminderPlan()) == shanghai(9, 28)  # a worked Sunday
    assert release_instant(D(2031, 9, 26), CALENDAR, ReminderPlan()) == shanghai(9, 26)


def test_a_rectification_due_on_a_holiday_is_chased_on_the_first_working_morning_after_it_第37条() -> None:
    clock = start("rectification", fixed_due_date=D(2031, 10, 4))  # a Saturday inside 国庆

    assert follow_next_at(clock, until=shanghai(10, 9)) == [
        ("due_soon", 1, shanghai(9, 29)),
        ("overdue", 1, shanghai(10, 8)),  # "due today" would come after the day ended: skipped
    ]
    assert due_now(clock, shanghai(10, 4, 10), sent={"clk-7/2031-10-04/due_soon/1"}) == DueReminders(
        (), shanghai(10, 8)
    )


def test_before_nine_nothing_goes_out_and_the_next_instant_is_nine_the_same_morning() -> None:
    result = due_now(start(), shanghai(9, 25, 7, 30))

    assert result == DueReminders((), shanghai(9, 25))


def test_an_urgent_plan_releases_at_the_start_of_the_day_without_waiting_for_office_hours() -> None:
    urgent = ReminderPlan(urgent=True)

    result = due_now(start(), shanghai(9, 25, 0, 5), plan=urgent)

    assert stages(result.due) == [("due_soon", 1)]
    assert result.due[0].fire_at == shanghai(9, 25, 0, 0)


# --- catch-up after an outage ---


def test_after_a_long_outage_only_the_current_overdue_reminder_and_the_escalation_go_out() -> None:
    result = due_now(start(), shanghai(10, 9, 12))  # down since before "due soon"

    assert stages(result.due) == [("overdue", 2), ("escalation", 1)]
    assert result.next_at == shanghai(10, 10)


def test_an_outage_over_the_due_date_sends_no_stale_due_soon_or_due_today() -> None:
    result = due_now(start(), shanghai(9, 29, 15))

    assert stages(result.due) == [("overdue", 1)]


def test_a_catch_up_outside_office_hours_waits_for_the_next_working_morning() -> None:
    at_night = due_now(start(), shanghai(10, 9, 22))

    assert at_night == DueReminders((), shanghai(10, 10))
    assert stages(due_now(start(), shanghai(10, 10)).due) == [("overdue", 3), ("escalation", 1)]


def test_a_scheduler_restarted_twice_sends_each_stage_at_most_once_and_nothing_stale() -> None:
    clock = start()
    down = [(shanghai(9, 24, 20), shanghai(9, 29, 10)), (shanghai(10, 7), shanghai(10, 10, 8))]
    every_half_hour = [
        datetime.fromtimestamp(t, tz=UTC)
        for t in range(int(shanghai(9, 22, 10).timestamp()), int(shanghai(10, 14).timestamp()), 1800)
    ]
    ticks = [t for t in every_half_hour if not any(off <= t < back for off, back in down)]

    log = run_scheduler(clock, ticks)

    assert log == [
        ("overdue", 1, shanghai(9, 29, 10)),  # back after "due soon", "due today" and overdue #1 were missed
        ("overdue", 3, shanghai(10, 10, 9)),  # back at 08:00: waits for office hours, by then #3 is current
        ("escalation", 1, shanghai(10, 10, 9)),
        ("overdue", 4, shanghai(10, 13, 9)),
    ]


# --- paused, stopped, moved ---


def test_a_paused_clock_owes_no_reminders_and_has_no_next_instant_第25条() -> None:
    clock = start()
    clock.pause(at=shanghai(9, 24), calendar=CALENDAR, reason="相关部门正在进行机构调整")

    assert due_now(clock, shanghai(10, 9, 10)) == DueReminders((), None)


def test_a_stopped_clock_owes_no_reminders() -> None:
    clock = start()
    clock.stop(at=shanghai(9, 24), outcome=StopOutcome.DONE)

    assert due_now(clock, shanghai(10, 9, 10)) == DueReminders((), None)


def test_after_resumption_the_new_due_date_gets_fresh_reminders_第25条() -> None:
    clock = start()
    sent = {r.key for r in due_now(clock, shanghai(9, 25)).due}
    clock.pause(at=shanghai(9, 25, 11), calendar=CALENDAR, reason="机构调整")
    clock.resume(at=shanghai(10, 8, 10), calendar=CALENDAR)  # 3 used, 2 left: due 10月10日

    result = due_now(clock, shanghai(10, 8, 10), sent)

    assert stages(result.due) == [("due_soon", 1)]
    assert result.due[0].key == "clk-7/2031-10-10/due_soon/1"


def test_an_extension_pushes_the_reminders_to_the_new_due_date_第22条() -> None:
    clock = start("coordination_opinion")
    old_due = clock.due_date
    clock.extend(at=shanghai(10, 20), calendar=CALENDAR, reason="情况特殊")

    result = due_now(clock, shanghai(10, 20, 10))

    assert result.due == ()
    assert result.next_at is not None and result.next_at.date() > (old_due or D.min)


# --- the written reply (第二十条) ---


def test_a_written_reply_running_out_publishes_an_expired_event_at_24_00_for_the_owning_service_第20条() -> (
    None
):
    clock = start("written_reply", period_length=5)  # due the Sunday 9月28日, worked
    before = due_now(clock, shanghai(9, 28, 23, 59), sent={"clk-7/2031-09-28/due_today/1"})
    assert before == DueReminders((), datetime(2031, 9, 28, 16, 0, tzinfo=UTC))

    result = due_now(clock, datetime(2031, 9, 28, 16, 0, tzinfo=UTC))

    assert [(r.key, r.recipient) for r in result.due] == [("clk-7/expired", RecipientLevel.OWNER_SERVICE)]
    assert result.next_at is None


def test_an_expired_event_is_not_held_for_office_hours_and_nothing_is_chased_afterwards_第20条() -> None:
    clock = start("written_reply", period_length=5)

    result = due_now(clock, shanghai(10, 3, 2))  # a holiday night, days after expiry

    assert stages(result.due) == [("expired", 1)]
    assert due_now(clock, shanghai(10, 8), sent={"clk-7/expired"}) == DueReminders((), None)


def test_a_written_reply_is_reminded_before_its_deadline_but_never_chased_as_overdue_第20条() -> None:
    log = follow_next_at(start("written_reply", period_length=5), until=shanghai(10, 14))

    assert [(stage, seq) for stage, seq, _ in log] == [("due_soon", 1), ("due_today", 1), ("expired", 1)]


# --- plans ---


def test_a_plan_can_switch_stages_off_and_change_the_rhythm() -> None:
    plan = ReminderPlan(due_soon_working_days_before=None, overdue_every_working_days=1)

    result = due_now(start(), shanghai(10, 8), plan=plan)

    assert stages(result.due) == [("overdue", 3), ("escalation", 1)]


@pytest.mark.parametrize("changes", [{"overdue_every_working_days": 0}, {"due_soon_working_days_before": -2}])
def test_a_plan_with_a_non_positive_number_of_working_days_is_refused(changes: dict[str, int]) -> None:
    with pytest.raises(ValidationFailed) as error:
        ReminderPlan(**changes)  # type: ignore[arg-type]
    assert error.value.fields.keys() == changes.keys()
