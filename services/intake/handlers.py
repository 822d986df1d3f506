"""Intake's queue entrypoint: what arrives on the ``intake`` queue and which use case handles it.

Casework hears from deadlines (clock events, and each jurisdiction's local rules) and from the approval inbox
(decisions); the approval inbox hears requests and recalls from every service, and keeps the statutory due
dates of open approvals current from the same ``clock.scheduled`` events casework reads.
"""

from __future__ import annotations

from services.intake.adapters.deadlines_calendar import calendar_for
from services.intake.usecases import (
    approvals,
    case_events,
    devolution_figures,
    documents,
    local_rules,
    rectification,
    tasks,
    worklist,
)
from shared.contracts import (
    APPROVAL_DECIDED,
    APPROVAL_RECALL,
    APPROVAL_REQUEST,
    CLOCK_DUE,
    CLOCK_DUE_SOON,
    CLOCK_EXPIRED,
    CLOCK_OVERDUE,
    CLOCK_SCHEDULED,
    DEVOLUTION_FIGURES_CHANGED,
    LOCAL_RULES_CHANGED,
    NOTIFY_OUTCOME,
    RECTIFICATION_HANDED_OVER,
    TASK_CLOSED,
    TASK_OPENED,
    TASK_REASSIGNED,
)
from shared.messaging import Envelope, UnitOfWork
from shared.runtime import ServiceRuntime


def register_casework(runtime: ServiceRuntime) -> None:
    base_url = runtime.settings.public_base_url
    bus = runtime.bus
    runtime.periodic.append(rectification.refer_the_uncorrected)  # 第三十七条第二款, each tick
    runtime.periodic.append(documents.render_pending_documents)  # numbered documents not rendered yet

    @bus.on(CLOCK_SCHEDULED)
    def on_clock_scheduled(uow: UnitOfWork, envelope: Envelope) -> None:
        case_events.clock_scheduled(uow, base_url, envelope.payload)

    @bus.on(CLOCK_DUE_SOON)
    def on_clock_due_soon(uow: UnitOfWork, envelope: Envelope) -> None:
        case_events.clock_noted(uow, "due_soon", envelope.payload)

    @bus.on(CLOCK_DUE)
    def on_clock_due(uow: UnitOfWork, envelope: Envelope) -> None:
        case_events.clock_noted(uow, "due", envelope.payload)

    @bus.on(CLOCK_OVERDUE)
    def on_clock_overdue(uow: UnitOfWork, envelope: Envelope) -> None:
        case_events.clock_overdue(uow, base_url, envelope.payload)

    @bus.on(CLOCK_EXPIRED)
    def on_clock_expired(uow: UnitOfWork, envelope: Envelope) -> None:
        case_events.clock_expired(uow, base_url, envelope.payload)

    @bus.on(APPROVAL_DECIDED)
    def on_approval_decided(uow: UnitOfWork, envelope: Envelope) -> None:
        case_events.approval_decided(uow, base_url, envelope.payload)

    @bus.on(NOTIFY_OUTCOME)
    def on_notice_outcome(uow: UnitOfWork, envelope: Envelope) -> None:
        case_events.notice_outcome(uow, base_url, envelope.payload)

    @bus.on(LOCAL_RULES_CHANGED)
    def on_local_rules_changed(uow: UnitOfWork, envelope: Envelope) -> None:
        local_rules.replicate(uow, envelope.payload)

    @bus.on(DEVOLUTION_FIGURES_CHANGED)
    def on_devolution_figures(uow: UnitOfWork, envelope: Envelope) -> None:
        devolution_figures.changed(uow, envelope.payload)

    @bus.on(RECTIFICATION_HANDED_OVER)
    def on_rectification_handed_over(uow: UnitOfWork, envelope: Envelope) -> None:
        rectification.adopt_handed_over(uow, base_url, envelope.payload)


def register_approvals(runtime: ServiceRuntime) -> None:
    settings = runtime.settings

    def on_request(uow: UnitOfWork, envelope: Envelope) -> None:
        jurisdiction = (envelope.payload.get("case") or {}).get("jurisdiction")
        counter = calendar_for(settings, jurisdiction)
        approvals.receive_request(uow, envelope.payload, settings=settings, counter=counter)

    def on_recall(uow: UnitOfWork, envelope: Envelope) -> None:
        approvals.recall(uow, envelope.payload)

    runtime.bus.register(APPROVAL_REQUEST, on_request)
    runtime.bus.register(APPROVAL_RECALL, on_recall)
    runtime.bus.register(
        CLOCK_SCHEDULED, lambda uow, envelope: approvals.on_clock_scheduled(uow, envelope.payload)
    )


def register_worklist(runtime: ServiceRuntime) -> None:
    """The 待办 read model: every service's ``task.*`` events (see ``docs/worklist.md``)."""
    bus = runtime.bus
    bus.register(TASK_OPENED, lambda uow, envelope: worklist.task_opened(uow, envelope.payload))
    bus.register(TASK_REASSIGNED, lambda uow, envelope: worklist.task_reassigned(uow, envelope.payload))
    bus.register(TASK_CLOSED, lambda uow, envelope: worklist.task_closed(uow, envelope.payload))
    tasks.track(runtime)  # intake's own steps and approvals: reconciled as each transaction commits


def register(runtime: ServiceRuntime) -> None:
    register_casework(runtime)
    register_worklist(runtime)
    register_approvals(runtime)
