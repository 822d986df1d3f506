"""The supervision dashboard (第36–37条) for 10,000 and 100,000 cases on PostgreSQL (issue 15: within a
second at 100,000; the cost at 10k vs 100k printed as a ratio).

Run from the repository root: ``python -m bench.bench_dashboard``. PostgreSQL: ``INTAKE_DATABASE_URL`` if set
(its tables are emptied), else a scratch database ``dm_bench_dashboard`` on
``postgresql+psycopg://postgres@127.0.0.1:5432/``; without one it says so and exits 0 (the issue asks for
PostgreSQL).

The read model (``supervision_count``) is filled as the migration ``intake_0013`` backfills an existing
database (``rebuild``, timed apart); in use it is kept by the session listener in every case change.

The cases are spread over one year of one jurisdiction (and as many again in another, which the dashboard
must not count): every kind and stage, two thirds coordination with an acceptance event and half of those an
opinion, a clock per case (one in eight overdue), a written solicitation on every fourth (a third of them
deemed no objection). The timed call is the whole ``supervision.dashboard`` for the year, best of 5.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from services.intake.app import SERVICE
from services.intake.tables.supervision import rebuild
from services.intake.usecases import directory, supervision
from shared import demo
from shared.config import Settings
from shared.db import Database
from shared.identity import Principal
from shared.messaging import RecordingSender
from shared.migrations import upgrade
from shared.runtime import ServiceRuntime, build_runtime

SIZES = (10_000, 100_000)
ROUNDS = 5
TARGET_SECONDS = 1.0
SCRATCH_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
SCRATCH_DB = "dm_bench_dashboard"
YEAR = 2026
TABLES = (
    "solicitation",
    "case_clock",
    "case_event",
    "case_party",
    "issued_document",
    "attachment",
    "case_record",
    "supervision_count",
)
OFFICE = Principal(
    user_id="bb.leader",
    name="王建国",
    jurisdiction="330200",
    department="nb-bb",
    roles=frozenset({"office_leader"}),
)


def postgres_url(scratch_db: str = SCRATCH_DB) -> tuple[str | None, str]:
    configured = os.environ.get("INTAKE_DATABASE_URL")
    if configured:
        return (
            (configured, "INTAKE_DATABASE_URL") if configured.startswith("postgresql") else (None, "SQLite")
        )
    try:
        server = create_engine(SCRATCH_SERVER + "postgres", isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": scratch_db}):
                conn.execute(text(f"CREATE DATABASE {scratch_db}"))
        server.dispose()
    except Exception as exc:
        return None, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return SCRATCH_SERVER + scratch_db, f"scratch database {scratch_db}"


def make_runtime(url: str) -> ServiceRuntime:
    settings = Settings.from_env("intake", {"DM_ENV": "test"}).with_overrides(database_url=url)
    return build_runtime(
        settings,
        outbox_model=SERVICE.outbox_model,
        inbox_model=SERVICE.inbox_model,
        sender=RecordingSender(),
        db=Database(url),
    )


def clear(runtime: ServiceRuntime) -> None:
    with runtime.db.transaction() as session:
        session.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))


KINDS = "ARRAY['coordination','coordination','coordination','coordination','filing','rectification']"
STATUSES = {
    "coordination": "ARRAY['submitted','coordinating','drafting_opinion','awaiting_approval',"
    "'in_execution','terminated']",
    "filing": "ARRAY['submitted','filed','filing_returned']",
    "rectification": "ARRAY['ordered','correction_reported','corrected','referred_to_supervision']",
}
DEPARTMENTS = "ARRAY['nb-scjg','nb-nyj','nb-zhzf','nb-sthj','nb-zjj','nb-jtj']"


def insert(runtime: ServiceRuntime, first: int, last: int) -> None:
    """Cases ``first``..``last`` (odd ones in 330200, even ones in 330203) with their clocks, events and
    solicitations, by INSERT … SELECT generate_series."""
    kind = f"({KINDS})[1 + g % 6]"
    status = (
        f"CASE {kind} WHEN 'coordination' THEN ({STATUSES['coordination']})[1 + (g / 6) % 6] "
        f"WHEN 'filing' THEN ({STATUSES['filing']})[1 + (g / 6) % 3] "
        f"ELSE ({STATUSES['rectification']})[1 + (g / 6) % 4] END"
    )
    created = f"TIMESTAMPTZ '{YEAR}-01-01 01:00+00' + (g % 330) * interval '1 day'"
    created += " + (g % 600) * interval '1 minute'"
    case_sql = f"""
        INSERT INTO case_record (id, jurisdiction_code, kind, source, title, status, applicant_department,
            content,
            progress, extended, major, solicitation_round, approval_count, overdue, submitted_by, created_at,
            updated_at, version)
        SELECT 'b-' || g, CASE WHEN g % 2 = 1 THEN '330200' ELSE '330203' END, {kind}, 'application',
            '基准事项 ' || g, {status}, ({DEPARTMENTS})[1 + g % 6], '{{}}', '{{}}', false, false, 0, 0,
            g % 8 = 0, 'bench', {created}, {created}, 1
        FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g
    """
    rule = (
        "CASE c.kind WHEN 'filing' THEN 'filing_opinion' WHEN 'rectification' THEN 'rectification' "
        "ELSE 'coordination_opinion' END"
    )
    clock_sql = f"""
        INSERT INTO case_clock (clock_id, case_id, rule, responsible, state, due_date, provisional, overdue,
            updated_at)
        SELECT c.id || '-clock', c.id, {rule}, '[]', CASE WHEN n % 3 = 0 THEN 'stopped' ELSE 'running' END,
            DATE '{YEAR}-01-10' + (n % 340), false, n % 16 IN (0, 1), c.created_at
        FROM (SELECT id, kind, created_at, CAST(substr(id, 3) AS integer) AS n FROM case_record
              WHERE CAST(substr(id, 3) AS integer) BETWEEN :first AND :last) AS c
    """
    event_sql = """
        INSERT INTO case_event (case_id, at, actor_id, actor_name, action, from_status, to_status, data)
        SELECT id, created_at + (1 + n % 7) * interval '1 day', 'bench', '基准', 'accept', 'submitted',
               'coordinating', CAST('{}' AS json)
        FROM (SELECT id, kind, created_at, CAST(substr(id, 3) AS integer) AS n FROM case_record
              WHERE CAST(substr(id, 3) AS integer) BETWEEN :first AND :last) AS c
        WHERE kind = 'coordination' AND n % 3 <> 0
        UNION ALL
        SELECT id, created_at + (10 + n % 25) * interval '1 day', 'bench', '基准', 'submit_opinion',
               'drafting_opinion', 'awaiting_approval', CAST('{}' AS json)
        FROM (SELECT id, kind, created_at, CAST(substr(id, 3) AS integer) AS n FROM case_record
              WHERE CAST(substr(id, 3) AS integer) BETWEEN :first AND :last) AS c
        WHERE kind = 'coordination' AND n % 3 = 1
    """
    solicitation_sql = f"""
        INSERT INTO solicitation (id, case_id, round, department_code, question, reply_working_days, clock_id,
            status, sent_at, delivery)
        SELECT id || '-s', id, 1, ({DEPARTMENTS})[1 + (n / 4) % 6], '请提出意见', 5, id || '-s-clock',
            CASE WHEN n % 3 = 0 THEN 'deemed_no_objection' ELSE 'agreed' END, created_at, 'delivered'
        FROM (SELECT id, kind, created_at, CAST(substr(id, 3) AS integer) AS n FROM case_record
              WHERE CAST(substr(id, 3) AS integer) BETWEEN :first AND :last) AS c
        WHERE n % 4 = 1
    """
    bounds = {"first": first, "last": last}
    with runtime.db.engine.begin() as conn:
        for sql in (case_sql, clock_sql, event_sql, solicitation_sql):
            conn.execute(text(sql), bounds)
        for table in TABLES:
            conn.execute(text(f"ANALYZE {table}"))


class Weekends:
    """The calendar's answer without a deadlines service (its one cached request is not what is timed)."""

    def off_days(self, first: date, last: date) -> tuple[set[date], bool]:
        days = (first + timedelta(days=i) for i in range((last - first).days + 1))
        return {d for d in days if d.weekday() >= 5}, True


def timed(runtime: ServiceRuntime) -> tuple[float, dict[str, int]]:
    period = supervision.Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
    began = time.perf_counter()
    data = supervision.dashboard(runtime, OFFICE, period, date(YEAR, 12, 31), calendar=Weekends())
    elapsed = time.perf_counter() - began
    return elapsed, {"cases": data["total"], "overdue_shown": len(data["overdue_now"])}


def main() -> int:
    url, where = postgres_url()
    if url is None:
        print(f"SKIP: the dashboard bench needs PostgreSQL ({where})")
        return 0
    print(f"PostgreSQL: {make_url(url).render_as_string(hide_password=True)} ({where})")
    upgrade("intake", url)
    runtime = make_runtime(url)
    clear(runtime)
    directory.load_directory(runtime, demo.demo_directory())
    results: list[tuple[int, float]] = []
    loaded = 0
    for size in SIZES:
        began = time.perf_counter()
        insert(runtime, loaded + 1, size * 2)  # as many again in another jurisdiction
        loaded = size * 2
        load_s = time.perf_counter() - began
        began = time.perf_counter()
        with runtime.db.engine.begin() as conn:
            counters = rebuild(conn)  # the migration's backfill (intake_0013), over every case loaded
        rebuild_s = time.perf_counter() - began
        timed(runtime)  # warm-up
        rounds = [timed(runtime) for _ in range(ROUNDS)]
        best = min(r[0] for r in rounds)
        counted = rounds[0][1]
        results.append((size, best))
        print(
            f"{size:>8,} cases in the jurisdiction (+{size:,} elsewhere, loaded in {load_s:4.1f} s, "
            f"read model backfilled in {rebuild_s:4.1f} s: {counters:,} counters): "
            "dashboard "
            f"{best * 1e3:7.1f} ms (best of {ROUNDS}: {', '.join(f'{r[0] * 1e3:.0f}' for r in rounds)}); "
            f"counted {counted['cases']:,}"
        )
        if counted["cases"] != size:
            print(f"FAIL: the dashboard counted {counted['cases']:,} cases, not {size:,}")
            return 1
    ratio = results[-1][1] / results[0][1]
    print(
        f"ratio 100k / 10k: {ratio:.2f} (cases ×10); "
        f"100k within {TARGET_SECONDS:.0f} s: {results[-1][1] < TARGET_SECONDS}"
    )
    clear(runtime)
    runtime.db.dispose()
    return 0 if results[-1][1] < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
