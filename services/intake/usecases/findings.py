"""第三十七条's findings as the office reads them. A finding and its order are one 限期纠正 case (see
:mod:`.rectification`): the department, which failing, the evidence — the coordination it did not follow, the
三定执行情况评估 that found it, the devolution without approval or without its support — who recorded it and
when, the order's date and where it stands. Here they are listed, per department, for a period (the day each
was recorded), as the lists behind the dashboard's 限期纠正 figures and as the ledger."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from services.intake.domain.actors import Actor
from services.intake.domain.cases import STATUS_NAMES, Kind, Status
from services.intake.domain.rectification import (
    FINDING_STATES,
    OPEN,
    RECTIFICATION_GROUND_NAMES,
    RectificationGround,
)
from services.intake.domain.rules import named
from services.intake.tables import CaseEvent, CaseRecord, Department, Person
from services.intake.usecases.supervision import Period, in_scope
from shared.errors import Forbidden, ValidationFailed
from shared.localtime import local_date
from shared.runtime import ServiceRuntime

STATES = FINDING_STATES
#: what the history tells of each finding beyond its row
TOLD = ("report_correction", "refer_to_supervision", "refer_uncorrected")


@dataclass(frozen=True)
class FindingFilter:
    """Which findings: recorded in ``period``, of one department, on one ground, in one state."""

    period: Period
    department: str | None = None
    ground: str | None = None
    state: str | None = None

    @classmethod
    def parse(cls, period: Period, args: dict[str, str], departments: dict[str, str]) -> FindingFilter:
        """The filter as asked for; a department, ground or state that is none is refused, naming it."""
        ground, state = args.get("ground") or None, args.get("state") or None
        if args.get("department") and args["department"] not in departments:
            raise ValidationFailed.for_field("department", "本地区没有这个部门")
        if ground is not None and ground not in set(RectificationGround):
            raise ValidationFailed.for_field("ground", "没有这种情形（第三十七条）")
        if state is not None and state not in STATES:
            raise ValidationFailed.for_field("state", "没有这种办理情况")
        return cls(period, args.get("department") or None, ground, state)

    def described(self, departments: dict[str, str]) -> list[str]:
        """The filters in words, as the ledger writes them at the top."""
        words = [f"记录期间：{self.period.text}"]
        if self.department:
            words.append(f"部门：{named(departments, self.department)}")
        if self.ground:
            words.append(f"情形：{RECTIFICATION_GROUND_NAMES[RectificationGround(self.ground)]}")
        if self.state:
            words.append(f"办理情况：{STATES[self.state].name}")
        return words


def _query(actor: Actor, wanted: FindingFilter, *, by_department: bool = True) -> Any:
    if not actor.is_office:
        raise Forbidden("只有编办可以查看限期纠正情况", code="role_required")
    r = CaseRecord
    query = select(r).where(in_scope(actor.jurisdiction, wanted.period), r.kind == Kind.RECTIFICATION)
    if wanted.department and by_department:
        query = query.where(r.applicant_department == wanted.department)
    if wanted.ground:
        query = query.where(r.content["ground"].as_string() == wanted.ground)
    if wanted.state:
        state = STATES[wanted.state]
        query = query.where(r.status.in_([str(s) for s in state.statuses]))
        if state.overdue_only:
            query = query.where(r.overdue.is_(True))
    return query


def department_names(runtime: ServiceRuntime, actor: Actor) -> dict[str, str]:
    """The jurisdiction's departments by code (those a finding may be on, and the names it shows)."""
    with runtime.db.transaction() as session:
        rows = session.execute(
            select(Department.code, Department.name).where(
                Department.jurisdiction_code == actor.jurisdiction,
                Department.function.is_(None) | (Department.function != "establishment_office"),
            )
        ).all()
    return dict(rows)


def count(runtime: ServiceRuntime, actor: Actor, wanted: FindingFilter) -> int:
    with runtime.db.transaction() as session:
        counted = select(func.count()).select_from(_query(actor, wanted).subquery())
        return int(session.scalar(counted) or 0)


def per_department(runtime: ServiceRuntime, actor: Actor, wanted: FindingFilter) -> list[dict[str, Any]]:
    """Each department with findings under the filter (any department): how many in each state."""
    names = department_names(runtime, actor)
    found = _query(actor, wanted, by_department=False).subquery()
    grouped = select(found.c.applicant_department, found.c.status, found.c.overdue, func.count()).group_by(
        found.c.applicant_department, found.c.status, found.c.overdue
    )
    with runtime.db.transaction() as session:
        rows = session.execute(grouped).all()
    counts: dict[str, Counter[str]] = {}
    for department, status, overdue, n in rows:
        tally = counts.setdefault(department or "", Counter())
        tally["total"] += n
        for key, state in STATES.items():
            if status in state.statuses and (overdue or not state.overdue_only):
                tally[key] += n
    return sorted(
        (
            {"department": code, "name": named(names, code), **{k: tally[k] for k in (*STATES, "total")}}
            for code, tally in counts.items()
        ),
        key=lambda d: (-int(d["open"]), -int(d["total"]), str(d["name"])),
    )


def listed(
    runtime: ServiceRuntime, actor: Actor, wanted: FindingFilter, limit: int = 100_000, offset: int = 0
) -> list[dict[str, Any]]:
    """The findings under the filter, newest first: each with its ground, evidence, who recorded it and
    when, the order's date, and where it stands (corrected by the date or after it; referred by the office
    or by the sweep)."""
    ordered = _query(actor, wanted).order_by(CaseRecord.created_at.desc(), CaseRecord.id.desc())
    with runtime.db.transaction() as session:
        records = session.scalars(ordered.offset(offset).limit(limit)).all()
        ids = [r.id for r in records]
        names = dict(session.execute(select(Department.code, Department.name)).all())
        people = dict(
            session.execute(
                select(Person.id, Person.name).where(Person.id.in_({r.submitted_by for r in records}))
            ).all()
        )
        coordinations = [str(r.content.get("coordination_case_id")) for r in records]
        titles = dict(
            session.execute(
                select(CaseRecord.id, CaseRecord.title).where(CaseRecord.id.in_(coordinations))
            ).all()
        )
        events = session.execute(
            select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at, CaseEvent.actor_id)
            .where(CaseEvent.case_id.in_(ids), CaseEvent.action.in_(TOLD))
            .order_by(CaseEvent.id)
        ).all()
    last: dict[tuple[str, str], tuple[date, str]] = {
        (case_id, action): (local_date(at), actor_id) for case_id, action, at, actor_id in events
    }
    return [_row(r, names, people, titles, last) for r in records]


def _row(
    record: CaseRecord,
    names: dict[str, str],
    people: dict[str, str],
    titles: dict[str, str],
    last: dict[tuple[str, str], tuple[date, str]],
) -> dict[str, Any]:
    content = record.content or {}
    due = date.fromisoformat(content["due_date"]) if content.get("due_date") else None
    return {
        "id": record.id,
        "url": f"/cases/{record.id}",
        "title": record.title,
        "department": named(names, record.applicant_department or ""),
        "ground_name": content.get("ground_name")
        or RECTIFICATION_GROUND_NAMES.get(RectificationGround(content.get("ground", "other")), ""),
        "facts": content.get("facts", ""),
        "evidence": _evidence(content, titles),
        "recorded_by": people.get(record.submitted_by, record.submitted_by),
        "recorded_on": local_date(record.created_at),
        "due_date": due,
        "status_name": _standing(record, due, last),
        "overdue": record.overdue,
    }


def _evidence(content: dict[str, Any], titles: dict[str, str]) -> list[dict[str, str]]:
    """What the finding rests on, each with the page it leads to."""
    found = []
    if content.get("coordination_case_id"):
        case_id = str(content["coordination_case_id"])
        found.append(
            {"label": "未执行的协调事项", "text": titles.get(case_id, case_id), "url": f"/cases/{case_id}"}
        )
    if content.get("evaluation_case_id"):
        case_id = str(content["evaluation_case_id"])
        text = str(content.get("evaluation_title") or case_id)
        found.append({"label": "“三定”执行情况评估", "text": text, "url": f"/cases/{case_id}"})
    if content.get("devolution_id"):
        devolution = str(content["devolution_id"])
        text = str(content.get("devolution_title") or devolution)
        found.append({"label": "职责下放事项", "text": text, "url": f"/devolution/{devolution}"})
    return found


def _standing(record: CaseRecord, due: date | None, last: dict[tuple[str, str], tuple[date, str]]) -> str:
    status = Status(record.status)
    name = STATUS_NAMES.get(status, record.status)
    if status == Status.CORRECTED:
        reported = last.get((record.id, "report_correction"))
        if reported is not None and due is not None:
            return f"{name}（{'按期' if reported[0] <= due else '逾期后'}报告纠正）"
    if status == Status.REFERRED_TO_SUPERVISION:
        by_sweep = (record.id, "refer_uncorrected") in last
        return f"{name}（{'逾期未纠正，系统自动移交' if by_sweep else '编办决定移交'}）"
    if status in OPEN and record.overdue:
        return f"{name}（已逾期）"
    return name
