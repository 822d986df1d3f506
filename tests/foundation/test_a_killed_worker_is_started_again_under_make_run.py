"""Under ``make run`` a worker killed with ``kill -9`` is started again (``shared.supervise``, as systemd's
``Restart=on-failure`` does in production) instead of taking the whole suite down with it; Ctrl-C still
stops it, and a configuration error is not retried."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from shared.config import REPO_ROOT

CHILD = """
import os, signal, sys, time
runs = open(sys.argv[1], "a+")
runs.write("run\\n"); runs.flush()
if sum(1 for _ in open(sys.argv[1])) == 1:
    os.kill(os.getpid(), signal.SIGKILL)   # the first run dies as kill -9 kills it
time.sleep(60)
"""


def _supervised(*command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "shared.supervise", *command], cwd=REPO_ROOT)


def _wait_for(predicate, timeout_s: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout_s, "timed out"
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_worker_killed_with_sigkill_is_started_again_and_ctrl_c_still_stops_it(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    supervisor = _supervised(sys.executable, "-c", CHILD, str(runs))
    try:
        restarted_s = _wait_for(lambda: runs.exists() and runs.read_text().count("run") == 2, 10)
        assert supervisor.poll() is None  # the supervisor (honcho's process) is still up
        print(f"\nworker killed with SIGKILL: running again after {restarted_s:.2f} s")
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(timeout=5)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert runs.read_text().count("run") == 2


def test_a_configuration_error_or_a_clean_exit_is_not_restarted() -> None:
    assert _supervised(sys.executable, "-c", "raise SystemExit(78)").wait(timeout=10) == 78
    assert _supervised(sys.executable, "-c", "pass").wait(timeout=10) == 0
