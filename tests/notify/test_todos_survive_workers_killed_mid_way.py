"""A task never stays open after its step ended and never opens twice, even when the notify worker is killed
with ``kill -9`` (its whole process group) while it is creating to-dos on the platform and again while
finishing and cancelling them: real worker processes as the systemd units and ``make run`` start them
(``python -m shared.serve worker notify``), a real Redis broker, the stand-in over HTTP.

Each kill comes while platform calls are in flight, messages are taken and not acknowledged, and more are
still queued. Nothing is sent again by the test: a worker is started in the killed one's place, and the
messages the dead worker held come back from the broker itself — once it has not heard from the dead worker
for ``HEARTBEAT_TIMEOUT_MS`` (15 s), at the next maintenance (every ``MAINTENANCE_INTERVAL_S``, 3 s), the
bound the README states — and are applied at most once (the inbox); a to-do whose create or close was in
flight is finished by the sweep after its claim's lease, under the same ``bizTaskId``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
import requests
from notify_support import NINGBO, add_people
from sqlalchemy import func, select

from services.notify.app import SERVICE
from services.notify.tables import Todo, TodoTask
from shared.broker import HEARTBEAT_TIMEOUT_MS, MAINTENANCE_INTERVAL_S, DramatiqSender, build_broker
from shared.config import REPO_ROOT
from shared.contracts import NOTIFY, TASK_CLOSED, TASK_OPENED
from shared.messaging import Envelope
from shared.runtime import tick_envelope

pytestmark = pytest.mark.integration

TASKS = 30
PEOPLE = ["scjg.clerk", "scjg.leader", "nyj.clerk", "bb.leader", "bb.admin"]


#: the README's bound for a killed worker's messages (heartbeat timeout + one maintenance), and the time a
#: worker takes to start again and the sweep to finish what was in flight
BOUND_S = HEARTBEAT_TIMEOUT_MS / 1000 + MAINTENANCE_INTERVAL_S + 10


def start_worker(settings, standin_url: str, log_path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DM_ENV": "test",
        "DM_VAR_DIR": str(settings.var_dir),
        "NOTIFY_DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "ZWD_BASE_URL": standin_url,
        "DM_PUBLIC_BASE_URL": "https://zzgl.nb.gov.cn",
        "DM_NOTIFY_LEASE_S": "1",
        "DM_NOTIFY_BASE_DELAY_S": "0.2",
        "DM_NOTIFY_MAX_DELAY_S": "1",
        "DM_LOG_LEVEL": "WARNING",
        "NOTIFY_WORKER_PROCESSES": "1",
        "NOTIFY_WORKER_THREADS": "3",
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [sys.executable, "-m", "shared.serve", "worker", NOTIFY]
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, start_new_session=True, stdout=log, stderr=log
        )


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker's own process group (the dramatiq parent and its worker process), nothing else."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def event(message_type: str, payload: dict) -> dict:
    return Envelope(type=message_type, payload=payload, source="intake").to_dict()


def opening(n: int) -> dict:
    return event(
        TASK_OPENED,
        {
            "task_id": f"intake:c-{n}:approval",
            "case": {"service": "intake", "kind": "coordination", "id": f"c-{n}", "title": f"协调申请{n}",
                     "jurisdiction": NINGBO},
            "step": "approval",
            "step_name": "审批",
            "assignee": {"kind": "person", "id": PEOPLE[n % len(PEOPLE)], "jurisdiction": NINGBO},
            "due_date": "2026-12-11",
            "opened_at": "2026-12-01T02:00:00+00:00",
            "url": f"/m/approvals/{n}",
        },
    )  # fmt: skip


def closing(n: int) -> dict:
    outcome = "done" if n % 2 else "cancelled"
    payload = {"task_id": f"intake:c-{n}:approval", "outcome": outcome, "at": "2026-12-01T03:00:00+00:00"}
    return event(TASK_CLOSED, payload)


def count(runtime, *conditions) -> int:
    with runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Todo).where(*conditions)) or 0)


def wait_for(predicate, sender, *, timeout_s: float = BOUND_S, every_s: float = 0.5) -> float:
    """Until ``predicate()``, in seconds; ticks go to the queue meanwhile, as the scheduler sends them."""
    started = time.monotonic()
    while time.monotonic() < started + timeout_s:
        if predicate():
            return time.monotonic() - started
        sender.send(NOTIFY, tick_envelope("scheduler"))
        time.sleep(every_s)
    raise AssertionError(f"the to-dos did not settle within {timeout_s:.0f} s")


def held(broker) -> int:
    """Messages the notify workers have taken and not acknowledged (Dramatiq's per-worker ack sets)."""
    keys = broker.client.keys(f"{broker.namespace}:__acks__.*.{NOTIFY}")
    return sum(int(broker.client.scard(key)) for key in keys)


def wait_mid_way(broker, done, sender) -> int:  # type: ignore[no-untyped-def]
    """Until some are done while the worker holds others, both seen in one check, the caller killing it at
    once (a look some time after the third was done found, on a quiet machine, every message handled
    already); how many messages it holds."""
    taken = [0]

    def mid_way() -> bool:
        taken[0] = held(broker)
        return taken[0] > 0 and 1 <= done() < TASKS

    wait_for(mid_way, sender, timeout_s=60, every_s=0.05)
    return taken[0]


def at_platform(standin) -> list[dict]:
    return requests.get(f"{standin.url}/sandbox/todos", timeout=5).json()["todos"]


def test_todos_are_created_and_closed_exactly_once_though_workers_are_killed_mid_way(
    settings_for, redis_url, standin, tmp_path
) -> None:
    settings = settings_for("notify", redis_url=redis_url, platform_base_url=standin.url)
    broker = build_broker(settings)
    runtime = SERVICE.runtime(settings, broker)
    add_people(runtime)
    sender = DramatiqSender(broker)
    slow = {"mode": "slow", "delay_ms": 400, "count": 10_000, "target": "todo"}
    requests.post(f"{standin.url}/sandbox/faults", json=slow, timeout=5)
    log_path = tmp_path / "workers.log"
    worker = start_worker(settings, standin.url, log_path)
    try:
        for n in range(TASKS):
            sender.send(NOTIFY, opening(n))
        taken = wait_mid_way(broker, lambda: count(runtime, Todo.platform == "open"), sender)
        kill(
            worker
        )  # mid-way through creating: calls in flight, messages taken, their answers never recorded
        killed_at = time.monotonic()
        assert taken > 0 and count(runtime, Todo.platform == "open") < TASKS
        worker = start_worker(
            settings, standin.url, log_path
        )  # the dead one's messages: the broker's to give
        wait_for(lambda: count(runtime, Todo.platform == "open") == TASKS, sender)
        opened = time.monotonic() - killed_at
        assert len(at_platform(standin)) == TASKS

        for n in range(TASKS):
            sender.send(NOTIFY, closing(n))
        taken_closing = wait_mid_way(broker, lambda: count(runtime, Todo.platform == "closed"), sender)
        kill(worker)  # mid-way through finishing and cancelling
        closing_killed_at = time.monotonic()
        assert taken_closing > 0 and count(runtime, Todo.platform == "closed") < TASKS
        worker = start_worker(settings, standin.url, log_path)
        wait_for(lambda: count(runtime, Todo.platform == "closed") == TASKS, sender)
        closed = time.monotonic() - closing_killed_at
        # past the bound after the last kill, with a maintenance to spare: a late redelivery would show now
        time.sleep(max(0.0, closing_killed_at + BOUND_S - 10 - time.monotonic()) + MAINTENANCE_INTERVAL_S)
        wait_for(lambda: count(runtime, Todo.platform == "closed") == TASKS, sender, timeout_s=1)
    finally:
        kill(worker)
    print(
        f"\n{TASKS} to-dos: {taken} messages held when killed while creating, all open"
        f" {opened:.1f} s after; {taken_closing} held when killed while closing, all closed"
        f" {closed:.1f} s after the kill (bound {BOUND_S:.0f} s)"
    )

    todos = at_platform(standin)
    assert len(todos) == TASKS and len({t["bizTaskId"] for t in todos}) == TASKS  # none doubled
    assert Counter(t["status"] for t in todos) == {"done": TASKS // 2, "cancelled": TASKS // 2}  # none open
    assert opened <= BOUND_S and closed <= BOUND_S
    with runtime.db.transaction() as session:
        assert {t.state for t in session.scalars(select(TodoTask)).all()} == {"closed"}
        rows = session.scalars(select(Todo)).all()
    assert sorted(r.biz_task_id for r in rows) == sorted(t["bizTaskId"] for t in todos)
    runtime.db.dispose()
