"""Use cases on the calendar: load or replace a year, add or remove a local override — and recompute.

A calendar change recomputes, in the same transaction, every open clock whose span it touches: the event
log records why, the owner gets ``clock.scheduled``, and when a due date moves the responsible party is told
(``notify.send`` template ``due_date_changed``). A provisional date (a year not yet loaded, 第二十二条 etc.
counted by weekends only) becomes final the same way when its year arrives — and so does a date on or after
20 December, which next year's notice may still move: loading a notice recomputes from 20 December of the
year before, and the late-December days the notice sets there are merged into that year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.deadlines import mapping as clock_store
from services.deadlines.adapters import calendar_store
from services.deadlines.adapters.calendar_store import CalendarCache
from services.deadlines.domain.calendar import (
    LocalOverride,
    OverrideKind,
    WorkingCalendar,
    YearData,
    split_year_end,
    validate_override,
    validate_year,
    with_year_end,
    year_end_from,
)
from services.deadlines.domain.clock import Clock, ClockState
from services.deadlines.tables import CalendarOverride, CalendarYear, ClockRecord
from services.deadlines.usecases import audit_log, clocks
from services.deadlines.usecases.sweep import case_params
from shared.contracts import NOTIFY, NOTIFY_SEND
from shared.errors import NotFound, ValidationFailed
from shared.identity import Principal
from shared.jurisdictions import jurisdiction_name
from shared.localtime import local_date
from shared.messaging import UnitOfWork
from shared.web.formatting import chinese_date

DUE_DATE_CHANGED = "due_date_changed"


@dataclass(frozen=True)
class DueDateChange:
    """One open clock whose due date a calendar change moves (or makes final)."""

    clock_id: str
    case: Mapping[str, Any]
    rule: str
    before: date | None
    after: date | None
    provisional_before: bool
    provisional_after: bool


@dataclass(frozen=True)
class Recomputed:
    """What a calendar change did to the open clocks."""

    recomputed: int
    moved: int
    changes: tuple[DueDateChange, ...] = ()

    def to_dict(self) -> dict[str, int]:
        return {"recomputed_clocks": self.recomputed, "moved_due_dates": self.moved}


def load_year(
    uow: UnitOfWork, cache: CalendarCache, data: YearData, *, actor: Principal, now: datetime
) -> Recomputed:
    """Load or replace one year of the State Council's notice (validated first: 422 naming the field).

    The days the notice sets in late December of the year before (its 元旦) go into that year, which must
    be loaded already; every open clock from 20 December of the year before is recomputed — the dates the
    year-end blind spot marked 可能调整 become final or move. Recorded in the audit trail of ``actor``'s
    jurisdiction (the calendar is the whole suite's)."""
    own, year_end = validate_notice(data)
    session = uow.session
    calendar_store.ensure_seeded(session)
    before = _calendars_before(uow, cache)
    replaced = session.get(CalendarYear, data.year) is not None
    by = audit_log.signed(actor)
    if year_end is not None:
        _store_year(session, with_year_end(_loaded_year(session, year_end.year), year_end), by=by)
    _store_year(session, own, by=by)
    calendar_store.bump_revision(session)
    why = f"载入{data.year}年节假日安排（{data.source}）"
    first = year_end_from(data.year - 1)
    result = recompute_affected(
        uow, cache, first, date(data.year, 12, 31), why=why, now=now, calendars_before=before
    )
    _audit_year(uow, actor, data, replaced, result)
    return result


def _audit_year(
    uow: UnitOfWork, actor: Principal, data: YearData, replaced: bool, result: Recomputed
) -> None:
    verb = "替换" if replaced else "载入"
    uow.audit(
        audit_log.CALENDAR_LOAD,
        actor=actor,
        object_type="calendar_year",
        object_id=str(data.year),
        summary=(
            f"{verb}{data.year}年节假日安排（{data.source or '未注明来源'}）：放假 {len(data.holidays)} 天、"
            f"调休上班 {len(data.adjusted_workdays)} 天；{_recomputed_text(result)}"
        ),
        details={
            "year": data.year,
            "source": data.source,
            "replaced": replaced,
            "holidays": {d.isoformat(): n for d, n in sorted(data.holidays.items())},
            "adjusted_workdays": {d.isoformat(): n for d, n in sorted(data.adjusted_workdays.items())},
            **_changes(result),
        },
    )


def _recomputed_text(result: Recomputed) -> str:
    return f"重新计算 {result.recomputed} 项计时，其中 {result.moved} 项到期日有变化"


def _changes(result: Recomputed) -> dict[str, Any]:
    """What a change did to the open clocks, for the audit entry's details."""
    moved = [
        {"clock_id": c.clock_id, "before": c.before, "after": c.after}
        for c in result.changes
        if c.before != c.after
    ]
    return {**result.to_dict(), "moved": moved}


def validate_notice(data: YearData) -> tuple[YearData, YearData | None]:
    """The notice's own year and its late-December days of the year before, each checked (422 naming the
    field); see :func:`~services.deadlines.domain.calendar.split_year_end`."""
    own, year_end = split_year_end(data)
    validate_year(own)
    if year_end is not None:
        validate_year(year_end)
    return own, year_end


def _loaded_year(session: Session, year: int) -> YearData:
    row = session.get(CalendarYear, year)
    if row is None:
        message = f"通知含{year}年岁末的放假或调休安排，须先载入{year}年的节假日安排"
        raise ValidationFailed.for_field("holidays", message, code="calendar_year_end_without_year")
    return calendar_store.row_to_year(row)


def _store_year(session: Session, data: YearData, *, by: str) -> None:
    existing = session.get(CalendarYear, data.year)
    if existing is not None:
        session.delete(existing)
        session.flush()
    session.add(calendar_store.year_to_row(data, loaded_by=by))


def preview_year(uow: UnitOfWork, data: YearData, *, actor: Principal, now: datetime) -> Recomputed:
    """What loading ``data`` would do to the open clocks, without doing it: the caller rolls ``uow`` back
    (and with it the audit entry: a preview changes nothing).

    A cache of its own: the shared one must never hold a calendar that was not committed."""
    return load_year(uow, CalendarCache(), data, actor=actor, now=now)


def set_override(
    uow: UnitOfWork,
    cache: CalendarCache,
    jurisdiction: str,
    override: LocalOverride,
    *,
    actor: Principal,
    now: datetime,
) -> Recomputed:
    """Add or replace a local closure or extra working day of ``jurisdiction``."""
    validate_override(override)
    session = uow.session
    calendar_store.ensure_seeded(session)
    before = _calendars_before(uow, cache, jurisdiction)
    row = _override_row(uow, jurisdiction, override.date)
    previous = {"kind": row.kind, "reason": row.reason} if row is not None else None
    if row is None:
        row = CalendarOverride(jurisdiction=jurisdiction, date=override.date)
        session.add(row)
    row.kind, row.reason, row.created_at = override.kind.value, override.reason, now
    row.created_by = audit_log.signed(actor)
    calendar_store.bump_revision(session)
    label = OVERRIDE_NAMES[override.kind.value]
    where, when = jurisdiction_name(jurisdiction), chinese_date(override.date)
    why = f"{where}本地调整：{when}{label}（{override.reason}）"
    result = recompute_affected(
        uow,
        cache,
        override.date,
        override.date,
        why=why,
        now=now,
        jurisdiction=jurisdiction,
        calendars_before=before,
    )
    uow.audit(
        audit_log.OVERRIDE_SET,
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="calendar_override",
        object_id=override.date.isoformat(),
        summary=f"{'修改' if previous else '新增'}{why}；{_recomputed_text(result)}",
        details={
            "date": override.date,
            "kind": override.kind.value,
            "reason": override.reason,
            "previous": previous,
            **_changes(result),
        },
    )
    return result


#: what the trail calls the kinds of local override
OVERRIDE_NAMES = {OverrideKind.CLOSURE.value: "停止办公", OverrideKind.EXTRA_WORKDAY.value: "增加工作日"}


def remove_override(
    uow: UnitOfWork, cache: CalendarCache, jurisdiction: str, day: date, *, actor: Principal, now: datetime
) -> Recomputed:
    """Withdraw a local override (e.g. entered by mistake)."""
    row = _override_row(uow, jurisdiction, day)
    if row is None:
        raise NotFound(f"{day} 没有本地调整", code="override_not_found")
    removed = {"kind": row.kind, "reason": row.reason}
    before = _calendars_before(uow, cache, jurisdiction)
    uow.session.delete(row)
    calendar_store.bump_revision(uow.session)
    why = f"{jurisdiction_name(jurisdiction)}撤销本地调整：{chinese_date(day)}"
    result = recompute_affected(
        uow, cache, day, day, why=why, now=now, jurisdiction=jurisdiction, calendars_before=before
    )
    label = OVERRIDE_NAMES.get(removed["kind"], removed["kind"])
    uow.audit(
        audit_log.OVERRIDE_REMOVE,
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="calendar_override",
        object_id=day.isoformat(),
        summary=f"{why}{label}（{removed['reason']}）；{_recomputed_text(result)}",
        details={"date": day, "removed": removed, **_changes(result)},
    )
    return result


def list_overrides(uow: UnitOfWork, jurisdiction: str) -> list[dict[str, Any]]:
    query = (
        select(CalendarOverride)
        .where(CalendarOverride.jurisdiction == jurisdiction)
        .order_by(CalendarOverride.date)
    )
    return [
        {
            "jurisdiction": row.jurisdiction,
            "date": row.date.isoformat(),
            "kind": row.kind,
            "reason": row.reason,
        }
        for row in uow.session.scalars(query)
    ]


def list_years(uow: UnitOfWork) -> list[dict[str, Any]]:
    calendar_store.ensure_seeded(uow.session)
    rows = uow.session.scalars(select(CalendarYear).order_by(CalendarYear.year))
    return [
        {
            "year": row.year,
            "source": row.source,
            "holidays": len(row.holidays),
            "adjusted_workdays": len(row.adjusted_workdays),
            "loaded_at": row.loaded_at.isoformat(),
            "loaded_by": row.loaded_by,
        }
        for row in rows
    ]


def recompute_affected(
    uow: UnitOfWork,
    cache: CalendarCache,
    first: date,
    last: date,
    *,
    why: str,
    now: datetime,
    jurisdiction: str | None = None,
    calendars_before: Mapping[str, WorkingCalendar] | None = None,
) -> Recomputed:
    """Recompute the open clocks whose span (start, due] may touch [first, last]; paused ones always.

    A clock whose schedule stays is told its calendar window again (``refreshed``) when the change moved a
    day off in it (compared with ``calendars_before``, the calendars before the change; without them,
    always): its owner counts the days left with it. That includes the clocks whose window (past the due
    date, for overdue days) touches [first, last] but their span does not: they are not recomputed, nothing
    they count changed."""
    session = uow.session
    session.flush()
    query = select(ClockRecord).where(
        ClockRecord.state != ClockState.STOPPED.value,
        ClockRecord.start_date <= last,
        or_(ClockRecord.due_date.is_(None), ClockRecord.due_date >= first - clocks.CALENDAR_WINDOW_AFTER_DUE),
    )
    if jurisdiction is not None:
        query = query.where(ClockRecord.jurisdiction == jurisdiction)
    recomputed = moved = 0
    changes: list[DueDateChange] = []
    for row in session.scalars(query.with_for_update()):
        if row.due_date is not None and row.due_date < first:
            clock = clock_store.to_domain(row)
            _refresh_window(uow, row, clock, cache.get(session, row.jurisdiction), calendars_before, now=now)
            continue
        recomputed += 1
        change = _recompute_one(uow, cache, row, why=why, now=now, calendars_before=calendars_before)
        if change is not None:
            changes.append(change)
            moved += change.before is not None and change.after is not None and change.before != change.after
    return Recomputed(recomputed, moved, tuple(changes))


def _recompute_one(
    uow: UnitOfWork,
    cache: CalendarCache,
    row: ClockRecord,
    *,
    why: str,
    now: datetime,
    calendars_before: Mapping[str, WorkingCalendar] | None,
) -> DueDateChange | None:
    clock = clock_store.to_domain(row)
    calendar = cache.get(uow.session, row.jurisdiction)
    before, provisional_before = clock.due_date, clock.provisional
    events_before = len(clock.events)
    clock.recompute(calendar, at=now, reason=why)
    if len(clock.events) == events_before:
        # nothing this clock counts changed, but the days off in its window may have (a closure inside a
        # span counted in months, or past the due date), and its owner counts with them
        _refresh_window(uow, row, clock, calendar, calendars_before, now=now)
        return None
    change = DueDateChange(
        row.id, dict(row.case), row.rule, before, clock.due_date, provisional_before, clock.provisional
    )
    clock_store.save(row, clock)
    clocks.refresh_next_reminder(uow.session, row, clock, calendar, now=now)
    clocks.publish_scheduled(uow, row, clock, calendar, now=now, reason="calendar_changed")
    if before == clock.due_date or clock.due_date is None or before is None:
        return change
    remaining = clock.remaining_working_days(local_date(now), calendar) or 0
    uow.publish(NOTIFY, NOTIFY_SEND, _due_date_changed(row, clock, before, why, remaining))
    return change


def _calendars_before(
    uow: UnitOfWork, cache: CalendarCache, jurisdiction: str | None = None
) -> dict[str, WorkingCalendar]:
    """The calendars of the open clocks' jurisdictions (or of one), as they are before a change."""
    if jurisdiction is not None:
        return {jurisdiction: cache.get(uow.session, jurisdiction)}
    query = select(ClockRecord.jurisdiction).where(ClockRecord.state != ClockState.STOPPED.value).distinct()
    return {code: cache.get(uow.session, code) for code in uow.session.scalars(query)}


def _refresh_window(
    uow: UnitOfWork,
    row: ClockRecord,
    clock: Clock,
    calendar: WorkingCalendar,
    calendars_before: Mapping[str, WorkingCalendar] | None,
    *,
    now: datetime,
) -> None:
    """Tell the owner the clock's unchanged schedule with its calendar window, if the window changed."""
    old = calendars_before.get(row.jurisdiction) if calendars_before is not None else None
    window = clocks.calendar_window(clock, calendar)
    if old is None or clocks.calendar_window(clock, old) != window:
        clocks.publish_scheduled(uow, row, clock, calendar, now=now, reason="refreshed")


def announce_open_clocks(uow: UnitOfWork, cache: CalendarCache, *, now: datetime) -> int:
    """Send every open clock's schedule and calendar window to its owner again (``refreshed``), e.g. once
    after an upgrade, for the clocks their owners stored before events carried a window. Returns how many."""
    rows = uow.session.scalars(select(ClockRecord).where(ClockRecord.state != ClockState.STOPPED.value)).all()
    for row in rows:
        calendar = cache.get(uow.session, row.jurisdiction)
        clocks.publish_scheduled(uow, row, clock_store.to_domain(row), calendar, now=now, reason="refreshed")
    return len(rows)


def _due_date_changed(
    row: ClockRecord, clock: Clock, before: date, why: str, remaining: int
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "dedupe_key": f"{row.id}/due_date_changed/{before.isoformat()}/{clock.due_date}",
        "template": DUE_DATE_CHANGED,
        "params": {
            **case_params(row, clock),
            "old_due_date": before.isoformat(),
            "due_date": str(clock.due_date),
            "remaining_working_days": max(remaining, 0),  # 还剩N个工作日 / 已逾期N个工作日
            "overdue_working_days": max(-remaining, 0),
            "provisional": clock.provisional,
            "reason": why,
        },
        "recipients": [dict(p) for p in row.responsible],
        "case": row.case,
        "urgency": "normal",
    }
    if row.case.get("url"):
        request["link"] = row.case["url"]
    return request


def _override_row(uow: UnitOfWork, jurisdiction: str, day: date) -> CalendarOverride | None:
    query = select(CalendarOverride).where(
        CalendarOverride.jurisdiction == jurisdiction, CalendarOverride.date == day
    )
    return uow.session.scalars(query).first()


def year_from_json(year: int, body: Mapping[str, Any]) -> YearData:
    """A year from the JSON the API and the CLI accept (see :mod:`services.deadlines.api`)."""
    return YearData(
        year,
        _named_days(body.get("holidays") or [], "holidays"),
        _named_days(body.get("adjusted_workdays") or [], "adjusted_workdays"),
        str(body.get("source") or ""),
    )


def _named_days(items: Any, field: str) -> dict[date, str]:
    days: dict[date, str] = {}
    for index, item in enumerate(items):
        try:
            day = item["date"] if isinstance(item["date"], date) else date.fromisoformat(str(item["date"]))
            days[day] = str(item.get("name") or "")
        except (KeyError, TypeError, ValueError, AttributeError):
            message = '须为 {"date": "YYYY-MM-DD", "name": "名称"}'
            raise ValidationFailed.for_field(f"{field}[{index}]", message, code="invalid_day") from None
    return days
