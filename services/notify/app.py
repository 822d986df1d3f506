"""Notify: recipients and channels, templates, delivery into 浙政钉, robots and webhooks."""

from __future__ import annotations

from flask import Flask

from services.notify import api
from services.notify import handlers as actors
from services.notify.tables import DeadLetter, Inbox, Outbox
from shared.config import Settings
from shared.runtime import ServiceRuntime
from shared.service import ServiceDefinition, make_app


def register_handlers(runtime: ServiceRuntime) -> None:
    """Directory replica and ``notify.send`` through the inbox, ``notify.deliver`` outside it, the sweep."""
    actors.install(runtime)


SERVICE = ServiceDefinition(
    name="notify",
    title="职责管理·通知服务 (notify)",
    description="把提醒和通知送达浙政钉工作通知、群机器人和签名 Webhook，每条只送一次。",
    outbox_model=Outbox,
    inbox_model=Inbox,
    dead_letter_model=DeadLetter,
    blueprints=api.blueprints,
    register_handlers=register_handlers,
)


def create_app(config: Settings | None = None, *, runtime: ServiceRuntime | None = None) -> Flask:
    return make_app(SERVICE, config, runtime)
