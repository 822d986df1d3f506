"""Nothing is lost when the broker crashes: Redis keeps what it accepted in its append-only file, so the
outbox's "published" means queued for good. A burst of messages, Redis killed with SIGKILL at once, started
again on the same directory, and the consumer counts: nothing missing, nothing doubled — on the embedded
Redis of ``make run`` and the tests, and on the production configuration in ``deploy/redis/``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from dramatiq import Worker
from sqlalchemy import func, select

from services.intake.tables import Outbox
from services.intake.usecases import directory
from services.notify.tables import Inbox, Recipient
from shared import demo
from shared.broker import build_broker, declare_inbound_actor
from shared.embedded_redis import EmbeddedRedis, free_port

pytestmark = pytest.mark.integration

PRODUCTION_CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "redis" / "dm-broker.conf"


def _count(runtime, model, *where) -> int:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.mark.parametrize("config", [None, PRODUCTION_CONFIG], ids=["embedded", "production"])
def test_a_burst_published_just_before_redis_is_killed_arrives_once_after_it_restarts(
    make_runtime, settings_for, tmp_path, config
) -> None:
    port = free_port()
    server = EmbeddedRedis(port=port, workdir=tmp_path, config=config).start()
    url = server.url
    intake = make_runtime("intake", broker=build_broker(settings_for("intake", redis_url=url)))
    notify = make_runtime("notify", broker=build_broker(settings_for("notify", redis_url=url)))
    declare_inbound_actor(notify.broker, "notify", notify.handle_inbound)

    directory.load_directory(intake, demo.demo_directory())  # the burst: one message per person and more
    assert intake.relay.pending_count() == 0  # every message marked published: Redis answered for each
    sent = _count(intake, Outbox, Outbox.destination == "notify")
    server.kill()  # SIGKILL right after the burst: no shutdown, no final write

    started = time.monotonic()
    server = EmbeddedRedis(port=port, workdir=tmp_path, config=config).start()
    try:
        worker = Worker(notify.broker, queues={"notify"}, worker_threads=2)
        worker.start()
        try:
            notify.broker.join("notify", timeout=30_000)
            worker.join()
        finally:
            worker.stop()
        recovered_s = time.monotonic() - started
        applied = _count(notify, Inbox)
        people = len(demo.demo_directory().people)
        print(
            f"\nbroker killed ({'production' if config else 'embedded'} config): published {sent}, "
            f"applied {applied}, missing {sent - applied}, doubled {max(0, applied - sent)}, "
            f"restart to drained {recovered_s:.2f} s"
        )
        assert sent > 0 and applied == sent
        assert _count(notify, Recipient) == people
    finally:
        server.stop()
