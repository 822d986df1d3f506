"""各部门职责下放情况 on 监督统计 (第三十三至三十五条, 第三十七条第四项): per devolving department
(下放部门), for the office's jurisdiction and a period.

Devolution's figures — applications, duties formally devolved, support promised and not in place, half-year
reports awaited, late and received — are sums over ``devolution_count``, the counters devolution's
``devolution.figures`` events keep (``tables/devolution_count.py``; which facts a figure counts:
``shared.devolution_figures``), and each opens devolution's own list of the devolutions behind it
(``/devolution/figures?…``). Devolving without approval and the rectifications ordered over a devolution
(第三十七条第四项) are intake's own 限期纠正 cases, counted through the period index and opening
``/supervision/findings``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import or_, select

from services.intake.domain.actors import Actor
from services.intake.domain.rectification import RectificationGround
from services.intake.domain.rules import named
from services.intake.tables import Department
from services.intake.tables.devolution_count import DevolutionCount, apply, deltas
from services.intake.usecases import findings
from services.intake.usecases.findings import DEVOLUTION
from services.intake.usecases.supervision import Period
from shared.devolution_figures import FIGURES, counts
from shared.errors import Forbidden
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

#: the two columns intake counts from its 限期纠正 cases (第三十七条第四项): key → the findings' ground
WITHOUT_APPROVAL, RECTIFIED = "without_approval", "rectifications"
FINDING_GROUNDS = {
    WITHOUT_APPROVAL: str(RectificationGround.DEVOLVED_WITHOUT_APPROVAL),
    RECTIFIED: DEVOLUTION,
}
_FIGURE_COLUMNS = [(key, f.name, f.short, f.article) for key, f in FIGURES.items()]
#: the table's columns in order: (key, name, short head, article)
COLUMNS: list[tuple[str, str, str, str]] = [
    *_FIGURE_COLUMNS[:2],
    (WITHOUT_APPROVAL, "本期发现未经审批擅自下放职责", "擅自下放", "第三十七条第四项"),
    *_FIGURE_COLUMNS[2:],
    (RECTIFIED, "本期因职责下放责令限期纠正", "限期纠正", "第三十七条第四项"),
]


Counts = Counter[tuple[str, str]]  # (department, column) → count


def changed(uow: UnitOfWork, payload: dict[str, Any]) -> None:
    """``devolution.figures``: move the counters by what changed in one devolution's facts."""
    apply(uow.session, deltas(payload))


def _devolution_counts(session: Any, jurisdiction: str, period: Period, today: date) -> Counts:
    """(department, figure) → count, from the counters: the period's days for what happened in it, every
    day for what is judged against today (only what is still open has rows)."""
    c = DevolutionCount
    by_period = [f.fact for f in FIGURES.values() if f.when == "period"]
    judged = [f.fact for f in FIGURES.values() if f.when != "period"]
    rows = session.execute(
        select(c.department, c.fact, c.day, c.n).where(
            c.jurisdiction_code == jurisdiction,
            or_(
                c.fact.in_(by_period) & (c.day >= period.start) & (c.day <= period.end),
                c.fact.in_(judged),
            ),
        )
    ).all()
    found: Counts = Counter()
    for department, fact, day, n in rows:
        for key, figure in FIGURES.items():
            if figure.fact == fact and counts(figure, day, period.start, period.end, today):
                found[(department, key)] += n
    return found


def _finding_counts(runtime: ServiceRuntime, actor: Actor, period: Period) -> Counts:
    """(department, column) → 限期纠正 findings recorded in the period on a devolution ground, counted as
    ``/supervision/findings`` counts them (so each number equals the list it opens)."""
    found: Counts = Counter()
    for key, ground in FINDING_GROUNDS.items():
        for row in findings.per_department(runtime, actor, findings.FindingFilter(period, ground=ground)):
            found[(row["department"], key)] += int(row["total"])
    return found


def per_department(runtime: ServiceRuntime, actor: Actor, period: Period, today: date) -> dict[str, Any]:
    """The table: one row per department with any figure, the busiest first, and the total; each cell a
    count with the link to the list behind it."""
    if not actor.is_office:
        raise Forbidden("只有编办可以查看监督统计", code="role_required")
    with runtime.db.transaction() as session:
        found = _devolution_counts(session, actor.jurisdiction, period, today)
        names = dict(session.execute(select(Department.code, Department.name)).all())
    found.update(_finding_counts(runtime, actor, period))
    departments = sorted({d for d, _k in found}, key=lambda d: (-sum(found[(d, k)] for k, *_ in COLUMNS), d))
    rows = [_row(named(names, d), d, found, period) for d in departments]
    total: Counter[tuple[str, str]] = Counter()
    for (_department, key), n in found.items():
        total[("", key)] += n
    return {
        "columns": [{"key": k, "name": n, "short": s, "article": a} for k, n, s, a in COLUMNS],
        "rows": rows,
        "total": _row("合计", None, total, period),
    }


def _row(
    name: str, department: str | None, found: Counter[tuple[str, str]], period: Period
) -> dict[str, Any]:
    cells = {key: {"count": max(found[(department or "", key)], 0), "href": link(key, department, period)}
             for key, *_ in COLUMNS}  # fmt: skip
    return {"department": department, "name": name, "cells": cells}


def link(key: str, department: str | None, period: Period) -> str:
    """The list behind a cell: devolution's list for its figures, intake's findings for the 限期纠正 ones."""
    where = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if department:
        where["department"] = department
    if key in FINDING_GROUNDS:
        return "/supervision/findings?" + urlencode({**where, "ground": FINDING_GROUNDS[key]})
    return "/devolution/figures?" + urlencode({"figure": key, **where})
