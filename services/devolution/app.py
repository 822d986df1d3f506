"""Devolution: applications to devolve a duty, review, approval, issuance, handover, half-year report."""

from __future__ import annotations

from flask import Flask

from services.devolution import api, figures, handlers, pages
from services.devolution.tables import DeadLetter, DepartmentReplica, Inbox, Outbox
from shared import attachment_store
from shared.config import Settings
from shared.replica import subscribe_directory
from shared.runtime import ServiceRuntime
from shared.service import ServiceDefinition, make_app


def register_handlers(runtime: ServiceRuntime) -> None:
    subscribe_directory(runtime.bus, department_model=DepartmentReplica)
    handlers.register(runtime)
    figures.track(runtime)


SERVICE = ServiceDefinition(
    name="devolution",
    title="职责管理·职责下放服务 (devolution)",
    description="职责下放申请、审核论证、报批发文、工作衔接和运行半年专项报告（第三十一至三十五条）。",
    outbox_model=Outbox,
    inbox_model=Inbox,
    dead_letter_model=DeadLetter,
    blueprints=api.blueprints,
    register_handlers=register_handlers,
    pages=lambda: [pages.devolution_pages, api.moved],
    init_app=lambda app, runtime: init_app(app, runtime),
)


def init_app(app: Flask, runtime: ServiceRuntime) -> None:
    """The suite's one attachment store (a folder, or object storage), for the scans of the feedback."""
    app.extensions[attachment_store.STORE_KEY] = attachment_store.store_for(runtime.settings)


def create_app(config: Settings | None = None, *, runtime: ServiceRuntime | None = None) -> Flask:
    return make_app(SERVICE, config, runtime)
