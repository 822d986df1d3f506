"""The scheduler: one leader ticks every service's queue; a second copy started by mistake stands by.

Leadership is a Redis lock (``SET NX PX``) refreshed while held; the standby polls and takes over within
one lock lifetime if the leader dies. A tick is an envelope of type ``tick`` with a short max age, so ticks
that wait in a queue while its workers are down are dropped rather than replayed in a burst. Each service
decides what a tick means (the outbox sweep everywhere; the deadline sweep in ``deadlines``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import uuid
from typing import Any

import redis

from shared.broker import TICK_MAX_AGE_MS, DramatiqSender, build_broker
from shared.config import SERVICES, ConfigError, Settings
from shared.process import start_process
from shared.runtime import tick_envelope
from shared.serve import EX_CONFIG

log = logging.getLogger("scheduler")

LOCK_KEY = "dm:scheduler:leader"
_REFRESH = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class LeaderLock:
    """A Redis lock that only its holder can refresh or release."""

    def __init__(self, client: redis.Redis, *, ttl_ms: int = 30_000, key: str = LOCK_KEY) -> None:
        self.client = client
        self.ttl_ms = ttl_ms
        self.key = key
        self.token = uuid.uuid4().hex

    def acquire(self) -> bool:
        return bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def refresh(self) -> bool:
        return bool(self.client.eval(_REFRESH, 1, self.key, self.token, self.ttl_ms))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.token)

    def hold_or_take(self, is_leader: bool) -> bool:
        """Refresh when leading, try to take over when standing by; returns whether we lead now."""
        return self.refresh() if is_leader else self.acquire()


class Scheduler:
    """Ticks every service's queue at a fixed interval while it holds the leader lock."""

    def __init__(
        self, *, sender: Any, lock: LeaderLock, interval_s: float, services: tuple[str, ...] = SERVICES
    ):
        self.sender = sender
        self.lock = lock
        self.interval_s = interval_s
        self.services = services
        self.stopping = threading.Event()
        self.is_leader = False

    def tick(self) -> None:
        for service in self.services:
            self.sender.send(service, tick_envelope("scheduler"), max_age_ms=TICK_MAX_AGE_MS)
            recover = getattr(self.sender, "return_delayed_of_dead_workers", None)
            if recover is not None:
                recover(service)

    def step(self) -> None:
        """One round: keep or take the lock, and tick if leading."""
        was_leader = self.is_leader
        self.is_leader = self.lock.hold_or_take(self.is_leader)
        if self.is_leader != was_leader:
            log.info("scheduler is now %s", "the leader" if self.is_leader else "standing by")
        if self.is_leader:
            self.tick()

    def run(self) -> None:
        log.info("scheduler started (tick every %.0f s)", self.interval_s)
        while not self.stopping.is_set():
            try:
                self.step()
            except redis.RedisError as exc:
                log.warning("scheduler cannot reach Redis: %s", exc)
                self.is_leader = False
            self.stopping.wait(self.interval_s)
        if self.is_leader:
            self.lock.release()
        log.info("scheduler stopped")


def recover_dead_workers_messages(broker: Any) -> None:
    """Every tick the leader sends also returns to its queue what a dead worker had taken and not finished.

    Dramatiq's Redis broker does this "maintenance" on a random one command in a thousand, so after a
    machine dies its workers' unacknowledged messages could wait many minutes; on the leader's ticks it runs
    every time, and a message held by a worker silent for the broker's heartbeat timeout (15 s) is back in
    its queue by the next tick — in the service's queue (the tick names it) and in its delay queue, where
    retries wait (``DramatiqSender.return_delayed_of_dead_workers``). Every live worker also runs it every
    3 s (``shared.broker.Heartbeats``). Consumers are idempotent, so a message that was in fact finished
    changes nothing twice."""
    from dramatiq.brokers.redis import MAINTENANCE_SCALE, RedisBroker

    if isinstance(broker, RedisBroker):
        broker.maintenance_chance = MAINTENANCE_SCALE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.scheduler")
    parser.add_argument("--interval", type=float, default=None, help="seconds between ticks (default 60)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env("scheduler")
    except ConfigError as refused:
        print(f"dm-scheduler: {refused}", file=sys.stderr, flush=True)
        return EX_CONFIG
    start_process("scheduler", settings)
    interval = args.interval or settings.tick_seconds
    broker = build_broker(settings)
    recover_dead_workers_messages(broker)
    client = redis.Redis.from_url(settings.redis_url or "")
    # The lock lives three intervals so a slow tick never loses it, yet a dead leader is replaced quickly.
    lock = LeaderLock(client, ttl_ms=int(max(interval * 3, 5) * 1000))
    scheduler = Scheduler(sender=DramatiqSender(broker), lock=lock, interval_s=interval)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: scheduler.stopping.set())
    scheduler.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
