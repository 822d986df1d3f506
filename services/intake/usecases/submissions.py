"""Submissions: filings (第15条), coordination applications (第16条), cases the office opens (第26条),
written reflections (第26条第4款) and rectification orders (第37条); each once per idempotency key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.intake import queries
from services.intake.domain import rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import (
    Kind,
    Source,
    Status,
    open_case,
)
from services.intake.tables import (
    CaseParty,
    CaseRecord,
    IdempotentRequest,
)
from services.intake.usecases import attachments
from services.intake.usecases.case_step import (
    Body,
    Step,
    check_departments,
    clock_id,
    commit,
    jsonable,
    new_id,
    outgoing,
    save,
    start_coordination_clock,
)
from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime


def _replayed(session: Session, actor: Actor, key: str | None, endpoint: str) -> str | None:
    if not key:
        return None
    stored = session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == actor.user_id,
            IdempotentRequest.key == key,
            IdempotentRequest.endpoint == endpoint,
        )
    )
    return str(stored.response["case_id"]) if stored else None


def _remember_key(session: Session, actor: Actor, key: str | None, endpoint: str, case_id: str) -> None:
    if key:
        session.add(
            IdempotentRequest(
                user_id=actor.user_id,
                key=key[:120],
                endpoint=endpoint,
                status_code=201,
                response={"case_id": case_id},
            )
        )


@dataclass(frozen=True)
class NewCase:
    kind: Kind
    source: Source
    title: str
    applicant: str | None
    content: Body
    parties: dict[str, str]  # department → role
    attachment_ids: list[str]
    action: str  # "submit" | "open"
    status: Status
    named_attachments: dict[str, list[str]] = field(default_factory=dict)  # input field → ids it carries


def _create(
    runtime: ServiceRuntime,
    actor: Actor,
    new: NewCase,
    key: str | None,
    endpoint: str,
    effects: Callable[[Step], None],
) -> dict[str, Any]:
    """Create a case once per idempotency key; a repeat (even a concurrent one) returns the first case."""
    with runtime.unit_of_work() as uow:
        first = _replayed(uow.session, actor, key, endpoint)
        if first is None:
            record = _insert(uow, actor, new)
            step = Step(
                uow, record, queries.to_domain(uow.session, record), actor, outgoing(runtime, uow, record)
            )
            step.entries.append(open_case(step.case, actor, new.action))
            for name, ids in new.named_attachments.items():
                attachments.claim(uow.session, actor, record.id, ids, name)
            attachments.claim(uow.session, actor, record.id, new.attachment_ids)
            effects(step)
            save(step)
            _remember_key(uow.session, actor, key, endpoint, record.id)
            try:
                commit(uow)
            except IntegrityError:
                uow.rollback()
                first = _replayed(uow.session, actor, key, endpoint)
                if first is None:
                    raise
            else:
                return queries.detail(uow.session, record, actor)
    with runtime.db.transaction() as session:
        return queries.detail(session, queries.load_visible(session, actor, first), actor)


def _insert(uow: UnitOfWork, actor: Actor, new: NewCase) -> CaseRecord:
    record = CaseRecord(
        id=new_id("c"),
        jurisdiction_code=actor.jurisdiction,
        kind=str(new.kind),
        source=str(new.source),
        title=new.title,
        status=str(new.status),
        applicant_department=new.applicant,
        content=jsonable(new.content),
        state={},
        submitted_by=actor.user_id,
    )
    uow.session.add(record)
    uow.session.flush()  # the parties refer to it
    for code, role in new.parties.items():
        uow.session.add(CaseParty(case_id=record.id, department_code=code, role=role))
    uow.session.flush()
    return record


def _check_host(runtime: ServiceRuntime, actor: Actor, body: Body, others: dict[str, list[str]]) -> None:
    """Every department named exists here, and the submitter is the rightful host (第13条)."""
    host, leads = body["host_department"], list(body.get("lead_departments") or [])
    with runtime.db.transaction() as session:
        named = {"host_department": [host], "lead_departments": leads, **others}
        check_departments(session, actor.jurisdiction, named)
    rules.check_rightful_host(host, leads, actor.department)


def submit_filing(
    runtime: ServiceRuntime, actor: Actor, body: Body, key: str | None = None
) -> dict[str, Any]:
    """协商纪要备案 (第15条): the rightful host files minutes sealed by every party group; 5 working days."""
    host, assisting = body["host_department"], list(body["assisting_departments"])
    _check_host(runtime, actor, body, {"assisting_departments": assisting})
    rules.check_filing(host, assisting, [rules.Seal(**s) for s in body["seals"]])
    new = NewCase(
        kind=Kind.FILING,
        source=Source.APPLICATION,
        title=body["title"],
        applicant=host,
        content=body,
        parties={host: "host", **{d: "assisting" for d in assisting}},
        attachment_ids=list(body.get("attachment_ids", [])),
        action="submit",
        status=Status.SUBMITTED,
        named_attachments={"minutes_attachment_id": [body["minutes_attachment_id"]]},
    )

    def effects(step: Step) -> None:
        step.out.start_clock(clock_id(step.record.id, "filing_opinion"), "filing_opinion", step.office())
        step.out.notify(
            "case_submitted", step.office(), dedupe="submitted", applicant=step.department_name(host)
        )

    return _create(runtime, actor, new, key, "filings", effects)


def submit_application(
    runtime: ServiceRuntime, actor: Actor, body: Body, key: str | None = None
) -> dict[str, Any]:
    """协调申请 (第16条): after failed consultation the host's party group applies; 5 working days."""
    host, others = body["host_department"], list(body["other_parties"])
    _check_host(runtime, actor, body, {"other_parties": others})
    decision = body.get("collective_decision") or {}
    rules.check_application(
        rules.Application(
            host=host,
            other_parties=others,
            consultation_failed=bool(body.get("consultation_failed")),
            consultation_history=body.get("consultation_history", ""),
            collective_decision_date=str(decision["meeting_date"]) if decision.get("meeting_date") else None,
            leaning_opinion=body.get("leaning_opinion", ""),
            reasons=body.get("reasons", ""),
            bases=len(body.get("legal_bases") or []),
            urgent=bool(body.get("urgent")),
            interim_measures=body.get("interim_measures"),
            interim_told=list(body.get("interim_told") or []),
        )
    )
    minutes = [decision["minutes_attachment_id"]] if decision.get("minutes_attachment_id") else []
    new = NewCase(
        kind=Kind.COORDINATION,
        source=Source.APPLICATION,
        title=body["title"],
        applicant=host,
        content=body,
        parties={host: "host", **{d: "other" for d in others}},
        attachment_ids=list(body.get("attachment_ids", [])),
        action="submit",
        status=Status.SUBMITTED,
        named_attachments={"collective_decision.minutes_attachment_id": minutes},
    )

    def effects(step: Step) -> None:
        urgent = bool(body.get("urgent"))
        step.out.start_clock(
            clock_id(step.record.id, "acceptance_decision"),
            "acceptance_decision",
            step.office(),
            urgent=urgent,
        )
        step.out.notify(
            "case_submitted",
            step.office(),
            dedupe="submitted",
            urgent=urgent,
            applicant=step.department_name(host),
        )

    return _create(runtime, actor, new, key, "applications", effects)


def open_by_office(
    runtime: ServiceRuntime, actor: Actor, body: Body, key: str | None = None
) -> dict[str, Any]:
    """第26条: a coordination assigned by the committee or begun by the office starts as accepted."""
    parties = list(body["parties"])
    with runtime.db.transaction() as session:
        check_departments(session, actor.jurisdiction, {"parties": parties})
    if len(parties) < 1:
        raise ValidationFailed.for_field("parties", "至少列明一个相关部门")
    new = NewCase(
        kind=Kind.COORDINATION,
        source=Source(body["source"]),
        title=body["title"],
        applicant=None,
        content=body,
        parties={d: "other" for d in parties},
        attachment_ids=list(body.get("attachment_ids", [])),
        action="open",
        status=Status.COORDINATING,
    )

    def effects(step: Step) -> None:
        start_coordination_clock(step)
        step.out.notify("application_accepted", step.departments(), dedupe="opened", source=body["source"])

    return _create(runtime, actor, new, key, "office-opened", effects)


def record_reflection(
    runtime: ServiceRuntime, actor: Actor, body: Body, key: str | None = None
) -> dict[str, Any]:
    """第26条第4款: an enterprise, group or citizen wrote to a department or to the office; whoever
    received it records it, studies it, has it coordinated if needed, and tells the submitter the result."""
    new = NewCase(
        kind=Kind.REFLECTION,
        source=Source.PUBLIC_REFLECTION,
        title=body["title"],
        applicant=None if actor.is_office else actor.department,
        content=body,
        parties={},
        attachment_ids=list(body.get("attachment_ids", [])),
        action="record_reflection",
        status=Status.RECEIVED,
    )
    return _create(runtime, actor, new, key, "reflections", lambda step: None)


def order_rectification(
    runtime: ServiceRuntime, actor: Actor, body: Body, key: str | None = None
) -> dict[str, Any]:
    """第37条: the office orders a department to correct a failing by a date (the date is the deadline)."""
    department = body["department"]
    with runtime.db.transaction() as session:
        check_departments(session, actor.jurisdiction, {"department": [department]})
        if body.get("coordination_case_id"):
            linked = queries.load_visible(session, actor, body["coordination_case_id"])
            if linked.kind != Kind.COORDINATION:
                raise ValidationFailed.for_field("coordination_case_id", "应为一件职责分工协调事项")
    ground = rules.check_rectification_order(body["ground"], body["facts"], body["due_date"], utcnow().date())
    new = NewCase(
        kind=Kind.RECTIFICATION,
        source=Source.SUPERVISION,
        title=body["title"],
        applicant=department,
        content={**body, "ground_name": rules.RECTIFICATION_GROUND_NAMES[ground]},
        parties={department: "ordered"},
        attachment_ids=list(body.get("attachment_ids", [])),
        action="order_rectification",
        status=Status.ORDERED,
    )

    def effects(step: Step) -> None:
        due = body["due_date"].isoformat()
        step.out.start_clock(
            clock_id(step.record.id, "rectification"), "rectification", step.applicant(), due_date=due
        )
        step.out.notify(
            "rectification_ordered",
            step.applicant(),
            dedupe="ordered",
            ground=rules.RECTIFICATION_GROUND_NAMES[ground],
            facts=body["facts"],
            due_date=due,
            correct_by=due,  # the name devolution's use of the same template gives it
        )

    return _create(runtime, actor, new, key, "rectifications", effects)
