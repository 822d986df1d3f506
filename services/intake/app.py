"""Intake: the front door — submissions, the case registry, the office's handling, the directory."""

from __future__ import annotations

from flask import Flask

from services.intake import api, handlers, pages
from services.intake.tables import DeadLetter, Inbox, Outbox
from shared import attachment_store
from shared.config import Settings
from shared.runtime import ServiceRuntime
from shared.service import ServiceDefinition, make_app
from shared.web.session import add_session_check

SERVICE = ServiceDefinition(
    name="intake",
    title="职责管理·受理服务 (intake)",
    description="部门提交协商纪要备案、协调申请等事项，编办受理、办理；用户与组织目录。",
    outbox_model=Outbox,
    inbox_model=Inbox,
    dead_letter_model=DeadLetter,
    blueprints=api.blueprints,
    register_handlers=handlers.register,
    init_app=lambda app, runtime: init_app(app, runtime),
    pages=pages.blueprints,
)


def init_app(app: Flask, runtime: ServiceRuntime) -> None:
    """Intake's long-lived adapters: where attachments are stored (a folder, or object storage); and the
    login session is refused on intake's pages for a person no longer active in the directory."""
    app.extensions[attachment_store.STORE_KEY] = attachment_store.store_for(runtime.settings)
    add_session_check(app, lambda web: pages.login.still_active(runtime, web))


def create_app(config: Settings | None = None, *, runtime: ServiceRuntime | None = None) -> Flask:
    return make_app(SERVICE, config, runtime)
