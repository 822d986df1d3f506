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
* ``notify.revoke`` (a case was withdrawn) goes through the inbox; the platform calls follow the commit.
* A person joining the replica resolves at once the requests that waited for them (a fresh start).
* ``task.opened`` / ``task.reassigned`` / ``task.closed`` feed the 浙政钉 to-do centre
  (:mod:`services.notify.usecases.todos`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from services.notify.domain.delivery import WAITING
from services.notify.tables import Delivery, DepartmentReplica, Recipient
from services.notify.usecases import delivery, revocation, todos
from shared.contracts import NOTIFY_REVOKE, NOTIFY_SEND, PERSON_UPSERTED
from shared.messaging import Envelope, UnitOfWork
from shared.replica import subscribe_directory, upsert_row
from shared.runtime import ServiceRuntime


def install(runtime: ServiceRuntime) -> None:
    """Register notify's handlers and route its queue (called from ``register_handlers``)."""
    subscribe_directory(runtime.bus, department_model=DepartmentReplica, person_model=Recipient)
    runtime.extensions[delivery.CONTEXT_KEY] = delivery.build_context(runtime)
    runtime.periodic.append(delivery.sweep)
    runtime.periodic.append(revocation.sweep)
    todos.install(runtime)

    def on_send(uow: UnitOfWork, envelope: Envelope) -> None:
        ctx = delivery.context_of(runtime)
        recorded = delivery.record_and_claim(uow, envelope, wait_s=ctx.directory_wait_s)
        # Sent only if the inbox transaction commits (a rolled-back redelivery sends nothing).
        uow.after_commit(lambda: delivery.send_recorded(delivery.context_of(runtime), recorded))

    def on_deliver(payload: dict[str, Any]) -> None:
        ids, robots = payload.get("delivery_ids") or [], payload.get("robots") or []
        ctx = delivery.context_of(runtime)
        if payload.get("backlog"):
            delivery.drain_backlog(ctx)
        delivery.deliver(ctx, [str(i) for i in ids], robots=[str(r) for r in robots])

    def on_revoke(uow: UnitOfWork, envelope: Envelope) -> None:
        revocation.request_revocation(uow, envelope)
        uow.after_commit(lambda: revocation.run_revocations(delivery.context_of(runtime)))

    def on_person(uow: UnitOfWork, envelope: Envelope) -> None:
        upsert_row(uow.session, Recipient, "id", envelope.payload)
        if _someone_waits_for(uow, envelope.payload):
            uow.after_commit(lambda: delivery.resolve_waiting(delivery.context_of(runtime)))

    runtime.bus.register(NOTIFY_SEND, on_send)
    runtime.bus.register(NOTIFY_REVOKE, on_revoke)
    runtime.bus.register(PERSON_UPSERTED, on_person)
    runtime.handle_directly(delivery.DELIVER, on_deliver)


def _someone_waits_for(uow: UnitOfWork, person: dict[str, Any]) -> bool:
    """True when a request waits for a party this person belongs to (one indexed look-up per event)."""
    parties = [f"person:{person.get('id')}", f"department:{person.get('department')}"]
    parties += [f"role:{role}" for role in person.get("roles") or ()]
    found = uow.session.scalar(
        select(Delivery.id)
        .where(Delivery.state == WAITING, Delivery.recipient.in_(parties))
        .where(Delivery.jurisdiction == str(person.get("jurisdiction") or ""))
        .limit(1)
    )
    return found is not None
