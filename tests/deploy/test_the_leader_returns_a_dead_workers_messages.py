"""When an application host dies, the messages its workers had taken but not finished go back to their
queues on the scheduler leader's next tick (once the broker has not heard from those workers for its
heartbeat timeout), instead of waiting for Dramatiq's one-in-a-thousand maintenance."""

from __future__ import annotations

import time

import dramatiq
import pytest

from shared.broker import DramatiqSender, build_broker, inbound_actor_name
from shared.messaging import Envelope
from shared.scheduler import LeaderLock, Scheduler, recover_dead_workers_messages

pytestmark = pytest.mark.integration


def leader_ticks_once(settings):  # type: ignore[no-untyped-def]
    """A scheduler that takes the lead and ticks once, 0.3 s after the dying worker was last heard from."""
    leader_broker = build_broker(settings)
    recover_dead_workers_messages(leader_broker)
    leader_broker.heartbeat_timeout = 200  # the production default is 60 s
    time.sleep(0.3)
    leader = Scheduler(
        sender=DramatiqSender(leader_broker),
        lock=LeaderLock(leader_broker.client, ttl_ms=5_000),
        interval_s=60,
    )
    leader.step()
    assert leader.is_leader
    return leader_broker


def test_a_message_taken_by_a_dead_worker_is_back_in_its_queue_after_the_next_tick(
    settings_for, redis_url
) -> None:
    settings = settings_for("intake", redis_url=redis_url)
    dying = build_broker(settings)
    DramatiqSender(dying).send("intake", Envelope(type="case.noted", payload={}, source="test").to_dict())
    consumer = dying.consume("intake", prefetch=1, timeout=1000)
    taken = next(iter(consumer))
    waiting = f"{dying.namespace}:intake"  # the queue's list of message ids still to be handed out
    assert taken is not None and dying.client.llen(waiting) == 0  # taken, never acknowledged: the host dies

    leader_broker = leader_ticks_once(settings)
    # the dead worker's message is queued again, beside the tick just sent
    queued = leader_broker.client.lrange(waiting, 0, -1)
    assert taken.options["redis_message_id"].encode() in queued
    assert leader_broker.client.llen(waiting) == 2


def test_a_retry_taken_from_the_delay_queue_by_a_dead_worker_is_back_after_the_next_tick(
    settings_for, redis_url
) -> None:
    settings = settings_for("notify", redis_url=redis_url)
    dying = build_broker(settings)
    envelope = Envelope(type="notify.send", payload={}, source="test").to_dict()
    message = dramatiq.Message(
        queue_name="notify", actor_name=inbound_actor_name("notify"), args=(envelope,), kwargs={}, options={}
    )
    dying.enqueue(message, delay=60_000)  # a failed message waits for its retry in notify.DQ
    retry = next(iter(dying.consume("notify.DQ", prefetch=1, timeout=1000)))
    delayed = f"{dying.namespace}:notify.DQ"
    # held in memory until its time, never acknowledged: the host dies
    assert retry is not None and dying.client.llen(delayed) == 0

    leader_broker = leader_ticks_once(settings)
    assert leader_broker.client.lrange(delayed, 0, -1) == [retry.options["redis_message_id"].encode()]
