"""Supervision at a glance (第36–37条): the figures of one jurisdiction for one period, each with the filter
of the cases behind it.

Every figure is one aggregate query on indexed columns (``case_record (jurisdiction_code, created_at)``, the
clocks' ``case_id``, the solicitations' ``case_id``) — no case is loaded to count it; only the durations
read one (created, accepted, opinion) triple per accepted case of the period. Working days are counted
Monday to Friday here (the deadlines service owns the statutory calendar; the dashboard's medians are for
reading at a glance, the statutory dates themselves come from the clocks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from services.intake.domain.actors import Actor
from services.intake.domain.approvals.workdays import weekdays_between
from services.intake.domain.cases import STATUS_NAMES, Status
from services.intake.messages.cases import KIND_NAMES, RULE_NAMES
from services.intake.tables import CaseClock, CaseEvent, CaseRecord, Department, Solicitation
from shared.errors import Forbidden, ValidationFailed
from shared.localtime import end_of_day, local_date, start_of_day
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
OPEN_RECTIFICATION = (Status.ORDERED, Status.CORRECTION_REPORTED)


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


def _in_scope(jurisdiction: str, period: Period) -> Any:
    return and_(
        CaseRecord.jurisdiction_code == jurisdiction,
        CaseRecord.created_at >= start_of_day(period.start),
        CaseRecord.created_at <= end_of_day(period.end),
    )


def _percentile(values: list[int], share: float) -> float | None:
    """The nearest-rank percentile (p50 = median, p90)."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(math.ceil(share * len(ordered)) - 1, 0)])


_MONDAY = date(2001, 1, 1)  # a Monday: weekdays before a date count in closed form from here


def _weekdays_before(day: Any) -> Any:
    """SQL: the Monday-to-Friday days from 2001-01-01 up to (not including) ``day`` (a date expression)."""
    days = day - literal(_MONDAY)
    return 5 * (days // 7) + func.least(days % 7, 5)


def _summary(label: str, values: list[int]) -> dict[str, Any]:
    return {
        "label": label,
        "count": len(values),
        "median": _percentile(values, 0.5),
        "p90": _percentile(values, 0.9),
    }


LABELS = {
    "receipt_to_acceptance": "收到申请至受理（第十七条）",
    "acceptance_to_opinion": "受理至提出协调意见（第二十二条）",
}
OPINION_ACTIONS = ("submit_opinion", "submit_determination")


def _durations(
    session: Session, scope: Any, timezone: str, in_database: bool | None = None
) -> dict[str, dict[str, Any]]:
    """Working days from receipt to acceptance and from acceptance to the opinion: on PostgreSQL counted and
    ranked in the database (percentile_disc = nearest rank), elsewhere in Python over the same rows."""
    steps = (
        select(
            CaseEvent.case_id.label("case_id"),
            func.min(case((CaseEvent.action == "accept", CaseEvent.at))).label("accepted"),
            func.min(case((CaseEvent.action.in_(OPINION_ACTIONS), CaseEvent.at))).label("opined"),
        )
        .where(CaseEvent.action.in_(("accept", *OPINION_ACTIONS)))
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    base = (
        select(CaseRecord.created_at, steps.c.accepted, steps.c.opined)
        .join(steps, steps.c.case_id == CaseRecord.id)
        .where(scope, CaseRecord.kind == "coordination", steps.c.accepted.is_not(None))
    )
    if in_database is None:
        in_database = session.get_bind().dialect.name == "postgresql"
    if in_database:
        local = base.subquery()

        def on(column: Any) -> Any:
            return cast(func.timezone(timezone, column), Date)

        to_accept = _weekdays_before(on(local.c.accepted) + 1) - _weekdays_before(on(local.c.created_at) + 1)
        to_opinion = _weekdays_before(on(local.c.opined) + 1) - _weekdays_before(on(local.c.accepted) + 1)
        row = session.execute(
            select(
                func.count(),
                func.percentile_disc(0.5).within_group(to_accept),
                func.percentile_disc(0.9).within_group(to_accept),
                func.count(local.c.opined),
                func.percentile_disc(0.5).within_group(to_opinion),
                func.percentile_disc(0.9).within_group(to_opinion),
            ).select_from(local)
        ).one()

        def figure(label: str, count: Any, median: Any, p90: Any) -> dict[str, Any]:
            return {
                "label": label,
                "count": int(count or 0),
                "median": float(median) if median is not None else None,
                "p90": float(p90) if p90 is not None else None,
            }

        return {
            "receipt_to_acceptance": figure(LABELS["receipt_to_acceptance"], *row[0:3]),
            "acceptance_to_opinion": figure(LABELS["acceptance_to_opinion"], *row[3:6]),
        }
    accepts, opinions = [], []
    for created, accepted, opined in session.execute(base).all():
        accepts.append(weekdays_between(local_date(created), local_date(accepted)))
        if opined is not None:
            opinions.append(weekdays_between(local_date(accepted), local_date(opined)))
    return {
        "receipt_to_acceptance": _summary(LABELS["receipt_to_acceptance"], accepts),
        "acceptance_to_opinion": _summary(LABELS["acceptance_to_opinion"], opinions),
    }


def dashboard(runtime: ServiceRuntime, actor: Actor, period: Period, today: date) -> dict[str, Any]:
    """The figures of the actor's jurisdiction for ``period`` (cases received in it)."""
    if not actor.is_office:
        raise Forbidden("只有编办可以查看监督统计", code="role_required")
    jurisdiction = actor.jurisdiction
    scope = _in_scope(jurisdiction, period)
    with runtime.db.transaction() as session:
        names = dict(
            session.execute(
                select(Department.code, Department.name).where(Department.jurisdiction_code == jurisdiction)
            ).all()
        )
        by_kind = [
            {
                "kind": kind,
                "kind_name": KIND_NAMES.get(kind, kind),
                "status": status,
                "status_name": STATUS_NAMES.get(Status(status), status),
                "count": count,
                "filter": {"kind": kind, "status": status},
            }
            for kind, status, count in session.execute(
                select(CaseRecord.kind, CaseRecord.status, func.count())
                .where(scope)
                .group_by(CaseRecord.kind, CaseRecord.status)
                .order_by(CaseRecord.kind, func.count().desc())
            ).all()
        ]
        late = case((CaseClock.overdue.is_(True), 1), (CaseClock.state == "overdue", 1), else_=0)
        clock_rows = session.execute(
            select(
                CaseClock.rule,
                CaseRecord.applicant_department,
                func.count(),
                func.sum(late),
            )
            .join(CaseRecord, CaseRecord.id == CaseClock.case_id)
            .where(scope, CaseClock.rule.in_(list(RULE_ARTICLES)))
            .group_by(CaseClock.rule, CaseRecord.applicant_department)
        ).all()
        per_rule: dict[str, dict[str, Any]] = {}
        per_department: dict[str, dict[str, Any]] = {}
        for rule, department, total, lates in clock_rows:
            lates = int(lates or 0)
            entry = per_rule.setdefault(
                rule,
                {
                    "rule": rule,
                    "name": RULE_NAMES.get(rule, rule),
                    "article": RULE_ARTICLES[rule],
                    "on_time": 0,
                    "late": 0,
                    "filter": {"rule": rule},
                },
            )
            entry["on_time"] += total - lates
            entry["late"] += lates
            code = department or ""
            dept = per_department.setdefault(
                code,
                {
                    "department": code,
                    "name": names.get(code, code or "（编办发起）"),
                    "on_time": 0,
                    "late": 0,
                    "filter": {"department": code},
                },
            )
            dept["on_time"] += total - lates
            dept["late"] += lates
        overdue_rows = session.execute(
            select(
                CaseClock.case_id,
                CaseClock.rule,
                CaseClock.due_date,
                CaseRecord.title,
                CaseRecord.applicant_department,
            )
            .join(CaseRecord, CaseRecord.id == CaseClock.case_id)
            .where(
                CaseRecord.jurisdiction_code == jurisdiction,
                CaseClock.state.in_(LIVE),
                (CaseClock.overdue.is_(True)) | (CaseClock.state == "overdue"),
            )
            .order_by(CaseClock.due_date.asc().nulls_last())
            .limit(20)
        ).all()
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
        deemed = case((Solicitation.status == "deemed_no_objection", 1), else_=0)
        reply_rows = session.execute(
            select(Solicitation.department_code, func.count(), func.sum(deemed))
            .join(CaseRecord, CaseRecord.id == Solicitation.case_id)
            .where(scope, Solicitation.status != "cancelled")
            .group_by(Solicitation.department_code)
        ).all()
        silence = sorted(
            (
                {
                    "department": code,
                    "name": names.get(code, code),
                    "asked": total,
                    "deemed": int(count or 0),
                    "share": round(int(count or 0) / total, 3) if total else 0.0,
                    "filter": {"department": code, "kind": "coordination"},
                }
                for code, total, count in reply_rows
            ),
            key=lambda row: (-row["share"], row["name"]),
        )
        rect_rows = session.execute(
            select(
                CaseRecord.status, func.count(), func.sum(case((CaseRecord.overdue.is_(True), 1), else_=0))
            )
            .where(scope, CaseRecord.kind == "rectification")
            .group_by(CaseRecord.status)
        ).all()
        rect = {"open": 0, "open_late": 0, "corrected": 0, "referred": 0}
        for status, count, late_count in rect_rows:
            if status in OPEN_RECTIFICATION:
                rect["open"] += count
                rect["open_late"] += int(late_count or 0)
            elif status == Status.CORRECTED:
                rect["corrected"] += count - int(late_count or 0)  # in time: its clock never went overdue
            elif status == Status.REFERRED_TO_SUPERVISION:
                rect["referred"] += count
        durations = _durations(session, scope, runtime.settings.timezone)
    return {
        "jurisdiction": jurisdiction,
        "period": {"from": period.start, "to": period.end, "text": period.text},
        "total": sum(row["count"] for row in by_kind),
        "by_kind_and_status": by_kind,
        "steps_per_rule": [per_rule[r] for r in RULE_ARTICLES if r in per_rule],
        "steps_per_department": sorted(per_department.values(), key=lambda d: (-d["late"], d["name"])),
        "overdue_now": overdue_now,
        "durations": durations,
        "deemed_no_objection": silence,
        "rectifications": [
            {
                "key": "open",
                "name": "未整改完成",
                "count": rect["open"],
                "filter": {"kind": "rectification", "status": "ordered,correction_reported"},
            },
            {
                "key": "open_late",
                "name": "逾期未纠正（未按要求及时纠正，待移交监督检查）",
                "count": rect["open_late"],
                "filter": {"kind": "rectification", "status": "ordered,correction_reported", "overdue": "1"},
            },
            {
                "key": "corrected",
                "name": "已按期纠正",
                "count": rect["corrected"],
                "filter": {"kind": "rectification", "status": "corrected"},
            },
            {
                "key": "referred",
                "name": "移交监督检查（未按要求及时纠正）",
                "count": rect["referred"],
                "filter": {"kind": "rectification", "status": "referred_to_supervision"},
            },
        ],
        "not_covered": "职责下放（第三十四条、第三十五条）的期限和半年报告由职责下放服务统计，尚未汇入本页。",
    }


def case_list(
    runtime: ServiceRuntime, actor: Actor, period: Period, wanted: dict[str, str], limit: int = 500
) -> list[dict[str, Any]]:
    """The cases behind a figure: kind, status (comma-separated), department, rule (with late=1)."""
    if not actor.is_office:
        raise Forbidden("只有编办可以查看监督统计", code="role_required")
    query = select(CaseRecord).where(_in_scope(actor.jurisdiction, period))
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
    with runtime.db.transaction() as session:
        names = dict(session.execute(select(Department.code, Department.name)).all())
        rows = session.scalars(query.order_by(CaseRecord.created_at.desc()).limit(limit)).all()
        return [
            {
                "id": r.id,
                "title": r.title,
                "kind_name": KIND_NAMES.get(r.kind, r.kind),
                "status_name": STATUS_NAMES.get(Status(r.status), r.status),
                "department": names.get(r.applicant_department or "", r.applicant_department or ""),
                "received_on": local_date(r.created_at),
                "due_date": r.due_date,
                "overdue": r.overdue,
            }
            for r in rows
        ]
