"""Use cases on clocks: the commands other services send (start, pause, resume, extend, stop) and the view.

Each command runs inside the unit of work of the inbound message (inbox-deduplicated), changes the clock
through the domain aggregate, stores its event log, sets ``next_reminder_at`` for the sweep and publishes
``clock.scheduled`` to the owning service. A repeated command changes nothing and publishes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.deadlines import mapping as clock_store
from services.deadlines.adapters.calendar_store import CalendarCache
from services.deadlines.domain.calendar import WorkingCalendar
from services.deadlines.domain.clock import Clock, ClockState, StartClock, start_or_confirm
from services.deadlines.domain.reminders import reminders_due
from services.deadlines.tables import ClockRecord, SentReminder
from services.deadlines.usecases import local_periods, local_rules
from shared.contracts import CLOCK_SCHEDULED, CalendarWindow, CaseRef, Party
from shared.errors import NotFound, ValidationFailed
from shared.localtime import local_date, require_aware
from shared.messaging import UnitOfWork

ClockPayload = Mapping[str, Any]

CALENDAR_WINDOW_AFTER_DUE = timedelta(days=92)
"""How far past the due date a clock's calendar window reaches, so that its owner counts overdue days too."""


def start(uow: UnitOfWork, calendars: CalendarCache, command: ClockPayload, *, now: datetime) -> bool:
    """clock.start: a new clock, or nothing for a repeat of the same start; True if one was created."""
    case = _case(command)
    responsible = _parties(command, "responsible", required=True)
    start_command = StartClock(
        clock_id=_text(command, "clock_id"),
        rule_code=_text(command, "rule"),
        case_reference=clock_store.case_reference(case),
        owner_service=_text(command, "owner_service"),
        responsible_party=clock_store.party_label(responsible),
        jurisdiction=case["jurisdiction"],
        at=_instant(command, "start_at"),
        period_length=command.get("working_days"),
        length_reason=command.get("working_days_reason"),
        fixed_due_date=_optional_date(command, "due_date"),
        local_rule=local_periods.local_rule(uow.session, case["jurisdiction"], _text(command, "rule")),
    )
    session = uow.session
    existing = clock_store.load_for_update(session, start_command.clock_id)
    calendar = calendars.get(session, start_command.jurisdiction)
    clock, created = start_or_confirm(
        clock_store.to_domain(existing) if existing else None, start_command, calendar
    )
    if not created:
        return False
    row = clock_store.new_row(
        clock,
        case=case,
        responsible=responsible,
        escalate_to=_parties(command, "escalate_to", required=False) or None,
        urgent=bool(command.get("urgent")),
    )
    session.add(row)
    _changed(uow, row, clock, calendar, now=now, reason="started")
    return True


def pause(
    uow: UnitOfWork, calendars: CalendarCache, command: ClockPayload, *, now: datetime, event_id: str
) -> bool:
    """clock.pause (中止, 第二十五条)."""
    row, clock, calendar = _open(uow.session, calendars, command)
    changed = clock.pause(
        at=_instant(command, "at"), calendar=calendar, reason=_text(command, "reason"), command_id=event_id
    )
    return _finish(uow, row, clock, calendar, changed, now=now, reason="paused")


def resume(
    uow: UnitOfWork, calendars: CalendarCache, command: ClockPayload, *, now: datetime, event_id: str
) -> bool:
    """clock.resume: the remaining working days count from the resumption date."""
    row, clock, calendar = _open(uow.session, calendars, command)
    changed = clock.resume(at=_instant(command, "at"), calendar=calendar, command_id=event_id)
    return _finish(uow, row, clock, calendar, changed, now=now, reason="resumed")


def extend(
    uow: UnitOfWork,
    calendars: CalendarCache,
    command: ClockPayload,
    *,
    at: datetime,
    now: datetime,
    event_id: str,
) -> bool:
    """clock.extend (延长, 第二十二条): once, by the jurisdiction's extension (第三十九条). The contract
    carries no instant: ``at`` is when it was sent.

    The same extension sent again (same reason) is a repeat, not a second extension.
    """
    row, clock, calendar = _open(uow.session, calendars, command)
    reason = _text(command, "reason")
    if clock.extended and clock.extension_reason == reason.strip():
        return False
    days = local_rules.current(uow.session, row.jurisdiction).rule(clock.rule).extension_working_days
    changed = clock.extend(at=at, calendar=calendar, reason=reason, command_id=event_id, working_days=days)
    return _finish(uow, row, clock, calendar, changed, now=now, reason="extended")


def stop(
    uow: UnitOfWork, calendars: CalendarCache, command: ClockPayload, *, now: datetime, event_id: str
) -> bool:
    """clock.stop (办结、撤回、终止): no reminder goes out for it afterwards."""
    row, clock, calendar = _open(uow.session, calendars, command)
    changed = clock.stop(at=_instant(command, "at"), outcome=_text(command, "outcome"), command_id=event_id)
    return _finish(uow, row, clock, calendar, changed, now=now, reason="stopped")


def publish_scheduled(
    uow: UnitOfWork, row: ClockRecord, clock: Clock, calendar: WorkingCalendar, *, now: datetime, reason: str
) -> None:
    """Tell the owning service the clock's schedule (after every change)."""
    uow.publish(
        row.owner_service,
        CLOCK_SCHEDULED,
        {  # due_date and due_at are null while paused: nobody can know them before resumption
            "clock_id": row.id,
            "case": row.case,
            "rule": row.rule,
            "state": clock.phase(now).value,
            "due_date": _iso(clock.due_date),
            "due_at": _iso(clock.due_at),
            "provisional": clock.provisional,
            "remaining_working_days": clock.remaining_working_days(local_date(now), calendar),
            "reason": reason,
            "calendar": calendar_window(clock, calendar),
        },
    )


def calendar_window(clock: Clock, calendar: WorkingCalendar) -> CalendarWindow | None:
    """The calendar around the clock's period, for the owner to count working days left by itself: the
    non-working days in (start, due + CALENDAR_WINDOW_AFTER_DUE] (overdue days too) and from which day a count
    is provisional. None without a due date (paused) and for a stopped clock."""
    if clock.due_date is None or clock.state is ClockState.STOPPED:
        return None
    after, through = clock.start_date, clock.due_date + CALENDAR_WINDOW_AFTER_DUE
    provisional_from = calendar.provisional_from(after + timedelta(days=1), through)
    return {
        "after": after.isoformat(),
        "through": through.isoformat(),
        "off_days": [day.date.isoformat() for day in calendar.skipped_between(after, through)],
        "provisional_from": _iso(provisional_from),
    }


def refresh_next_reminder(
    session: Session, row: ClockRecord, clock: Clock, calendar: WorkingCalendar, *, now: datetime
) -> None:
    """When the sweep should next look at this clock: now if a reminder is owed, else the next instant."""
    plan = clock_store.plan_for(row, clock, local_rules.reminders(session, row.jurisdiction))
    owed = reminders_due(clock, calendar, plan, sent=sent_keys(session, row.id), now=now)
    row.next_reminder_at = now if owed.due else owed.next_at


def sent_keys(session: Session, clock_id: str) -> set[str]:
    return set(session.scalars(select(SentReminder.key).where(SentReminder.clock_id == clock_id)))


def view(session: Session, calendars: CalendarCache, row: ClockRecord, *, now: datetime) -> dict[str, Any]:
    """What GET /api/v1/clocks/{id} shows: rule, state, due date, remaining working days, history."""
    clock = clock_store.to_domain(row)
    calendar = calendars.get(session, row.jurisdiction)
    rule = clock.rule
    return {
        "id": row.id,
        "rule": {"code": rule.code, "name": rule.name, "article": rule.article_label, "basis": rule.basis},
        "case": row.case,
        "jurisdiction": row.jurisdiction,
        "responsible": row.responsible,
        "state": clock.phase(now).value,
        "start_date": row.start_date.isoformat(),
        "due_date": _iso(clock.due_date),
        "due_at": _iso(clock.due_at),
        "remaining_working_days": clock.remaining_working_days(local_date(now), calendar),
        "provisional": clock.provisional,
        "extended": clock.extended,
        "calendar_version": clock.calendar_version,
        "history": [clock_store.event_to_json(event) for event in clock.events],
    }


def get_row(session: Session, clock_id: str) -> ClockRecord:
    row = session.get(ClockRecord, clock_id)
    if row is None:
        raise NotFound("未找到该计时", code="clock_not_found")
    return row


# --- helpers -----------------------------------------------------------------------------------------------


def _open(
    session: Session, calendars: CalendarCache, command: ClockPayload
) -> tuple[ClockRecord, Clock, WorkingCalendar]:
    clock_id = _text(command, "clock_id")
    row = clock_store.load_for_update(session, clock_id)
    if row is None:
        raise NotFound(f"未找到计时“{clock_id}”", code="clock_not_found")
    return row, clock_store.to_domain(row), calendars.get(session, row.jurisdiction)


def _finish(
    uow: UnitOfWork,
    row: ClockRecord,
    clock: Clock,
    calendar: WorkingCalendar,
    changed: bool,
    *,
    now: datetime,
    reason: str,
) -> bool:
    if changed:
        clock_store.save(row, clock)
        _changed(uow, row, clock, calendar, now=now, reason=reason)
    return changed


def _changed(
    uow: UnitOfWork, row: ClockRecord, clock: Clock, calendar: WorkingCalendar, *, now: datetime, reason: str
) -> None:
    uow.session.flush()
    refresh_next_reminder(uow.session, row, clock, calendar, now=now)
    publish_scheduled(uow, row, clock, calendar, now=now, reason=reason)


def _text(command: ClockPayload, name: str) -> str:
    value = command.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed.for_field(name, "不能为空", code="required")
    return value


def _instant(command: ClockPayload, name: str) -> datetime:
    raw = _text(command, name)
    try:
        return require_aware(datetime.fromisoformat(raw), name)
    except ValueError:
        raise ValidationFailed.for_field(
            name, "不是有效的时间（ISO 8601 格式）", code="invalid_datetime"
        ) from None


def _optional_date(command: ClockPayload, name: str) -> date | None:
    raw = command.get(name)
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ValidationFailed.for_field(
            name, "不是有效的日期（格式 YYYY-MM-DD）", code="invalid_date"
        ) from None


def _case(command: ClockPayload) -> CaseRef:
    case = command.get("case")
    if not isinstance(case, Mapping):
        raise ValidationFailed.for_field("case", "须为案件引用（service, kind, id, title, jurisdiction）")
    for name in ("service", "kind", "id", "title", "jurisdiction"):
        if not isinstance(case.get(name), str) or not case[name].strip():
            raise ValidationFailed.for_field(f"case.{name}", "不能为空", code="required")
    return dict(case)  # type: ignore[return-value]


def _parties(command: ClockPayload, name: str, *, required: bool) -> list[Party]:
    raw = command.get(name) or []
    if not isinstance(raw, list) or (required and not raw):
        raise ValidationFailed.for_field(
            name, "须为至少一个责任方（kind, id, jurisdiction）", code="required"
        )
    parties: list[Party] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping) or not all(
            isinstance(item.get(key), str) and item[key] for key in ("kind", "id", "jurisdiction")
        ):
            raise ValidationFailed.for_field(
                f"{name}[{index}]", "须含 kind、id、jurisdiction", code="invalid_party"
            )
        parties.append({"kind": item["kind"], "id": item["id"], "jurisdiction": item["jurisdiction"]})
    return parties


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
