"""Two schedulers run, as ``deploy/`` runs them on two machines: one leads and ticks, the other stands by.
The leader killed with ``kill -9`` is replaced within the lock's lifetime plus one interval (three
intervals, at least 5 s), and no tick is ever doubled — two processes never tick in the same interval.
Real processes (``python -m shared.scheduler``), real Redis; the ticks are read off the services' queues."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from shared.config import REPO_ROOT

pytestmark = pytest.mark.integration

INTERVAL_S = 1.0
LOCK_S = max(INTERVAL_S * 3, 5)  # shared.scheduler.main: the lock lives three intervals, at least 5 s


def _scheduler(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "shared.scheduler", "--interval", str(INTERVAL_S)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _tick_times(client: redis.Redis, queue: str = "intake") -> list[float]:
    """When each tick on the queue was sent (nobody consumes the queue in this test)."""
    messages = client.hgetall(f"dramatiq:{queue}.msgs").values()
    return sorted(json.loads(m)["message_timestamp"] / 1000 for m in messages)


def _wait(predicate, timeout_s: float, what: str) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout_s, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_the_standby_takes_over_from_a_killed_leader_in_time_and_no_tick_is_doubled(
    redis_url, tmp_path: Path
) -> None:
    client = redis.Redis.from_url(redis_url)
    env = {**os.environ, "DM_ENV": "development", "DM_VAR_DIR": str(tmp_path), "REDIS_URL": redis_url}
    env["PYTHONUNBUFFERED"] = "1"
    logs = [tmp_path / "scheduler-a.log", tmp_path / "scheduler-b.log"]
    processes = [_scheduler(env, logs[0])]
    try:
        _wait(lambda: len(_tick_times(client)) >= 1, 20, "the first scheduler's first tick")
        processes.append(_scheduler(env, logs[1]))
        time.sleep(4 * INTERVAL_S)  # both running: the second stands by
        assert all(p.poll() is None for p in processes)
        leading = [i for i, log in enumerate(logs) if "now the leader" in log.read_text()]
        assert leading == [0], [log.read_text() for log in logs]

        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait(timeout=10)
        killed_at = time.time()
        before = len([t for t in _tick_times(client) if t <= killed_at])
        taken_over_s = _wait(
            lambda: any(t > killed_at for t in _tick_times(client)), LOCK_S + 3 * INTERVAL_S, "a new leader"
        )
        time.sleep(3 * INTERVAL_S)  # the new leader ticks on
        assert "now the leader" in logs[1].read_text()

        ticks = _tick_times(client)
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        after = len(ticks) - before
        print(
            f"\nscheduler leader killed: the standby ticked {taken_over_s:.1f} s later"
            f" (bound {LOCK_S + INTERVAL_S:.0f} s);"
            f" {len(ticks)} ticks, shortest gap {min(gaps):.2f} s (interval {INTERVAL_S:.0f} s), doubled 0"
        )
        assert taken_over_s <= LOCK_S + INTERVAL_S + 2  # 2 s for a loaded machine's sleeps
        assert min(gaps) >= INTERVAL_S * 0.5, f"two ticks in one interval: {gaps}"
        assert after >= 2
    finally:
        for process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait(timeout=10)
