"""各部门职责下放情况 on 监督统计 (第三十三至三十五条) for 10,000 and 100,000 devolutions on PostgreSQL: the
cost of reading the table at 10k vs 100k printed as a ratio (issue 15: the figures come from a read model,
not from scanning every devolution on every page view).

Run from the repository root: ``python -m bench.bench_devolution_figures``. PostgreSQL:
``INTAKE_DATABASE_URL`` if set (its tables are emptied), else a scratch database
``dm_bench_devolution_figures`` on ``postgresql+psycopg://postgres@127.0.0.1:5432/``; without one it says
so and exits 0.

The devolutions are made as devolution sees them (``services/devolution/domain/figures.py``'s snapshots) over
one year of one jurisdiction and as many again in another (which the table must not count), across six
devolving departments: every one submitted, two in three formally devolved, a fifth of those with a handover
item still open, one or two receiving departments each, whose half-year report is received for those devolved
in the first half year and awaited for the others (some of those late). Their facts' deltas go into intake's
``devolution_count`` through ``tables/devolution_count.apply`` — what the ``devolution.figures`` handler does
per event, here summed in one pass, as devolution's ``refresh-figures`` would tell them. The timed call is the
whole ``devolution_figures.per_department`` for the year, best of 15 (the machine is shared).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.bench_dashboard import OFFICE, make_runtime, postgres_url
from services.devolution.domain.aftercare import ReportState
from services.devolution.domain.figures import HandoverLine, ReportLine, Snapshot, facts_of
from services.devolution.domain.lifecycle import State
from services.intake.tables import DevolutionCount
from services.intake.tables.devolution_count import Key, apply
from services.intake.usecases import devolution_figures, directory
from services.intake.usecases.supervision import Period
from shared import demo
from shared.migrations import upgrade
from shared.runtime import ServiceRuntime

SIZES = (10_000, 100_000)
ROUNDS = 15
YEAR = 2026
TODAY = date(YEAR, 12, 31)
DEPARTMENTS = ("nb-scjg", "nb-nyj", "nb-zhzf", "nb-sthj", "nb-zjj", "nb-jtj")
RECEIVERS = ("hs-scjg", "yz-scjg")
SCRATCH_DB = "dm_bench_devolution_figures"


def snapshot(n: int) -> Snapshot:
    """The ``n``-th devolution as its facts see it."""
    submitted = date(YEAR, 1, 1) + timedelta(days=n % 300)
    if n % 3 == 0:
        return Snapshot(State.UNDER_REVIEW, submitted, None)
    issued = submitted + timedelta(days=20 + n % 40)
    first_half = issued < date(YEAR, 6, 1)
    reports = tuple(
        ReportLine(
            code,
            ReportState.ACKNOWLEDGED if first_half else ReportState.AWAITING,
            None,
            issued + timedelta(days=183 + n % 20) if first_half else None,
        )
        for code in RECEIVERS[: 1 + n % 2]
    )
    handover = (HandoverLine("funds", issued + timedelta(days=30 + n % 90), None),) if n % 5 == 0 else ()
    return Snapshot(State.ISSUED, submitted, issued, handover, reports)


def deltas(first: int, last: int) -> Counter[Key]:
    """Devolutions ``first``..``last`` (odd ones in 330200, even ones in 330203), as counter deltas."""
    moved: Counter[Key] = Counter()
    for n in range(first, last + 1):
        jurisdiction = "330200" if n % 2 else "330203"
        department = DEPARTMENTS[(n // 300) % len(DEPARTMENTS)]  # each department on every day
        for f in facts_of(snapshot(n)):
            moved[(jurisdiction, f.fact, f.day, department)] += 1
    return moved


def clear(runtime: ServiceRuntime) -> None:
    with runtime.db.transaction() as session:
        session.execute(text("TRUNCATE devolution_count, case_record CASCADE"))


def timed(runtime: ServiceRuntime) -> tuple[float, int]:
    period = Period(date(YEAR, 1, 1), TODAY)
    began = time.perf_counter()
    table = devolution_figures.per_department(runtime, OFFICE, period, TODAY)
    elapsed = time.perf_counter() - began
    return elapsed, int(table["total"]["cells"]["applied"]["count"])


def main() -> int:
    url, where = postgres_url(SCRATCH_DB)
    if url is None:
        print(f"SKIP: the devolution figures bench needs PostgreSQL ({where})")
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
        with runtime.db.transaction() as session:
            apply(session, deltas(loaded + 1, size * 2))  # as many again in another jurisdiction
        loaded = size * 2
        with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE devolution_count"))  # as autovacuum would, after the load
        with runtime.db.transaction() as session:
            counters = int(session.scalar(select(func.count()).select_from(DevolutionCount)) or 0)
        load_s = time.perf_counter() - began
        timed(runtime)  # warm-up
        rounds = [timed(runtime) for _ in range(ROUNDS)]
        best, counted = min(r[0] for r in rounds), rounds[0][1]
        results.append((size, best))
        print(
            f"{size:>8,} devolutions in the jurisdiction (+{size:,} elsewhere; counters loaded in "
            f"{load_s:4.1f} s: {counters:,} rows): 各部门职责下放情况 {best * 1e3:6.1f} ms "
            f"(best of {ROUNDS}: {', '.join(f'{r[0] * 1e3:.0f}' for r in rounds)}); applied {counted:,}"
        )
        if counted != size:
            print(f"FAIL: the table counted {counted:,} applications, not {size:,}")
            return 1
    ratio = results[-1][1] / results[0][1]
    print(f"ratio 100k / 10k: {ratio:.2f} (devolutions ×10)")
    clear(runtime)
    runtime.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
