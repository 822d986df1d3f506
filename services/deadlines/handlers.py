"""The deadlines queue: clock commands from other services, and what a scheduler tick runs here.

Thin on purpose: each handler hands the envelope's payload to one use case in
:mod:`services.deadlines.usecases.clocks` inside the inbox-deduplicated unit of work the bus gives it.
"""

from __future__ import annotations

from datetime import datetime

from services.deadlines.adapters.calendar_store import calendars
from services.deadlines.usecases import clocks
from services.deadlines.usecases.calendar_watch import watch_task
from services.deadlines.usecases.sweep import sweep_tick
from shared.contracts import CLOCK_EXTEND, CLOCK_PAUSE, CLOCK_RESUME, CLOCK_START, CLOCK_STOP
from shared.db import utcnow
from shared.messaging import Envelope, UnitOfWork
from shared.runtime import ServiceRuntime


def register_handlers(runtime: ServiceRuntime) -> None:
    cache = calendars(runtime.db)

    def on_start(uow: UnitOfWork, envelope: Envelope) -> None:
        clocks.start(uow, cache, envelope.payload, now=utcnow())

    def on_pause(uow: UnitOfWork, envelope: Envelope) -> None:
        clocks.pause(uow, cache, envelope.payload, now=utcnow(), event_id=envelope.event_id)

    def on_resume(uow: UnitOfWork, envelope: Envelope) -> None:
        clocks.resume(uow, cache, envelope.payload, now=utcnow(), event_id=envelope.event_id)

    def on_extend(uow: UnitOfWork, envelope: Envelope) -> None:
        # clock.extend carries no instant: the extension takes effect when it was sent
        at = datetime.fromisoformat(envelope.occurred_at)
        clocks.extend(uow, cache, envelope.payload, at=at, now=utcnow(), event_id=envelope.event_id)

    def on_stop(uow: UnitOfWork, envelope: Envelope) -> None:
        clocks.stop(uow, cache, envelope.payload, now=utcnow(), event_id=envelope.event_id)

    for message_type, handler in (
        (CLOCK_START, on_start),
        (CLOCK_PAUSE, on_pause),
        (CLOCK_RESUME, on_resume),
        (CLOCK_EXTEND, on_extend),
        (CLOCK_STOP, on_stop),
    ):
        runtime.bus.register(message_type, handler)
    # read once at start-up (Settings has no place for service-specific values)
    runtime.periodic.extend([sweep_tick, watch_task(runtime.settings.jurisdictions)])
