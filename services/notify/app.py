"""Notify: recipients and channels, templates, delivery into 浙政钉, robots and webhooks."""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.notify import api, delivery
from services.notify.models import DepartmentReplica, Inbox, Outbox, Recipient
from shared.config import Settings
from shared.contracts import NOTIFY_SEND
from shared.messaging import Envelope, UnitOfWork
from shared.replica import subscribe_directory
from shared.runtime import ServiceRuntime
from shared.service import ServiceDefinition, make_app


def register_handlers(runtime: ServiceRuntime) -> None:
    """Directory replica and ``notify.send`` through the inbox; ``notify.deliver`` outside it; the sweep."""
    subscribe_directory(runtime.bus, department_model=DepartmentReplica, person_model=Recipient)

    def on_send(uow: UnitOfWork, envelope: Envelope) -> None:
        delivery.record_request(uow, envelope)

    runtime.bus.register(NOTIFY_SEND, on_send)
    runtime.notify_context = delivery.build_context(runtime)  # type: ignore[attr-defined]
    runtime.periodic.append(delivery.sweep)
    inbox_route = runtime.handle_inbound

    def handle_inbound(data: dict[str, Any]) -> None:
        # notify.deliver calls platforms: it must not run inside an inbox transaction, and needs none, since
        # each delivery is claimed by compare-and-set on its state (a redelivered command finds nothing).
        if data.get("type") == delivery.DELIVER:
            ids = (data.get("payload") or {}).get("delivery_ids") or []
            delivery.deliver(delivery.context_of(runtime), [str(i) for i in ids])
            return
        inbox_route(data)

    runtime.handle_inbound = handle_inbound  # type: ignore[method-assign]


SERVICE = ServiceDefinition(
    name="notify",
    title="职责管理·通知服务 (notify)",
    description="把提醒和通知送达浙政钉工作通知、群机器人和签名 Webhook，每条只送一次。",
    outbox_model=Outbox,
    inbox_model=Inbox,
    blueprints=api.blueprints,
    register_handlers=register_handlers,
)


def create_app(config: Settings | None = None, *, runtime: ServiceRuntime | None = None) -> Flask:
    return make_app(SERVICE, config, runtime)
