"""`make run` as a newcomer runs it: every service answers, a message crosses the real broker, and
stopping it leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from shared.config import REPO_ROOT
from shared.embedded_redis import free_port

pytestmark = pytest.mark.e2e


def _session_members(sid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) == sid:
                members.append(int(entry.name))
        except (ProcessLookupError, PermissionError):
            continue
    return members


def _wait_for(check, timeout_s: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return False


def _token(env: dict[str, str], user: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "services.intake.cli", "token", user],
        env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def _free_port_base() -> int:
    while True:
        base = (free_port() // 100) * 100
        if 10_000 < base < 60_000:
            return base


def test_the_suite_starts_passes_a_message_through_the_broker_and_stops_cleanly(tmp_path) -> None:
    base = _free_port_base()
    env = {
        **os.environ,
        "DM_VAR_DIR": str(tmp_path / "var"),
        "DM_PORT_BASE": str(base),
        "DM_TICK_SECONDS": "2",
    }
    log = (tmp_path / "run.log").open("w")
    suite = subprocess.Popen(
        [sys.executable, "-m", "shared.devrun"], env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        offsets = {"intake": 1, "deadlines": 2, "devolution": 3, "notify": 4, "standin": 9}
        ports = {name: base + offset for name, offset in offsets.items()}
        for name, port in ports.items():
            healthy = _wait_for(
                lambda p=port: requests.get(f"http://127.0.0.1:{p}/healthz", timeout=2).ok, 60
            )
            tail = (tmp_path / "run.log").read_text()[-3000:]
            assert healthy, f"{name} did not answer /healthz within a minute:\n{tail}"

        # The directory that intake seeded travels through its outbox and Redis into notify's replica.
        headers = {"Authorization": f"Bearer {_token(env, 'bb.admin')}"}
        url = f"http://127.0.0.1:{ports['notify']}/api/v1/recipients"
        replicated = _wait_for(lambda: len(requests.get(url, headers=headers, timeout=5).json()) >= 18, 45)
        assert replicated, (tmp_path / "run.log").read_text()[-3000:]
        assert (
            requests.get(f"http://127.0.0.1:{ports['intake']}/readyz", timeout=5).json()["checks"]["broker"]
            == "ok"
        )
    finally:
        os.killpg(suite.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        try:
            suite.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(suite.pid, signal.SIGKILL)
            raise
        log.close()
    assert _wait_for(lambda: _session_members(suite.pid) == [], 15), "processes were left behind"
