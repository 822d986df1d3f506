"""The whole suite started as ``make run`` starts it (``python -m shared.devrun``), for the end-to-end tests
of this folder: ports, tokens, the run log, and waiting for something to become true."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from shared.config import REPO_ROOT
from shared.embedded_redis import free_port_block

OFFSETS = {"gateway": 0, "intake": 1, "deadlines": 2, "devolution": 3, "notify": 4, "standin": 9}


@dataclass
class Suite:
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    ports: dict[str, int]
    log: Path
    seconds_to_healthy: float | None = None

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def token(self, user: str) -> dict[str, str]:
        out = subprocess.run(
            [sys.executable, "-m", "services.intake.cli", "token", user],
            env=self.env, cwd=REPO_ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return {"Authorization": f"Bearer {out.stdout.strip()}"}

    def tail(self) -> str:
        """The log's last lines, after any line that says why a process could not start."""
        text = self.log.read_text(errors="replace")
        marks = ("Address already in use", "Traceback", "Error:")
        causes = [line for line in text.splitlines() if any(mark in line for mark in marks)][:10]
        return "\n".join([*causes, "…", text[-4000:]]) if causes else text[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            raise


def wait_for(check: Callable[[], Any], timeout_s: float) -> Any:
    """``check()``'s first true answer within ``timeout_s`` (a request failing meanwhile is tried again)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            result = check()
            if result:
                return result
        except (requests.RequestException, KeyError, IndexError, ValueError):
            pass
        time.sleep(0.5)
    return None


EMBEDDED_REDIS_OFFSET = 379  # shared.devrun starts its embedded Redis on base + 379


def _free_port_base() -> int:
    return free_port_block(EMBEDDED_REDIS_OFFSET + 1)


@contextmanager
def running_suite(folder: Path, **env_overrides: str) -> Iterator[Suite]:
    """``make run`` in ``folder`` (its own ports, data and embedded Redis), healthy or not; stopped after."""
    base = _free_port_base()
    env = {**os.environ, "DM_VAR_DIR": str(folder / "var"), "DM_PORT_BASE": str(base), "DM_TICK_SECONDS": "2"}
    env.update(env_overrides)
    log_path = folder / "run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shared.devrun"], env=env, cwd=REPO_ROOT, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    running = Suite(process, env, {name: base + offset for name, offset in OFFSETS.items()}, log_path)
    started = time.monotonic()
    try:
        healthy = all(
            wait_for(lambda n=name: requests.get(running.url(n, "/healthz"), timeout=2).ok, 90)
            for name in OFFSETS
        )
        running.seconds_to_healthy = time.monotonic() - started if healthy else None
        yield running
    finally:
        if process.poll() is None:
            running.stop()
