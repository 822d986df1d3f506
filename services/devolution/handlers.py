"""Devolution's inbound messages: clock events from deadlines and decisions from the leaders' inbox.

Handlers are thin: they find the record the message is about and call the service layer. The inbox makes a
redelivered message change nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.devolution import usecases
from services.devolution.tables import Clock, Devolution
from shared.contracts import (
    APPROVAL_DECIDED,
    CLOCK_DUE,
    CLOCK_DUE_SOON,
    CLOCK_EXPIRED,
    CLOCK_OVERDUE,
    CLOCK_SCHEDULED,
)
from shared.db import utcnow
from shared.messaging import Envelope, UnitOfWork
from shared.runtime import ServiceRuntime


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _clock(uow: UnitOfWork, payload: dict[str, Any]) -> Clock:
    """Our record of the clock; one we did not know of (started before a restore) is recorded now."""
    clock = uow.session.get(Clock, payload["clock_id"])
    if clock is None:
        case = payload.get("case") or {}
        clock = Clock(clock_id=payload["clock_id"], rule=payload.get("rule", ""), state="requested")
        if case.get("kind") == "devolution":
            clock.devolution_id = case.get("id")
        elif case.get("kind") == "rectification":
            clock.rectification_id = case.get("id")
        uow.session.add(clock)
    clock.updated_at = utcnow()
    return clock


def _history(uow: UnitOfWork, clock: Clock, action: str, payload: dict[str, Any]) -> None:
    row = uow.session.get(Devolution, clock.devolution_id) if clock.devolution_id else None
    if row is not None:
        detail = {k: v for k, v in payload.items() if k != "case"}
        usecases.note(uow, row, action, detail)


def on_clock_scheduled(uow: UnitOfWork, envelope: Envelope, runtime: ServiceRuntime | None = None) -> None:
    """Store the due date so that lists can show it and filter what is overdue, and the step it measures
    shows it on the worklists."""
    payload = envelope.payload
    clock = _clock(uow, payload)
    if clock.state == "stopped" and payload.get("state") != "stopped":
        return  # a late schedule after we asked to stop it: our stop wins
    clock.state = str(payload.get("state") or "running")
    clock.due_date = _date(payload.get("due_date"))
    clock.due_at = _instant(payload.get("due_at"))
    clock.provisional = bool(payload.get("provisional"))
    clock.remaining_working_days = payload.get("remaining_working_days")
    clock.calendar = payload.get("calendar")
    clock.overdue = clock.state in ("overdue", "expired")
    clock.due_soon = False
    if runtime is not None:
        usecases.refresh_task_dates(uow, runtime, clock)


def on_clock_due_soon(uow: UnitOfWork, envelope: Envelope) -> None:
    clock = _clock(uow, envelope.payload)
    clock.due_soon = True
    clock.remaining_working_days = envelope.payload.get("remaining_working_days")
    _history(uow, clock, "clock_due_soon", envelope.payload)


def on_clock_due(uow: UnitOfWork, envelope: Envelope) -> None:
    _history(uow, _clock(uow, envelope.payload), "clock_due", envelope.payload)


def on_clock_overdue(uow: UnitOfWork, envelope: Envelope) -> None:
    clock = _clock(uow, envelope.payload)
    clock.overdue = True
    clock.overdue_working_days = envelope.payload.get("overdue_working_days")
    _history(uow, clock, "clock_overdue", envelope.payload)


def on_clock_expired(uow: UnitOfWork, envelope: Envelope) -> None:
    clock = _clock(uow, envelope.payload)
    clock.overdue = True
    _history(uow, clock, "clock_expired", envelope.payload)


def register(runtime: ServiceRuntime) -> None:
    bus = runtime.bus
    bus.register(CLOCK_SCHEDULED, lambda uow, envelope: on_clock_scheduled(uow, envelope, runtime))
    bus.register(CLOCK_DUE_SOON, on_clock_due_soon)
    bus.register(CLOCK_DUE, on_clock_due)
    bus.register(CLOCK_OVERDUE, on_clock_overdue)
    bus.register(CLOCK_EXPIRED, on_clock_expired)
    bus.register(
        APPROVAL_DECIDED,
        lambda uow, envelope: usecases.apply_approval_decision(uow, runtime, envelope.payload),
    )
    runtime.periodic.append(usecases.remind_overdue_handover)
    runtime.periodic.append(usecases.render_pending_documents)
