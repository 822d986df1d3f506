"""One step on one case: the unit of work, the case as row and as domain object, the actor, and how it is
saved — what every case action's handler works with."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.intake import mapping, queries
from services.intake.domain import rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import ACTION_LABELS, PROCEDURES, Case, HistoryEntry, transition
from services.intake.domain.coordination import REPLY_CLOCK_RUNNING
from services.intake.domain.procedure import STATUS_NAMES, Procedure, next_actor
from services.intake.messages.cases import Outgoing, department_party, office_party
from services.intake.tables import CaseClock, CaseEvent, CaseRecord, Department, Solicitation
from services.intake.usecases import jurisdiction as jurisdictions
from shared.contracts import Party
from shared.db import utcnow
from shared.errors import Conflict
from shared.jsonable import jsonable
from shared.messaging import UnitOfWork


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def clock_id(case_id: str, rule: str, subject: str | None = None) -> str:
    return f"{case_id}:{rule}" + (f":{subject}" if subject else "")


@dataclass
class Step:
    """A use case in progress on one case: its transaction, the case (row and domain object), the actor, the
    action being taken, and the messages the step causes."""

    uow: UnitOfWork
    record: CaseRecord
    case: Case
    actor: Actor
    out: Outgoing
    action: str = ""
    entries: list[HistoryEntry] = field(default_factory=list)
    audited_as: Actor | None = None
    """who the audit trail names when ``actor`` is only the channel the step came by (the approval message:
    the leader who decided, in the roles they decided in); ``None``: ``actor``"""

    @property
    def session(self) -> Session:
        return self.uow.session

    @property
    def procedure(self) -> Procedure:
        """What this kind of case does (its clocks, its transitions)."""
        return PROCEDURES[self.case.kind]

    def move(self, *, reason: str | None = None, **data: Any) -> HistoryEntry:
        """Take the step's action on the case (state and role checked by the domain) and note it."""
        entry = transition(
            self.case, self.action, self.actor, reason=reason, data=jsonable(data, drop_none=True)
        )
        self.entries.append(entry)
        return entry

    def record_progress(self, **values: Any) -> None:
        """Add to the record of what was decided on the case (shown as its ``progress``)."""
        self.record.progress = {**(self.record.progress or {}), **jsonable(values, drop_none=True)}

    def clock(self, rule: str | None, subject: str | None = None) -> CaseClock | None:
        if rule is None:
            return None
        return self.session.get(CaseClock, clock_id(self.record.id, rule, subject))

    def stop_clock(self, rule: str | None, outcome: str = "done", subject: str | None = None) -> None:
        """Stop one of the case's clocks, if it runs (a stopped clock stays stopped)."""
        clock = self.clock(rule, subject)
        if clock is not None and clock.state != "stopped":
            self.out.stop_clock(clock.clock_id, outcome)
            clock.state = "stopped"

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
        """What a notice calls a department: its name in the directory (never its code: 有关部门 if none)."""
        department = self.session.get(Department, code)
        return department.name if department is not None else "有关部门"

    def dedupe(self) -> str:
        return f"v{self.record.version}-{len(self.entries)}"


def start_step(
    uow: UnitOfWork,
    record: CaseRecord,
    actor: Actor,
    base_url: str,
    action: str = "",
    parties: Iterable[str] | None = None,
) -> Step:
    """A step on ``record`` as ``actor``, in ``uow`` (``parties``: the case's departments, when known)."""
    case = mapping.case_of(uow.session, record, parties)
    return Step(uow, record, case, actor, Outgoing(uow, record, base_url), action)


def save(step: Step) -> None:
    """Write the domain object back, append its history lines, and show who acts next and by when."""
    record = step.record
    mapping.write_case(record, step.case)
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
        audit_entry(step, entry)
    if inspect(record).pending:  # opened in this unit of work: whatever refers to it is in the session too
        rows = [o for o in step.session.new if getattr(o, "case_id", None) == record.id]
        asking = any(isinstance(o, Solicitation) and o.status in REPLY_CLOCK_RUNNING for o in rows)
        running = [o for o in rows if isinstance(o, CaseClock) and o.state in LIVE_CLOCK_STATES]
    else:  # both read what the flush wrote; what they set waits for the commit's flush (one UPDATE, not two)
        step.session.flush()
        asking = bool(queries.pending_solicitations(step.session, record.id))
        running = live_clocks(step.session, record)
    record.next_actor = next_actor(step.case, solicitations_open=asking)
    show_deadline(record, running)
    record.updated_at = utcnow()


def audit_entry(step: Step, entry: HistoryEntry) -> None:
    """Every state change of a case is in the audit trail: who, from where (at commit: when), which case,
    the action and the states it moved between."""
    record = step.record
    label = ACTION_LABELS.get(entry.action, entry.action)
    before = STATUS_NAMES.get(str(entry.from_status), str(entry.from_status)) if entry.from_status else None
    after = STATUS_NAMES.get(str(entry.to_status), str(entry.to_status))
    moved = f"（{before} → {after}）" if before and before != after else f"（{after}）"
    step.uow.audit(
        f"case.{entry.action}",
        actor=step.audited_as or step.actor,
        jurisdiction=record.jurisdiction_code,
        object_type="case",
        object_id=record.id,
        summary=f"{label}：{record.title}{moved}",
        details={
            "kind": record.kind,
            "from_status": str(entry.from_status) if entry.from_status else None,
            "to_status": str(entry.to_status),
            "reason": entry.reason,
            "data": entry.data or None,
        },
    )


#: clocks someone still has to act on: the deadlines service's phases, and ours before it answers
LIVE_CLOCK_STATES = ("requested", "running", "overdue")


def refresh_deadline(session: Session, record: CaseRecord) -> None:
    """The case shows its nearest running deadline, and whether any of its clocks is overdue."""
    session.flush()
    show_deadline(record, live_clocks(session, record))


def live_clocks(session: Session, record: CaseRecord) -> list[CaseClock]:
    """The case's clocks someone still has to act on, as last flushed."""
    with session.no_autoflush:
        live = CaseClock.state.in_(LIVE_CLOCK_STATES)
        query = select(CaseClock).where(CaseClock.case_id == record.id, live)
        return list(session.scalars(query).all())


def show_deadline(record: CaseRecord, running: list[CaseClock]) -> None:
    dates = [c.due_date for c in running if c.due_date is not None]
    record.due_date = min(dates) if dates else None
    record.overdue = any(c.overdue or c.state == "overdue" for c in running)


def concurrent_change() -> Conflict:
    return Conflict("该事项刚被他人修改，请刷新后重试", code="concurrent_change")


def commit(uow: UnitOfWork) -> None:
    try:
        uow.commit()
    except StaleDataError as exc:
        raise concurrent_change() from exc


def check_departments(session: Session, jurisdiction: str, named: dict[str, list[str]]) -> None:
    """Every department named in the input exists in the jurisdiction; a 422 names the fields that do not
    (another jurisdiction's department with 第三十八条第二款)."""
    jurisdictions.check_named(session, jurisdiction, named)


def check_host(
    session: Session, actor: Actor, host: str, leads: list[str], others: dict[str, list[str]]
) -> None:
    """Every department named exists here, and the submitter is the rightful host (第13条)."""
    named = {"host_department": [host], "lead_departments": leads, **others}
    check_departments(session, actor.jurisdiction, named)
    rules.check_rightful_host(host, leads, actor.department)
