"""Deadlines: the working-day calendar, statutory clocks, reminders and the sweep."""

from __future__ import annotations

from flask import Flask

from services.deadlines import api, pages
from services.deadlines.handlers import register_handlers
from services.deadlines.tables import DeadLetter, Inbox, Outbox
from shared.config import Settings
from shared.runtime import ServiceRuntime
from shared.service import ServiceDefinition, make_app

SERVICE = ServiceDefinition(
    name="deadlines",
    title="职责管理·期限服务 (deadlines)",
    description="按工作日（含调休）计算法定期限，管理计时、提醒和逾期升级。",
    outbox_model=Outbox,
    inbox_model=Inbox,
    dead_letter_model=DeadLetter,
    blueprints=api.blueprints,
    register_handlers=register_handlers,
    pages=lambda: [pages.calendar_pages, pages.period_pages],
)


def create_app(config: Settings | None = None, *, runtime: ServiceRuntime | None = None) -> Flask:
    return make_app(SERVICE, config, runtime)
