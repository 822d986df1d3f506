"""Notices and to-dos through the whole notify pipeline vs bare loops of signed calls (issues 6 and 13).

``python -m bench.bench_notify`` (``--quick`` or ``BENCH_QUICK=1`` for a tenth of the load). Real notify
workers (``dramatiq services.notify.worker:setup``, as ``make run`` starts them) on the real broker
(``REDIS_URL``, or an embedded Redis) and a SQLite database (or ``NOTIFY_DATABASE_URL``) deliver over HTTP to
the platform stand-in running in its own process (gunicorn, as ``make run`` serves it).

1. **Reminders.** 10,000 reminders to 10,000 people: one ``notify.send`` per department (100 departments of
   100 people; a department without contact roles reaches all its people), each the same notice for all its
   people — so they go out in calls of up to 1000 receivers under one ``bizMsgId``, every person's delivery
   still tracked. Compared with a bare loop of one signed ``requests.post`` per person in the same run
   (target: the pipeline at least as fast). Checked at the stand-in: every person notified exactly once.
2. **To-dos.** 1,000 ``task.opened`` (one person each), then 1,000 ``task.closed`` (done): each a to-do
   created then finished in the 浙政钉 to-do centre. Compared with a bare loop of signed create + finish
   calls. Checked at the stand-in: 1,000 to-dos, each bizTaskId once, all done, none left open.

Exits 1 if a check fails or the reminder ratio is below 1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from shared.broker import DramatiqSender, build_broker
from shared.config import REPO_ROOT, Settings
from shared.contracts import NOTIFY, NOTIFY_SEND, TASK_CLOSED, TASK_OPENED
from shared.embedded_redis import EmbeddedRedis, free_port
from shared.messaging import Envelope
from shared.migrations import upgrade
from shared.platform.signing import zwd_headers
from shared.platform.todo import CREATE_PATH, FINISH_PATH
from shared.platform.zwd import WORK_NOTIFICATION_PATH

JURISDICTION = "330200"
APP_KEY, APP_SECRET, TENANT = "bench-app-key", "bench-app-secret", "196729"
FIRST_ACCOUNT = 500001
TARGET_RATIO = 1.0


@dataclass(frozen=True)
class Load:
    people: int = 10_000
    departments: int = 100
    todos: int = 1000
    baseline_calls: int = 2000
    baseline_todos: int = 300

    @property
    def per_department(self) -> int:
        return self.people // self.departments


# --------------------------------------------------------------------------- the stand-in, in its own process


def standin_app() -> Any:
    """The stand-in with the bench's accounts (a gunicorn factory; BENCH_PEOPLE)."""
    from services.notify.standin.app import create_app

    people = int(os.environ["BENCH_PEOPLE"])
    accounts = {
        str(FIRST_ACCOUNT + i): {"name": f"测试{i}", "employeeCode": f"GE_{i}"} for i in range(people)
    }
    return create_app(
        {"ENV": "development", "APPS": {APP_KEY: APP_SECRET}, "TENANT_ID": TENANT, "ACCOUNTS": accounts}
    )


def start_standin(port: int, load: Load) -> subprocess.Popen[bytes]:
    """Served as ``make run`` serves it: gunicorn, one process (its state is in memory), threads."""
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "8", "--worker-class", "gthread",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench.bench_notify:standin_app()",
    ]  # fmt: skip
    env = {**os.environ, "BENCH_PEOPLE": str(load.people), "DM_ENV": "development"}
    return subprocess.Popen(command, env=env, cwd=REPO_ROOT, start_new_session=True)


def wait_http(url: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


# --------------------------------------------------------------------------- the directory


def seed(database_url: str, load: Load) -> None:
    """10,000 people in 100 departments, none of them a contact role: a department reaches all its people."""
    from services.notify.tables import (
        Attempt,
        Delivery,
        Inbox,
        Outbox,
        Recipient,
        SendRequest,
        Todo,
        TodoTask,
    )
    from shared.db import Database

    database = Database(database_url)
    with database.transaction() as session:
        for model in (Attempt, Delivery, SendRequest, Todo, TodoTask, Recipient, Inbox, Outbox):
            session.query(model).delete()
        session.add_all(
            Recipient(
                id=f"p{i:05d}",
                name=f"测试{i}",
                jurisdiction=JURISDICTION,
                department=f"d{i // load.per_department:03d}",
                roles=[],
                zwd_account_id=str(FIRST_ACCOUNT + i),
                active=True,
            )
            for i in range(load.people)
        )
    database.dispose()


def reminder(run: str, department: int) -> dict[str, Any]:
    case = {"service": "intake", "kind": "coordination", "id": f"c-{run}-{department}",
            "title": f"协调申请第{department}号", "jurisdiction": JURISDICTION}  # fmt: skip
    payload = {
        "dedupe_key": f"{run}:{department}",
        "template": "reply_due_soon",
        "params": {"case_title": case["title"], "due_date": "2026-12-04", "remaining_working_days": 2},
        "recipients": [{"kind": "department", "id": f"d{department:03d}", "jurisdiction": JURISDICTION}],
        "case": case,
        "link": f"http://127.0.0.1:8001/cases/{case['id']}",
        "urgency": "normal",
    }
    return Envelope(type=NOTIFY_SEND, payload=payload, source="bench").to_dict()


def task_opened(run: str, n: int) -> dict[str, Any]:
    payload = {
        "task_id": f"bench:{run}:{n}",
        "case": {"service": "intake", "kind": "coordination", "id": f"c-{run}-{n}",
                 "title": f"协调申请第{n}号", "jurisdiction": JURISDICTION},
        "step": "approval",
        "step_name": "审批",
        "assignee": {"kind": "person", "id": f"p{n:05d}", "jurisdiction": JURISDICTION},
        "due_date": "2026-12-11",
        "opened_at": datetime.now(UTC).isoformat(),
        "url": f"/m/approvals/{n}",
    }  # fmt: skip
    return Envelope(type=TASK_OPENED, payload=payload, source="bench").to_dict()


def task_closed(run: str, n: int) -> dict[str, Any]:
    payload = {"task_id": f"bench:{run}:{n}", "outcome": "done", "at": datetime.now(UTC).isoformat()}
    return Envelope(type=TASK_CLOSED, payload=payload, source="bench").to_dict()


# --------------------------------------------------------------------------- the bare loops


def signed_post(session: requests.Session, url: str, path: str, params: dict[str, str]) -> dict[str, Any]:
    headers = zwd_headers(
        api_key=APP_KEY, secret=APP_SECRET, method="POST", path=path, params=params, now=datetime.now(UTC)
    )
    answer = session.post(f"{url}{path}", data=params, headers=headers, timeout=10).json()
    if not answer.get("success") or (answer.get("content") or {}).get("success") is False:
        raise RuntimeError(f"bare loop call refused: {answer}")
    return answer


def bare_notifications(standin_url: str, load: Load, run: str) -> float:
    """One signed work-notification call per person, in a plain loop (one kept-alive session): persons/s."""
    session = requests.Session()
    msg = json.dumps({"msgtype": "text", "text": {"content": "基准测试"}}, ensure_ascii=False)
    started = time.perf_counter()
    for i in range(load.baseline_calls):
        params = {
            "tenantId": TENANT,
            "receiverIds": str(FIRST_ACCOUNT + i % load.people),
            "bizMsgId": f"{run}-bare-{i}",
            "msg": msg,
        }
        signed_post(session, standin_url, WORK_NOTIFICATION_PATH, params)
    return load.baseline_calls / (time.perf_counter() - started)


def bare_todos(standin_url: str, load: Load, run: str) -> float:
    """A signed create then a signed finish per to-do, in a plain loop: to-dos/s."""
    session = requests.Session()
    started = time.perf_counter()
    for i in range(load.baseline_todos):
        account = str(FIRST_ACCOUNT + i % load.people)
        created = signed_post(
            session,
            standin_url,
            CREATE_PATH,
            {
                "subject": f"基准待办{i}",
                "creatorId": account,
                "assigneeId": account,
                "bizTaskId": f"{run}-bare-{i}",
                "url": "http://127.0.0.1:8001/?from=zwd_todo",
                "mobileUrl": "http://127.0.0.1:8001/?from=zwd_todo",
                "tenantId": TENANT,
            },
        )
        task_uuid = created["content"]["data"]["taskUuid"]
        finish = {"userId": account, "taskUuid": task_uuid, "closePackage": "false"}
        signed_post(session, standin_url, FINISH_PATH, finish)
    return load.baseline_todos / (time.perf_counter() - started)


# --------------------------------------------------------------------------- the run


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def scalar(database_url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar()
    engine.dispose()
    return value


def start_workers(env: dict[str, str], processes: int, threads: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "dramatiq", "services.notify.worker:setup", "--queues", NOTIFY,
        "--processes", str(processes), "--threads", str(threads),
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=REPO_ROOT, start_new_session=True, stderr=subprocess.PIPE)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_until(database_url: str, sql: str, expected: int, timeout_s: float, **params: Any) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if int(scalar(database_url, sql, **params) or 0) >= expected:
            return
        time.sleep(0.25)
    raise RuntimeError(
        f"not settled in {timeout_s:.0f} s: {scalar(database_url, sql, **params)} of {expected}"
    )


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and all its descendants (Linux ``/proc``), in seconds."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"),
        )
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _cpu) in stats.items() if ppid == parent and pid not in family]
        family.update(children)
        frontier += children
    return sum(stats[pid][1] for pid in family if pid in stats)


SETTLED = (
    "SELECT count(*) FROM delivery WHERE dedupe_key LIKE :r AND state IN ('delivered', 'failed', 'parked')"
)
OPEN_TODOS = (
    "SELECT count(*) FROM todo WHERE biz_task_id IS NOT NULL AND platform = 'open' AND task_id LIKE :r"
)
CLOSED_TODOS = "SELECT count(*) FROM todo WHERE platform IN ('closed', 'failed') AND task_id LIKE :r"


@dataclass
class Bench:
    load: Load
    database_url: str
    standin_url: str
    sender: DramatiqSender
    run_id: str

    def reminders(self, bare_rate: float) -> tuple[list[str], bool, float]:
        load, run = self.load, self.run_id
        started = time.time()
        for department in range(load.departments):
            self.sender.send(NOTIFY, reminder(run, department))
        wait_until(self.database_url, SETTLED, load.people, 600, r=f"{run}:%")
        received = requests.get(f"{self.standin_url}/sandbox/messages?kind=work_notification", timeout=60)
        calls = [m for m in received.json()["messages"] if m["accepted"]]
        receipts = [account for call in calls for account in call["receivers"]]
        last = max(datetime.fromisoformat(call["received_at"]).timestamp() for call in calls)
        elapsed = last - started
        rate = len(receipts) / elapsed
        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT requested_at, state, batch_key FROM delivery WHERE dedupe_key LIKE :r"),
                {"r": f"{run}:%"},
            ).all()
        engine.dispose()
        receipt_of = {c["bizMsgId"]: datetime.fromisoformat(c["received_at"]).timestamp() for c in calls}
        latency = [
            receipt_of[r.batch_key] - _instant(r.requested_at) for r in rows if r.batch_key in receipt_of
        ]
        once = len(receipts) == len(set(receipts)) == load.people == len(rows)
        once = once and all(r.state == "delivered" for r in rows)
        ratio = rate / bare_rate
        lines = [
            f"1. {load.people} reminders to {load.people} people ({load.departments} notify.send, one per"
            f" department of {load.per_department})",
            f"  at the stand-in: {len(calls)} calls, {len(receipts)} receipts,"
            f" {len(set(receipts))} distinct people; exactly once: {'yes' if once else 'NO'}",
            f"  elapsed (first publish → last receipt): {elapsed:.1f} s; {rate:.0f} people notified/s",
            f"  request → receipt: p50 {statistics.median(latency) * 1000:.0f} ms,"
            f" p99 {percentile(latency, 0.99) * 1000:.0f} ms",
            f"  bare loop of one signed requests.post per person (same stand-in): {bare_rate:.0f} people/s",
            f"  ratio pipeline / bare loop: {ratio:.2f} (target ≥ {TARGET_RATIO:.0f})",
        ]
        return lines, once and ratio >= TARGET_RATIO, ratio

    def todos(self, bare_rate: float) -> tuple[list[str], bool]:
        load, run = self.load, self.run_id
        started = time.time()
        for n in range(load.todos):
            self.sender.send(NOTIFY, task_opened(run, n))
        wait_until(self.database_url, OPEN_TODOS, load.todos, 600, r=f"bench:{run}:%")
        opened = time.time()
        for n in range(load.todos):
            self.sender.send(NOTIFY, task_closed(run, n))
        wait_until(self.database_url, CLOSED_TODOS, load.todos, 600, r=f"bench:{run}:%")
        elapsed = time.time() - started
        listed = requests.get(f"{self.standin_url}/sandbox/todos", timeout=60).json()["todos"]
        mine = list(listed)
        statuses = Counter(t["status"] for t in mine)
        distinct = len({t["bizTaskId"] for t in mine})
        ok = len(mine) == distinct == load.todos and statuses == {"done": load.todos}
        rate = load.todos / elapsed
        lines = [
            f"2. {load.todos} to-dos created (task.opened) then finished (task.closed)",
            f"  at the stand-in: {len(mine)} to-dos, {distinct} distinct bizTaskId, {dict(statuses)};"
            f" none doubled, none left open: {'yes' if ok else 'NO'}",
            f"  elapsed: {elapsed:.1f} s ({opened - started:.1f} s to open all); {rate:.0f} to-dos/s",
            f"  bare loop of a signed create + finish per to-do: {bare_rate:.0f} to-dos/s",
            f"  ratio pipeline / bare loop: {rate / bare_rate:.2f}",
        ]
        return lines, ok


def _instant(value: Any) -> float:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def run(load: Load, *, processes: int, threads: int) -> int:
    run_id = uuid.uuid4().hex[:8]
    folder = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    embedded = None if os.environ.get("REDIS_URL") else EmbeddedRedis(workdir=folder).start()
    redis_url = os.environ.get("REDIS_URL") or embedded.url  # type: ignore[union-attr]
    database_url = os.environ.get("NOTIFY_DATABASE_URL") or f"sqlite:///{folder / 'notify.db'}"
    port = free_port()
    standin_url = f"http://127.0.0.1:{port}"
    standin = start_standin(port, load)
    workers = None
    try:
        upgrade("notify", database_url)
        seed(database_url, load)
        wait_http(f"{standin_url}/healthz")
        bare_rate = bare_notifications(standin_url, load, run_id)
        bare_todo_rate = bare_todos(standin_url, load, run_id)
        env = {
            **os.environ,
            "DM_ENV": "development",
            "DM_LOG_LEVEL": "WARNING",
            "DM_VAR_DIR": str(folder),
            "REDIS_URL": redis_url,
            "NOTIFY_DATABASE_URL": database_url,
            "ZWD_BASE_URL": standin_url,
            "ZWD_APP_KEY": APP_KEY,
            "ZWD_APP_SECRET": APP_SECRET,
            "ZWD_TENANT_ID": TENANT,
            "DM_NOTIFY_DAILY_BUDGET": "1000000",  # a bench is not a day: several runs share a Redis
            "PYTHONPATH": str(REPO_ROOT),
        }
        workers = start_workers(env, processes, threads)
        sender = DramatiqSender(build_broker(Settings.from_env("notify", {"REDIS_URL": redis_url})))
        sender.send(NOTIFY, reminder(f"{run_id}-warmup", 0))  # workers boot and warm up on this one
        wait_until(database_url, SETTLED, load.per_department, 120, r=f"{run_id}-warmup:%")
        requests.post(f"{standin_url}/sandbox/reset", timeout=10)  # only this run's calls are counted
        cpu_before = tree_cpu_seconds(workers.pid)
        bench = Bench(load, database_url, standin_url, sender, run_id)
        reminder_lines, reminders_ok, _ratio = bench.reminders(bare_rate)
        todo_lines, todos_ok = bench.todos(bare_todo_rate)
        worker_cpu = tree_cpu_seconds(workers.pid) - cpu_before
        header = [
            f"notify pipeline: workers dramatiq services.notify.worker:setup --processes {processes}"
            f" --threads {threads}; database {database_url.split(':')[0]}",
        ]
        footer = [
            f"notify workers' CPU for both: {worker_cpu:.1f} s",
            f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        ]
        print("\n".join([*header, *reminder_lines, *todo_lines, *footer]))
        return 0 if reminders_ok and todos_ok else 1
    finally:
        if workers is not None:
            stop(workers)
        stop(standin)
        if embedded is not None:
            embedded.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_notify", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    load = (
        Load(people=1000, departments=10, todos=100, baseline_calls=500, baseline_todos=100)
        if args.quick
        else Load()
    )
    return run(load, processes=args.processes, threads=args.threads)


if __name__ == "__main__":
    sys.exit(main())
