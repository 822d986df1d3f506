"""计时 — a statutory clock: one time limit of one case, driven by commands, with an append-only event log.

The schedule (due date, working days used, provisional flag) is never edited by hand: it is a replay of the
event log over a calendar, so recomputing after a calendar reload is the same code as every command.

Counting (DESIGN.md "Deadlines"): the start day is not counted; the period ends at 24:00 Shanghai time of its
last day. 中止 (suspension, 第二十五条) keeps the working days used; after 恢复 the rest is counted from the
resumption date by the same rule. 延长 (extension, 第二十二条) counts from the old due date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from services.deadlines.domain.calendar import WorkingCalendar
from services.deadlines.domain.rules import RULES, SUSPENSION_ARTICLE, PeriodKind, Rule, rule_by_code
from shared.errors import Conflict, ValidationFailed
from shared.localtime import end_of_day, local_date, require_aware


class ClockState(StrEnum):
    """The stored state; whether a running clock is overdue is derived from ``now`` (:meth:`Clock.phase`)."""

    RUNNING = "running"
    PAUSED = "paused"  # 中止
    STOPPED = "stopped"


class StopOutcome(StrEnum):
    """Why a clock stopped."""

    DONE = "done"  # 办结
    WITHDRAWN = "withdrawn"  # 撤回
    TERMINATED = "terminated"  # 终止 (e.g. 第二十五条: 分歧已经解决的，终止协调)


class ClockPhase(StrEnum):
    """What a reader should see at a given instant."""

    RUNNING = "running"
    OVERDUE = "overdue"  # 逾期: the due instant has passed and someone still has to act
    EXPIRED = "expired"  # 期满: silence has a meaning (第二十条: 视为没有不同意见)
    PAUSED = "paused"
    STOPPED = "stopped"


class EventKind(StrEnum):
    """What happened to a clock."""

    STARTED = "started"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTENDED = "extended"
    STOPPED = "stopped"
    RECOMPUTED = "recomputed"


STATE_NAMES = {ClockState.RUNNING: "计时中", ClockState.PAUSED: "已中止", ClockState.STOPPED: "已停止"}
OUTCOME_NAMES = {StopOutcome.DONE: "办结", StopOutcome.WITHDRAWN: "撤回", StopOutcome.TERMINATED: "终止"}
_SCHEDULE_EVENTS = frozenset({EventKind.STARTED, EventKind.PAUSED, EventKind.RESUMED, EventKind.EXTENDED})


@dataclass(frozen=True)
class ClockEvent:
    """One entry of a clock's history; ``command_id`` makes a repeated command a no-op."""

    kind: EventKind
    at: datetime
    detail: Mapping[str, str] = field(default_factory=dict)
    command_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind(self.kind))

    @property
    def on(self) -> date:
        """The Shanghai date of the event — the date counting uses."""
        return local_date(self.at)


@dataclass(frozen=True, kw_only=True)
class StartClock:
    """The command that starts a clock; ``clock_id`` is chosen by the caller, so a repeat is recognised."""

    clock_id: str
    rule_code: str
    case_reference: str
    owner_service: str
    responsible_party: str
    jurisdiction: str
    at: datetime
    period_length: int | None = None
    length_reason: str | None = None
    fixed_due_date: date | None = None
    local_rule: Rule | None = None  # the jurisdiction's own period where it set one (第三十九条)


@dataclass(frozen=True)
class _Schedule:
    due_date: date | None  # None while paused: nobody can know it before resumption
    working_days_used: int
    counting_from: date
    provisional: bool

    def summary(self) -> dict[str, str]:
        due = self.due_date.isoformat() if self.due_date else ""
        return {"due_date": due, "working_days_used": str(self.working_days_used)}


@dataclass(kw_only=True, eq=False)
class Clock:
    """One statutory time limit of one case (an aggregate: change it only through its commands).

    ``working_days_used`` counts the working days consumed before the current running stretch (kept across
    a 中止); ``counting_from`` is the start date or the latest resumption date; ``due_at`` is 24:00 Shanghai
    time of ``due_date``, in UTC.
    """

    id: str
    rule_code: str
    case_reference: str
    owner_service: str
    responsible_party: str
    jurisdiction: str
    started_at: datetime
    start_date: date
    period_length: int | None
    length_reason: str | None = None
    fixed_due_date: date | None = None
    state: ClockState = ClockState.RUNNING
    stop_outcome: StopOutcome | None = None
    counting_from: date
    working_days_used: int = 0
    due_date: date | None = None
    due_at: datetime | None = None
    provisional: bool = False
    calendar_version: str = ""
    extended: bool = False
    extension_reason: str | None = None
    events: list[ClockEvent] = field(default_factory=list)

    @classmethod
    def start(cls, command: StartClock, calendar: WorkingCalendar) -> Clock:
        """A new running clock; ValidationFailed names the offending field of the command."""
        rule = rule_by_code(command.rule_code)
        if command.local_rule is not None and command.local_rule.code == rule.code:
            rule = command.local_rule
        at = require_aware(command.at, "at")
        _require_texts(command)
        start_date = local_date(at)
        clock = cls(
            id=command.clock_id,
            rule_code=rule.code,
            case_reference=command.case_reference,
            owner_service=command.owner_service,
            responsible_party=command.responsible_party,
            jurisdiction=command.jurisdiction,
            started_at=at,
            start_date=start_date,
            period_length=rule.resolve_length(command.period_length, command.length_reason),
            length_reason=command.length_reason,
            fixed_due_date=_fixed_due_date(rule, command.fixed_due_date, start_date),
            counting_from=start_date,
        )
        detail = {
            "rule": rule.code,
            "article": rule.article_label,
            "period_length": str(clock.period_length or ""),
            **({"local_rule": rule.basis} if rule is not RULES.get(rule.code) else {}),
        }
        clock._record(EventKind.STARTED, at, detail, calendar, None)
        return clock

    @property
    def rule(self) -> Rule:
        """The rule this clock counts by."""
        return rule_by_code(self.rule_code)

    def matches(self, command: StartClock) -> bool:
        """Whether ``command`` is a repeat of the one that started this clock."""
        return (
            command.clock_id == self.id
            and command.rule_code == self.rule_code
            and command.case_reference == self.case_reference
            and command.owner_service == self.owner_service
            and command.responsible_party == self.responsible_party
            and command.jurisdiction == self.jurisdiction
            and require_aware(command.at, "at") == self.started_at
            and command.fixed_due_date == self.fixed_due_date
            and command.period_length in (None, self.period_length)
        )

    def pause(
        self, *, at: datetime, calendar: WorkingCalendar, reason: str, command_id: str | None = None
    ) -> bool:
        """中止 (第二十五条): keep the working days used up to the pause date; True if the clock changed.

        Pausing a paused clock is a no-op. Refused (Conflict) for a stopped or expired clock, and for rules
        not counted in working days.
        """
        at = require_aware(at, "at")
        if self._seen(command_id) or self.state is ClockState.PAUSED:
            return False
        self._require_state(ClockState.RUNNING, "中止")
        self._require_suspendable()
        self._require_in_order(at)
        self._require_not_expired(at, "中止")
        self._record(EventKind.PAUSED, at, {"reason": _required_text(reason, "reason")}, calendar, command_id)
        self.state = ClockState.PAUSED
        return True

    def resume(self, *, at: datetime, calendar: WorkingCalendar, command_id: str | None = None) -> bool:
        """恢复: count the remaining working days from the resumption date; a running clock is a no-op."""
        at = require_aware(at, "at")
        if self._seen(command_id) or self.state is ClockState.RUNNING:
            return False
        self._require_state(ClockState.PAUSED, "恢复")
        self._require_in_order(at)
        self._record(EventKind.RESUMED, at, {}, calendar, command_id)
        self.state = ClockState.RUNNING
        return True

    def extend(
        self,
        *,
        at: datetime,
        calendar: WorkingCalendar,
        reason: str,
        command_id: str | None = None,
        working_days: int | None = None,
    ) -> bool:
        """延长 (第二十二条): once, by the rule's extension (``working_days`` where the jurisdiction set its
        own, 第三十九条), counted from the old due date; reason required. The length is kept in the event,
        so a recount never depends on what the jurisdiction sets later.

        A repeated command (same ``command_id``) is a no-op; a second extension is a Conflict.
        """
        at = require_aware(at, "at")
        if self._seen(command_id):
            return False
        rule = self.rule
        if not rule.extendable:
            raise Conflict(f"{rule.citation}的期限不能延长", code="extension_not_allowed")
        if self.extended:
            raise Conflict(f"{rule.citation}的期限已经延长过一次，不能再次延长", code="already_extended")
        self._require_state(ClockState.RUNNING, "延长", also=ClockState.PAUSED)
        self._require_in_order(at)
        self._require_not_expired(at, "延长")
        reason = _required_text(reason, "reason")
        days = working_days or rule.extension_working_days
        detail = {"reason": reason, "working_days": str(days)}
        self._record(EventKind.EXTENDED, at, detail, calendar, command_id)
        self.extended, self.extension_reason = True, reason
        return True

    def stop(self, *, at: datetime, outcome: StopOutcome | str, command_id: str | None = None) -> bool:
        """停止 (办结、撤回、终止); the same outcome again is a no-op, another outcome a Conflict."""
        at = require_aware(at, "at")
        outcome = _stop_outcome(outcome)
        if self._seen(command_id) or self.stop_outcome is outcome:
            return False
        if self.state is ClockState.STOPPED:
            current = OUTCOME_NAMES[self.stop_outcome] if self.stop_outcome else ""
            raise Conflict(
                f"时钟已因“{current}”停止，不能再以“{OUTCOME_NAMES[outcome]}”停止", code="clock_stopped"
            )
        self.events.append(ClockEvent(EventKind.STOPPED, at, {"outcome": outcome.value}, command_id))
        self.state, self.stop_outcome = ClockState.STOPPED, outcome
        return True

    def recompute(self, calendar: WorkingCalendar, *, at: datetime, reason: str | None = None) -> bool:
        """Replay the history over a (reloaded) calendar; True if the due date or the days used moved.

        A move or a change of the provisional flag is recorded as an event (with ``reason``, e.g. which
        year was loaded, when given); a stopped clock is left alone.
        """
        at = require_aware(at, "at")
        if self.state is ClockState.STOPPED:
            return False
        schedule = self._replay(calendar, self.events)
        moved = (schedule.due_date, schedule.working_days_used) != (self.due_date, self.working_days_used)
        if moved or schedule.provisional != self.provisional:
            detail = {
                "from_due_date": self.due_date.isoformat() if self.due_date else "",
                "from_calendar_version": self.calendar_version,
                "calendar_version": calendar.version,
                **schedule.summary(),
            }
            if reason:
                detail["reason"] = reason
            self.events.append(ClockEvent(EventKind.RECOMPUTED, at, detail))
        self._adopt(schedule, calendar)
        return moved

    def phase(self, now: datetime) -> ClockPhase:
        """Running, overdue, expired (silence has a meaning), paused or stopped, as of ``now``."""
        if self.state is ClockState.STOPPED:
            return ClockPhase.STOPPED
        if self.state is ClockState.PAUSED:
            return ClockPhase.PAUSED
        if self.due_at is not None and require_aware(now, "now") >= self.due_at:
            return ClockPhase.EXPIRED if self.rule.silence_means_no_objection else ClockPhase.OVERDUE
        return ClockPhase.RUNNING

    def remaining_working_days(self, today: date, calendar: WorkingCalendar) -> int | None:
        """Working days left after ``today`` (0 on the due date; -(working days overdue) after it).

        While paused: the working days not yet used. ``None`` for a stopped clock.
        """
        if self.state is ClockState.STOPPED:
            return None
        if self.state is ClockState.PAUSED or self.due_date is None:
            return self._budget() - self.working_days_used
        return calendar.working_days_between(today, self.due_date)

    # --- the schedule, as a replay of the event log -------------------------------------------------------

    def _replay(self, calendar: WorkingCalendar, events: Sequence[ClockEvent]) -> _Schedule:
        due: date | None = self._initial_due(calendar)
        remaining, budget, used, counting_from = 0, self.period_length or 0, 0, self.start_date
        for event in events:
            if event.kind is EventKind.PAUSED and due is not None:
                remaining, due = max(0, calendar.working_days_between(event.on, due)), None
                used = budget - remaining
            elif event.kind is EventKind.RESUMED and due is None:
                counting_from, due = event.on, _count_from(calendar, event.on, remaining)
            elif event.kind is EventKind.EXTENDED:
                extra = self._extension(event)
                budget += extra
                if due is None:
                    remaining += extra
                else:
                    due = calendar.nth_working_day_after(due, extra)
        return _Schedule(due, used, counting_from, self._is_provisional(calendar, due or events[-1].on))

    def _initial_due(self, calendar: WorkingCalendar) -> date:
        kind = self.rule.period_kind
        if kind is PeriodKind.FIXED_DATE and self.fixed_due_date is not None:
            return self.fixed_due_date
        if self.period_length is None:
            raise ValidationFailed.for_field("period_length", "缺少期限长度", code="period_length_required")
        if kind is PeriodKind.CALENDAR_MONTHS:
            return calendar.add_months(self.start_date, self.period_length).due_date
        return calendar.nth_working_day_after(self.start_date, self.period_length)

    def _is_provisional(self, calendar: WorkingCalendar, end: date) -> bool:
        """A due date that a year not yet loaded, or next year's notice (a date on or after 20 December),
        may still move."""
        if self.rule.period_kind is PeriodKind.FIXED_DATE:
            return False  # the order fixed the date; no calendar data can move it
        return calendar.provisional_reason(self.start_date + timedelta(days=1), end) is not None

    def _budget(self) -> int:
        extended = [e for e in self.events if e.kind is EventKind.EXTENDED]
        return (self.period_length or 0) + sum(self._extension(e) for e in extended)

    def _extension(self, event: ClockEvent) -> int:
        """The working days an extension added: as recorded, or the rule's (events from before 第三十九条)."""
        recorded = event.detail.get("working_days", "")
        return int(recorded) if recorded.isdigit() else self.rule.extension_working_days or 0

    def _record(
        self,
        kind: EventKind,
        at: datetime,
        detail: dict[str, str],
        calendar: WorkingCalendar,
        command_id: str | None,
    ) -> None:
        draft = ClockEvent(kind, at, detail, command_id)
        schedule = self._replay(calendar, [*self.events, draft])
        self.events.append(replace(draft, detail={**detail, **schedule.summary()}))
        self._adopt(schedule, calendar)

    def _adopt(self, schedule: _Schedule, calendar: WorkingCalendar) -> None:
        self.due_date, self.working_days_used = schedule.due_date, schedule.working_days_used
        self.due_at = end_of_day(schedule.due_date) if schedule.due_date else None
        self.counting_from, self.provisional = schedule.counting_from, schedule.provisional
        self.calendar_version = calendar.version

    # --- guards ---------------------------------------------------------------------------------------------

    def _seen(self, command_id: str | None) -> bool:
        return command_id is not None and any(event.command_id == command_id for event in self.events)

    def _require_state(self, wanted: ClockState, action: str, also: ClockState | None = None) -> None:
        if self.state not in (wanted, also):
            message = f"时钟当前{STATE_NAMES[self.state]}，不能{action}"
            raise Conflict(message, code=f"clock_{self.state.value}")

    def _require_suspendable(self) -> None:
        rule = self.rule
        if self.rule.period_kind is PeriodKind.CALENDAR_MONTHS:
            why = "按自然月计算的是承接事项实际运行的时间，中止计时没有意义"
        elif self.rule.period_kind is PeriodKind.FIXED_DATE:
            why = "期限是通知写明的日期，只能由新的通知变更（停止本计时后另行开始）"
        else:
            return
        raise Conflict(
            f"{rule.citation}不适用{SUSPENSION_ARTICLE}的中止：{why}", code="suspension_not_applicable"
        )

    def _require_in_order(self, at: datetime) -> None:
        latest = max((e.at for e in self.events if e.kind in _SCHEDULE_EVENTS), default=None)
        if latest is not None and at < latest:
            message = f"命令时间早于时钟最近一次变更（{latest.isoformat()}），请按发生顺序提交"
            raise Conflict(message, code="command_out_of_order")

    def _require_not_expired(self, at: datetime, action: str) -> None:
        if self.due_at is not None and at >= self.due_at:
            raise Conflict(f"期限已于{self.due_date}届满，不能再{action}", code="clock_expired")


def start_or_confirm(
    existing: Clock | None, command: StartClock, calendar: WorkingCalendar
) -> tuple[Clock, bool]:
    """Start a clock, or confirm that ``existing`` (same id) is a repeat of this start: (clock, created).

    The same id with different parameters is a Conflict: the caller reused an id for another deadline.
    """
    if existing is None:
        return Clock.start(command, calendar), True
    if not existing.matches(command):
        raise Conflict(f"时钟编号“{command.clock_id}”已用于另一项计时", code="clock_id_reused")
    return existing, False


def _count_from(calendar: WorkingCalendar, resumed_on: date, remaining: int) -> date:
    # Paused on the due date itself: nothing is left, so the period ends on the resumption day, or on the
    # next working day if that is not one (民法典 第203条).
    if remaining == 0:
        return calendar.roll_forward(resumed_on)
    return calendar.nth_working_day_after(resumed_on, remaining)


def _fixed_due_date(rule: Rule, requested: date | None, start_date: date) -> date | None:
    if rule.period_kind is not PeriodKind.FIXED_DATE:
        if requested is not None:
            raise ValidationFailed.for_field(
                "fixed_due_date", f"{rule.citation}不按指定日期计算", code="fixed_date_not_allowed"
            )
        return None
    if requested is None or requested <= start_date:
        message = f"须写明{rule.name}通知规定的期限日期，且晚于下达日期（{start_date}）"
        raise ValidationFailed.for_field("fixed_due_date", message, code="fixed_date_required")
    return requested


def _require_texts(command: StartClock) -> None:
    for name in ("clock_id", "case_reference", "owner_service", "responsible_party", "jurisdiction"):
        _required_text(getattr(command, name), name)


def _required_text(value: str | None, field_name: str) -> str:
    if value is None or not str(value).strip():
        raise ValidationFailed.for_field(field_name, "不能为空", code="required")
    return str(value).strip()


def _stop_outcome(outcome: StopOutcome | str) -> StopOutcome:
    try:
        return StopOutcome(outcome)
    except ValueError:
        raise ValidationFailed.for_field(
            "outcome",
            "须为 done（办结）、withdrawn（撤回）或 terminated（终止）",
            code="stop_outcome_unknown",
        ) from None
