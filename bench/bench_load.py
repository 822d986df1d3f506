"""Intake under load (issue 16): coordination applications per second through gunicorn on PostgreSQL at
p99 < 50 ms, against a bare Flask + SQLAlchemy insert served the same way in the same run (goal: ≥ 50 % of
bare); a mixed read load of the office's 待办 worklist and case pages; and where a submission's time goes.

Run from the repository root: ``python -m bench.bench_load [--quick]``. It needs the local PostgreSQL
(``postgresql+psycopg://postgres@127.0.0.1:5432/``; without one it says so and exits 0) and makes its own
scratch databases ``dm_bench_load_*`` (dropped at the end, on failure too), and its own embedded Redis (never
``REDIS_URL``: the submissions' messages must not reach anyone's workers).

- **Suite**: intake's web process started exactly as production starts it, ``python -m shared.serve web
  intake`` (gunicorn, ``DM_WEB_WORKERS`` × ``DM_WEB_THREADS``, default 2 × 4, access log on), with the
  deadlines web process beside it (its calendar API serves the worklist's working-day counts). No workers:
  the submit path writes the outbox and hands its messages to Redis itself, where they wait.
- **Bare**: :func:`bare_app`, one ``POST /cases`` that checks a JSON body of the same size and inserts a case
  row and an event row in one transaction, with the same gunicorn command line and settings.
- **Load**: open loop (requests are sent at their scheduled instant whatever the answers do, and the latency
  is counted from that instant, so a saturated server's queue is counted), one ``requests.Session`` per
  sending thread, a few seconds at each rate upwards until p99 ≥ 50 ms or an error.
- **Reads**: 待办 (``/worklist``) as the office clerk and case pages (``/cases/<id>``), with the login cookie,
  at a fixed rate over a fixed number of cases.
- **Where the time goes**: one intake app in this process with the runtime production builds (its handlers
  too), Flask test client, same PostgreSQL and Redis, under cProfile counting CPU time for a few hundred
  submissions and page reads: CPU shares by package and by step, Python function calls a submission; SQL
  statements counted by kind and table and timed by SQLAlchemy's cursor events.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Engine

from bench.bench_notify import tree_cpu_seconds

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRATCH_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DATABASES = {
    "intake": "dm_bench_load_intake",
    "deadlines": "dm_bench_load_deadlines",
    "bare": "dm_bench_load_bare",
}
P99_TARGET_MS = 50.0
GOAL_RATIO = 0.5
APPLICANT = "zhzf.clerk"
OFFICE_CLERK = "bb.clerk"
SUBMIT_PATH = "/api/v1/cases/coordination-applications"


@dataclass(frozen=True)
class Plan:
    rates: tuple[int, ...]
    seconds: float
    read_cases: int
    read_rate: int
    read_seconds: float
    profiled_submissions: int
    profiled_pages: int


FULL = Plan(
    rates=(10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 140, 160, 200, 250),
    seconds=6.0,
    read_cases=200,
    read_rate=20,
    read_seconds=10.0,
    profiled_submissions=300,
    profiled_pages=100,
)
QUICK = Plan(
    rates=(10, 20, 30, 40, 60, 100, 160, 250),
    seconds=3.0,
    read_cases=60,
    read_rate=10,
    read_seconds=4.0,
    profiled_submissions=80,
    profiled_pages=30,
)


def application_body(number: int) -> dict[str, Any]:
    """The test suite's coordination application (``tests/intake/casework_support.py``), numbered."""
    return {
        "title": f"关于餐厨垃圾收运监管职责分工的协调申请（{number}）",
        "host_department": "nb-zhzf",
        "other_parties": ["nb-sthj", "nb-zjj"],
        "disputed_items": "餐厨垃圾收运环节的日常监管",
        "consultation_failed": True,
        "consultation_history": "两次协商会，未达成一致。",
        "collective_decision": {
            "meeting_date": "2026-11-18",
            "minutes_summary": "局党组会议研究同意申请协调",
        },
        "leaning_opinion": "收运环节由综合行政执法局监管。",
        "reasons": "职责交叉，基层无所适从。",
        "legal_bases": [{"type": "sanding", "name": "宁波市综合行政执法局三定规定"}],
    }


# --- the bare baseline: Flask + SQLAlchemy, one validated insert of a case and its event -------------------

BARE_METADATA = MetaData()
BARE_CASE = Table(
    "bare_case",
    BARE_METADATA,
    Column("id", String(40), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("host_department", String(40), nullable=False),
    Column("status", String(40), nullable=False),
    Column("content", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
BARE_EVENT = Table(
    "bare_event",
    BARE_METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("data", JSON, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
BARE_TEXTS = (
    "title",
    "host_department",
    "disputed_items",
    "consultation_history",
    "leaning_opinion",
    "reasons",
)


def bare_problems(body: Any) -> list[str]:
    """What a minimal app would check of the same body: types, required texts, lengths, the one date."""
    if not isinstance(body, dict):
        return ["body"]
    problems = [k for k in BARE_TEXTS if not isinstance(body.get(k), str) or not 0 < len(body[k]) <= 2000]
    parties = body.get("other_parties")
    if not isinstance(parties, list) or not all(isinstance(p, str) for p in parties):
        problems.append("other_parties")
    if not isinstance(body.get("consultation_failed"), bool):
        problems.append("consultation_failed")
    decision = body.get("collective_decision")
    try:
        date.fromisoformat(decision["meeting_date"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        problems.append("collective_decision")
    bases = body.get("legal_bases")
    if not isinstance(bases, list) or not all(isinstance(b, dict) and b.get("name") for b in bases):
        problems.append("legal_bases")
    return problems


def bare_app() -> Any:
    """The gunicorn factory of the baseline (``bench.bench_load:bare_app()``), on BENCH_BARE_DATABASE_URL."""
    from datetime import UTC, datetime

    from flask import Flask, jsonify, request

    engine = create_engine(os.environ["BENCH_BARE_DATABASE_URL"])
    app = Flask("bare")

    @app.post("/cases")
    def submit() -> Any:
        body: Any = request.get_json(silent=True)
        problems = bare_problems(body)
        if problems:
            return jsonify({"invalid": problems}), 422
        case_id, now = uuid.uuid4().hex, datetime.now(UTC)
        with engine.begin() as conn:
            conn.execute(
                BARE_CASE.insert().values(
                    id=case_id,
                    title=body["title"],
                    host_department=body["host_department"],
                    status="submitted",
                    content=body,
                    created_at=now,
                )
            )
            conn.execute(BARE_EVENT.insert().values(case_id=case_id, action="submit", data={}, at=now))
        return jsonify({"id": case_id, "title": body["title"], "status": "submitted"}), 201

    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    return app


# --- scratch databases, processes -------------------------------------------------------------------------


def server_engine() -> Engine:
    return create_engine(SCRATCH_SERVER + "postgres", isolation_level="AUTOCOMMIT")


def create_databases() -> dict[str, str]:
    engine = server_engine()
    try:
        with engine.connect() as conn:
            for name in DATABASES.values():
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                conn.execute(text(f"CREATE DATABASE {name}"))
    finally:
        engine.dispose()
    return {role: SCRATCH_SERVER + name for role, name in DATABASES.items()}


def drop_databases() -> None:
    try:
        engine = server_engine()
        with engine.connect() as conn:
            for name in DATABASES.values():
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        engine.dispose()
    except Exception as exc:  # the run's result stands; say what is left behind
        print(f"could not drop the scratch databases {', '.join(DATABASES.values())}: {exc}")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start(name: str, command: list[str], env: dict[str, str], folder: Path) -> Process:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            command, env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Process(name, popen, log)


def wait_http(process: Process, url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited ({process.popen.returncode}):\n{process.tail()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{process.name} did not answer {url} in {timeout_s:.0f} s:\n{process.tail()}")


# --- the open-loop load generator --------------------------------------------------------------------------


@dataclass
class Step:
    rate: float
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    by_label: dict[str, list[float]] = field(default_factory=dict)
    elapsed: float = 0.0

    def quantile(self, q: float, values: list[float] | None = None) -> float:
        data = sorted(self.latencies_ms if values is None else values)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, int(q * len(data)))]

    @property
    def p99(self) -> float:
        return self.quantile(0.99)

    @property
    def held(self) -> bool:
        return not self.errors and self.p99 < P99_TARGET_MS

    def line(self) -> str:
        errors = f", errors {self.errors}" if self.errors else ""
        done = len(self.latencies_ms) / self.elapsed if self.elapsed else 0.0
        return (
            f"{self.rate:6.0f}/s ({done:5.1f}/s done): p50 {self.quantile(0.5):7.1f}  p90 "
            f"{self.quantile(0.9):7.1f}  p99 {self.p99:7.1f}  max {max(self.latencies_ms, default=0):7.1f} ms"
            f"{errors}{'' if self.held else '  ← p99 ≥ 50 ms' if not self.errors else '  ← errors'}"
        )


Request = Callable[[requests.Session, int], tuple[str, requests.Response]]


def open_loop(rate: float, seconds: float, send: Request, *, threads: int = 48) -> Step:
    """``rate`` requests a second for ``seconds``, each sent at its instant by a free thread; latency from
    the instant it was due (so waiting for a thread counts)."""
    step = Step(rate, seconds)
    due: queue.Queue[tuple[int, float] | None] = queue.Queue()
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as session:
            while (item := due.get()) is not None:
                number, instant = item
                try:
                    label, response = send(session, number)
                    outcome = "" if response.status_code < 400 else f"HTTP {response.status_code}"
                except requests.RequestException as exc:
                    label, outcome = "error", type(exc).__name__
                latency = (time.perf_counter() - instant) * 1e3
                with lock:
                    if outcome:
                        step.errors[outcome] = step.errors.get(outcome, 0) + 1
                    else:
                        step.latencies_ms.append(latency)
                        step.by_label.setdefault(label, []).append(latency)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    began = time.perf_counter()
    for number in range(int(rate * seconds)):
        instant = began + number / rate
        pause = instant - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        due.put((number, instant))
    for _ in pool:
        due.put(None)
    for thread in pool:
        thread.join(timeout=60)
    step.elapsed = time.perf_counter() - began
    return step


def one_at_a_time(send: Request, count: int) -> Step:
    """Closed loop, one client: each request sent when the last has answered (the service time)."""
    step = Step(0, 0)
    with requests.Session() as session:
        for number in range(count):
            began = time.perf_counter()
            label, response = send(session, number)
            if response.status_code >= 400:
                raise RuntimeError(f"{label} answered {response.status_code}: {response.text[:300]}")
            step.latencies_ms.append((time.perf_counter() - began) * 1e3)
    return step


class Waits:
    """What the database's active backends are doing, sampled every 20 ms (``pg_stat_activity``); a wait
    for a lock names the statement that waits."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.counts: dict[str, int] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        engine = server_engine()
        query = text(
            "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') || CASE WHEN wait_event_type = "
            "'Lock' THEN ' in ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 40) ELSE '' END "
            "FROM pg_stat_activity WHERE datname = :d AND state = 'active' AND pid <> pg_backend_pid()"
        )
        with engine.connect() as conn:
            while not self._stop.wait(0.02):
                self.samples += 1
                for (what,) in conn.execute(query, {"d": self.database}):
                    self.counts[what] = self.counts.get(what, 0) + 1
        engine.dispose()

    def __enter__(self) -> Waits:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def line(self) -> str:
        busy = sorted(self.counts.items(), key=lambda kv: -kv[1])[:5]
        parts = ", ".join(f"{what} {n / max(self.samples, 1):.2f}" for what, n in busy)
        return f"PostgreSQL backends busy on average: {parts or 'none'}"


@dataclass
class Target:
    name: str
    send: Request
    server: Process
    database: str
    best: int = 0
    done: bool = False
    retried: int = 0
    cpu_ms: float = 0.0


def warm(target: Target) -> None:
    open_loop(10, 2, target.send)  # warm-up: connections, imports, caches
    cpu = tree_cpu_seconds(target.server.popen.pid)
    alone = one_at_a_time(target.send, 40)
    cpu = (tree_cpu_seconds(target.server.popen.pid) - cpu) / 40
    target.cpu_ms = cpu * 1e3
    print(
        f"  {target.name:<7} one client, one request at a time: p50 {alone.quantile(0.5):.1f}  p99 "
        f"{alone.p99:.1f} ms; gunicorn's CPU {cpu * 1e3:.1f} ms a request"
    )


def climb(plan: Plan, targets: list[Target]) -> None:
    """Upwards through the plan's rates, the targets taking turns at each rate (so that both meet the same
    machine: it is shared), until p99 reaches 50 ms (or an error) for each; a step that misses is tried once
    more before the target stops (another process may have taken the CPUs for a moment)."""
    for target in targets:
        warm(target)
    for rate in plan.rates:
        for target in targets:
            if target.done:
                continue
            for attempt in (1, 2):
                with Waits(target.database) as waits:
                    step = open_loop(rate, plan.seconds, target.send)
                print(f"  {target.name:<7}" + step.line(), flush=True)
                print(f"  {'':<7}        {waits.line()}")
                if step.held:
                    target.best = rate
                    break
                target.retried += attempt == 1
            else:
                target.done = True
            time.sleep(0.3)
        if all(target.done for target in targets):
            break


# --- where the time goes ----------------------------------------------------------------------------------


@dataclass
class SqlCounter:
    statements: int = 0
    seconds: float = 0.0
    checkouts: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # "INSERT case_record" → how many

    def install(self, engine: Engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            conn.info.setdefault("bench_started", []).append(time.perf_counter())
            kind = statement_kind(statement)
            self.kinds[kind] = self.kinds.get(kind, 0) + 1

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn: Any, *_args: Any) -> None:
            self.statements += 1
            self.seconds += time.perf_counter() - conn.info["bench_started"].pop()

        @event.listens_for(engine.pool, "checkout")
        def checkout(*_args: Any) -> None:
            self.checkouts += 1

    def reset(self) -> None:
        self.statements, self.seconds, self.checkouts = 0, 0.0, 0
        self.kinds = {}

    def lines(self, per: int) -> list[str]:
        """The statements of one request, most frequent first: ``SELECT case_party ×1.0``."""
        ranked = sorted(self.kinds.items(), key=lambda kv: (-kv[1], kv[0]))
        return [f"      {kind:<40} ×{n / per:.1f}" for kind, n in ranked]


def statement_kind(statement: str) -> str:
    """``INSERT case_record``, ``SELECT department``, ``UPDATE outbox``, ``SELECT pg_advisory_xact_lock``."""
    words = statement.split()
    verb = words[0].upper() if words else "?"
    for marker in ("INTO", "FROM", "UPDATE"):
        if marker in words[:-1] and (verb != "UPDATE" or marker == "UPDATE"):
            return f"{verb} {words[words.index(marker) + 1].split('(')[0]}"
    return " ".join(words[:2]).split("(")[0]


#: (label, a file path fragment, a function name or "" for the outermost function of the file)
GROUPS = (
    ("PostgreSQL pool checkout (pre-ping)", "sqlalchemy/pool/base.py", "_checkout"),
    ("bearer token check (decode_token)", "shared/auth.py", "decode_token"),
    ("session revocation check (Redis)", "shared/web/revocation.py", "accepts"),
    ("API credential revocation check (Redis)", "shared/api_credentials.py", "check"),
    ("request body: webargs + marshmallow load", "webargs/core.py", "parse"),
    ("response: marshmallow dump", "marshmallow/schema.py", "dump"),
    ("JSON encode/decode (json module)", "json/__init__.py", ""),
    ("Idempotency-Key (shared/idempotency.py)", "shared/idempotency.py", "respond_once"),
    ("the use case (open_new_case)", "usecases/case_opening.py", "open_new_case"),
    ("before-commit hooks (tasks, read models)", "shared/messaging.py", "commit"),
    ("outbox fast path to Redis (Relay.publish_committed)", "shared/messaging.py", "publish_committed"),
    ("  of which Redis (dramatiq enqueue)", "dramatiq/brokers/redis.py", "enqueue"),
    ("the case read back (get_case)", "usecases/cases.py", "get_case"),
    ("Jinja templates (render)", "jinja2/environment.py", "render"),
    ("session cookie + person still active", "pages/login.py", "still_active"),
)


def grouped(stats: pstats.Stats, per: int) -> list[str]:
    table: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    lines = []
    for label, path, function in GROUPS:
        matches = [
            (key, value)
            for key, value in table.items()
            if path in key[0] and (not function or key[2] == function)
        ]
        if not matches:
            continue
        cumulative = max(value[3] for _key, value in matches)
        calls = max(value[1] for _key, value in matches)
        lines.append(f"    {label:<48} {cumulative / per * 1e3:7.2f} ms  ({calls / per:.1f} calls)")
    return lines


PACKAGES = (
    ("SQLAlchemy (ORM, compiling, flushing, results)", ("sqlalchemy",)),
    ("psycopg (the driver: encoding, sending, decoding)", ("psycopg", "psycopg_pool")),
    (
        "marshmallow / webargs / flask-smorest (schemas)",
        ("marshmallow", "webargs", "flask_smorest", "apispec"),
    ),
    ("Flask / Werkzeug", ("flask", "werkzeug")),
    ("Jinja (templates)", ("jinja2", "markupsafe")),
    ("Redis / Dramatiq (publishing)", ("redis", "dramatiq")),
    ("tokens, cookies (PyJWT, itsdangerous, cryptography)", ("jwt", "itsdangerous", "cryptography")),
)


def by_package(stats: pstats.Stats, per: int) -> list[str]:
    """Self time grouped by where the code lives (the groups add up to the whole)."""
    table: dict[tuple[str, int, str], Any] = stats.stats  # type: ignore[attr-defined]
    totals: dict[str, float] = {}
    for (path, _line, function), value in table.items():
        label = "other libraries"
        if "site-packages/" in path:
            package = path.split("site-packages/")[1].split("/")[0]
            label = next((name for name, members in PACKAGES if package in members), label)
        elif str(REPO_ROOT) in path:
            label = "the suite's own code (services/, shared/)"
        elif path == "~" and ("socket" in function or "select" in function or "poll" in function):
            label = "socket I/O (PostgreSQL, Redis)"
        elif path == "~" or path.startswith("<"):
            label = "Python built-ins (isinstance, dict, …) called by all of the above"
        elif "/json/" in path:
            label = "json (standard library)"
        else:
            label = "the rest of the standard library (dataclasses, copy, enum, …)"
        totals[label] = totals.get(label, 0.0) + value[2]
    whole = sum(totals.values()) or 1.0
    return [
        f"    {label:<66} {seconds / per * 1e3:6.2f} ms {seconds / whole:4.0%}"
        for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1])
    ]


def top_entries(profile: cProfile.Profile, limit: int) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(r"/(services|shared)/", limit)
    keep = [line for line in out.getvalue().splitlines() if line.strip() and "/" in line and "(" in line]
    return "\n".join("    " + line.strip() for line in keep[:limit])


@contextmanager
def profiled() -> Iterator[cProfile.Profile]:
    """cProfile counting this process's CPU time (``time.process_time``), not the wall clock: waiting for
    PostgreSQL or for the CPUs that other processes hold is left out, so the shares say what costs CPU."""
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        yield profile
    finally:
        profile.disable()


def where_the_time_goes(urls: dict[str, str], env: dict[str, str], plan: Plan, case_ids: list[str]) -> None:
    from services.intake.app import SERVICE, create_app
    from services.intake.pages.login import session_user
    from services.intake.usecases import directory
    from shared.broker import build_broker
    from shared.config import Settings
    from shared.db import Database
    from shared.runtime import build_runtime
    from shared.web import session as web_session

    settings = Settings.from_env("intake", env)
    counter = SqlCounter()
    database = Database(urls["intake"])
    counter.install(database.engine)
    runtime = build_runtime(
        settings,
        outbox_model=SERVICE.outbox_model,
        inbox_model=SERVICE.inbox_model,
        dead_letter_model=SERVICE.dead_letter_model,
        broker=build_broker(settings),
        db=database,
    )
    SERVICE.register_handlers(runtime)  # as production has it: the tasks reconciled before each commit
    app = create_app(runtime=runtime)
    api, pages = app.test_client(), app.test_client()
    headers = {"Authorization": f"Bearer {directory.development_token(runtime, APPLICANT)}"}
    clerk = session_user(runtime, directory.find_person(runtime, OFFICE_CLERK))
    cookie = web_session.dump(web_session.new_session(settings, clerk), settings)
    pages.set_cookie(web_session.COOKIE_NAME, cookie, path=web_session.COOKIE_PATH)

    def submit(number: int) -> None:
        response = api.post(
            SUBMIT_PATH,
            json=application_body(number),
            headers={**headers, "Idempotency-Key": f"profile-{uuid.uuid4().hex}"},
        )
        assert response.status_code == 201, response.get_data(as_text=True)[:300]

    for number in range(20):  # warm-up
        submit(number)
        pages.get(f"/cases/{case_ids[number % len(case_ids)]}")
    pages.get("/worklist")
    n = plan.profiled_submissions
    began, cpu = time.perf_counter(), time.process_time()
    for number in range(n // 2):
        submit(number)
    unprofiled = (time.perf_counter() - began) / (n // 2)
    unprofiled_cpu = (time.process_time() - cpu) / (n // 2)
    counter.reset()
    began = time.perf_counter()
    with profiled() as profile:
        for number in range(n):
            submit(number)
    wall = time.perf_counter() - began
    stats = pstats.Stats(profile)
    print(
        f"where a submission's time goes (one intake app in this process, Flask test client, {n} "
        f"submissions; {unprofiled * 1e3:.1f} ms each, of which {unprofiled_cpu * 1e3:.1f} ms of this "
        f"process's CPU; {wall / n * 1e3:.1f} ms under cProfile):\n"
        f"    SQL: {counter.statements / n:.1f} statements a submission, {counter.seconds / n * 1e3:.2f} ms "
        f"in execute (round trips), {counter.checkouts / n:.1f} pool checkouts (each pinged first):"
    )
    print("\n".join(counter.lines(n)))
    calls: int = stats.total_calls  # type: ignore[attr-defined]
    print(
        f"  {calls / n:,.0f} Python function calls a submission (counted by cProfile: the same on a busy "
        "machine and a quiet one)"
    )
    print("  CPU self time by where the code lives (per submission, under cProfile; shares of the whole):")
    print("\n".join(by_package(stats, n)))
    print("  cumulative CPU of the steps (they overlap: each includes its SQL):")
    print("\n".join(grouped(stats, n)))
    print("  top cumulative entries in the suite's code:\n" + top_entries(profile, 10))

    m = plan.profiled_pages
    for label, path in (("case page", None), ("待办 worklist", "/worklist")):
        counter.reset()
        began = time.perf_counter()
        with profiled() as profile:
            for number in range(m):
                response = pages.get(path or f"/cases/{case_ids[number % len(case_ids)]}")
                assert response.status_code == 200, response.status_code
        wall = time.perf_counter() - began
        print(
            f"where a {label}'s time goes ({m} reads under cProfile: {wall / m * 1e3:.1f} ms each): "
            f"SQL {counter.statements / m:.1f} statements, {counter.seconds / m * 1e3:.2f} ms in execute, "
            f"{counter.checkouts / m:.1f} checkouts"
        )
        print("\n".join(by_package(pstats.Stats(profile), m)[:6]))
        print("\n".join(grouped(pstats.Stats(profile), m)))
    database.dispose()


# --- the run ----------------------------------------------------------------------------------------------


def seed(urls: dict[str, str], env: dict[str, str]) -> None:
    from services.deadlines.app import SERVICE as DEADLINES
    from services.intake.app import SERVICE as INTAKE
    from services.intake.usecases import directory
    from shared import demo
    from shared.config import Settings
    from shared.db import Database
    from shared.messaging import RecordingSender
    from shared.migrations import upgrade
    from shared.runtime import build_runtime

    upgrade("intake", urls["intake"])
    upgrade("deadlines", urls["deadlines"])
    del DEADLINES
    database = Database(urls["intake"])
    runtime = build_runtime(
        Settings.from_env("intake", env),
        outbox_model=INTAKE.outbox_model,
        inbox_model=INTAKE.inbox_model,
        sender=RecordingSender(),
        db=database,
    )
    directory.load_directory(runtime, demo.demo_directory())
    database.dispose()
    bare = create_engine(urls["bare"])
    BARE_METADATA.create_all(bare)
    bare.dispose()


def tokens(env: dict[str, str]) -> tuple[str, str]:
    """A bearer token of the applicant and the office clerk's login cookie, as the suite issues them."""
    from services.intake.app import SERVICE
    from services.intake.pages.login import session_user
    from services.intake.usecases import directory
    from shared.config import Settings
    from shared.db import Database
    from shared.messaging import RecordingSender
    from shared.runtime import build_runtime
    from shared.web import session as web_session

    settings = Settings.from_env("intake", env)
    database = Database(settings.database_url)
    runtime = build_runtime(
        settings,
        outbox_model=SERVICE.outbox_model,
        inbox_model=SERVICE.inbox_model,
        sender=RecordingSender(),
        db=database,
    )
    token = directory.development_token(runtime, APPLICANT)
    clerk = session_user(runtime, directory.find_person(runtime, OFFICE_CLERK))
    cookie = web_session.dump(web_session.new_session(settings, clerk), settings)
    database.dispose()
    return token, cookie


def run(plan: Plan) -> int:
    from shared.config import Settings
    from shared.embedded_redis import EmbeddedRedis, free_port
    from shared.serve import web_command

    try:
        urls = create_databases()
    except Exception as exc:
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
        print(f"SKIP: the load bench needs the local PostgreSQL ({reason})")
        return 0
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    processes: list[Process] = []
    redis = None
    try:
        redis = EmbeddedRedis(workdir=folder).start()
        intake_port, deadlines_port, bare_port = free_port(), free_port(), free_port()
        env = {
            **os.environ,
            "DM_ENV": "development",
            "DM_LOG_LEVEL": "WARNING",
            "DM_VAR_DIR": str(folder),
            "REDIS_URL": redis.url,
            "INTAKE_DATABASE_URL": urls["intake"],
            "DEADLINES_DATABASE_URL": urls["deadlines"],
            "INTAKE_PORT": str(intake_port),
            "DEADLINES_PORT": str(deadlines_port),
            "DEADLINES_URL": f"http://127.0.0.1:{deadlines_port}",
            "BENCH_BARE_DATABASE_URL": urls["bare"],
            "PYTHONPATH": str(REPO_ROOT),
        }
        for name in ("NOTIFY_DATABASE_URL", "DEVOLUTION_DATABASE_URL"):
            env.pop(name, None)
        seed(urls, env)
        serve = [sys.executable, "-m", "shared.serve", "web"]
        processes.append(start("deadlines", [*serve, "deadlines"], env, folder))
        processes.append(start("intake", [*serve, "intake"], env, folder))
        bare_settings = Settings.from_env("intake", {**env, "INTAKE_PORT": str(bare_port)})
        processes.append(
            start("bare", [*web_command(bare_settings)[:-1], "bench.bench_load:bare_app()"], env, folder)
        )
        intake_url, bare_url = f"http://127.0.0.1:{intake_port}", f"http://127.0.0.1:{bare_port}"
        for process, url in zip(processes, (env["DEADLINES_URL"], intake_url, bare_url), strict=True):
            wait_http(process, url + "/healthz")
        token, cookie = tokens(env)
        workers, threads = bare_settings.web_workers, bare_settings.web_threads
        print(
            f"gunicorn {workers} workers × {threads} threads each (DM_WEB_WORKERS, DM_WEB_THREADS), "
            f"PostgreSQL on 127.0.0.1, embedded Redis; {os.cpu_count()} CPUs, the load generator on the same "
            "machine"
        )

        auth = {"Authorization": f"Bearer {token}"}

        def suite_submit(session: requests.Session, number: int) -> tuple[str, requests.Response]:
            headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
            return "submit", session.post(
                intake_url + SUBMIT_PATH, json=application_body(number), headers=headers, timeout=30
            )

        def bare_submit(session: requests.Session, number: int) -> tuple[str, requests.Response]:
            return "submit", session.post(bare_url + "/cases", json=application_body(number), timeout=30)

        # Reads first, over a fixed number of cases (the submissions below add more).
        with requests.Session() as session:
            case_ids = []
            for number in range(plan.read_cases):
                response = suite_submit(session, number)[1]
                if response.status_code != 201:
                    raise RuntimeError(f"a submission answered {response.status_code}: {response.text[:300]}")
                case_ids.append(response.json()["id"])
        cookies = {"dm_session": cookie}
        picker = random.Random(16)

        def read(session: requests.Session, number: int) -> tuple[str, requests.Response]:
            if number % 4 == 0:
                return "待办 /worklist", session.get(intake_url + "/worklist", cookies=cookies, timeout=30)
            path = f"/cases/{picker.choice(case_ids)}"
            return "case page /cases/<id>", session.get(intake_url + path, cookies=cookies, timeout=30)

        first = read(requests.Session(), 0)[1]
        if first.status_code != 200 or "待办" not in first.text:
            raise RuntimeError(f"the worklist answered {first.status_code}: {first.text[:300]}")
        open_loop(plan.read_rate, 1, read)  # warm-up
        reads = open_loop(plan.read_rate, plan.read_seconds, read)
        print(f"mixed reads, {plan.read_cases} open cases, one 待办 in four, as the office clerk:")
        print("  all   " + reads.line())
        for label, values in sorted(reads.by_label.items()):
            print(
                f"  {label:<22} {len(values):4d} reads: p50 {reads.quantile(0.5, values):6.1f}  "
                f"p99 {reads.quantile(0.99, values):6.1f} ms"
            )

        print(
            "submissions: intake = POST /api/v1/cases/coordination-applications; bare = Flask + SQLAlchemy "
            "insert of a case and an event row, same gunicorn; open loop, each rate for "
            f"{plan.seconds:.0f} s:"
        )
        bare = Target("bare", bare_submit, processes[2], DATABASES["bare"])
        suite = Target("intake", suite_submit, processes[1], DATABASES["intake"])
        climb(plan, [bare, suite])
        bare_best, suite_best = bare.best, suite.best
        ratio = suite_best / bare_best if bare_best else 0.0
        top = " (the highest rate tried)" if bare_best == plan.rates[-1] else ""
        print(
            f"submissions/s at p99 < {P99_TARGET_MS:.0f} ms: intake {suite_best}/s, bare {bare_best}/s{top}; "
            f"ratio {ratio:.2f} (goal ≥ {GOAL_RATIO}: {'met' if ratio >= GOAL_RATIO else 'NOT MET'})"
        )
        print(
            f"gunicorn CPU a submission: intake {suite.cpu_ms:.1f} ms, bare {bare.cpu_ms:.1f} ms "
            f"(bare / intake {bare.cpu_ms / max(suite.cpu_ms, 1e-9):.2f}: the ratio the CPUs allow, whatever "
            f"else runs on the machine); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        for process in processes:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} died during the run:\n{process.tail()}")
        for process in processes:
            process.stop()
        processes.clear()
        where_the_time_goes(urls, env, plan, case_ids)
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        return 0  # a goal not met is printed, not a failure: `make bench` runs the benches after this one
    finally:
        for process in processes:
            process.stop()
        if redis is not None:
            redis.stop()
        drop_databases()
        shutil.rmtree(folder, ignore_errors=True)


def _terminate(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # so that the run's cleanup (finally) still happens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_load", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    return run(QUICK if args.quick else FULL)


if __name__ == "__main__":
    sys.exit(main())
