"""`make run` starts its own embedded Redis; when another one already holds the port (left by a crashed
start), it refuses at once instead of taking that one for its own and running on a stranger's queues."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis

from shared.embedded_redis import EmbeddedRedis, free_port


def test_a_second_embedded_redis_on_a_taken_port_refuses_to_start(tmp_path: Path) -> None:
    port = free_port()
    orphan = EmbeddedRedis(port=port, workdir=tmp_path / "orphan").start()
    try:
        with pytest.raises(RuntimeError, match=str(port)):
            EmbeddedRedis(port=port, workdir=tmp_path / "ours").start()
        assert redis.Redis(port=port).ping()  # the other one is left alone
    finally:
        orphan.stop()
