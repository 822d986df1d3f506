"""The delivery guarantee (outbox on the way out, inbox on the way in), with a recording sender."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from services.intake import tables as intake_tables
from services.intake.tables import Outbox
from services.intake.usecases import directory
from services.notify.tables import Inbox, Recipient
from shared import demo
from shared.messaging import Envelope, RecordingSender


def _count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_committed_change_sends_its_messages_right_after_the_commit(make_runtime) -> None:
    sender = RecordingSender()
    intake = make_runtime("intake", sender=sender)

    directory.load_directory(intake, demo.demo_directory())

    people = sender.of_type("directory.person_upserted")
    assert {env["payload"]["id"] for env in people} >= {"bb.clerk", "scjg.clerk"}
    assert {dest for dest, _env in sender.sent} == {"notify", "devolution"}
    assert intake.relay.pending_count() == 0


def test_a_change_that_is_rolled_back_sends_nothing(make_runtime) -> None:
    sender = RecordingSender()
    intake = make_runtime("intake", sender=sender)

    with intake.unit_of_work() as uow:
        uow.publish("notify", "directory.person_upserted", {"id": "ghost"})
        # no commit: the unit of work rolls back on exit

    assert sender.sent == []
    assert _count(intake, Outbox) == 0


def test_messages_committed_while_the_broker_is_down_go_out_with_the_next_sweep(make_runtime) -> None:
    sender = RecordingSender()
    intake = make_runtime("intake", sender=sender)
    sender.fail = True

    directory.load_directory(intake, demo.demo_directory())  # the commit succeeds all the same

    waiting = intake.relay.pending_count()
    assert waiting > 0 and sender.sent == []
    sender.fail = False
    intake.run_periodic()
    assert len(sender.sent) == waiting
    assert intake.relay.pending_count() == 0


def test_a_message_delivered_twice_changes_nothing_twice(make_runtime) -> None:
    sender = RecordingSender()
    intake = make_runtime("intake", sender=sender)
    notify = make_runtime("notify")
    directory.load_directory(intake, demo.demo_directory())
    envelope = sender.of_type("directory.person_upserted")[0]

    assert notify.bus.handle(envelope) is True
    assert notify.bus.handle(envelope) is False

    assert _count(notify, Inbox) == 1
    assert _count(notify, Recipient) == 1


def test_every_handler_of_a_message_type_runs_once_in_the_messages_one_transaction(make_runtime) -> None:
    intake = make_runtime("intake")
    seen: list[str] = []
    intake.bus.register("test.ping", lambda uow, envelope: seen.append("first"))
    intake.bus.register("test.ping", lambda uow, envelope: seen.append("second"))
    envelope = Envelope(type="test.ping", payload={}, source="tests").to_dict()

    assert intake.bus.handle(envelope) is True
    assert intake.bus.handle(envelope) is False  # redelivered: neither runs again

    assert seen == ["first", "second"]


def test_a_failing_handler_keeps_none_of_the_other_handlers_effects(make_runtime) -> None:
    intake = make_runtime("intake")

    def publishes(uow, envelope) -> None:  # type: ignore[no-untyped-def]
        uow.publish("notify", "test.effect", {})

    def fails(uow, envelope) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("second handler fails")

    intake.bus.register("test.ping", publishes)
    intake.bus.register("test.ping", fails)
    envelope = Envelope(type="test.ping", payload={}, source="tests").to_dict()

    with pytest.raises(RuntimeError):
        intake.bus.handle(envelope)

    assert _count(intake, Outbox) == 0 and _count(intake, intake_tables.Inbox) == 0


def test_two_workers_applying_one_message_at_once_apply_it_once_without_a_unique_key_error(
    make_runtime, caplog
) -> None:
    import threading

    sender = RecordingSender()
    intake = make_runtime("intake", sender=sender)
    notify = make_runtime("notify")
    directory.load_directory(intake, demo.demo_directory())
    envelope = sender.of_type("directory.person_upserted")[0]
    start, results = threading.Barrier(2), []

    def apply() -> None:
        start.wait()
        results.append(notify.bus.handle(envelope))

    workers = [threading.Thread(target=apply) for _ in range(2)]
    with caplog.at_level("INFO"):
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=30)
    assert sorted(results) == [False, True]
    assert _count(notify, Inbox) == 1
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
