"""PostgreSQL restarted while departments submit coordination applications (第十六条) over real HTTP: no
request hangs past its timeout, what could not be saved is answered 503 ``database_unavailable`` in Chinese
(nothing else), the connections recover by themselves once the server is back, and no case is half written —
every case the database holds has its submission event and its statutory clock, and every 201 is a case.
A private PostgreSQL 15 cluster of its own (root: it runs as the postgres user), not the machine's."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from casework_support import application_body
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from services.intake.app import SERVICE, create_app
from services.intake.usecases import directory
from shared import demo
from shared.config import Settings
from shared.messaging import RecordingSender
from shared.migrations import upgrade
from shared.runtime import build_runtime

pytestmark = pytest.mark.integration

PG_BIN = Path("/usr/lib/postgresql/15/bin")
TIMEOUT_S = 15  # what a client waits at most; nothing may take longer
THREADS = 6
OPTIONS = "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data} -c fsync=off"
#: cases without a row of ``table``: a case written half
HALF_WRITTEN = (
    "SELECT count(*) FROM case_record c WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.case_id = c.id)"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], check=check, capture_output=True)


@pytest.fixture
def private_postgresql() -> Iterator[tuple[str, Path, int]]:
    reason = None
    if os.geteuid() != 0:
        reason = "a private PostgreSQL cluster runs as the postgres user: run as root (CI does)"
    elif not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        reason = "PostgreSQL 15's server binaries are not installed"
    if reason:
        if os.environ.get("DM_REQUIRE_HOSTS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="dm-pg-restart-"))
    folder.chmod(0o755)
    data = folder / "data"
    data.mkdir()
    shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data} -c fsync=off"
    _as_postgres(
        str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start"
    )
    try:
        _as_postgres(str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q", "-c",
                     "CREATE DATABASE dm_intake")  # fmt: skip
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/dm_intake", data, port
    finally:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_postgresql_restart_under_load_answers_503_meanwhile_and_leaves_no_case_half_written(
    private_postgresql, tmp_path: Path
) -> None:
    url, data, port = private_postgresql
    upgrade("intake", url)
    settings = Settings.from_env("intake", {"DM_ENV": "test", "DM_VAR_DIR": str(tmp_path)})
    settings = settings.with_overrides(database_url=url)
    runtime = build_runtime(
        settings,
        outbox_model=SERVICE.outbox_model,
        inbox_model=SERVICE.inbox_model,
        dead_letter_model=SERVICE.dead_letter_model,
        sender=RecordingSender(),  # type: ignore[arg-type]
    )
    SERVICE.register_handlers(runtime)
    directory.load_directory(runtime, demo.demo_directory())
    token = directory.development_token(runtime, "zhzf.clerk")
    server = make_server("127.0.0.1", 0, create_app(runtime=runtime), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/api/v1/cases/coordination-applications"

    results: list[tuple[float, float, int, str | None]] = []  # started, seconds, status, case id
    stop = threading.Event()

    def submit(worker: int) -> None:
        session = requests.Session()
        number = 0
        while not stop.is_set():
            number += 1
            body = application_body(title=f"关于第{worker}-{number}项监管职责分工的协调申请")
            started = time.monotonic()
            try:
                answer = session.post(
                    base, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S
                )
                status = answer.status_code
                case_id = answer.json().get("id") if status == 201 else None
                if status == 503:
                    assert answer.headers["Content-Type"].startswith("application/problem+json")
                    assert answer.json()["code"] == "database_unavailable"
                    time.sleep(0.2)  # a client waits a little before trying again
            except requests.Timeout:
                status, case_id = -1, None  # a hang
            results.append((started, time.monotonic() - started, status, case_id))

    workers = [threading.Thread(target=submit, args=(n,)) for n in range(THREADS)]
    try:
        for worker in workers:
            worker.start()
        time.sleep(3)
        restart_at = time.monotonic()
        pg_ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(data / "log"), "-w"]
        _as_postgres(*pg_ctl, "-m", "fast", "stop")
        time.sleep(2)  # down for a while: connections refused
        _as_postgres(*pg_ctl, "-o", OPTIONS.format(data=data, port=port), "start")
        back_at = time.monotonic()
        time.sleep(4)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=TIMEOUT_S + 5)
        server.shutdown()

    statuses = {status for _s, _d, status, _c in results}
    created = {case_id for _s, _d, status, case_id in results if status == 201}
    refused = sum(1 for r in results if r[2] == 503)
    after = [
        started + seconds for started, seconds, status, _c in results if status == 201 and started > back_at
    ]
    slowest = max(seconds for _s, seconds, _st, _c in results)
    engine = create_engine(url)
    with engine.connect() as connection:
        cases = {row[0] for row in connection.execute(text("SELECT id FROM case_record"))}
        without_event = connection.execute(text(HALF_WRITTEN.format(table="case_event"))).scalar_one()
        without_clock = connection.execute(text(HALF_WRITTEN.format(table="case_clock"))).scalar_one()
    engine.dispose()
    runtime.db.dispose()
    recovered_s = (min(after) - back_at) if after else float("inf")
    print(
        f"\nPostgreSQL restarted under {THREADS} submitting clients:"
        f" down and up again in {back_at - restart_at:.1f} s;"
        f" {len(results)} requests, {len(created)} created, {refused} answered 503, 0 hung"
        f" (slowest {slowest:.2f} s); first case after the restart {recovered_s:.2f} s later;"
        f" half-written cases {without_event + without_clock}, lost {len(created - cases)}"
    )
    assert statuses <= {201, 503}, statuses  # no hang (-1), no 500
    assert created <= cases  # every 201 is a case
    assert (without_event, without_clock) == (0, 0)
    assert after, "no submission succeeded after the restart: the connections did not recover"
    assert recovered_s < 5
