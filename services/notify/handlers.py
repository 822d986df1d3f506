"""Notify's queue entrypoint: what arrives on the ``notify`` queue and which use case handles it.

* ``directory.*_upserted`` and ``notify.send`` go through the inbox (applied once per message).
* A ``notify.send`` records its deliveries and, in the same transaction, claims the work notifications
  and webhooks among them for this worker. After the commit, the same worker thread sends them — outside
  the inbox transaction, so no transaction is held while a platform is called — and wakes the robots the
  request reached. The rows are durable before anything is sent: if the worker dies in between, the
  periodic sweep recovers them (claimed rows after the lease, queued ones after a grace period).
* ``notify.deliver`` (retries, robot wake-ups, the sweep's dispatches, operator replays) bypasses the
  inbox: it needs none, because each delivery is claimed by compare-and-set on its state, so a
  redelivered command finds nothing left to do.
"""

from __future__ import annotations

from typing import Any

from services.notify.tables import DepartmentReplica, Recipient
from services.notify.usecases import delivery
from shared.contracts import NOTIFY_SEND
from shared.messaging import Envelope, UnitOfWork
from shared.replica import subscribe_directory
from shared.runtime import ServiceRuntime


def install(runtime: ServiceRuntime) -> None:
    """Register notify's handlers and route its queue (called from ``register_handlers``)."""
    subscribe_directory(runtime.bus, department_model=DepartmentReplica, person_model=Recipient)
    runtime.extensions[delivery.CONTEXT_KEY] = delivery.build_context(runtime)
    runtime.periodic.append(delivery.sweep)

    def on_send(uow: UnitOfWork, envelope: Envelope) -> None:
        recorded = delivery.record_and_claim(uow, envelope)
        # Sent only if the inbox transaction commits (a rolled-back redelivery sends nothing).
        uow.after_commit(lambda: delivery.send_recorded(delivery.context_of(runtime), recorded))

    def on_deliver(payload: dict[str, Any]) -> None:
        ids, robots = payload.get("delivery_ids") or [], payload.get("robots") or []
        delivery.deliver(delivery.context_of(runtime), [str(i) for i in ids], robots=[str(r) for r in robots])

    runtime.bus.register(NOTIFY_SEND, on_send)
    runtime.handle_directly(delivery.DELIVER, on_deliver)
