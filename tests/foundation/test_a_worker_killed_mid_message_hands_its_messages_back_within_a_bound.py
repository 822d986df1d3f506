"""A worker killed with ``kill -9`` in the middle of a burst loses nothing and doubles nothing, on every
queue: the messages it had taken and not acknowledged go back to their queue once the broker has not heard
from it for ``HEARTBEAT_TIMEOUT_MS`` (15 s), at the next maintenance of the worker started in its place
(every ``MAINTENANCE_INTERVAL_S``, 3 s), and are handled once. Real worker processes (``python -m
shared.serve worker <service>``, as the systemd units start them), real Redis, the real databases."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, text

from shared.broker import HEARTBEAT_TIMEOUT_MS, MAINTENANCE_INTERVAL_S, DramatiqSender, build_broker
from shared.config import REPO_ROOT, SERVICES, Settings
from shared.contracts import CLOCK_START, DEPARTMENT_UPSERTED, TASK_OPENED, case_ref, party
from shared.messaging import Envelope

pytestmark = pytest.mark.integration

BURST = 200
NINGBO = "330200"
#: after the heartbeat timeout and one maintenance interval, the time a worker takes to start again
BOUND_S = HEARTBEAT_TIMEOUT_MS / 1000 + MAINTENANCE_INTERVAL_S + 10


def _case(number: int) -> dict[str, Any]:
    return dict(
        case_ref(
            service="intake",
            kind="coordination",
            id=f"fault-{number}",
            title=f"第{number}件协调申请",
            jurisdiction=NINGBO,
            url=f"http://127.0.0.1:8001/cases/fault-{number}",
        )
    )


#: one message type per queue that its service applies through the inbox, and the table it writes
MESSAGES: dict[str, tuple[str, Callable[[int], dict[str, Any]], str]] = {
    "intake": (
        TASK_OPENED,
        lambda n: {
            "task_id": f"fault-task-{n}",
            "opened_at": "2026-11-02T02:00:00+00:00",
            "case": _case(n),
            "assignee": {"kind": "office", "jurisdiction": NINGBO},
            "step": "accept",
            "step_name": "受理审查",
        },
        "worklist_task",
    ),
    "deadlines": (
        CLOCK_START,
        lambda n: {
            "clock_id": f"fault-clock-{n}",
            "rule": "acceptance_decision",
            "case": _case(n),
            "owner_service": "intake",
            "start_at": "2026-11-02T10:00:00+08:00",
            "responsible": [party("department", "nb-scjg", NINGBO)],
        },
        "clock",
    ),
    "devolution": (
        DEPARTMENT_UPSERTED,
        lambda n: {"code": f"fault-{n}", "jurisdiction": NINGBO, "name": f"测试部门{n}", "kind": "other"},
        "department",
    ),
    "notify": (
        DEPARTMENT_UPSERTED,
        lambda n: {"code": f"fault-{n}", "jurisdiction": NINGBO, "name": f"测试部门{n}", "kind": "other"},
        "department",
    ),
}


def _start_worker(service: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "shared.serve", "worker", service],
        cwd=REPO_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # kill -9 takes the Dramatiq parent and its worker process together
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def test_a_worker_killed_mid_burst_on_every_queue_loses_and_doubles_nothing(
    settings_for, redis_url, tmp_path: Path
) -> None:
    settings = {service: settings_for(service, redis_url=redis_url) for service in SERVICES}
    engines = {service: create_engine(s.database_url) for service, s in settings.items()}
    env = {
        **os.environ,
        "DM_ENV": "development",
        "DM_VAR_DIR": str(tmp_path),
        "REDIS_URL": redis_url,
        "PYTHONUNBUFFERED": "1",
        **{f"{service.upper()}_DATABASE_URL": s.database_url for service, s in settings.items()},
    }
    logs = {service: tmp_path / f"{service}-worker.log" for service in SERVICES}

    def applied(service: str) -> int:
        with engines[service].connect() as connection:
            query = text("SELECT count(*) FROM inbox WHERE source = 'fault-test'")  # not the clocks' replies
            return int(connection.execute(query).scalar_one())

    def written(service: str) -> int:
        table = MESSAGES[service][2]
        with engines[service].connect() as connection:
            return int(
                connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {_key(service)} LIKE 'fault-%'")
                ).scalar_one()
            )

    workers = {service: _start_worker(service, env, logs[service]) for service in SERVICES}
    sender = DramatiqSender(build_broker(Settings.from_env("scheduler", {"REDIS_URL": redis_url})))
    client = redis.Redis.from_url(redis_url)
    try:
        for service, (message_type, payload, _table) in MESSAGES.items():
            for number in range(BURST):
                envelope = Envelope(type=message_type, payload=payload(number), source="fault-test")
                sender.send(service, envelope.to_dict())
        killed_at: dict[str, float] = {}
        held: dict[str, int] = {}
        at_kill: dict[str, int] = {}
        recovered: dict[str, float] = {}
        started = time.monotonic()
        while len(recovered) < len(SERVICES):
            for service in SERVICES:
                done = applied(service)
                if service not in killed_at and done >= 10:  # mid-burst: kill -9, then start it again
                    acks = client.keys(f"dramatiq:__acks__.*.{service}")
                    held[service] = sum(int(client.scard(key)) for key in acks)
                    _kill(workers[service])
                    killed_at[service], at_kill[service] = time.monotonic(), applied(service)
                    workers[service] = _start_worker(service, env, logs[service])
                elif service in killed_at and service not in recovered and done >= BURST:
                    recovered[service] = time.monotonic() - killed_at[service]
            waited = time.monotonic() - started
            assert waited < 60 + BOUND_S, f"not all handled: {[(s, applied(s)) for s in SERVICES]}"
            time.sleep(0.02)
        time.sleep(MAINTENANCE_INTERVAL_S)  # a late redelivery would show now
        for service in SERVICES:
            lost = BURST - applied(service)
            doubled = written(service) - BURST
            print(
                f"\n{service}: {BURST} sent, {at_kill[service]} applied and {held[service]} held"
                f" unacknowledged when killed; all applied {recovered[service]:.1f} s after the kill;"
                f" lost {lost}, doubled {max(doubled, 0)}"
            )
            assert (lost, doubled) == (0, 0)
            assert recovered[service] <= BOUND_S, f"{service} took {recovered[service]:.1f} s"
        assert sum(held.values()) > 0, "no message was in the workers' hands when they were killed"
    finally:
        for worker in workers.values():
            if worker.poll() is None:
                _kill(worker)
        for engine in engines.values():
            engine.dispose()


def _key(service: str) -> str:
    return {"intake": "task_id", "deadlines": "id", "devolution": "code", "notify": "code"}[service]
