"""One step on one case: the unit of work, the case as row and as domain object, and how it is saved."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.intake import queries
from services.intake.domain.actors import Actor
from services.intake.domain.cases import (
    TERMINAL,
    Case,
    HistoryEntry,
    Status,
    transition,
)
from services.intake.domain.rules import SolicitationStatus
from services.intake.messages.cases import Outgoing, department_party, office_party
from services.intake.tables import (
    CaseClock,
    CaseEvent,
    CaseRecord,
    Department,
    Solicitation,
)
from shared.contracts import Party
from shared.db import utcnow
from shared.errors import Conflict, ValidationFailed
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

Body = dict[str, Any]


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def clock_id(case_id: str, rule: str, subject: str | None = None) -> str:
    return f"{case_id}:{rule}" + (f":{subject}" if subject else "")


# --- one step on one case ---


@dataclass
class Step:
    """A use case in progress on one case: its transaction, the case (row and domain object), the actor."""

    uow: UnitOfWork
    record: CaseRecord
    case: Case
    actor: Actor
    out: Outgoing
    entries: list[HistoryEntry] = field(default_factory=list)

    @property
    def session(self) -> Session:
        return self.uow.session

    def move(self, action: str, *, reason: str | None = None, **data: Any) -> HistoryEntry:
        entry = transition(self.case, action, self.actor, reason=reason, data=jsonable(data))
        self.entries.append(entry)
        return entry

    def remember(self, **values: Any) -> None:
        self.record.state = {**(self.record.state or {}), **jsonable(values)}

    def clock(self, rule: str, subject: str | None = None) -> CaseClock | None:
        return self.session.get(CaseClock, clock_id(self.record.id, rule, subject))

    def applicant(self) -> list[Party]:
        code = self.record.applicant_department
        return [department_party(code, self.record.jurisdiction_code)] if code else []

    def departments(
        self, *, roles: Iterable[str] | None = None, include_applicant: bool = True
    ) -> list[Party]:
        wanted = set(roles) if roles is not None else None
        codes = {
            p.department_code
            for p in queries.parties_of(self.session, self.record.id)
            if wanted is None or p.role in wanted
        }
        if include_applicant and self.record.applicant_department:
            codes.add(self.record.applicant_department)
        return [department_party(c, self.record.jurisdiction_code) for c in sorted(codes)]

    def office(self) -> list[Party]:
        return [office_party(self.record.jurisdiction_code)]

    def department_name(self, code: str) -> str:
        """What a notice calls a department: its name in the directory (the code if it has none)."""
        department = self.session.get(Department, code)
        return department.name if department is not None else code

    def dedupe(self) -> str:
        return f"v{self.record.version}-{len(self.entries)}"


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def next_actor(session: Session, record: CaseRecord) -> str | None:
    status = Status(record.status)
    if status in TERMINAL:
        return None
    if status is Status.COORDINATING and pending_solicitations(session, record.id):
        return "departments"
    return {
        Status.SUPPLEMENT_REQUESTED: "applicant",
        Status.ORDERED: "applicant",
        Status.AWAITING_APPROVAL: "office_leader",
        Status.ORG_REVIEW: "org_reviewer",
        Status.AWAITING_COMMITTEE: "committee",
        Status.IN_EXECUTION: "parties_execute",
    }.get(status, "office")


def pending_solicitations(session: Session, case_id: str) -> list[Solicitation]:
    open_states = (SolicitationStatus.PENDING, SolicitationStatus.DELAYED_WITH_REASON)
    return list(
        session.scalars(
            select(Solicitation).where(Solicitation.case_id == case_id, Solicitation.status.in_(open_states))
        ).all()
    )


#: clocks someone still has to act on: the deadlines service's phases, and ours before it answers
LIVE_CLOCK_STATES = ("requested", "running", "overdue")


def refresh_deadline(session: Session, record: CaseRecord) -> None:
    """The case shows its nearest running deadline, and whether any of its clocks is overdue."""
    session.flush()
    running = session.scalars(
        select(CaseClock).where(CaseClock.case_id == record.id, CaseClock.state.in_(LIVE_CLOCK_STATES))
    ).all()
    dates = [c.due_date for c in running if c.due_date is not None]
    record.due_date = min(dates) if dates else None
    record.overdue = any(c.overdue or c.state == "overdue" for c in running)


def save(step: Step) -> None:
    """Write the domain object back and append its history lines."""
    record, case = step.record, step.case
    record.status = str(case.status)
    step.remember(
        resume_to=str(case.resume_to) if case.resume_to else None,
        extended=case.extended,
        major=case.major,
        pending_decision=case.pending_decision,
    )
    for entry in step.entries:
        step.session.add(
            CaseEvent(
                case_id=record.id,
                actor_id=entry.actor_id,
                actor_name=entry.actor_name,
                action=entry.action,
                from_status=str(entry.from_status) if entry.from_status else None,
                to_status=str(entry.to_status),
                reason=entry.reason,
                data=entry.data,
            )
        )
    step.session.flush()
    record.next_actor = next_actor(step.session, record)
    refresh_deadline(step.session, record)
    record.updated_at = utcnow()


def concurrent_change() -> Conflict:
    return Conflict("该事项刚被他人修改，请刷新后重试", code="concurrent_change")


def commit(uow: UnitOfWork) -> None:
    try:
        uow.commit()
    except StaleDataError as exc:
        raise concurrent_change() from exc


def check_departments(session: Session, jurisdiction: str, named: dict[str, list[str]]) -> None:
    known = set(
        session.scalars(
            select(Department.code).where(Department.jurisdiction_code == jurisdiction, Department.active)
        ).all()
    )
    fields = {
        name: [f"本辖区没有这些部门：{'、'.join(c for c in codes if c not in known)}"]
        for name, codes in named.items()
        if any(c not in known for c in codes)
    }
    if fields:
        raise ValidationFailed("所列部门不存在或不在本辖区", code="unknown_department", fields=fields)


def start_coordination_clock(step: Step) -> None:
    step.out.start_clock(
        clock_id(step.record.id, "coordination_opinion"),
        "coordination_opinion",
        step.office(),
        urgent=bool(step.record.content.get("urgent")),
    )


def outgoing(runtime: ServiceRuntime, uow: UnitOfWork, record: CaseRecord) -> Outgoing:
    return Outgoing(uow, record, runtime.settings.public_base_url)
