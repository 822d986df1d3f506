"""The inbox's queue entrypoints: ``approval.request`` and ``approval.recall`` on the ``intake`` queue, and
``clock.scheduled`` to keep statutory due dates current. Each is one service-layer call inside the inbox
transaction the bus opened, so a redelivered message changes nothing twice."""

from __future__ import annotations

from services.intake.approvals import service
from services.intake.approvals.calendar_client import calendar_for
from shared.contracts import APPROVAL_RECALL, APPROVAL_REQUEST, CLOCK_SCHEDULED
from shared.messaging import Envelope, Handler, UnitOfWork
from shared.runtime import ServiceRuntime


def register(runtime: ServiceRuntime) -> None:
    settings = runtime.settings

    def on_request(uow: UnitOfWork, envelope: Envelope) -> None:
        jurisdiction = (envelope.payload.get("case") or {}).get("jurisdiction")
        counter = calendar_for(settings, jurisdiction)
        service.receive_request(uow, envelope.payload, settings=settings, counter=counter)

    def on_recall(uow: UnitOfWork, envelope: Envelope) -> None:
        service.recall(uow, envelope.payload)

    runtime.bus.register(APPROVAL_REQUEST, on_request)
    runtime.bus.register(APPROVAL_RECALL, on_recall)
    runtime.bus.register(CLOCK_SCHEDULED, _also(runtime.bus.handlers.get(CLOCK_SCHEDULED)))


def _also(earlier: Handler | None) -> Handler:
    """Case handling may own ``clock.scheduled`` too: run its handler first, then update open approvals."""

    def on_clock_scheduled(uow: UnitOfWork, envelope: Envelope) -> None:
        if earlier is not None:
            earlier(uow, envelope)
        service.on_clock_scheduled(uow, envelope.payload)

    return on_clock_scheduled
