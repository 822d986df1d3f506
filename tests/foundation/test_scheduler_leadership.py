"""One scheduler leads; a second one started by mistake stands by and takes over when the first is gone."""

from __future__ import annotations

import pytest
import redis

from shared.messaging import RecordingSender
from shared.scheduler import LeaderLock, Scheduler

pytestmark = pytest.mark.integration


def _scheduler(client: redis.Redis, sender: RecordingSender) -> Scheduler:
    return Scheduler(sender=sender, lock=LeaderLock(client, ttl_ms=5_000), interval_s=60)


def test_two_schedulers_tick_once_between_them(redis_url) -> None:
    client = redis.Redis.from_url(redis_url)
    first, second = RecordingSender(), RecordingSender()
    a, b = _scheduler(client, first), _scheduler(client, second)

    for _ in range(3):
        a.step()
        b.step()

    assert a.is_leader and not b.is_leader
    assert len(first.sent) == 3 * 4 and second.sent == []
    assert {dest for dest, _ in first.sent} == {"intake", "deadlines", "devolution", "notify"}


def test_the_standby_takes_over_when_the_leader_stops(redis_url) -> None:
    client = redis.Redis.from_url(redis_url)
    a, b = _scheduler(client, RecordingSender()), _scheduler(client, RecordingSender())
    a.step()
    b.step()
    a.lock.release()  # the leader stopped cleanly (a crash lets the lock expire instead)

    b.step()

    assert b.is_leader
    a.step()
    assert not a.is_leader


def test_a_leader_whose_lock_expired_does_not_keep_ticking(redis_url) -> None:
    client = redis.Redis.from_url(redis_url)
    sender = RecordingSender()
    a = _scheduler(client, sender)
    a.step()
    client.delete("dm:scheduler:leader")
    client.set("dm:scheduler:leader", "someone-else", px=5_000)

    a.step()

    assert not a.is_leader
    assert len(sender.sent) == 4
