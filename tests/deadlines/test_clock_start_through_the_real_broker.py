"""End to end on a real Redis broker: a clock.start put on the deadlines queue is consumed by the deadlines
worker, and clock.scheduled arrives on the owner's queue (第十七条 acceptance decision)."""

from __future__ import annotations

from typing import Any

import pytest
from deadlines_support import shanghai, start_payload
from dramatiq import Worker

from shared.broker import DramatiqSender, build_broker, declare_inbound_actor
from shared.contracts import CLOCK_SCHEDULED, CLOCK_START
from shared.messaging import Envelope
from shared.runtime import tick_envelope

pytestmark = pytest.mark.integration


def test_a_clock_start_enqueued_comes_back_to_the_owner_as_scheduled(
    make_runtime, settings_for, redis_url
) -> None:
    broker = build_broker(settings_for("deadlines", redis_url=redis_url))
    deadlines = make_runtime("deadlines", broker=broker)
    declare_inbound_actor(broker, "deadlines", deadlines.handle_inbound)
    received: list[dict[str, Any]] = []
    declare_inbound_actor(broker, "intake", received.append)  # stands in for intake's worker

    start = Envelope(type=CLOCK_START, payload=start_payload(at=shanghai(2025, 9, 26)), source="intake")
    sender = DramatiqSender(broker)
    sender.send("deadlines", start.to_dict())
    sender.send("deadlines", start.to_dict())  # delivered twice: applied once
    sender.send("deadlines", tick_envelope("scheduler"))  # a scheduler tick runs the sweep too

    worker = Worker(broker, queues={"deadlines", "intake"}, worker_threads=2)
    worker.start()
    try:
        broker.join("deadlines", timeout=20_000)
        broker.join("intake", timeout=20_000)
        worker.join()
    finally:
        worker.stop()

    scheduled = [env for env in received if env["type"] == CLOCK_SCHEDULED]
    # one message: the relay and a concurrent outbox sweep may both publish it (at least once), and the
    # owner's inbox applies an event id once
    assert len({env["event_id"] for env in scheduled}) == 1
    assert scheduled[0]["source"] == "deadlines"
    assert scheduled[0]["payload"]["due_date"] == "2025-10-10"
    assert deadlines.relay.pending_count() == 0
