"""How every long-running process of the suite is started: ``python -m shared.serve web|worker <service>``.

The systemd units (``deploy/systemd``), the ``Procfile`` of ``make run`` and the multi-host test all start
processes with this one command line, so they cannot drift apart. It reads the settings first — in
production a process refuses to start on an unset, placeholder or unsafe variable, with one line naming it,
and exits with :data:`EX_CONFIG` (the units do not restart on it) — and then replaces itself with gunicorn or
Dramatiq, listening where the environment says (``DM_BIND_ADDRESS``, ``<SERVICE>_PORT``) with as many
processes and threads as it says (``DM_WEB_WORKERS``, ``<SERVICE>_WORKER_PROCESSES``, …).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from shared.config import REPO_ROOT, SERVICES, ConfigError, Settings

#: sysexits.h: configuration error
EX_CONFIG = 78


def web_command(settings: Settings) -> list[str]:
    """gunicorn for one service's web process."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(REPO_ROOT / "shared" / "gunicorn_conf.py"),
        "--bind",
        f"{settings.bind_address}:{settings.port}",
        "--workers",
        str(settings.web_workers),
        "--threads",
        str(settings.web_threads),
        f"services.{settings.service}.app:create_app()",
    ]


def worker_command(settings: Settings) -> list[str]:
    """Dramatiq for one service's queue (and only that queue)."""
    return [
        sys.executable,
        "-m",
        "dramatiq",
        f"services.{settings.service}.worker:setup",
        "--queues",
        settings.service,
        "--processes",
        str(settings.worker_processes),
        "--threads",
        str(settings.worker_threads),
    ]


def prepare_metrics_folder(environ: Mapping[str, str]) -> None:
    """Prometheus' multiprocess folder (one per service and machine, shared by its web process and its
    workers so that ``/metrics`` counts both) must exist. It is never emptied here — the other process may
    be writing to it; it lives under ``/run``, which starts empty at boot (``make run`` empties its own)."""
    folder = environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.serve")
    parser.add_argument("kind", choices=["web", "worker"])
    parser.add_argument("service", choices=SERVICES)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(args.service)
    except ConfigError as refused:
        print(f"dm-{args.kind}@{args.service}: {refused}", file=sys.stderr, flush=True)
        return EX_CONFIG
    command = web_command(settings) if args.kind == "web" else worker_command(settings)
    prepare_metrics_folder(os.environ)
    os.chdir(REPO_ROOT)
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main())
