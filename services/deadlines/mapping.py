"""The clocks' adapter: a :class:`ClockRecord` row to the domain :class:`Clock` and back.

The domain keeps one ``responsible_party`` string; the contract sends a list of parties (``shared.contracts.
Party``). The row keeps the list (to address reminders) and a stable label derived from it (for the domain's
"is this start a repeat?" check).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.deadlines.domain.clock import Clock, ClockEvent, ClockState, StopOutcome
from services.deadlines.domain.reminder_plan import ReminderPlan, localised
from services.deadlines.domain.rules import reminder_plan
from services.deadlines.tables import ClockRecord
from shared.contracts import CaseRef, Party
from shared.local_rules import LocalReminders


def party_label(parties: Iterable[Party]) -> str:
    """A stable text for a list of parties: ``kind:id@jurisdiction`` sorted, joined by ``;``."""
    return ";".join(sorted(f"{p['kind']}:{p['id']}@{p['jurisdiction']}" for p in parties))


def case_reference(case: CaseRef) -> str:
    return f"{case['service']}/{case['kind']}/{case['id']}"


def load_for_update(session: Session, clock_id: str) -> ClockRecord | None:
    """The row of ``clock_id``, locked until the end of the transaction (PostgreSQL; SQLite locks it all)."""
    return session.get(ClockRecord, clock_id, with_for_update=True)


def to_domain(row: ClockRecord) -> Clock:
    return Clock(
        id=row.id,
        rule_code=row.rule,
        case_reference=row.case_reference,
        owner_service=row.owner_service,
        responsible_party=row.responsible_party,
        jurisdiction=row.jurisdiction,
        started_at=row.started_at,
        start_date=row.start_date,
        period_length=row.period_length,
        length_reason=row.length_reason,
        fixed_due_date=row.fixed_due_date,
        state=ClockState(row.state),
        stop_outcome=StopOutcome(row.stop_outcome) if row.stop_outcome else None,
        counting_from=row.counting_from,
        working_days_used=row.working_days_used,
        due_date=row.due_date,
        due_at=row.due_at,
        provisional=row.provisional,
        calendar_version=row.calendar_version,
        extended=row.extended,
        extension_reason=row.extension_reason,
        events=[_event_from_json(item) for item in row.events],
    )


def new_row(clock: Clock, *, case: CaseRef, responsible: Sequence[Party], **extra: Any) -> ClockRecord:
    """A row for a clock just started; ``extra``: escalate_to, urgent."""
    row = ClockRecord(
        id=clock.id,
        rule=clock.rule_code,
        case=dict(case),
        case_reference=clock.case_reference,
        owner_service=clock.owner_service,
        responsible=[dict(p) for p in responsible],
        responsible_party=clock.responsible_party,
        jurisdiction=clock.jurisdiction,
        started_at=clock.started_at,
        start_date=clock.start_date,
        period_length=clock.period_length,
        length_reason=clock.length_reason,
        fixed_due_date=clock.fixed_due_date,
        escalate_to=extra.get("escalate_to"),
        urgent=bool(extra.get("urgent")),
    )
    save(row, clock)
    return row


def save(row: ClockRecord, clock: Clock) -> None:
    """Copy the aggregate's changeable state onto its row."""
    row.state = clock.state.value
    row.stop_outcome = clock.stop_outcome.value if clock.stop_outcome else None
    row.counting_from = clock.counting_from
    row.working_days_used = clock.working_days_used
    row.due_date, row.due_at, row.provisional = clock.due_date, clock.due_at, clock.provisional
    row.calendar_version = clock.calendar_version
    row.extended, row.extension_reason = clock.extended, clock.extension_reason
    row.events = [event_to_json(event) for event in clock.events]


def plan_for(row: ClockRecord, clock: Clock, local: LocalReminders | None = None) -> ReminderPlan:
    """The rule's reminder plan, with the jurisdiction's own reminder days where it set them (第三十九条); an
    urgent clock releases reminders at once instead of in office hours."""
    plan = localised(reminder_plan(clock.rule), local)
    return replace(plan, urgent=True) if row.urgent else plan


def event_to_json(event: ClockEvent) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "at": event.at.isoformat(),
        "detail": dict(event.detail),
        "command_id": event.command_id,
    }


def _event_from_json(item: dict[str, Any]) -> ClockEvent:
    return ClockEvent(
        item["kind"],
        datetime.fromisoformat(item["at"]),
        dict(item.get("detail") or {}),
        item.get("command_id"),
    )
