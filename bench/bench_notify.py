"""Reminders through the whole notify pipeline vs a bare loop of signed calls (issue 6).

``python -m bench.bench_notify`` (``--quick`` or ``BENCH_QUICK=1`` for a tenth of the load): 10,000
reminders to 1,000 people and 50 group robots are published as ``notify.send`` messages on the real broker
(``REDIS_URL``, or an embedded Redis), handled by real notify workers (``dramatiq
services.notify.worker:setup``, as ``make run`` starts them) on a SQLite database (or
``NOTIFY_DATABASE_URL``), and delivered over HTTP to the platform stand-in running in its own process.

Load: 80 % of the reminders go to one person (a work notification each); 20 % go to a department, which
reaches its contact person and its group robot (so each robot gets many reminders, at most 20 messages a
minute: the rest arrive merged into digests). Printed: throughput, p50/p99 from request (the envelope's
instant) to receipt (the stand-in's record of the accepted call), the exactly-once check at the stand-in,
and the ratio to a bare loop of signed ``requests`` calls to the same stand-in in the same run.
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
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text

from shared.broker import DramatiqSender, build_broker
from shared.config import REPO_ROOT, Settings
from shared.contracts import NOTIFY, NOTIFY_SEND
from shared.embedded_redis import EmbeddedRedis, free_port
from shared.messaging import Envelope
from shared.migrations import upgrade
from shared.platform.signing import robot_sign, zwd_headers

JURISDICTION = "330200"
APP_KEY, APP_SECRET, TENANT = "bench-app-key", "bench-app-secret", "196729"
FIRST_ACCOUNT = 500001


@dataclass(frozen=True)
class Load:
    reminders: int
    people: int
    robots: int
    department_share: float = 0.2
    baseline_calls: int = 2000

    @property
    def per_department(self) -> int:
        return self.people // self.robots


def robot_token(n: int) -> str:
    return f"bench-robot-{n:03d}"


def robot_secret(n: int) -> str:
    return f"SECbench-robot-secret-{n:03d}"


# --------------------------------------------------------------------------- the stand-in, in its own process


def standin_app() -> Any:
    """The stand-in with the bench's accounts and robots (a gunicorn factory; BENCH_PEOPLE, BENCH_ROBOTS)."""
    from services.notify.standin.app import create_app

    people, robots = int(os.environ["BENCH_PEOPLE"]), int(os.environ["BENCH_ROBOTS"])
    accounts = {
        str(FIRST_ACCOUNT + i): {"name": f"测试{i}", "employeeCode": f"GE_{i}"} for i in range(people)
    }
    return create_app(
        {
            "ENV": "development",
            "APPS": {APP_KEY: APP_SECRET},
            "TENANT_ID": TENANT,
            "ACCOUNTS": accounts,
            "ROBOTS": {robot_token(n): robot_secret(n) for n in range(robots)},
        }
    )


def start_standin(port: int, load: Load) -> subprocess.Popen[bytes]:
    """Served as ``make run`` serves it: gunicorn, one process (its state is in memory), threads."""
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "8", "--worker-class", "gthread",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bench.bench_notify:standin_app()",
    ]  # fmt: skip
    env = {
        **os.environ,
        "BENCH_PEOPLE": str(load.people),
        "BENCH_ROBOTS": str(load.robots),
        "DM_ENV": "development",
    }
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


def seed(database_url: str, load: Load, standin_url: str) -> None:
    """1,000 people in 50 departments (the first of each is its clerk), one robot per department."""
    from services.notify.tables import Attempt, Channel, Delivery, Inbox, Outbox, Recipient
    from shared.db import Database

    database = Database(database_url)
    with database.transaction() as session:
        for model in (Attempt, Delivery, Channel, Recipient, Inbox, Outbox):
            session.query(model).delete()
        session.add_all(
            Recipient(
                id=f"p{i:04d}",
                name=f"测试{i}",
                jurisdiction=JURISDICTION,
                department=f"d{i // load.per_department:03d}",
                roles=["dept_clerk"] if i % load.per_department == 0 else [],
                zwd_account_id=str(FIRST_ACCOUNT + i),
                active=True,
            )
            for i in range(load.people)
        )
        session.add_all(
            Channel(
                id=f"robot{n:03d}",
                jurisdiction=JURISDICTION,
                kind="robot",
                name=f"部门{n}工作群",
                config={"url": f"{standin_url}/robot/send", "departments": [f"d{n:03d}"]},
                credentials={"access_token": robot_token(n), "secret": robot_secret(n)},
                enabled=True,
            )
            for n in range(load.robots)
        )
    database.dispose()


def reminder(run: str, i: int, load: Load) -> dict[str, Any]:
    to_department = i % int(1 / load.department_share) == 0
    person = i % load.people
    recipient = (
        {"kind": "department", "id": f"d{(i // 5) % load.robots:03d}", "jurisdiction": JURISDICTION}
        if to_department
        else {"kind": "person", "id": f"p{person:04d}", "jurisdiction": JURISDICTION}
    )
    payload = {
        "dedupe_key": f"{run}:{i}",
        "template": "reply_due_soon",
        "params": {"case_title": f"协调申请第{i}号", "due_date": "2026-12-04", "remaining_working_days": 2},
        "recipients": [recipient],
        "case": {"service": "intake", "kind": "coordination", "id": f"c-{i}", "title": f"协调申请第{i}号",
                 "jurisdiction": JURISDICTION},
        "link": f"http://127.0.0.1:8001/m/cases/c-{i}",
        "urgency": "normal",
    }  # fmt: skip
    return Envelope(type=NOTIFY_SEND, payload=payload, source="bench").to_dict()


# --------------------------------------------------------------------------- the bare loop


def bare_loop(standin_url: str, load: Load, run: str) -> float:
    """Signed work-notification calls in a plain loop (one kept-alive session): calls per second."""
    session = requests.Session()
    msg = json.dumps({"msgtype": "text", "text": {"content": "基准测试"}}, ensure_ascii=False)
    calls = load.baseline_calls
    started = time.perf_counter()
    for i in range(calls):
        params = {
            "tenantId": TENANT,
            "receiverIds": str(FIRST_ACCOUNT + i % load.people),
            "bizMsgId": f"{run}-bare-{i}",
            "msg": msg,
        }
        headers = zwd_headers(
            api_key=APP_KEY,
            secret=APP_SECRET,
            method="POST",
            path="/message/workNotification",
            params=params,
            now=datetime.now(UTC),
        )
        answer = session.post(
            f"{standin_url}/message/workNotification", data=params, headers=headers, timeout=10
        )
        if not answer.json().get("success"):
            raise RuntimeError(f"bare loop call refused: {answer.text}")
    ts = int(time.time() * 1000)
    robot = session.post(
        f"{standin_url}/robot/send?access_token={robot_token(0)}&timestamp={ts}&sign="
        + requests.utils.quote(robot_sign(robot_secret(0), ts), safe=""),
        json={"msgtype": "text", "text": {"content": "基准"}},
        timeout=10,
    ).json()
    assert robot["errcode"] == 0, robot
    return calls / (time.perf_counter() - started)


# --------------------------------------------------------------------------- the run


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT state, count(*) FROM delivery GROUP BY state")).all()
    engine.dispose()
    return {state: int(n) for state, n in rows}


def expected_deliveries(load: Load) -> tuple[int, int]:
    department = sum(1 for i in range(load.reminders) if i % int(1 / load.department_share) == 0)
    return load.reminders, department  # work notifications (one per reminder), robot items


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


def run(load: Load, *, processes: int, threads: int, timeout_s: float) -> int:
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
        seed(database_url, load, standin_url)
        wait_http(f"{standin_url}/healthz")
        bare_rate = bare_loop(standin_url, load, run_id)
        requests.post(f"{standin_url}/sandbox/reset", timeout=10)

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
            "PYTHONPATH": str(REPO_ROOT),
        }
        workers = start_workers(env, processes, threads)
        sender = DramatiqSender(build_broker(Settings.from_env("notify", {"REDIS_URL": redis_url})))
        sender.send(NOTIFY, reminder(f"{run_id}-warmup", 1, load))  # workers boot and warm up on this one
        wait_settled(database_url, 1, 60)
        requests.post(f"{standin_url}/sandbox/reset", timeout=10)
        cpu_before = tree_cpu_seconds(workers.pid)

        zwd_expected, robot_items = expected_deliveries(load)
        expected = zwd_expected + robot_items + 1
        started = time.time()
        for i in range(load.reminders):
            sender.send(NOTIFY, reminder(run_id, i, load))
        published = time.time() - started
        wait_settled(database_url, expected, timeout_s)
        worker_cpu = tree_cpu_seconds(workers.pid) - cpu_before
        return report(
            load,
            database_url,
            standin_url,
            run_id,
            started,
            published,
            bare_rate,
            processes,
            threads,
            worker_cpu,
        )
    finally:
        if workers is not None:
            stop(workers)
        stop(standin)
        if embedded is not None:
            embedded.stop()


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


def wait_settled(database_url: str, expected: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = counts(database_url)
        settled = sum(n for s, n in state.items() if s in {"delivered", "failed", "parked"})
        if settled >= expected:
            return
        time.sleep(0.5)
    raise RuntimeError(f"not settled in {timeout_s:.0f} s: {counts(database_url)} of {expected}")


def report(
    load: Load,
    database_url: str,
    standin_url: str,
    run_id: str,
    started: float,
    published_s: float,
    bare_rate: float,
    processes: int,
    threads: int,
    worker_cpu: float,
) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT key, channel_kind, requested_at, delivered_at, state FROM delivery"
                " WHERE dedupe_key LIKE :r"
            ),
            {"r": f"{run_id}:%"},
        ).all()
    engine.dispose()
    received = requests.get(f"{standin_url}/sandbox/messages", timeout=30).json()["messages"]
    receipt_of = {
        m["bizMsgId"]: datetime.fromisoformat(m["received_at"]).timestamp()
        for m in received
        if m["kind"] == "work_notification" and m["accepted"]
    }
    zwd_rows = [r for r in rows if r.channel_kind == "zwd_work_notification"]
    robot_rows = [r for r in rows if r.channel_kind == "robot"]
    accepted_zwd = [m for m in received if m["kind"] == "work_notification" and m["accepted"]]
    robot_messages = [m for m in received if m["kind"] == "robot"]

    def instant(value: Any) -> float:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()

    zwd_latency = [receipt_of[r.key] - instant(r.requested_at) for r in zwd_rows if r.key in receipt_of]
    robot_latency = [instant(r.delivered_at) - instant(r.requested_at) for r in robot_rows if r.delivered_at]
    last = max([*receipt_of.values(), *(instant(r.delivered_at) for r in robot_rows if r.delivered_at)])
    elapsed = last - started
    zwd_rate = len(accepted_zwd) / elapsed
    states = {s: sum(1 for r in rows if r.state == s) for s in {r.state for r in rows}}
    distinct_keys = len({m["bizMsgId"] for m in accepted_zwd})
    once = distinct_keys == len(accepted_zwd) == len(zwd_rows) and states.get("delivered") == len(rows)

    digests = sum(1 for m in robot_messages if "条提醒" in (m.get("title") or ""))
    robot_accepted = sum(1 for m in robot_messages if m["accepted"])
    lines = [
        f"notify pipeline: {load.reminders} reminders to {load.people} people and {load.robots} robots",
        f"  workers: dramatiq services.notify.worker:setup --processes {processes} --threads {threads}",
        f"  database {database_url.split(':')[0]}; notify.send published in {published_s:.1f} s",
        f"  deliveries: {len(rows)} ({len(zwd_rows)} work notifications, {len(robot_rows)} robot items),"
        f" states {states}",
        f"  at the stand-in: {len(accepted_zwd)} work notifications accepted ({distinct_keys} distinct"
        f" bizMsgId); {len(robot_messages)} robot messages ({robot_accepted} accepted, {digests} digests)",
        f"  exactly once at the stand-in: {'yes' if once else 'NO'}",
        f"  elapsed (first publish → last receipt): {elapsed:.1f} s",
        f"  throughput: {load.reminders / elapsed:.0f} reminders/s, {zwd_rate:.0f} work notifications/s",
        f"  request → receipt, work notifications: p50 {statistics.median(zwd_latency) * 1000:.0f} ms,"
        f" p99 {percentile(zwd_latency, 0.99) * 1000:.0f} ms",
    ]
    if robot_latency:
        lines.append(
            f"  request → receipt, robot reminders:    p50 {statistics.median(robot_latency) * 1000:.0f} ms,"
            f" p99 {percentile(robot_latency, 0.99) * 1000:.0f} ms (paced: ≤20 messages a minute per robot)"
        )
    lines += [
        f"  bare loop of signed requests (one kept-alive session, same stand-in): {bare_rate:.0f} calls/s",
        f"  ratio pipeline / bare loop (work notifications per second): {zwd_rate / bare_rate:.2f}",
        f"  notify workers' CPU: {worker_cpu:.1f} s, {worker_cpu / load.reminders * 1000:.1f} ms per reminder"
        " (independent of other load on the machine)",
        f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
    ]
    print("\n".join(lines))
    return 0 if once else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_notify", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    load = (
        Load(reminders=1000, people=100, robots=5, baseline_calls=500)
        if args.quick
        else Load(10_000, 1000, 50)
    )
    return run(load, processes=args.processes, threads=args.threads, timeout_s=args.timeout)


if __name__ == "__main__":
    sys.exit(main())
