"""The delivery guarantee on a real Redis server: stopped at commit time, and a message delivered twice."""

from __future__ import annotations

import pytest
from dramatiq import Worker
from sqlalchemy import func, select

from services.intake.usecases import directory
from services.notify.tables import Inbox, Recipient
from shared import demo
from shared.broker import DramatiqSender, build_broker, declare_inbound_actor
from shared.embedded_redis import EmbeddedRedis, free_port

pytestmark = pytest.mark.integration


def _count(runtime, model) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _drain_notify(notify_runtime) -> None:  # type: ignore[no-untyped-def]
    broker = notify_runtime.broker
    worker = Worker(broker, queues={"notify"}, worker_threads=2)
    worker.start()
    try:
        broker.join("notify", timeout=20_000)
        worker.join()
    finally:
        worker.stop()


def test_a_change_committed_while_redis_is_down_reaches_notify_once_redis_is_back(
    make_runtime, settings_for, tmp_path
) -> None:
    port = free_port()
    server = EmbeddedRedis(port=port, workdir=tmp_path).start()
    url = server.url
    intake = make_runtime("intake", broker=build_broker(settings_for("intake", redis_url=url)))
    notify = make_runtime("notify", broker=build_broker(settings_for("notify", redis_url=url)))
    declare_inbound_actor(notify.broker, "notify", notify.handle_inbound)
    server.stop()

    directory.load_directory(intake, demo.demo_directory())  # commits although Redis is down
    assert intake.relay.pending_count() > 0

    server = EmbeddedRedis(port=port, workdir=tmp_path).start()
    try:
        intake.run_periodic()  # the sweep a scheduler tick triggers
        assert intake.relay.pending_count() == 0
        _drain_notify(notify)
        people = len(demo.demo_directory().people)
        assert _count(notify, Recipient) == people

        # The broker redelivers one message: nothing changes twice.
        with intake.db.transaction() as session:
            from services.intake.tables import Outbox

            body = session.scalars(
                select(Outbox.body).where(Outbox.message_type == "directory.person_upserted")
            ).first()
        inbox_before = _count(notify, Inbox)
        DramatiqSender(intake.broker).send("notify", body)
        _drain_notify(notify)
        assert _count(notify, Inbox) == inbox_before
        assert _count(notify, Recipient) == people
    finally:
        server.stop()
