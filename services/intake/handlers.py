"""Intake's queue entrypoints: casework's handlers, then the approval inbox's (which chains after ours)."""

from __future__ import annotations

from services.intake.approvals import handlers as approval_handlers
from services.intake.casework import events
from shared.contracts import (
    APPROVAL_DECIDED,
    CLOCK_DUE,
    CLOCK_DUE_SOON,
    CLOCK_EXPIRED,
    CLOCK_OVERDUE,
    CLOCK_SCHEDULED,
)
from shared.messaging import Envelope, UnitOfWork
from shared.runtime import ServiceRuntime


def register_casework(runtime: ServiceRuntime) -> None:
    base_url = runtime.settings.public_base_url
    bus = runtime.bus

    @bus.on(CLOCK_SCHEDULED)
    def on_clock_scheduled(uow: UnitOfWork, envelope: Envelope) -> None:
        events.clock_scheduled(uow, base_url, envelope.payload)

    @bus.on(CLOCK_DUE_SOON)
    def on_clock_due_soon(uow: UnitOfWork, envelope: Envelope) -> None:
        events.clock_noted(uow, "due_soon", envelope.payload)

    @bus.on(CLOCK_DUE)
    def on_clock_due(uow: UnitOfWork, envelope: Envelope) -> None:
        events.clock_noted(uow, "due", envelope.payload)

    @bus.on(CLOCK_OVERDUE)
    def on_clock_overdue(uow: UnitOfWork, envelope: Envelope) -> None:
        events.clock_overdue(uow, base_url, envelope.payload)

    @bus.on(CLOCK_EXPIRED)
    def on_clock_expired(uow: UnitOfWork, envelope: Envelope) -> None:
        events.clock_expired(uow, base_url, envelope.payload)

    @bus.on(APPROVAL_DECIDED)
    def on_approval_decided(uow: UnitOfWork, envelope: Envelope) -> None:
        events.approval_decided(uow, base_url, envelope.payload)


def register(runtime: ServiceRuntime) -> None:
    register_casework(runtime)
    approval_handlers.register(runtime)  # after ours: it chains clock.scheduled onto casework's handler
