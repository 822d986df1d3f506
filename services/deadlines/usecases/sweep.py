"""The reminder sweep, run on every scheduler tick.

A tick claims the clocks whose ``next_reminder_at`` has come with one indexed query::

    SELECT … FROM clock WHERE next_reminder_at <= :now ORDER BY next_reminder_at LIMIT :n
    FOR UPDATE SKIP LOCKED            -- PostgreSQL: several workers share the load

so its cost follows what is due, not how many clocks are open. For each clock the domain
(:func:`reminders_due`) says what is owed now and when to look next; the batch records the sent keys
(unique per key and recipient), publishes ``notify.send`` and the owner's event, and stores the next instant —
all in one transaction. A missed tick catches up with only the stage that is current (the domain drops stale
"due soon"s), and a reminder already recorded is never sent again, however often the scheduler restarts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.deadlines import mapping as clock_store
from services.deadlines.adapters.calendar_store import CalendarCache, calendars
from services.deadlines.domain.calendar import WorkingCalendar
from services.deadlines.domain.clock import Clock
from services.deadlines.domain.reminder_plan import RecipientLevel
from services.deadlines.domain.reminders import Reminder, Stage, reminders_due
from services.deadlines.tables import ClockRecord, SentReminder
from services.deadlines.usecases import local_rules
from shared.auth import Role
from shared.contracts import (
    CLOCK_DUE,
    CLOCK_DUE_SOON,
    CLOCK_EXPIRED,
    CLOCK_OVERDUE,
    NOTIFY,
    NOTIFY_SEND,
    Party,
    party,
)
from shared.db import utcnow
from shared.local_rules import LocalReminders
from shared.localtime import local_date
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_BATCHES_PER_TICK = 20

#: notify template codes, by reminder stage (the expiry is an event for the owning service only)
TEMPLATES = {
    Stage.DUE_SOON: "due_soon",
    Stage.DUE_TODAY: "due_today",
    Stage.OVERDUE: "overdue",
    Stage.ESCALATION: "escalation",
}
#: 第二十条: a consulted department is reminded that silence without a reason counts as no objection
REPLY_TEMPLATES = {Stage.DUE_SOON: "reply_due_soon", Stage.DUE_TODAY: "reply_due_soon"}


def sweep_tick(runtime: ServiceRuntime) -> None:
    """The periodic task registered on the deadlines runtime."""
    sent = sweep(runtime)
    if sent:
        log.info("deadline sweep sent %d reminder(s)", sent)


def sweep(
    runtime: ServiceRuntime,
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int = MAX_BATCHES_PER_TICK,
) -> int:
    """Process every clock due by ``now`` (in batches, one transaction each); returns reminders sent."""
    now = now or utcnow()
    cache = calendars(runtime.db)
    sent = 0
    for _ in range(max_batches):
        with runtime.unit_of_work() as uow:
            claimed, count = sweep_batch(uow, cache, now=now, limit=batch_size)
            uow.commit()
        sent += count
        if claimed < batch_size:
            break
    return sent


def claim_due(session: Session, *, now: datetime, limit: int) -> Sequence[ClockRecord]:
    """The clocks whose next reminder instant has come, oldest first, locked for this transaction."""
    query = (
        select(ClockRecord)
        .where(ClockRecord.next_reminder_at <= now)
        .order_by(ClockRecord.next_reminder_at)
        .limit(limit)
    )
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).all()


def sweep_batch(uow: UnitOfWork, cache: CalendarCache, *, now: datetime, limit: int) -> tuple[int, int]:
    """One batch: (clocks claimed, reminders sent)."""
    session = uow.session
    rows = claim_due(session, now=now, limit=limit)
    if not rows:
        return 0, 0
    sent_by_clock = _sent_keys(session, [row.id for row in rows])
    by_jurisdiction: dict[str, tuple[WorkingCalendar, LocalReminders | None]] = {}  # once per batch
    count = 0
    for row in rows:
        clock = clock_store.to_domain(row)
        if row.jurisdiction not in by_jurisdiction:
            local = local_rules.reminders(session, row.jurisdiction)  # 第三十九条
            by_jurisdiction[row.jurisdiction] = (cache.get(session, row.jurisdiction), local)
        calendar, local = by_jurisdiction[row.jurisdiction]
        plan = clock_store.plan_for(row, clock, local)
        owed = reminders_due(clock, calendar, plan, sent=sent_by_clock[row.id], now=now)
        for reminder in owed.due:
            deliver(uow, row, clock, calendar, reminder, now=now)
        count += len(owed.due)
        row.next_reminder_at = owed.next_at
    return len(rows), count


def deliver(
    uow: UnitOfWork,
    row: ClockRecord,
    clock: Clock,
    calendar: WorkingCalendar,
    reminder: Reminder,
    *,
    now: datetime,
) -> None:
    """Record one reminder as sent and publish what it means: the owner's event and, for people, a notice."""
    uow.session.add(
        SentReminder(
            key=reminder.key,
            recipient=reminder.recipient.value,
            clock_id=row.id,
            stage=reminder.stage.value,
            sent_at=now,
        )
    )
    remaining = clock.remaining_working_days(local_date(now), calendar) or 0
    event_type, event = _owner_event(row, reminder, remaining)
    uow.publish(row.owner_service, event_type, event)
    template = TEMPLATES.get(reminder.stage)
    if clock.rule.silence_means_no_objection:
        template = REPLY_TEMPLATES.get(reminder.stage, template)
    if template is not None:
        uow.publish(NOTIFY, NOTIFY_SEND, notice(row, clock, reminder, template, remaining))


def notice(
    row: ClockRecord, clock: Clock, reminder: Reminder, template: str, remaining: int
) -> dict[str, Any]:
    """The ``notify.send`` request for one reminder."""
    link = row.case.get("url")
    params = {
        **case_params(row, clock),
        "due_date": reminder.due_date.isoformat(),
        "remaining_working_days": max(remaining, 0),
        "overdue_working_days": max(-remaining, 0),
        "provisional": clock.provisional,  # the notice then says the date may still move
        "stage": reminder.stage.value,
        "sequence": reminder.sequence,
    }
    request: dict[str, Any] = {
        "dedupe_key": f"{reminder.key}/{reminder.recipient.value}",
        "template": template,
        "params": params,
        "recipients": recipients(row, reminder.recipient),
        "case": row.case,
        "urgency": "urgent" if row.urgent else "normal",
    }
    if link:
        request["link"] = link
    return request


def case_params(row: ClockRecord, clock: Clock) -> dict[str, Any]:
    """What every deadline notice shows: the case, the rule and its article, and where to open it."""
    rule = clock.rule
    return {
        "clock_id": row.id,
        "case_title": row.case.get("title", ""),
        "rule": rule.code,
        "rule_name": rule.name,
        "article": rule.article_label,
        "link": row.case.get("url", ""),
    }


def recipients(row: ClockRecord, level: RecipientLevel) -> list[Party]:
    """The parties of a recipient level; escalation goes to ``escalate_to`` or the office leaders."""
    if level is RecipientLevel.RESPONSIBLE_PARTY:
        return [dict(p) for p in row.responsible]  # type: ignore[misc]
    if row.escalate_to:
        return [dict(p) for p in row.escalate_to]  # type: ignore[misc]
    return [party("role", Role.OFFICE_LEADER.value, row.jurisdiction)]


def _owner_event(row: ClockRecord, reminder: Reminder, remaining: int) -> tuple[str, dict[str, Any]]:
    base = {"clock_id": row.id, "case": row.case, "rule": row.rule, "due_date": reminder.due_date.isoformat()}
    if reminder.stage is Stage.DUE_SOON:
        return CLOCK_DUE_SOON, {**base, "remaining_working_days": max(remaining, 0)}
    if reminder.stage is Stage.DUE_TODAY:
        return CLOCK_DUE, base
    if reminder.stage is Stage.EXPIRED:
        return CLOCK_EXPIRED, base
    escalated = reminder.stage is Stage.ESCALATION
    return CLOCK_OVERDUE, {**base, "overdue_working_days": max(-remaining, 0), "escalated": escalated}


def _sent_keys(session: Session, clock_ids: list[str]) -> defaultdict[str, set[str]]:
    keys: defaultdict[str, set[str]] = defaultdict(set)
    query = select(SentReminder.clock_id, SentReminder.key).where(SentReminder.clock_id.in_(clock_ids))
    for clock_id, key in session.execute(query):
        if clock_id is not None:
            keys[clock_id].add(key)
    return keys
