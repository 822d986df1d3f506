"""The systemd units start every process with the one command line of ``make run`` (``python -m
shared.serve``), listening on the address and port the environment names — not 127.0.0.1 and a fixed port —
with the processes and threads it names; the docs copy the units from where they are."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from deploy_support import DEPLOY, filled_example, read_unit, unit_environment

from shared.config import REPO_ROOT, SERVICES, Settings
from shared.embedded_redis import free_port
from shared.serve import web_command, worker_command


@pytest.mark.parametrize("service", SERVICES)
def test_each_unit_runs_the_launcher_of_make_run(service) -> None:
    web, worker = read_unit("dm-web@.service", service), read_unit("dm-worker@.service", service)
    assert web.command(REPO_ROOT)[-4:] == ["-m", "shared.serve", "web", service]
    assert worker.command(REPO_ROOT)[-4:] == ["-m", "shared.serve", "worker", service]
    procfile = (REPO_ROOT / "Procfile").read_text(encoding="utf-8")
    assert f"python -m shared.serve web {service}\n" in procfile
    assert f"python -m shared.serve worker {service}\n" in procfile
    for unit in (web, worker):
        assert ("/etc/dm/dm.env", False) in unit.environment_files
        assert ("/etc/dm/host.env", True) in unit.environment_files


def test_bind_address_port_and_process_counts_come_from_the_environment() -> None:
    env = filled_example(
        DM_BIND_ADDRESS="10.0.0.11", DEADLINES_PORT="9102", DM_WEB_WORKERS="3", DM_WEB_THREADS="6"
    )
    command = web_command(Settings.from_env("deadlines", env))
    assert command[command.index("--bind") + 1] == "10.0.0.11:9102"
    assert command[command.index("--workers") + 1] == "3" and command[command.index("--threads") + 1] == "6"
    env.update(DM_WORKER_PROCESSES="2", NOTIFY_WORKER_PROCESSES="5", NOTIFY_WORKER_THREADS="16")
    notify = worker_command(Settings.from_env("notify", env))
    assert notify[notify.index("--queues") + 1] == "notify"
    assert notify[notify.index("--processes") + 1] == "5" and notify[notify.index("--threads") + 1] == "16"
    intake = worker_command(Settings.from_env("intake", env))
    assert intake[intake.index("--processes") + 1] == "2"


def test_a_web_unit_answers_on_the_port_its_environment_names(tmp_path: Path, redis_url: str) -> None:
    unit = read_unit("dm-web@.service", "deadlines")
    port = free_port()
    (tmp_path / "dm.env").write_text(
        f"DM_ENV=development\nDM_VAR_DIR={tmp_path}\nREDIS_URL={redis_url}\nDEADLINES_PORT={port}\nDM_WEB_WORKERS=1\n",
        encoding="utf-8",
    )
    (tmp_path / "host.env").write_text("DM_BIND_ADDRESS=127.0.0.1\n", encoding="utf-8")
    env = unit_environment(
        unit, {"/etc/dm/dm.env": tmp_path / "dm.env", "/etc/dm/host.env": tmp_path / "host.env"}
    )
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    process = subprocess.Popen(
        unit.command(REPO_ROOT),
        cwd=unit.working_directory.replace("/opt/dm/app", str(REPO_ROOT)),
        env={"PATH": os.environ["PATH"], **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or its worker booting
                assert process.poll() is None and time.monotonic() < deadline, "the unit did not start"
                time.sleep(0.3)
        assert answer.json() == {"service": "deadlines", "status": "ok"}
        assert (tmp_path / "metrics").is_dir()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_guide_copies_the_units_from_the_repository_root() -> None:
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "cp deploy/systemd/*.service /etc/systemd/system/" in guide
    assert "cp systemd/" not in guide
    assert (REPO_ROOT / "deploy" / "systemd" / "dm-web@.service").exists()


def test_a_production_install_brings_no_test_or_lint_tools() -> None:
    runtime = {
        line.split("==")[0].lower()
        for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert not runtime & {"pytest", "pytest-timeout", "mypy", "ruff", "playwright", "moto", "freezegun"}
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("install-prod:", 1)[1].split("\n\n", 1)[0]
    assert "-r requirements.txt" in recipe and "requirements-dev" not in recipe
    assert "make install-prod" in (DEPLOY / "README.md").read_text(encoding="utf-8")


def test_the_hourly_directory_sync_runs_a_command_intake_has() -> None:
    unit = read_unit("dm-directory-sync.service")
    command = unit.command(REPO_ROOT)
    assert command[-3:] == ["-m", "services.intake.cli", "sync-directory"]
    shown = subprocess.run([*command, "--help"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "--register" in shown.stdout
    assert (
        (DEPLOY / "systemd" / "dm-directory-sync.timer")
        .read_text(encoding="utf-8")
        .count("OnUnitActiveSec=1h")
    )
