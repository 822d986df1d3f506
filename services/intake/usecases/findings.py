"""第三十七条's findings as the office reads them. A finding and its order are one 限期纠正 case (see
:mod:`.rectification`): the department, which failing, the evidence — the coordination it did not follow, the
三定执行情况评估 that found it, the devolution without approval or without its support — who recorded it and
when, the order's date and where it stands. Here they are listed, per department, for a period (the day each
was recorded), as the lists behind the dashboard's 限期纠正 figures and as the ledger."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.intake.domain.actors import Actor
from services.intake.domain.cases import STATUS_NAMES, Kind, Status
from services.intake.domain.rectification import (
    DEVOLUTION_GROUNDS,
    FINDING_STATES,
    OPEN,
    RECTIFICATION_GROUND_NAMES,
    RectificationGround,
    corrected_in_time,
)
from services.intake.domain.rules import named
from services.intake.tables import CaseEvent, CaseRecord, Department, Person
from shared.errors import Forbidden, ValidationFailed
from shared.localtime import end_of_day, local_date, start_of_day
from shared.runtime import ServiceRuntime

if TYPE_CHECKING:  # the period is supervision's, which counts these findings among its figures
    from services.intake.usecases.supervision import Period

STATES = FINDING_STATES
#: every state an order can be in
STATUSES = sorted({str(status) for state in STATES.values() for status in state.statuses})
#: a ground filter for both grounds of 第三十七条第四项 (the dashboard's 各部门职责下放情况 opens it)
DEVOLUTION = "devolution"
DEVOLUTION_NAME = "（四）未经审批擅自下放职责，或经批准下放职责后未落实相应保障措施"
#: what the history tells of each finding beyond its row
TOLD = ("report_correction", "confirm_correction", "refer_to_supervision", "refer_uncorrected")


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
        if ground is not None and ground != DEVOLUTION and ground not in set(RectificationGround):
            raise ValidationFailed.for_field("ground", "没有这种情形（第三十七条）")
        if state is not None and state not in STATES:
            raise ValidationFailed.for_field("state", "没有这种办理情况")
        return cls(period, args.get("department") or None, ground, state)

    def described(self, departments: dict[str, str]) -> list[str]:
        """The filters in words, as the ledger writes them at the top."""
        words = [f"记录期间：{self.period.text}"]
        if self.department:
            words.append(f"部门：{named(departments, self.department)}")
        if self.ground == DEVOLUTION:
            words.append(f"情形：{DEVOLUTION_NAME}")
        elif self.ground:
            words.append(f"情形：{RECTIFICATION_GROUND_NAMES[RectificationGround(self.ground)]}")
        if self.state:
            words.append(f"办理情况：{STATES[self.state].name}")
        return words


def _conditions(actor: Actor, wanted: FindingFilter, *, by_department: bool = True) -> list[Any]:
    """What the filter selects in SQL (all but a correction's timeliness, told by its history)."""
    if not actor.is_office:
        raise Forbidden("只有编办可以查看限期纠正情况", code="role_required")
    r = CaseRecord
    conditions = [
        r.jurisdiction_code == actor.jurisdiction,
        r.created_at >= start_of_day(wanted.period.start),
        r.created_at <= end_of_day(wanted.period.end),
        r.status.in_(STATUSES),  # with the kind: ix_case_record_scope, the orders alone, not every case
        r.kind == Kind.RECTIFICATION,
    ]
    if wanted.department and by_department:
        conditions.append(r.applicant_department == wanted.department)
    if wanted.ground == DEVOLUTION:
        conditions.append(r.content["ground"].as_string().in_([str(g) for g in DEVOLUTION_GROUNDS]))
    elif wanted.ground:
        conditions.append(r.content["ground"].as_string() == wanted.ground)
    if wanted.state:
        state = STATES[wanted.state]
        conditions.append(r.status.in_([str(s) for s in state.statuses]))
        if state.overdue_only:
            conditions.append(r.overdue.is_(True))
    return conditions


def _query(actor: Actor, wanted: FindingFilter, *, by_department: bool = True) -> Any:
    conditions = _conditions(actor, wanted, by_department=by_department)
    return select(CaseRecord).where(*conditions).order_by(CaseRecord.created_at.desc(), CaseRecord.id.desc())


def _history(session: Session, ids: Sequence[str]) -> dict[tuple[str, str], tuple[date, str]]:
    """The last day (and actor) of each told step of each finding, by (case, action)."""
    events = session.execute(
        select(CaseEvent.case_id, CaseEvent.action, CaseEvent.at, CaseEvent.actor_id)
        .where(CaseEvent.case_id.in_(ids), CaseEvent.action.in_(TOLD))
        .order_by(CaseEvent.id)
    ).all()
    return {(case_id, action): (local_date(at), actor_id) for case_id, action, at, actor_id in events}


def _in_time(record: CaseRecord, told: dict[tuple[str, str], tuple[date, str]]) -> bool:
    return corrected_in_time(_reported_on(told, record.id), _due(record))


def _reported_on(told: dict[tuple[str, str], tuple[date, str]], case_id: str) -> date | None:
    """The day of the report the office confirmed (or of the confirmation, where no report is on record)."""
    reported = told.get((case_id, "report_correction")) or told.get((case_id, "confirm_correction"))
    return reported[0] if reported else None


def _due(record: CaseRecord) -> date | None:
    return _date((record.content or {}).get("due_date"))


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _matching(
    session: Session, actor: Actor, wanted: FindingFilter, *, by_department: bool = True
) -> tuple[list[CaseRecord], dict[tuple[str, str], tuple[date, str]]]:
    """The findings under the filter, newest first, with their told steps. Findings are few (an order is
    the office's own decision), so a correction's timeliness is judged here rather than in SQL."""
    records = list(session.scalars(_query(actor, wanted, by_department=by_department)).all())
    told = _history(session, [r.id for r in records])
    state = STATES.get(wanted.state or "")
    if state is not None and state.in_time is not None:
        records = [r for r in records if _in_time(r, told) is state.in_time]
    return records, told


def _state_of(record: CaseRecord, told: dict[tuple[str, str], tuple[date, str]]) -> list[str]:
    """The figures a finding counts in."""
    return [
        key
        for key, state in STATES.items()
        if record.status in state.statuses
        and (record.overdue or not state.overdue_only)
        and (state.in_time is None or _in_time(record, told) is state.in_time)
    ]


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
        return len(_matching(session, actor, wanted)[0])


def corrected_split(session: Session, actor: Actor, period: Period) -> Counter[str]:
    """How many orders of the period were corrected in time and how many after their date (the dashboard's
    other 限期纠正 figures come from the read model): the corrected orders alone, through
    ``ix_case_record_scope``, and the day of their report in one grouped query."""
    r = CaseRecord
    conditions = _conditions(actor, FindingFilter(period))
    counts: Counter[str] = Counter()
    corrected = [*conditions, r.status == Status.CORRECTED]
    due: dict[str, str | None] = dict(
        session.execute(select(r.id, r.content["due_date"].as_string()).where(*corrected)).all()
    )
    told: dict[tuple[str, str], tuple[date, str]] = {}
    days = (
        select(CaseEvent.case_id, CaseEvent.action, func.max(CaseEvent.at))
        .join(r, r.id == CaseEvent.case_id)
        .where(*corrected, CaseEvent.action.in_(("report_correction", "confirm_correction")))
        .group_by(CaseEvent.case_id, CaseEvent.action)
    )
    for case_id, action, at in session.execute(days).all():
        told[(case_id, action)] = (local_date(at), "")
    for case_id, due_date in due.items():
        on_time = corrected_in_time(_reported_on(told, case_id), _date(due_date))
        counts[next(key for key, state in STATES.items() if state.in_time is on_time)] += 1
    return counts


def per_department(runtime: ServiceRuntime, actor: Actor, wanted: FindingFilter) -> list[dict[str, Any]]:
    """Each department with findings under the filter (any department): how many in each state."""
    names = department_names(runtime, actor)
    with runtime.db.transaction() as session:
        records, told = _matching(session, actor, wanted, by_department=False)
    counts: dict[str, Counter[str]] = {}
    for record in records:
        tally = counts.setdefault(record.applicant_department or "", Counter())
        tally["total"] += 1
        tally.update(_state_of(record, told))
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
    with runtime.db.transaction() as session:
        found, told = _matching(session, actor, wanted)
        records = found[offset : offset + limit]
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
    return [_row(r, names, people, titles, told) for r in records]


def _row(
    record: CaseRecord,
    names: dict[str, str],
    people: dict[str, str],
    titles: dict[str, str],
    last: dict[tuple[str, str], tuple[date, str]],
) -> dict[str, Any]:
    content = record.content or {}
    due = _due(record)
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
        return f"{name}（{'按期纠正' if _in_time(record, last) else '逾期后纠正'}）"
    if status == Status.REFERRED_TO_SUPERVISION:
        by_sweep = (record.id, "refer_uncorrected") in last
        return f"{name}（{'逾期未纠正，系统自动移交' if by_sweep else '编办决定移交'}）"
    if status in OPEN and record.overdue:
        return f"{name}（已逾期）"
    return name
