"""On the queues only a truly permanent failure is not retried, and a message that is given up is never
silent: it is kept in the service's dead_letter table with its error, counted for the alert, and an operator
can replay it once the cause is fixed (a clock.start refused by deadlines would otherwise leave a case waiting
for its due date forever, 第十七条)."""

from __future__ import annotations

from typing import Any

import pytest
from deadlines_support import shanghai, start_payload
from dramatiq import Worker
from sqlalchemy import select

from services.deadlines.tables import ClockRecord, DeadLetter
from shared import broker as broker_module
from shared.broker import DramatiqSender, build_broker, declare_inbound_actor
from shared.contracts import CLOCK_START
from shared.errors import Conflict, DomainError, NotFound, ServiceUnavailable, ValidationFailed, is_permanent
from shared.messaging import Envelope, MalformedMessage
from shared.metrics import DEAD_LETTERS

pytestmark = pytest.mark.integration


def test_refusals_are_permanent_and_what_a_retry_may_mend_is_not() -> None:
    assert is_permanent(ValidationFailed.for_field("rule", "未知的期限规则"))
    assert is_permanent(DomainError("办理期限只能延长一次"))
    assert is_permanent(MalformedMessage("not an envelope"))
    assert not is_permanent(Conflict("该事项刚被他人修改", code="concurrent_change"))
    assert not is_permanent(NotFound("未找到"))
    assert not is_permanent(ServiceUnavailable("数据库暂时不可用"))
    assert not is_permanent(RuntimeError("connection reset"))


def _run(broker: Any, queues: set[str]) -> None:
    worker = Worker(broker, queues=queues, worker_threads=1)
    worker.start()
    try:
        for queue in queues:
            broker.join(queue, timeout=30_000)
        worker.join()
    finally:
        worker.stop()


def _letters(runtime: Any) -> list[DeadLetter]:
    with runtime.db.transaction() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)).all())


def _counted(reason: str) -> float:
    return DEAD_LETTERS.labels(service="deadlines", type=CLOCK_START, reason=reason)._value.get()


def test_a_refused_clock_start_is_kept_once_with_its_error_not_retried_and_can_be_replayed_第十七条(
    make_runtime, settings_for, redis_url
) -> None:
    broker = build_broker(settings_for("deadlines", redis_url=redis_url))
    deadlines = make_runtime("deadlines", broker=broker)
    calls: list[str] = []

    def handle(envelope: dict[str, Any]) -> None:
        calls.append(envelope["event_id"])
        deadlines.handle_inbound(envelope)

    declare_inbound_actor(broker, "deadlines", handle, deadlines.give_up)
    declare_inbound_actor(broker, "intake", lambda envelope: None)
    before = _counted("refused")
    refused = Envelope(
        type=CLOCK_START, payload=start_payload(rule="appeal", at=shanghai(2025, 9, 26)), source="intake"
    )
    DramatiqSender(broker).send("deadlines", refused.to_dict())

    _run(broker, {"deadlines"})

    assert calls == [refused.event_id]  # refused by the rules: one try, no retry
    [letter] = _letters(deadlines)
    assert (letter.event_id, letter.message_type, letter.reason, letter.retries) == (
        refused.event_id,
        CLOCK_START,
        "refused",
        0,
    )
    assert "rule_unknown" in letter.error and letter.envelope["payload"]["rule"] == "appeal"
    assert _counted("refused") == before + 1
    assert deadlines.dead_letters is not None and deadlines.dead_letters.open_count() == 1

    # fixed at the source, the operator replays it: the same envelope, applied once
    fixed = {**letter.envelope, "payload": start_payload(at=shanghai(2025, 9, 26))}
    DramatiqSender(broker).send("deadlines", fixed)
    deadlines.dead_letters.resolve(letter.id, "改正规则代码后重放")
    _run(broker, {"deadlines", "intake"})
    with deadlines.db.transaction() as session:
        assert session.scalar(select(ClockRecord.rule)) == "acceptance_decision"
    assert deadlines.dead_letters.open_count() == 0


def test_a_failure_a_retry_may_mend_is_retried_and_only_then_kept(
    make_runtime, settings_for, redis_url, monkeypatch
) -> None:
    monkeypatch.setattr(broker_module, "MAX_RETRIES", 1)
    broker = build_broker(settings_for("deadlines", redis_url=redis_url))
    deadlines = make_runtime("deadlines", broker=broker)
    tries: list[int] = []

    def flaky(envelope: dict[str, Any]) -> None:
        tries.append(1)
        raise ConnectionError("database connection reset")

    declare_inbound_actor(broker, "deadlines", flaky, deadlines.give_up)
    message = Envelope(type=CLOCK_START, payload=start_payload(at=shanghai(2025, 9, 26)), source="intake")
    DramatiqSender(broker).send("deadlines", message.to_dict())

    _run(broker, {"deadlines"})

    assert len(tries) == 2  # the first try and one retry
    [letter] = _letters(deadlines)
    assert (letter.reason, letter.retries) == ("retries_exhausted", 1)
    assert "ConnectionError" in letter.error


def test_a_message_that_is_not_an_envelope_is_kept_as_malformed(
    make_runtime, settings_for, redis_url
) -> None:
    broker = build_broker(settings_for("deadlines", redis_url=redis_url))
    deadlines = make_runtime("deadlines", broker=broker)
    declare_inbound_actor(broker, "deadlines", deadlines.handle_inbound, deadlines.give_up)
    DramatiqSender(broker).send("deadlines", {"type": "clock.start", "payload": "not a mapping"})

    _run(broker, {"deadlines"})

    [letter] = _letters(deadlines)
    assert letter.reason == "malformed" and letter.message_type == "clock.start"
