"""``python -m shared.supervise <command> …``: run a command and start it again whenever it dies, as the
systemd units' ``Restart=on-failure`` does in production, so that under ``make run`` (honcho stops every
process once one exits) a worker killed with ``kill -9`` does not take the whole suite down.

SIGTERM and SIGINT are passed on to the command and end the supervision; a command that exits with 0 or with
:data:`shared.serve.EX_CONFIG` (a configuration error: starting again cannot help) is not restarted. Restarts
wait :data:`BACKOFF_S`, longer after each quick death (at most :data:`MAX_BACKOFF_S`).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from shared.serve import EX_CONFIG

BACKOFF_S = 0.5
MAX_BACKOFF_S = 10.0
#: a run at least this long resets the back-off
HEALTHY_RUN_S = 30.0


def supervise(command: list[str], *, max_restarts: int | None = None) -> int:
    """Run ``command`` until it exits by itself with 0 or EX_CONFIG, or this process is told to stop."""
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    restarts, backoff = 0, BACKOFF_S
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)
        code = child.wait()
        if stopping or code in (0, EX_CONFIG):
            return code
        if max_restarts is not None and restarts >= max_restarts:
            return code
        backoff = (
            BACKOFF_S if time.monotonic() - started >= HEALTHY_RUN_S else min(backoff * 2, MAX_BACKOFF_S)
        )
        print(
            f"supervise: {' '.join(command[:4])} exited with {code}; starting it again in {backoff:g} s",
            file=sys.stderr,
            flush=True,
        )
        restarts += 1
        deadline = time.monotonic() + backoff
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.05)
        if stopping:
            return code


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: python -m shared.supervise <command> [args…]", file=sys.stderr)
        sys.exit(2)
    sys.exit(supervise(sys.argv[1:]))
