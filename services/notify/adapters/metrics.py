"""Notify's own metrics: how much of the app's daily 浙政钉 budget is used.

The platform accepts 20,000 work notifications per app per day (each receiver of a call counts). Workers
set the gauges after each call and on every sweep from the count they share in Redis; the most recent
value, whichever process set it, is the one shown.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Gauge

ZWD_DAILY_USED = Gauge(
    "dm_notify_zwd_daily_used",
    "浙政钉 work notifications the app has sent today (Beijing day; each receiver counts)",
    ["app"],
    multiprocess_mode="mostrecent",
)
ZWD_DAILY_BUDGET = Gauge(
    "dm_notify_zwd_daily_budget",
    "浙政钉 work notifications the platform accepts per app per day",
    ["app"],
    multiprocess_mode="mostrecent",
)
ZWD_DAILY_USED_RATIO = Gauge(
    "dm_notify_zwd_daily_used_ratio",
    "Share of today's 浙政钉 budget used (0–1)",
    ["app"],
    multiprocess_mode="mostrecent",
)


def record_budget(budget: Any, used: int) -> None:
    """Show ``used`` of ``budget.limit`` for ``budget.app``."""
    ZWD_DAILY_USED.labels(budget.app).set(used)
    ZWD_DAILY_BUDGET.labels(budget.app).set(budget.limit)
    ZWD_DAILY_USED_RATIO.labels(budget.app).set(used / budget.limit if budget.limit else 0)
