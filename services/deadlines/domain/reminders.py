"""提醒 — which reminders a clock owes right now, and when it will next owe one.

Pure functions over a clock, the calendar, its plan, the keys already sent and ``now``. The result carries the
reminders due now and ``next_at``, the next instant anything falls due, so the database can keep
``next_reminder_at`` in an indexed column and a sweep only touches clocks whose time has come.

The responsible party's reminders form one track — due soon, due today, overdue #1, #2, … — and only the
*latest* stage already reached is ever sent: after a missed tick (an hour, a day) nothing stale goes out,
neither a "due soon" for a clock already overdue nor a backlog of repeated overdue notices. Escalation and
the 第二十条 expiry event are separate tracks, each sent once. Reminders for people wait for office hours
(a catch-up at 03:00 goes out at the next 09:00 of a working day, as whatever stage is latest by then); the
expiry event is for a service and goes out at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum

from services.deadlines.domain.calendar import WorkingCalendar
from services.deadlines.domain.clock import Clock, ClockState
from services.deadlines.domain.reminder_plan import RecipientLevel, ReminderPlan
from services.deadlines.domain.rules import reminder_plan
from shared.localtime import local_instant, require_aware, zone

MIDNIGHT = time(0, 0)


class Stage(StrEnum):
    """The reminder stages, in the order they happen."""

    DUE_SOON = "due_soon"  # 即将到期
    DUE_TODAY = "due_today"  # 今日到期
    OVERDUE = "overdue"  # 已逾期 (repeated)
    ESCALATION = "escalation"  # 逾期升级 (上一级领导 or 监督检查)
    EXPIRED = "expired"  # 期满 event for the owning service (第二十条: silence may mean no objection)


@dataclass(frozen=True)
class Reminder:
    """One reminder or event to send; ``key`` is unique, so sending is idempotent."""

    key: str
    clock_id: str
    stage: Stage
    sequence: int
    recipient: RecipientLevel
    fire_at: datetime
    due_date: date


@dataclass(frozen=True)
class DueReminders:
    """What to send now, and the next instant anything else falls due (``None``: nothing, unless the clock
    changes). Record ``due`` as sent and store ``next_at`` as the clock's ``next_reminder_at`` together."""

    due: tuple[Reminder, ...]
    next_at: datetime | None


NOTHING = DueReminders((), None)


def reminder_key(clock_id: str, due_date: date, stage: Stage, sequence: int) -> str:
    """The idempotency key: clock, due date (so a moved date gets fresh reminders), stage and sequence.

    The expiry event is keyed by clock alone (``<id>/expired``): a clock runs out once.
    """
    if stage is Stage.EXPIRED:
        return f"{clock_id}/expired"
    return f"{clock_id}/{due_date.isoformat()}/{stage.value}/{sequence}"


def reminders_due(
    clock: Clock,
    calendar: WorkingCalendar,
    plan: ReminderPlan | None = None,
    *,
    sent: Collection[str],
    now: datetime,
) -> DueReminders:
    """The reminders ``clock`` owes at ``now`` that are not in ``sent``, and when the next one falls due.

    Nothing for a paused or stopped clock. ``plan`` defaults to the rule's own plan.
    """
    now = require_aware(now, "now")
    if clock.state is not ClockState.RUNNING or clock.due_date is None or clock.due_at is None:
        return NOTHING
    plan = plan or reminder_plan(clock.rule)
    timeline = _Timeline(clock, clock.due_date, clock.due_at, calendar, plan)
    tracks = (timeline.party_track(now), timeline.escalation(now), timeline.expiry(now))
    owed = [reached for reached, _ in tracks if reached is not None and reached.key not in sent]
    upcoming = [at for _, at in tracks if at is not None]
    for_people = [r for r in owed if r.stage is not Stage.EXPIRED]
    if for_people and not plan.urgent and not in_office_hours(now, calendar, plan):
        owed = [r for r in owed if r.stage is Stage.EXPIRED]
        upcoming.append(next_office_opening(now, calendar, plan))
    return DueReminders(tuple(owed), min(upcoming, default=None))


def in_office_hours(now: datetime, calendar: WorkingCalendar, plan: ReminderPlan) -> bool:
    """Whether ``now`` is between ``release_at`` and ``office_closes_at`` (Shanghai) of a working day."""
    local = now.astimezone(zone())
    return calendar.is_working_day(local.date()) and plan.release_at <= local.time() < plan.office_closes_at


def next_office_opening(now: datetime, calendar: WorkingCalendar, plan: ReminderPlan) -> datetime:
    """The first ``release_at`` of a working day strictly after ``now``."""
    local = now.astimezone(zone())
    if calendar.is_working_day(local.date()) and local.time() < plan.release_at:
        return local_instant(local.date(), plan.release_at)
    return local_instant(calendar.next_working_day(local.date()), plan.release_at)


def release_instant(day: date, calendar: WorkingCalendar, plan: ReminderPlan) -> datetime:
    """When a reminder for ``day`` may go out: at ``release_at`` on ``day`` if it is a working day, else on
    the next working day; an urgent plan does not wait (the start of ``day``)."""
    if plan.urgent:
        return local_instant(day, MIDNIGHT)
    return local_instant(calendar.roll_forward(day), plan.release_at)


Track = tuple[Reminder | None, datetime | None]  # (latest reached and owed, next instant in the future)


class _Timeline:
    """The reminder instants of one running clock around its due date."""

    def __init__(
        self, clock: Clock, due_date: date, due_at: datetime, calendar: WorkingCalendar, plan: ReminderPlan
    ) -> None:
        self.clock, self.calendar, self.plan = clock, calendar, plan
        self.due_date, self.due_at = due_date, due_at

    def party_track(self, now: datetime) -> Track:
        """Due soon → due today → overdue #k: the latest reached (if still current) and the next one."""
        before_due = self._before_due_stages()
        reached = [(stage, at) for stage, at in before_due if at <= now < self.due_at]
        coming = [at for _, at in before_due if at > now]
        overdue_done = self._overdue_reached(now)
        latest: Reminder | None = None
        if overdue_done:
            latest = self._reminder(Stage.OVERDUE, overdue_done, self._overdue_instant(overdue_done))
        elif reached:
            stage, at = reached[-1]
            latest = self._reminder(stage, 1, at)
        if self.plan.overdue_every_working_days is not None:
            coming.append(self._overdue_instant(overdue_done + 1))
        return latest, min(coming, default=None)

    def escalation(self, now: datetime) -> Track:
        """One escalation, ``escalate_after_overdue_working_days`` working days after the due date."""
        after = self.plan.escalate_after_overdue_working_days
        if after is None:
            return None, None
        day = self.calendar.nth_working_day_after(self.due_date, after)
        at = release_instant(day, self.calendar, self.plan)
        return self._once(Stage.ESCALATION, at, self.plan.escalate_to, now)

    def expiry(self, now: datetime) -> Track:
        """第二十条: the instant a written reply's time runs out, for the owning service (not held)."""
        if not self.clock.rule.silence_means_no_objection:
            return None, None
        return self._once(Stage.EXPIRED, self.due_at, RecipientLevel.OWNER_SERVICE, now)

    def _once(self, stage: Stage, at: datetime, recipient: RecipientLevel, now: datetime) -> Track:
        """A stage sent once: owed from ``at`` on (until sent), or still to come."""
        return (self._reminder(stage, 1, at, recipient), None) if at <= now else (None, at)

    def _before_due_stages(self) -> list[tuple[Stage, datetime]]:
        stages: list[tuple[Stage, datetime]] = []
        if self.plan.due_soon_working_days_before is not None:
            day = self.calendar.nth_working_day_before(self.due_date, self.plan.due_soon_working_days_before)
            stages.append((Stage.DUE_SOON, release_instant(day, self.calendar, self.plan)))
        if self.plan.due_today:
            stages.append((Stage.DUE_TODAY, release_instant(self.due_date, self.calendar, self.plan)))
        # a stage only released after the period ended (e.g. "due today" for a Sunday) is skipped
        return [(stage, at) for stage, at in stages if at < self.due_at]

    def _overdue_reached(self, now: datetime) -> int:
        """How many overdue reminders have been reached by ``now`` (the sequence of the latest one)."""
        every = self.plan.overdue_every_working_days
        if every is None or now < self._overdue_instant(1):
            return 0
        working_days_late = self.calendar.working_days_between(self.due_date, self._last_release_day(now))
        return (working_days_late - 1) // every + 1

    def _overdue_instant(self, sequence: int) -> datetime:
        every = self.plan.overdue_every_working_days or 1
        day = self.calendar.nth_working_day_after(self.due_date, 1 + (sequence - 1) * every)
        return release_instant(day, self.calendar, self.plan)

    def _last_release_day(self, now: datetime) -> date:
        local = now.astimezone(zone())
        threshold = MIDNIGHT if self.plan.urgent else self.plan.release_at
        if self.calendar.is_working_day(local.date()) and local.time() >= threshold:
            return local.date()
        return self.calendar.nth_working_day_before(local.date(), 1)

    def _reminder(
        self,
        stage: Stage,
        sequence: int,
        at: datetime,
        recipient: RecipientLevel = RecipientLevel.RESPONSIBLE_PARTY,
    ) -> Reminder:
        key = reminder_key(self.clock.id, self.due_date, stage, sequence)
        return Reminder(key, self.clock.id, stage, sequence, recipient, at, self.due_date)
