"""The broker: Dramatiq on Redis, one queue per service, and one inbound actor per queue.

Every service consumes only its own queue (``intake``, ``deadlines``, ``devolution``, ``notify``); there is no
shared ``default`` queue. A service sends to another by queue name (:class:`DramatiqSender`), never by
importing the other's actors.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import dq_name
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from shared.config import Settings
from shared.errors import is_permanent
from shared.logging import reset_request_id, set_request_id
from shared.messaging import MalformedMessage
from shared.metrics import QUEUE_MESSAGES, QUEUE_SECONDS

log = logging.getLogger(__name__)

MAX_RETRIES = 12
#: A worker not heard from for this long is taken for dead, and the messages it had taken and not
#: acknowledged go back to their queue (Dramatiq's default is 60 s). Every broker of the suite — workers,
#: web processes, the scheduler — uses the same value, as each passes it to Redis with its commands.
HEARTBEAT_TIMEOUT_MS = 15_000
#: How often each worker proves it is alive and gives back what dead workers of its queues had taken.
MAINTENANCE_INTERVAL_S = 3.0
#: ``(envelope, exception, reason, retries)``: what a service does with a message its worker gave up on
GiveUp = Callable[[Any, BaseException, str, int], None]
TICK = "tick"
TICK_MAX_AGE_MS = 60_000


def inbound_actor_name(service: str) -> str:
    return f"{service}.inbound"


class RequestContext(Middleware):
    """Carries the request id from the envelope into the worker's log lines, and counts messages."""

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        envelope = message.args[0] if message.args and isinstance(message.args[0], dict) else {}
        message.options["_rid_token"] = set_request_id(envelope.get("request_id"))
        message.options["_started"] = time.monotonic()

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        outcome = "ok" if exception is None else type(exception).__name__
        QUEUE_MESSAGES.labels(queue=message.queue_name, actor=message.actor_name, outcome=outcome).inc()
        started = message.options.pop("_started", None)
        if started is not None:
            QUEUE_SECONDS.labels(queue=message.queue_name, actor=message.actor_name).observe(
                time.monotonic() - started
            )
        token = message.options.pop("_rid_token", None)
        if token is not None:
            reset_request_id(token)

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        QUEUE_MESSAGES.labels(queue=message.queue_name, actor=message.actor_name, outcome="skipped").inc()


def should_retry(retries: int, exception: BaseException) -> bool:
    """Retry with backoff, unless no retry can mend it (:func:`shared.errors.is_permanent`) or enough tries
    were made."""
    return not is_permanent(exception) and retries < MAX_RETRIES


class DeadLetters(Middleware):
    """Hands every message a worker gives up on — refused at once, or retried in vain — to its service
    (:class:`shared.dead_letters.DeadLetterBox`), so that none is dropped silently."""

    def __init__(self) -> None:
        self.give_up: dict[str, GiveUp] = {}

    def register(self, queue: str, give_up: GiveUp) -> None:
        self.give_up[queue] = give_up

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        if exception is None or not message.failed:
            return
        give_up = self.give_up.get(message.queue_name)
        if give_up is None:
            log.error("%s gave up on message %s: %s", message.queue_name, message.message_id, exception)
            return
        retries = max(int(message.options.get("retries", 1)) - 1, 0)  # Retries counts the failed try too
        if isinstance(exception, MalformedMessage):
            reason = "malformed"
        else:
            reason = "refused" if is_permanent(exception) else "retries_exhausted"
        envelope = message.args[0] if message.args else None
        give_up(envelope, exception, reason, retries)


class SuiteRedisBroker(RedisBroker):
    """Dramatiq's Redis broker, with the dead-worker maintenance runnable on demand (:class:`Heartbeats`).

    Dramatiq runs that maintenance — giving a dead worker's unacknowledged messages back to their queue —
    on a random one command in a thousand only, so without this their return had no bound."""

    _maintaining = threading.local()

    def _should_do_maintenance(self, command: str) -> int:
        if getattr(self._maintaining, "now", False):
            return 1
        return int(super()._should_do_maintenance(command))

    def maintain(self, queue_name: str) -> None:
        """Refresh this process's heartbeat and give back what dead workers held of the queue and of its
        delay queue (retries waiting for their time)."""
        self._maintaining.now = True
        try:
            self.do_qsize(queue_name)
            self.do_qsize(dq_name(queue_name))
        finally:
            self._maintaining.now = False


class Heartbeats(Middleware):
    """In every worker process, a thread that every :data:`MAINTENANCE_INTERVAL_S` refreshes the worker's
    heartbeat — also while all its threads are busy, so a live worker is never taken for dead — and runs
    the maintenance on its queues. A worker killed with ``kill -9`` is silent from then on: within
    :data:`HEARTBEAT_TIMEOUT_MS` plus one interval the next maintenance of any worker of the queue (the
    one started again in its place included) gives its messages back, and they are handled once (the
    inbox keeps a message that had in fact been applied from changing anything twice)."""

    def __init__(self, interval_s: float = MAINTENANCE_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self.stopping = threading.Event()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if not isinstance(broker, SuiteRedisBroker):
            return
        queues = sorted(worker.consumer_whitelist or broker.get_declared_queues())
        thread = threading.Thread(target=self._beat, args=(broker, queues), name="dm-heartbeats", daemon=True)
        thread.start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self.stopping.set()

    def _beat(self, broker: SuiteRedisBroker, queues: list[str]) -> None:
        while not self.stopping.is_set():
            for queue in queues:
                try:
                    broker.maintain(queue)
                except Exception as exc:  # Redis away: the consumers report it; try again next beat
                    log.warning("heartbeat on %s failed: %s", queue, exc)
            self.stopping.wait(self.interval_s)


def _middleware() -> list[Middleware]:
    # Dramatiq runs the "after" hooks last to first: DeadLetters, before Retries here, sees what it decided.
    return [
        AgeLimit(),
        TimeLimit(time_limit=120_000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        DeadLetters(),
        Retries(min_backoff=1_000, max_backoff=300_000, retry_when=should_retry),
        RequestContext(),
        Heartbeats(),
    ]


def build_broker(settings: Settings) -> dramatiq.Broker:
    """The Redis broker named by ``REDIS_URL``; ``make run`` points it at the embedded server."""
    if not settings.redis_url:
        raise RuntimeError(
            "REDIS_URL is not set: start the suite with `make run` (it starts an embedded Redis) "
            "or point REDIS_URL at a Redis server"
        )
    return SuiteRedisBroker(
        url=settings.redis_url, middleware=_middleware(), heartbeat_timeout=HEARTBEAT_TIMEOUT_MS
    )


def declare_inbound_actor(
    broker: dramatiq.Broker,
    service: str,
    handle: Callable[[dict[str, Any]], Any],
    give_up: GiveUp | None = None,
) -> dramatiq.Actor[Any, Any]:
    """The one actor that consumes a service's queue; ``handle`` gets the envelope as a dict, ``give_up``
    each message the worker stops retrying."""

    def inbound(envelope: dict[str, Any]) -> None:
        handle(envelope)

    inbound.__name__ = f"{service}_inbound"
    if give_up is not None:
        for middleware in broker.middleware:
            if isinstance(middleware, DeadLetters):
                middleware.register(service, give_up)
    decorator = dramatiq.actor(broker=broker, actor_name=inbound_actor_name(service), queue_name=service)
    return decorator(inbound)


class DramatiqSender:
    """Puts an envelope on another service's queue, addressed to that service's inbound actor."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def send(self, destination: str, envelope: dict[str, Any], *, max_age_ms: int | None = None) -> None:
        options: dict[str, Any] = {}
        if max_age_ms is not None:
            options["max_age"] = max_age_ms
        message: dramatiq.Message[Any] = dramatiq.Message(
            queue_name=destination,
            actor_name=inbound_actor_name(destination),
            args=(envelope,),
            kwargs={},
            options=options,
        )
        self.broker.enqueue(message)

    def return_delayed_of_dead_workers(self, destination: str) -> None:
        """Give back what a dead worker had taken from the destination's delay queue (retries waiting for
        their time): Redis runs the broker's maintenance only on the queue a command names, and nothing but
        a retry ever names the delay queue, so without this such messages waited for chance."""
        if isinstance(self.broker, RedisBroker):
            self.broker.do_qsize(dq_name(destination))


def ping(broker: dramatiq.Broker) -> None:
    """Raise if the broker cannot be reached."""
    client = getattr(broker, "client", None)
    if client is not None:
        client.ping()
