"""A task never stays open after its step ended and never opens twice, even when the notify worker is killed
(SIGKILL, its whole process group) while it is creating to-dos on the platform and again while closing them:
real dramatiq workers as ``make run`` starts them, a real Redis broker, the stand-in over HTTP.

Each kill comes while platform calls are in flight and events are still waiting. Messages a killed worker had
taken are the broker's to give back (dramatiq's Redis broker requeues them after its 60-second heartbeat
timeout); the test gives them back at once instead, sending the very same envelopes again — what a
redelivery is — and the inbox applies each at most once."""

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
from shared.broker import DramatiqSender, build_broker
from shared.config import REPO_ROOT
from shared.contracts import NOTIFY, TASK_CLOSED, TASK_OPENED
from shared.messaging import Envelope
from shared.runtime import tick_envelope

pytestmark = pytest.mark.integration

TASKS = 30
PEOPLE = ["scjg.clerk", "scjg.leader", "nyj.clerk", "bb.leader", "bb.admin"]


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
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [sys.executable, "-m", "dramatiq", "services.notify.worker:setup", "--queues", NOTIFY]
    command += ["--processes", "1", "--threads", "3"]
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


def wait_for(predicate, sender, *, timeout_s: float = 90.0) -> None:
    """Until ``predicate()``; ticks go to the queue meanwhile, as the scheduler sends them."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        sender.send(NOTIFY, tick_envelope("scheduler"))
        time.sleep(0.5)
    raise AssertionError("the to-dos did not settle in time")


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

    openings, closings = [opening(n) for n in range(TASKS)], [closing(n) for n in range(TASKS)]
    first = start_worker(settings, standin.url, log_path)
    try:
        for envelope in openings:
            sender.send(NOTIFY, envelope)
        wait_for(lambda: count(runtime, Todo.platform == "open") >= 3, sender)
    finally:
        kill(first)  # mid-way through creating: calls in flight, their answers never recorded
    assert count(runtime, Todo.platform == "open") < TASKS

    second = start_worker(settings, standin.url, log_path)
    try:
        for envelope in openings:  # the broker gives back what the dead worker had taken
            sender.send(NOTIFY, envelope)
        wait_for(lambda: count(runtime, Todo.platform == "open") == TASKS, sender)
        for envelope in closings:
            sender.send(NOTIFY, envelope)
        wait_for(lambda: count(runtime, Todo.platform == "closed") >= 3, sender)
    finally:
        kill(second)  # mid-way through finishing and cancelling
    assert count(runtime, Todo.platform == "closed") < TASKS

    third = start_worker(settings, standin.url, log_path)
    try:
        for envelope in closings:
            sender.send(NOTIFY, envelope)
        wait_for(lambda: count(runtime, Todo.platform == "closed") == TASKS, sender)
    finally:
        kill(third)

    at_platform = requests.get(f"{standin.url}/sandbox/todos", timeout=5).json()["todos"]
    assert len(at_platform) == TASKS  # never opened twice
    assert Counter(t["status"] for t in at_platform) == {"done": TASKS // 2, "cancelled": TASKS // 2}
    with runtime.db.transaction() as session:
        assert {t.state for t in session.scalars(select(TodoTask)).all()} == {"closed"}
        rows = session.scalars(select(Todo)).all()
    assert sorted(r.biz_task_id for r in rows) == sorted(t["bizTaskId"] for t in at_platform)
    runtime.db.dispose()
