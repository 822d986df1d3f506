"""What a service process holds: settings, its database, its broker connection, its outbox and inbox.

Web apps (``create_app``) and workers (``worker.setup``) both build one :class:`ServiceRuntime`; tests build
one with a stub broker or a :class:`~shared.messaging.RecordingSender`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import dramatiq

from shared.broker import TICK, DramatiqSender, ping
from shared.config import Settings
from shared.db import Database
from shared.dead_letters import DeadLetterBox, DeadLetterMixin
from shared.messaging import Envelope, InboxMixin, MessageBus, OutboxMixin, Relay, Sender, UnitOfWork
from shared.metrics import OUTBOX_PENDING

log = logging.getLogger(__name__)

PeriodicTask = Callable[["ServiceRuntime"], None]
DirectHandler = Callable[[dict[str, Any]], None]


@dataclass
class ServiceRuntime:
    """One service's live connections and its inbound message handlers."""

    settings: Settings
    db: Database
    sender: Sender
    relay: Relay
    bus: MessageBus
    broker: dramatiq.Broker | None = None
    periodic: list[PeriodicTask] = field(default_factory=list)
    direct: dict[str, DirectHandler] = field(default_factory=dict)
    #: a service's own long-lived objects (clients, policies), by name
    extensions: dict[str, Any] = field(default_factory=dict)
    #: where the messages its worker gives up on are kept (``None``: only logged — command-line tools)
    dead_letters: DeadLetterBox | None = None

    @property
    def service(self) -> str:
        return self.settings.service

    def unit_of_work(self) -> UnitOfWork:
        """A transaction whose outbox messages go out after it commits."""
        return self.bus.unit_of_work()

    def handle_directly(self, message_type: str, handler: DirectHandler) -> None:
        """Handle ``message_type`` without the inbox: for a service's commands to itself that are idempotent
        on their own (e.g. a claim by compare-and-set); ``handler`` gets the payload."""
        self.direct[message_type] = handler

    def handle_inbound(self, data: dict[str, Any]) -> None:
        """The inbound actor: a tick runs periodic tasks, a direct type its handler, the rest the inbox."""
        message_type = data.get("type")
        if message_type == TICK:
            self.run_periodic()
        elif message_type in self.direct:
            self.direct[message_type](dict(data.get("payload") or {}))
        else:
            self.bus.handle(data)

    def give_up(self, envelope: Any, exc: BaseException, reason: str, retries: int) -> None:
        """A message the worker stops retrying: kept as a dead letter, counted and logged."""
        if self.dead_letters is not None:
            self.dead_letters.record(envelope, exc, reason=reason, retries=retries)
        else:
            log.error("%s gave up on a message (%s): %s", self.service, reason, exc)

    def run_periodic(self) -> None:
        """The relay sweep and the service's own periodic tasks; each failure is logged, not fatal."""
        for task in [sweep_outbox, *self.periodic]:
            try:
                task(self)
            except Exception:
                log.exception("periodic task %s failed", getattr(task, "__name__", task))

    def ready_checks(self) -> dict[str, Callable[[], None]]:
        checks: dict[str, Callable[[], None]] = {"database": self.db.ping}
        if self.broker is not None:
            broker = self.broker
            checks["broker"] = lambda: ping(broker)
        return checks


def sweep_outbox(runtime: ServiceRuntime) -> None:
    """Publish what the fast path left behind (the broker was down at commit time, a process died)."""
    sent = runtime.relay.publish_pending()
    if sent:
        log.info("outbox sweep published %d message(s)", sent)
    OUTBOX_PENDING.labels(runtime.service).set(runtime.relay.pending_count())
    if runtime.dead_letters is not None:
        runtime.dead_letters.open_count()  # the gauge an operator's alert watches


def build_runtime(
    settings: Settings,
    *,
    outbox_model: type[OutboxMixin],
    inbox_model: type[InboxMixin],
    dead_letter_model: type[DeadLetterMixin] | None = None,
    broker: dramatiq.Broker | None = None,
    sender: Sender | None = None,
    db: Database | None = None,
    publish_after_commit: bool = True,
) -> ServiceRuntime:
    """Wire a service: its database, a sender onto the broker, the relay and the inbound bus.

    With ``publish_after_commit=False`` (command-line tools) messages wait in the outbox for the workers'
    sweep instead of being sent at commit time.
    """
    database = db or Database(settings.database_url)
    if sender is None:
        if broker is None:
            raise ValueError("a broker or a sender is needed")
        sender = DramatiqSender(broker)
    relay = Relay(database, outbox_model, sender)
    bus = MessageBus(
        database, outbox_model, inbox_model, relay if publish_after_commit else None, settings.service
    )
    letters = DeadLetterBox(database, dead_letter_model, settings.service) if dead_letter_model else None
    return ServiceRuntime(
        settings=settings,
        db=database,
        sender=sender,
        relay=relay,
        bus=bus,
        broker=broker,
        dead_letters=letters,
    )


def tick_envelope(source: str) -> dict[str, Any]:
    return Envelope(type=TICK, payload={}, source=source).to_dict()
