"""The office worklist (待办) and a department's tasks: a read model fed by the ``task.*`` events.

Every service publishes "a task is open for X until D" (``task.opened``), "it moved to Y"
(``task.reassigned``) and "it is closed" (``task.closed``) to the ``intake`` queue; these handlers keep one
row per task. The pages then ask one table, across services: everything waiting for the office of a
jurisdiction, most urgent statutory date first, and everything waiting for a department. See
``docs/worklist.md`` for why it is built this way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from services.intake.domain.approvals.workdays import ClockCalendar, TimeLeft, WorkingDayCounter, time_left
from services.intake.tables import Department, Person, WorklistTask
from shared.identity import DEPARTMENT_ROLES, OFFICE_ROLES, Principal
from shared.localtime import local_date, zone
from shared.localtime import today as local_today
from shared.messaging import MalformedMessage, UnitOfWork

log = logging.getLogger(__name__)

OPEN, CLOSED = "open", "closed"
OFFICE_FUNCTION = "establishment_office"  # 编办: the department whose staff are "the office"
KIND_NAMES = {
    "filing": "协商纪要备案",
    "coordination": "职责分工协调",
    "duty_plan": "职责配置方案",
    "reflection": "书面反映",
    "rectification": "限期纠正",
    "devolution": "职责下放",
}
SOON_WORKING_DAYS = 2  # the reminder plan's default "due soon" (DESIGN.md: 2 working days before)
LIST_LIMIT = 300


# --- the handlers --------------------------------------------------------------------------------------


def _instant(value: Any, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError) as exc:
        raise MalformedMessage(f"task event without a valid {field}: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=zone())


def _task(session: Session, task_id: Any) -> WorklistTask | None:
    if not task_id:
        raise MalformedMessage("task event without task_id")
    return session.get(WorklistTask, str(task_id))


def _is_stale(task: WorklistTask | None, at: datetime) -> bool:
    return task is not None and task.changed_at is not None and task.changed_at > at


class _LookUp:
    """The task's row is not known yet: :func:`task_opened` reads it."""


LOOK_UP = _LookUp()


def task_opened(
    uow: UnitOfWork, payload: Mapping[str, Any], row: WorklistTask | _LookUp | None = LOOK_UP
) -> None:
    """Open (or update, or reopen) the task; an event older than the task's last change is ignored.
    ``row``: the task's row (``None``: there is none yet) when the caller has it already."""
    at = _instant(payload.get("opened_at"), "opened_at")
    task = _task(uow.session, payload.get("task_id")) if isinstance(row, _LookUp) else row
    if _is_stale(task, at):
        log.info("task.opened for %s older than its last change: ignored", payload.get("task_id"))
        return
    if task is None:
        task = WorklistTask(task_id=str(payload["task_id"]), state=CLOSED)
        uow.session.add(task)
    case, assignee = payload.get("case") or {}, payload.get("assignee") or {}
    if not case.get("id") or not assignee.get("kind"):
        raise MalformedMessage("task.opened needs case and assignee")
    due = payload.get("due_date")
    task.service, task.case_kind = str(case.get("service", "")), str(case.get("kind", ""))
    task.case_id, task.case_title = str(case["id"]), str(case.get("title", ""))[:300]
    task.case_jurisdiction = str(case.get("jurisdiction", ""))
    task.department, task.document_number = payload.get("department"), payload.get("document_number")
    task.step, task.step_name = str(payload.get("step", "")), str(payload.get("step_name", ""))[:100]
    task.article = payload.get("article")
    _assign(task, assignee)
    task.due_date = date.fromisoformat(due) if due else None
    task.provisional = bool(payload.get("provisional"))
    task.calendar = payload.get("calendar") if due else None
    task.url = str(payload.get("url") or case.get("url") or "")[:500]
    if task.state != OPEN or task.opened_at is None:  # new or reopened; an update keeps its first opening
        task.opened_at = at
    task.state, task.outcome, task.closed_at, task.changed_at = OPEN, None, None, at
    task.closed_late = None


def _assign(task: WorklistTask, assignee: Mapping[str, Any]) -> None:
    task.assignee_kind = str(assignee.get("kind", ""))
    task.assignee_id = str(assignee.get("id", ""))
    task.assignee_jurisdiction = str(assignee.get("jurisdiction", ""))


def task_reassigned(uow: UnitOfWork, payload: Mapping[str, Any]) -> None:
    at = _instant(payload.get("at"), "at")
    task = _task(uow.session, payload.get("task_id"))
    if task is None or _is_stale(task, at) or task.state != OPEN:
        log.info("task.reassigned for an unknown, closed or newer task %s: ignored", payload.get("task_id"))
        return
    _assign(task, payload.get("assignee") or {})
    task.changed_at = at


def task_closed(uow: UnitOfWork, payload: Mapping[str, Any]) -> None:
    """Close the task; for one not seen yet, remember the closing: a late ``task.opened`` is then ignored."""
    at = _instant(payload.get("at"), "at")
    task = _task(uow.session, payload.get("task_id"))
    if _is_stale(task, at):
        return
    if task is None:
        task = WorklistTask(task_id=str(payload["task_id"]))
        uow.session.add(task)
    elif task.state == CLOSED:
        return
    task.state, task.outcome = CLOSED, str(payload.get("outcome") or "done")
    task.closed_at, task.changed_at = at, at
    task.closed_late = task.due_date is not None and local_date(at) > task.due_date


# --- the queries ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the worklist page may ask for; every field is optional."""

    kind: str = ""
    status: str = OPEN  # open | closed | all
    department: str = ""
    jurisdiction: str = ""
    overdue_only: bool = False
    search: str = ""


@dataclass(frozen=True)
class TaskView:
    task_id: str
    case_kind: str
    kind_name: str
    case_title: str
    step_name: str
    article: str | None
    department_name: str
    assignee_name: str
    document_number: str | None
    due_date: date | None
    provisional: bool
    time_left: TimeLeft | None
    url: str
    state: str
    outcome: str | None
    opened_at: datetime | None
    closed_at: datetime | None

    @property
    def urgency(self) -> str:
        """overdue | today | soon | later | none — what the badge and the order say."""
        if self.state != OPEN or self.due_date is None or self.time_left is None:
            return "none"
        if self.time_left.overdue:
            return "overdue"
        if self.time_left.days == 0:
            return "today"
        return "soon" if self.time_left.days <= SOON_WORKING_DAYS else "later"

    @property
    def badge(self) -> str:
        if self.state != OPEN:
            return "已办结" if self.outcome == "done" else "已撤销"
        if self.due_date is None or self.time_left is None:
            return "无法定期限"
        label = self.time_left.label
        return f"{label}（暂定）" if self.provisional else label


def _office_assignee(session: Session, jurisdiction: str) -> ColumnElement[bool]:
    """Tasks waiting for the office of ``jurisdiction``: one of its roles, its department, or its staff."""
    office_departments = select(Department.code).where(
        Department.jurisdiction_code == jurisdiction, Department.function == OFFICE_FUNCTION
    )
    office_people = select(Person.id).where(
        Person.jurisdiction_code == jurisdiction, Person.department_code.in_(office_departments)
    )
    return and_(
        WorklistTask.assignee_jurisdiction == jurisdiction,
        or_(
            and_(
                WorklistTask.assignee_kind == "role",
                WorklistTask.assignee_id.in_([str(r) for r in OFFICE_ROLES]),
            ),
            and_(
                WorklistTask.assignee_kind == "department", WorklistTask.assignee_id.in_(office_departments)
            ),
            and_(WorklistTask.assignee_kind == "person", WorklistTask.assignee_id.in_(office_people)),
        ),
    )


def _department_assignee(principal: Principal) -> ColumnElement[bool]:
    """Tasks waiting for the caller's department (or the caller, or a department role of theirs)."""
    own_roles = [str(r) for r in principal.roles if r in {str(x) for x in DEPARTMENT_ROLES}]
    return or_(
        and_(
            WorklistTask.assignee_kind == "department",
            WorklistTask.assignee_id == (principal.department or ""),
            WorklistTask.assignee_jurisdiction == principal.jurisdiction,
        ),
        and_(WorklistTask.assignee_kind == "person", WorklistTask.assignee_id == principal.user_id),
        and_(
            WorklistTask.assignee_kind == "role",
            WorklistTask.assignee_id.in_(own_roles),
            WorklistTask.assignee_jurisdiction == principal.jurisdiction,
            WorklistTask.department == principal.department,
        ),
    )


#: the step a service opens for an application still a draft: listed in 我的办件 as 草稿, never as work
DRAFT_STEP = "draft"


def _apply(query: Any, filters: Filters, today: date) -> Any:
    query = query.where(WorklistTask.case_id != "")  # not a closing remembered for a task never opened
    query = query.where(WorklistTask.step != DRAFT_STEP)
    if filters.status in (OPEN, CLOSED):
        query = query.where(WorklistTask.state == filters.status)
    if filters.kind:
        query = query.where(WorklistTask.case_kind == filters.kind)
    if filters.department:
        query = query.where(WorklistTask.department == filters.department)
    if filters.jurisdiction:
        query = query.where(WorklistTask.case_jurisdiction == filters.jurisdiction)
    if filters.overdue_only:
        query = query.where(WorklistTask.state == OPEN, WorklistTask.due_date < today)
    if filters.search.strip():
        like = f"%{filters.search.strip().lower()}%"
        named = select(Department.code).where(func.lower(Department.name).like(like))
        query = query.where(
            or_(
                func.lower(WorklistTask.case_title).like(like),
                func.lower(func.coalesce(WorklistTask.document_number, "")).like(like),
                WorklistTask.department.in_(named),
            )
        )
    return query


def _ordered(query: Any) -> Any:
    """Open before closed; then the earliest statutory date first (overdue, today, soon), undated last."""
    return query.order_by(
        (WorklistTask.state != OPEN),
        WorklistTask.due_date.is_(None),
        WorklistTask.due_date,
        WorklistTask.opened_at,
    ).limit(LIST_LIMIT)


def office_worklist(
    runtime: Any,
    principal: Principal,
    filters: Filters,
    *,
    counter: WorkingDayCounter,
    today: date | None = None,
) -> list[TaskView]:
    """待办: everything waiting for the caller's office, across services, most urgent first."""
    day = today or local_today()
    with runtime.db.reading() as session:
        query = select(WorklistTask).where(_office_assignee(session, principal.jurisdiction))
        rows = session.scalars(_ordered(_apply(query, filters, day))).all()
        return _views(session, rows, day, counter)


def department_tasks(
    runtime: Any,
    principal: Principal,
    filters: Filters,
    *,
    counter: WorkingDayCounter,
    today: date | None = None,
) -> list[TaskView]:
    """What waits for the caller's department (or the caller), most urgent first."""
    day = today or local_today()
    with runtime.db.reading() as session:
        query = select(WorklistTask).where(_department_assignee(principal))
        rows = session.scalars(_ordered(_apply(query, filters, day))).all()
        return _views(session, rows, day, counter)


def filter_options(runtime: Any, principal: Principal) -> dict[str, list[tuple[str, str]]]:
    """The choices of the filters: kinds and departments present in the office's tasks, by name."""
    with runtime.db.reading() as session:
        visible = select(WorklistTask).where(_office_assignee(session, principal.jurisdiction)).subquery()
        kinds = session.scalars(select(visible.c.case_kind).distinct()).all()
        departments = session.scalars(
            select(visible.c.department).where(visible.c.department.is_not(None)).distinct()
        ).all()
        jurisdictions = session.scalars(select(visible.c.case_jurisdiction).distinct()).all()
        names = _department_names(session, [d for d in departments if d])
    from shared.jurisdictions import jurisdiction_name

    return {
        "kinds": sorted(((k, KIND_NAMES.get(k, "事项")) for k in kinds if k), key=lambda kv: kv[1]),
        "departments": sorted(((d, names[d]) for d in departments if d in names), key=lambda kv: kv[1]),
        "jurisdictions": sorted(
            ((j, jurisdiction_name(j)) for j in {*jurisdictions, principal.jurisdiction} if j),
            key=lambda kv: kv[0],
        ),
    }


def department_name(runtime: Any, code: str | None) -> str:
    """A department by its name (本部门 when the directory has none)."""
    with runtime.db.reading() as session:
        return _department_names(session, [code] if code else []).get(code or "") or "本部门"


def _department_names(session: Session, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = session.execute(select(Department.code, Department.name).where(Department.code.in_(codes))).all()
    return {code: name for code, name in rows}


def department_cases(
    runtime: Any,
    principal: Principal,
    filters: Filters,
    *,
    counter: WorkingDayCounter,
    today: date | None = None,
) -> list[TaskView]:
    """我的办件: every case of the caller's department (its own applications and those it takes part in),
    one card per case — the step open now and who must act on it, the next statutory date — newest activity
    first. ``filters.status`` says whether a case still has an open step (open) or none (closed)."""
    day = today or local_today()
    with runtime.db.reading() as session:
        ours = or_(
            _department_assignee(principal),
            and_(
                WorklistTask.department == (principal.department or ""),
                WorklistTask.case_jurisdiction == principal.jurisdiction,
            ),
        )
        query = select(WorklistTask).where(ours, WorklistTask.case_id != "", WorklistTask.step != DRAFT_STEP)
        if filters.kind:
            query = query.where(WorklistTask.case_kind == filters.kind)
        if filters.search.strip():
            query = query.where(
                func.lower(WorklistTask.case_title).like(f"%{filters.search.strip().lower()}%")
            )
        rows = session.scalars(query.order_by(WorklistTask.changed_at.desc()).limit(LIST_LIMIT * 4)).all()
        cases: dict[tuple[str, str], list[WorklistTask]] = {}
        for row in rows:
            cases.setdefault((row.service, row.case_id), []).append(row)
        chosen = []
        for tasks in cases.values():  # newest activity first: the dict keeps the order of the first row seen
            waiting = [t for t in tasks if t.state == OPEN]
            if filters.status == OPEN and not waiting:
                continue
            if filters.status == CLOSED and waiting:
                continue
            undated = date.max
            chosen.append(min(waiting, key=lambda t: t.due_date or undated) if waiting else tasks[0])
        return _views(session, chosen[:LIST_LIMIT], day, counter)


@dataclass(frozen=True)
class DraftView:
    """An application another service keeps as a draft (devolution's, 第三十三条), as 我的办件 lists it."""

    title: str
    kind_name: str
    article: str | None
    saved_at: datetime
    url: str


def department_drafts(runtime: Any, principal: Principal) -> list[DraftView]:
    """The department's applications other services keep as drafts, the last saved first."""
    with runtime.db.reading() as session:
        rows = session.scalars(
            select(WorklistTask)
            .where(
                _department_assignee(principal),
                WorklistTask.step == DRAFT_STEP,
                WorklistTask.state == OPEN,
                WorklistTask.case_id != "",
            )
            .order_by(WorklistTask.changed_at.desc())
            .limit(LIST_LIMIT)
        ).all()
        return [
            DraftView(
                title=r.case_title,
                kind_name=KIND_NAMES.get(r.case_kind, "事项"),
                article=r.article,
                saved_at=r.changed_at,
                url=r.url,
            )
            for r in rows
        ]


def case_kinds(runtime: Any, principal: Principal) -> list[tuple[str, str]]:
    """The kinds of case the department has, by name (the choices of 我的办件's filter)."""
    with runtime.db.reading() as session:
        kinds = session.scalars(
            select(WorklistTask.case_kind)
            .where(
                or_(
                    _department_assignee(principal),
                    WorklistTask.department == (principal.department or ""),
                )
            )
            .distinct()
        ).all()
    return sorted(((k, KIND_NAMES.get(k, "事项")) for k in kinds if k), key=lambda kv: kv[1])


def _assignee_names(session: Session, rows: list[WorklistTask]) -> dict[tuple[str, str], str]:
    people = [r.assignee_id for r in rows if r.assignee_kind == "person"]
    departments = [r.assignee_id for r in rows if r.assignee_kind == "department"]
    names: dict[tuple[str, str], str] = {}
    if people:
        for pid, name in session.execute(select(Person.id, Person.name).where(Person.id.in_(people))).all():
            names[("person", pid)] = name
    for code, name in _department_names(session, departments).items():
        names[("department", code)] = name
    return names


def _role_name(role: str) -> str:
    from shared.identity import ROLE_NAMES, Role

    return ROLE_NAMES.get(Role(role), "相关人员") if role in Role._value2member_map_ else "相关人员"


def _views(session: Session, rows: Any, today: date, counter: WorkingDayCounter) -> list[TaskView]:
    rows = list(rows)
    departments = _department_names(session, [r.department for r in rows if r.department])
    assignees = _assignee_names(session, rows)
    views = []
    for r in rows:
        left = None
        if r.due_date and r.state == OPEN:  # counted with the window the task's clock carried, if any
            left = time_left(r.due_date, today, ClockCalendar.from_json(r.calendar, counter))
        assignee = assignees.get((r.assignee_kind, r.assignee_id)) or (
            _role_name(r.assignee_id) if r.assignee_kind == "role" else "相关部门"
        )
        views.append(
            TaskView(
                task_id=r.task_id,
                case_kind=r.case_kind,
                kind_name=KIND_NAMES.get(r.case_kind, "事项"),
                case_title=r.case_title,
                step_name=r.step_name,
                article=r.article,
                department_name=departments.get(r.department or "", ""),
                assignee_name=assignee,
                document_number=r.document_number,
                due_date=r.due_date,
                provisional=r.provisional,
                time_left=left,
                url=r.url,
                state=r.state,
                outcome=r.outcome,
                opened_at=r.opened_at,
                closed_at=r.closed_at,
            )
        )
    return views
