"""Supervision at a glance (第36–37条): the figures of one jurisdiction for one period, each with the filter
of the cases behind it.

The figures are sums over the read model ``supervision_count`` (``tables/supervision.py``: counters per
jurisdiction, day of receipt and figure, kept in the transaction of every case change), so a page view reads
at most days × keys rows, not the cases. Durations are histograms of (from, to) day pairs; their working days
are counted with the deadlines service's calendar (holidays and 调休, one cached request per page), falling
back to Monday–Friday, marked 约, when it does not answer. What is overdue now is read through the partial
index of overdue clocks in due-date order. The lists behind the figures page through the period index.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import and_, func, select, text

from services.intake.adapters.deadlines_calendar import calendar_for
from services.intake.domain.actors import Actor
from services.intake.domain.cases import STATUS_NAMES, Kind, Status
from services.intake.domain.rectification import FINDING_STATES
from services.intake.domain.rules import named
from services.intake.messages.cases import KIND_NAMES, RULE_NAMES
from services.intake.tables import CaseClock, CaseRecord, Department, WorklistTask
from services.intake.tables.supervision import summed
from services.intake.usecases import findings
from shared.errors import Forbidden, ValidationFailed
from shared.localtime import end_of_day, local_date, start_of_day
from shared.localtime import today as local_today
from shared.runtime import ServiceRuntime

#: the statutory steps the dashboard follows, with their article
RULE_ARTICLES = {
    "filing_opinion": "第十五条",
    "acceptance_decision": "第十七条",
    "written_reply": "第二十条",
    "coordination_opinion": "第二十二条",
    "rectification": "第三十七条",
}
LIVE = ("requested", "running", "overdue")
#: the predicate of ``ix_case_clock_overdue_due`` as written there, qualified (PostgreSQL then uses the index)
OVERDUE_CLOCK = text(
    "case_clock.state IN ('requested', 'running', 'overdue') "
    "AND (case_clock.overdue OR case_clock.state = 'overdue')"
)


def _cn(on: date) -> str:
    return f"{on.year}年{on.month}月{on.day}日"


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def parse(cls, start: str | None, end: str | None, today: date) -> Period:
        try:
            first = date.fromisoformat(start) if start else date(today.year, 1, 1)
        except ValueError as exc:
            raise ValidationFailed.for_field("from", "起始日期格式应为 YYYY-MM-DD") from exc
        try:
            last = date.fromisoformat(end) if end else today
        except ValueError as exc:
            raise ValidationFailed.for_field("to", "截止日期格式应为 YYYY-MM-DD") from exc
        if last < first:
            raise ValidationFailed.for_field("to", "截止日期不能早于起始日期")
        return cls(first, last)

    @property
    def text(self) -> str:
        return f"{_cn(self.start)}至{_cn(self.end)}"


def in_scope(jurisdiction: str, period: Period) -> Any:
    return and_(
        CaseRecord.jurisdiction_code == jurisdiction,
        CaseRecord.created_at >= start_of_day(period.start),
        CaseRecord.created_at <= end_of_day(period.end),
    )


def _summary(label: str, histogram: Counter[int], approximate: bool) -> dict[str, Any]:
    """Count, median and 90th percentile (nearest rank) of a histogram of working days."""
    total = sum(histogram.values())

    def rank(share: float) -> float | None:
        if not total:
            return None
        wanted, seen = max(math.ceil(share * total), 1), 0
        for days in sorted(histogram):
            seen += histogram[days]
            if seen >= wanted:
                return float(days)
        return None  # pragma: no cover - the loop always reaches the total

    return {
        "label": label,
        "count": total,
        "median": rank(0.5),
        "p90": rank(0.9),
        "approximate": approximate and total > 0,
    }


LABELS = {
    "receipt_to_acceptance": "收到申请至受理（第十七条）",
    "acceptance_to_opinion": "受理至提出协调意见（第二十二条）",
}


class OffDays(Protocol):
    def off_days(self, first: date, last: date) -> tuple[set[date], bool]:
        """The non-working days in ``first..last`` (holidays, weekends not made working by 调休), and whether
        the answer is approximate (weekends only)."""
        ...


def _durations(pairs: dict[str, Counter[tuple[date, date]]], calendar: OffDays) -> dict[str, dict[str, Any]]:
    """Working days of each (from, to) pair of the histograms, counted with the calendar in one request."""
    days = [d for counts in pairs.values() for pair in counts for d in pair]
    off: set[date] = set()
    approximate = False
    if days:
        off, approximate = calendar.off_days(min(days), max(days))

    def working(after: date, through: date) -> int:
        if through <= after:
            return 0
        return (through - after).days - sum(1 for d in off if after < d <= through)

    counted: dict[tuple[date, date], int] = {}

    def histogram(counts: Counter[tuple[date, date]]) -> Counter[int]:
        result: Counter[int] = Counter()
        for pair, n in counts.items():
            if pair not in counted:
                counted[pair] = working(*pair)
            result[counted[pair]] += n
        return result

    return {
        "receipt_to_acceptance": _summary(
            LABELS["receipt_to_acceptance"], histogram(pairs["accept"]), approximate
        ),
        "acceptance_to_opinion": _summary(
            LABELS["acceptance_to_opinion"], histogram(pairs["opinion"]), approximate
        ),
    }


FIGURES = ("case", "step", "reply", "accept", "opinion")


def _rectification_figures(status: str, overdue: bool, n: int) -> Counter[str]:
    """The 限期纠正 figures ``n`` orders in ``status`` count in, from the read model; whether a correction
    came in time its history tells (``findings.corrected_split``)."""
    return Counter(
        {
            key: n
            for key, state in FINDING_STATES.items()
            if state.in_time is None and status in state.statuses and (overdue or not state.overdue_only)
        }
    )


def dashboard(
    runtime: ServiceRuntime,
    actor: Actor,
    period: Period,
    today: date,
    calendar: OffDays | None = None,
) -> dict[str, Any]:
    """The figures of the actor's jurisdiction for ``period`` (cases received in it), from the read model
    (``supervision_count``: a bounded number of rows per day) and, for what is overdue now, the partial index
    of overdue clocks read in due-date order."""
    if not actor.is_office:
        raise Forbidden("只有编办可以查看监督统计", code="role_required")
    jurisdiction = actor.jurisdiction
    if calendar is None:
        calendar = calendar_for(runtime.settings, jurisdiction)
    with runtime.db.transaction() as session:
        names = dict(
            session.execute(
                select(Department.code, Department.name).where(Department.jurisdiction_code == jurisdiction)
            ).all()
        )
        counts = summed(session, jurisdiction, period.start, period.end, FIGURES)
        overdue_rows = session.execute(
            select(
                CaseClock.case_id,
                CaseClock.rule,
                CaseClock.due_date,
                CaseRecord.title,
                CaseRecord.applicant_department,
            )
            .join(CaseRecord, CaseRecord.id == CaseClock.case_id)
            .where(CaseRecord.jurisdiction_code == jurisdiction, OVERDUE_CLOCK)
            .order_by(CaseClock.due_date.asc().nulls_last())
            .limit(20)
        ).all()
        rect = findings.corrected_split(session, actor, period)  # in time or not: told by the history
    kinds: Counter[tuple[str, str]] = Counter()
    per_rule: dict[str, dict[str, Any]] = {}
    per_department: dict[str, dict[str, Any]] = {}
    replies: dict[str, list[int]] = {}
    pairs: dict[str, Counter[tuple[date, date]]] = {"accept": Counter(), "opinion": Counter()}
    for figure, k1, k2, k3, n in counts:
        if figure == "case":
            kinds[(k1, k2)] += n
            if k1 == Kind.RECTIFICATION:
                rect.update(_rectification_figures(k2, k3 == "1", n))
        elif figure == "step" and k1 in RULE_ARTICLES:
            outcome = "late" if k3 == "1" else "on_time"
            entry = per_rule.setdefault(
                k1,
                {
                    "rule": k1,
                    "name": RULE_NAMES.get(k1, k1),
                    "article": RULE_ARTICLES[k1],
                    "on_time": 0,
                    "late": 0,
                    "filter": {"rule": k1},
                },
            )
            entry[outcome] += n
            dept = per_department.setdefault(
                k2,
                {
                    "department": k2,
                    "name": names.get(k2, k2 or "（编办发起）"),
                    "on_time": 0,
                    "late": 0,
                    "filter": {"department": k2},
                },
            )
            dept[outcome] += n
        elif figure == "reply":
            asked = replies.setdefault(k1, [0, 0])
            asked[0] += n
            asked[1] += n if k2 == "1" else 0
        elif figure in pairs:
            pairs[figure][(date.fromisoformat(k1), date.fromisoformat(k2))] += n
    by_kind = sorted(
        (
            {
                "kind": kind,
                "kind_name": KIND_NAMES.get(kind, kind),
                "status": status,
                "status_name": STATUS_NAMES.get(Status(status), status),
                "count": count,
                "filter": {"kind": kind, "status": status},
            }
            for (kind, status), count in kinds.items()
            if count
        ),
        key=lambda row: (str(row["kind"]), -int(str(row["count"]))),
    )
    overdue_now = [
        {
            "case_id": case_id,
            "title": title,
            "rule": rule,
            "rule_name": RULE_NAMES.get(rule, rule),
            "due_date": due,
            "days_late": (today - due).days if due else None,
            "department": names.get(department or "", department or ""),
        }
        for case_id, rule, due, title, department in overdue_rows
    ]
    silence = sorted(
        (
            {
                "department": code,
                "name": named(names, code),
                "asked": total,
                "deemed": deemed,
                "share": round(deemed / total, 3) if total else 0.0,
                "filter": {"department": code, "kind": "coordination"},
            }
            for code, (total, deemed) in replies.items()
            if total
        ),
        key=lambda row: (-float(str(row["share"])), str(row["name"])),
    )
    return {
        "jurisdiction": jurisdiction,
        "period": {"from": period.start, "to": period.end, "text": period.text},
        "total": sum(row["count"] for row in by_kind),
        "by_kind_and_status": by_kind,
        "steps_per_rule": [per_rule[r] for r in RULE_ARTICLES if r in per_rule],
        "steps_per_department": sorted(per_department.values(), key=lambda d: (-d["late"], d["name"])),
        "overdue_now": overdue_now,
        "durations": _durations(pairs, calendar),
        "deemed_no_objection": silence,
        "rectifications": [  # each opens its findings (/supervision/findings?state=)
            {"key": key, "name": state.name, "count": rect[key], "filter": {"state": key}}
            for key, state in FINDING_STATES.items()
        ],
        "devolution": devolution_figures(runtime, actor, period, today),
    }


# --- devolution's review (第三十四条), from the worklist read model -------------------------------------
#
# Devolution publishes a task for each step that waits (``services/devolution/tasks.py``); intake keeps
# them in ``worklist_task`` (``usecases/worklist.py``), which records when each was closed and whether
# after its statutory date (``closed_late``). The office's 审核论证 (第三十四条, 10 working days) whose date
# falls in the period, on time or late, is counted there through ``ix_worklist_task_case_step``
# (jurisdiction, kind, step, due date). The figures per devolving department — duties devolved, support,
# the half-year reports (第三十五条) — are ``devolution_figures``' (kept from devolution's own events).

REVIEW = "review"
DEVOLUTION_FIGURES: dict[str, tuple[str, str]] = {
    "review_on_time": ("第三十四条", "审核论证按期办结"),
    "review_late": ("第三十四条", "审核论证逾期（逾期办结或已过期限未办结）"),
}
DONE, CLOSED, OPEN = "done", "closed", "open"


def _devolution_tasks(jurisdiction: str) -> Any:
    return and_(WorklistTask.case_jurisdiction == jurisdiction, WorklistTask.case_kind == "devolution")


def _devolution_condition(figure: str, period: Period, today: date) -> Any:
    """Which worklist tasks a devolution figure counts."""
    t = WorklistTask
    review = and_(
        t.step == REVIEW, t.due_date.is_not(None), t.due_date >= period.start, t.due_date <= period.end
    )
    if figure == "review_on_time":
        return and_(review, t.state == CLOSED, t.outcome == DONE, t.closed_late.is_(False))
    if figure == "review_late":
        closed_late = and_(t.state == CLOSED, t.outcome == DONE, t.closed_late.is_(True))
        return and_(review, closed_late | and_(t.state == OPEN, t.due_date < today))
    raise ValidationFailed.for_field("devolution", "没有这项统计")


def devolution_figures(
    runtime: ServiceRuntime, actor: Actor, period: Period, today: date
) -> list[dict[str, Any]]:
    """Each devolution figure of the actor's jurisdiction, with its article and the filter of its list."""
    if not actor.is_office:
        raise Forbidden("只有编办可以查看监督统计", code="role_required")
    t = WorklistTask
    counted = [func.count().filter(_devolution_condition(f, period, today)) for f in DEVOLUTION_FIGURES]
    with runtime.db.transaction() as session:
        totals = session.execute(
            select(*counted).where(_devolution_tasks(actor.jurisdiction), t.step == REVIEW)
        ).one()
    return [
        {
            "key": figure,
            "article": article,
            "name": name,
            "count": int(total or 0),
            "filter": {"devolution": figure},
        }
        for (figure, (article, name)), total in zip(DEVOLUTION_FIGURES.items(), totals, strict=True)
    ]


def _devolution_query(actor: Actor, period: Period, figure: str, today: date) -> Any:
    if not actor.is_office:
        raise Forbidden("只有编办可以查看监督统计", code="role_required")
    if figure not in DEVOLUTION_FIGURES:
        raise ValidationFailed.for_field("devolution", "没有这项统计")
    return select(WorklistTask).where(
        _devolution_tasks(actor.jurisdiction), _devolution_condition(figure, period, today)
    )


def _devolution_rows(session: Any, query: Any, limit: int, offset: int, today: date) -> list[dict[str, Any]]:
    t = WorklistTask
    names = dict(session.execute(select(Department.code, Department.name)).all())
    ordered = query.order_by(t.due_date.asc().nulls_last(), t.task_id).offset(offset).limit(limit)
    rows = []
    for task in session.scalars(ordered).all():
        waiting = task.state == OPEN
        late = bool(task.closed_late) if not waiting else bool(task.due_date and task.due_date < today)
        state = ("逾期未办" if late else "待办") if waiting else ("逾期办结" if late else "按期办结")
        rows.append(
            {
                "id": task.case_id,
                "url": f"/devolution/{task.case_id}",
                "title": task.case_title,
                "kind_name": "职责下放",
                "status_name": f"{task.step_name}（{task.article or ''}）{state}",
                "department": named(names, task.department) if task.department else "",
                "received_on": local_date(task.opened_at) if task.opened_at else None,
                "due_date": task.due_date,
                "overdue": late,
            }
        )
    return rows


def _case_query(actor: Actor, period: Period, wanted: dict[str, str]) -> Any:
    """The cases behind a figure: kind, status (comma-separated), department, rule (with late=1)."""
    if not actor.is_office:
        raise Forbidden("只有编办可以查看监督统计", code="role_required")
    query = select(CaseRecord).where(in_scope(actor.jurisdiction, period))
    if wanted.get("kind"):
        query = query.where(CaseRecord.kind == wanted["kind"])
    if wanted.get("status"):
        query = query.where(CaseRecord.status.in_(wanted["status"].split(",")))
    if "department" in wanted and wanted["department"] is not None and wanted.get("department") != "":
        query = query.where(CaseRecord.applicant_department == wanted["department"])
    if wanted.get("overdue") == "1":
        query = query.where(CaseRecord.overdue.is_(True))
    if wanted.get("rule"):
        clock = select(CaseClock.case_id).where(CaseClock.rule == wanted["rule"])
        if wanted.get("late") == "1":
            clock = clock.where((CaseClock.overdue.is_(True)) | (CaseClock.state == "overdue"))
        query = query.where(CaseRecord.id.in_(clock))
    return query


def case_count(
    runtime: ServiceRuntime, actor: Actor, period: Period, wanted: dict[str, str], today: date | None = None
) -> int:
    """How many cases are behind a figure (for the pages of its list)."""
    if wanted.get("devolution"):
        tasks = _devolution_query(actor, period, wanted["devolution"], today or local_today())
        counted = select(func.count()).select_from(tasks.subquery())
        with runtime.db.transaction() as session:
            return int(session.scalar(counted) or 0)
    query = _case_query(actor, period, wanted)
    with runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def case_list(
    runtime: ServiceRuntime,
    actor: Actor,
    period: Period,
    wanted: dict[str, str],
    limit: int = 500,
    offset: int = 0,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The cases behind a figure, newest first: ``limit`` of them from ``offset`` (a page of the list); for a
    devolution figure, its devolutions' tasks, earliest date first (``url`` leads to the devolution)."""
    if wanted.get("devolution"):
        on = today or local_today()
        with runtime.db.transaction() as session:
            query = _devolution_query(actor, period, wanted["devolution"], on)
            return _devolution_rows(session, query, limit, offset, on)
    query = _case_query(actor, period, wanted)
    with runtime.db.transaction() as session:
        names = dict(session.execute(select(Department.code, Department.name)).all())
        ordered = query.order_by(CaseRecord.created_at.desc(), CaseRecord.id.desc())
        rows = session.scalars(ordered.offset(offset).limit(limit)).all()
        return [
            {
                "id": r.id,
                "url": f"/cases/{r.id}",
                "title": r.title,
                "kind_name": KIND_NAMES.get(r.kind, r.kind),
                "status_name": STATUS_NAMES.get(Status(r.status), r.status),
                "department": named(names, r.applicant_department) if r.applicant_department else "",
                "received_on": local_date(r.created_at),
                "due_date": r.due_date,
                "overdue": r.overdue,
            }
            for r in rows
        ]
