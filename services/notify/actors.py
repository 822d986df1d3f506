"""Notify's queue entrypoint: what arrives on the ``notify`` queue and which use case handles it.

* ``directory.*_upserted`` and ``notify.send`` go through the inbox (applied once per message).
* After a ``notify.send`` commits, the same worker thread delivers the deliveries it recorded — outside
  the inbox transaction, so no transaction is held while a platform is called. The queued rows are durable
  before anything is sent: if the worker dies in between, the periodic sweep dispatches them.
* ``notify.deliver`` (retries, robot wake-ups, the sweep's dispatches, operator replays) bypasses the
  inbox: it needs none, because each delivery is claimed by compare-and-set on its state, so a
  redelivered command finds nothing left to do.
"""

from __future__ import annotations

import threading
from typing import Any

from services.notify import delivery
from services.notify.models import DepartmentReplica, Recipient
from shared.contracts import NOTIFY_SEND
from shared.messaging import Envelope, UnitOfWork
from shared.replica import subscribe_directory
from shared.runtime import ServiceRuntime


def install(runtime: ServiceRuntime) -> None:
    """Register notify's handlers and route its queue (called from ``register_handlers``)."""
    subscribe_directory(runtime.bus, department_model=DepartmentReplica, person_model=Recipient)
    runtime.notify_context = delivery.build_context(runtime)  # type: ignore[attr-defined]
    runtime.periodic.append(delivery.sweep)
    recorded = threading.local()

    def on_send(uow: UnitOfWork, envelope: Envelope) -> None:
        recorded.ids = delivery.record_request(uow, envelope)

    runtime.bus.register(NOTIFY_SEND, on_send)
    through_inbox = runtime.handle_inbound

    def handle_inbound(data: dict[str, Any]) -> None:
        ctx = delivery.context_of(runtime)
        if data.get("type") == delivery.DELIVER:
            payload = data.get("payload") or {}
            ids, robots = payload.get("delivery_ids") or [], payload.get("robots") or []
            delivery.deliver(ctx, [str(i) for i in ids], robots=[str(r) for r in robots])
            return
        recorded.ids = []
        try:
            through_inbox(data)
            fresh = list(recorded.ids)
        finally:
            recorded.ids = []
        if fresh:
            delivery.deliver(ctx, fresh, drain=0)  # its own deliveries only: other threads send theirs

    runtime.handle_inbound = handle_inbound  # type: ignore[method-assign]
