"""Due dates by lookup vs a naive day-by-day walk (issue 3: at least 50 times faster for 30 working days).

Run from the repository root: ``python -m bench.bench_calendar``. Both methods run in the same process on the
same start dates; the script checks they agree, prints both timings and the ratio, and exits 1 below 50.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

import chinese_calendar

from services.deadlines.domain.chinesecalendar_source import seeded_calendar

WORKING_DAYS = 30
STARTS = 1000
ROUNDS = 3
TARGET_RATIO = 50.0


def naive_due_date(start: date, n: int) -> date:
    """What the index replaces: step one day at a time, asking ``chinese_calendar.is_workday``."""
    day = start
    while n:
        day += timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


def start_dates() -> list[date]:
    # 2006 onwards: the seed corrects 2005-12-31 (see chinesecalendar_source), which the naive walk lacks
    rng = random.Random(20250926)
    first, last = date(2006, 1, 1).toordinal(), date(2026, 10, 31).toordinal()
    return [date.fromordinal(rng.randint(first, last)) for _ in range(STARTS)]


def best_time(compute: Callable[[date], object], starts: list[date]) -> float:
    """Seconds per due date, best of ROUNDS."""
    best = float("inf")
    for _ in range(ROUNDS):
        began = time.perf_counter()
        for start in starts:
            compute(start)
        best = min(best, time.perf_counter() - began)
    return best / len(starts)


def main() -> int:
    began = time.perf_counter()
    calendar = seeded_calendar()
    build = time.perf_counter() - began
    starts = start_dates()
    mismatches = [
        s
        for s in starts
        if calendar.nth_working_day_after(s, WORKING_DAYS) != naive_due_date(s, WORKING_DAYS)
    ]
    naive = best_time(lambda s: naive_due_date(s, WORKING_DAYS), starts)
    lookup = best_time(lambda s: calendar.nth_working_day_after(s, WORKING_DAYS), starts)
    full = best_time(lambda s: calendar.add_working_days(s, WORKING_DAYS), starts)
    ratio = naive / full
    print(f"calendar index built once: {build * 1e3:.1f} ms for {len(calendar.known_years)} years")
    print(f"{STARTS} start dates 2006–2026, {WORKING_DAYS} working days each, best of {ROUNDS} rounds")
    print(f"naive day-by-day over chinese_calendar.is_workday: {naive * 1e6:9.2f} µs per due date")
    print(f"indexed add_working_days (due date + skipped days): {full * 1e6:9.2f} µs per due date")
    print(f"indexed due-date lookup alone:                     {lookup * 1e6:9.2f} µs per due date")
    print(
        f"ratio naive / add_working_days: {ratio:.0f}x (target ≥ {TARGET_RATIO:.0f}x); "
        f"lookup alone {naive / lookup:.0f}x"
    )
    if mismatches:
        print(f"FAIL: {len(mismatches)} start dates disagree, e.g. {mismatches[0]}")
        return 1
    if ratio < TARGET_RATIO:
        print("FAIL: below target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
