"""What the four services have in common: how a web app and a worker are assembled from a definition.

Each service writes one :class:`ServiceDefinition` (in its ``app.py``); ``create_app`` and ``worker.setup``
are then one line each, and every service gets the same conventions without copying them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import dramatiq
from flask import Blueprint as FlaskBlueprint
from flask import Flask, current_app
from flask_smorest import Blueprint

from shared import api_credentials, audit, web
from shared.broker import build_broker, declare_inbound_actor
from shared.config import Settings
from shared.dead_letters import DeadLetterMixin
from shared.http import create_service_app
from shared.messaging import InboxMixin, OutboxMixin, RecordingSender
from shared.process import start_process
from shared.runtime import ServiceRuntime, build_runtime
from shared.web import audit_pages, revocation

RUNTIME_KEY = "dm_runtime"


@dataclass(frozen=True)
class ServiceDefinition:
    """A service: name, documentation, outbox/inbox tables, HTTP blueprints and message handlers."""

    name: str
    title: str
    description: str
    outbox_model: type[OutboxMixin]
    inbox_model: type[InboxMixin]
    dead_letter_model: type[DeadLetterMixin] | None = None
    blueprints: Callable[[], Iterable[Blueprint]] = lambda: ()
    register_handlers: Callable[[ServiceRuntime], None] = lambda runtime: None
    init_app: Callable[[Flask, ServiceRuntime], None] = lambda app, runtime: None
    #: the service's HTML pages (plain Flask blueprints, outside the OpenAPI document), on ``shared.web``
    pages: Callable[[], Iterable[FlaskBlueprint]] = lambda: ()
    extra: dict[str, object] = field(default_factory=dict)

    def runtime(self, settings: Settings, broker: dramatiq.Broker | None = None) -> ServiceRuntime:
        runtime = build_runtime(
            settings,
            outbox_model=self.outbox_model,
            inbox_model=self.inbox_model,
            dead_letter_model=self.dead_letter_model,
            broker=broker if broker is not None else build_broker(settings),
        )
        self.register_handlers(runtime)
        return runtime

    def offline_runtime(self, settings: Settings) -> ServiceRuntime:
        """For command-line tools: no broker; their messages wait in the outbox for the workers' sweep."""
        return build_runtime(
            settings,
            outbox_model=self.outbox_model,
            inbox_model=self.inbox_model,
            dead_letter_model=self.dead_letter_model,
            sender=RecordingSender(),
            publish_after_commit=False,
        )


def make_app(
    definition: ServiceDefinition, config: Settings | None = None, runtime: ServiceRuntime | None = None
) -> Flask:
    """The service's Flask app; settings come from the environment unless given."""
    settings = config or (runtime.settings if runtime else Settings.from_env(definition.name))
    start_process(definition.name, settings)
    if runtime is None:
        runtime = definition.runtime(settings)
    app, _api = create_service_app(
        settings,
        title=definition.title,
        description=definition.description,
        blueprints=definition.blueprints(),
        ready_checks=runtime.ready_checks(),
        import_name=f"services.{definition.name}",
    )
    app.extensions[RUNTIME_KEY] = runtime
    web.install(app, service=definition.name, title=definition.title)
    revocation.install(app, revocation.for_runtime(runtime))
    app.extensions[api_credentials.CHECKER_KEY] = api_credentials.for_runtime(runtime)
    for page_blueprint in definition.pages():
        app.register_blueprint(page_blueprint)
    audit_table = audit.table_of(definition.outbox_model)
    if audit_table is not None:  # the office admin reads this service's trail at /admin/audit/<service>
        app.register_blueprint(audit_pages.blueprint(definition.name, audit_table, current_runtime))
    definition.init_app(app, runtime)
    return app


def setup_worker(definition: ServiceDefinition) -> ServiceRuntime:
    """Worker start-up: settings, the broker (before any actor exists), the runtime and the inbound actor."""
    settings = Settings.from_env(definition.name)
    start_process(f"{definition.name}-worker", settings)
    broker = build_broker(settings)
    dramatiq.set_broker(broker)
    runtime = definition.runtime(settings, broker)
    declare_inbound_actor(broker, definition.name, runtime.handle_inbound, runtime.give_up)
    return runtime


def current_runtime() -> ServiceRuntime:
    """The runtime of the app serving the current request."""
    return current_app.extensions[RUNTIME_KEY]
