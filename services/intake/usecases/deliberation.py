"""议事协调机构成员单位职责分工 (第29条): the lead unit files the member units' division (copied to the
office) and every change to it; the office registers it, or flags a task that contradicts a member's 三定
provisions and refers it to coordination. The register of bodies is a table of its own
(:class:`~services.intake.tables.DeliberationBody`): the office may register a body with the document that set
it up before anything is filed; a body's first filing registers it otherwise; each filing becomes its current
division, the earlier ones its history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake import queries
from services.intake.domain import deliberation as rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import STATUS_NAMES, Kind, Source, Status
from services.intake.domain.deliberation import (
    FileDivision,
    FlagDivision,
    ReferDivisionToCoordination,
    RegisterDivision,
)
from services.intake.domain.rules import named
from services.intake.messages.cases import department_party
from services.intake.tables import CaseRecord, DeliberationBody, Department
from services.intake.usecases import jurisdiction
from services.intake.usecases.case_actions import case_action
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import Step
from shared.db import utcnow
from shared.errors import Conflict, DomainError, Forbidden, ValidationFailed
from shared.idempotency import IdempotencyClaim
from shared.runtime import ServiceRuntime


def file_division(
    runtime: ServiceRuntime, actor: Actor, command: FileDivision, claim: IdempotencyClaim | None = None
) -> str:
    """The lead unit copies the member units' division of duties to the office (第29条: 成员单位职责分工
    及时抄送市委编办) — the body's first division or a change to the one on record."""
    if actor.department != command.lead_department:
        raise DomainError(
            "成员单位职责分工由议事协调机构牵头单位抄送（第二十九条）",
            code="not_lead_unit",
            fields={"lead_department": ["只能以本单位作为牵头单位抄送"]},
        )
    with runtime.db.transaction() as session:
        jurisdiction.check_named(session, actor.jurisdiction, rules.named_departments(command))
        body = _body(session, actor.jurisdiction, command.body_name.strip())
        if body is not None and body.lead_department != command.lead_department:
            lead = named(_names(session, actor.jurisdiction), body.lead_department)
            raise ValidationFailed.for_field(
                "lead_department",
                f"该议事协调机构的牵头单位为{lead}，调整牵头单位应先经机构编制程序明确",
            )
        earlier = body.current_case_id if body is not None else None
        rules.check_division(command, has_earlier=bool(earlier))
        flags = [f.__dict__ for f in rules.division_flags(command, _names(session, actor.jurisdiction))]
    new = NewCase(
        kind=Kind.DELIBERATION,
        source=Source.DELIBERATION_BODY,
        title=rules.title_of(command),
        applicant=command.lead_department,
        content=command,
        parties={d: "member" for d in rules.members_of(command)},
        attachment_ids=command.attachment_ids,
        action="file_division",
        status=Status.DIVISION_FILED,
        extra_content={
            "body_name": command.body_name.strip(),
            "flags": flags,
            "replaces": earlier,
        },
    )

    def effects(step: Step) -> None:
        _on_register(step, command)
        step.out.notify(
            "division_filed",
            step.office(),
            dedupe="filed",
            lead=step.department_name(command.lead_department),
            body_name=command.body_name,
            changed=bool(earlier),
            flag_count=len(flags),
        )
        step.out.notify(
            "submission_received", step.applicant(), dedupe="received", kind_name="成员单位职责分工（抄送）"
        )

    return open_new_case(runtime, actor, new, claim, effects)


@case_action(RegisterDivision, route="register-division", summary="登记成员单位职责分工（第二十九条）")
def register_division(step: Step, command: RegisterDivision) -> None:
    step.move(reason=command.note)
    step.record_progress(registered={"by": step.actor.name, "note": command.note})


@case_action(FlagDivision, route="flag-division", summary="标记成员单位分工与“三定”规定不衔接（第二十九条）")
def flag_division(step: Step, command: FlagDivision) -> None:
    """A member's task contradicts its 三定 provisions: recorded and told to the lead unit; the office then
    refers it to coordination."""
    members = [p.department_code for p in queries.parties_of(step.session, step.record.id)]
    rules.check_flag(command.member_department, members, command)
    step.move(reason=command.conflict, member_department=command.member_department)
    found = {
        "member_department": command.member_department,
        "member_name": step.department_name(command.member_department),
        "sanding_provision": command.sanding_provision,
        "conflict": command.conflict,
        "by": step.actor.name,
    }
    step.record_progress(conflicts=[*(step.record.progress or {}).get("conflicts", []), found])
    step.out.notify(
        "division_flagged",
        [
            department_party(code, step.record.jurisdiction_code)
            for code in dict.fromkeys([step.record.applicant_department or "", command.member_department])
        ],
        dedupe=step.dedupe(),
        body_name=step.record.content.get("body_name"),
        member=found["member_name"],
        sanding_provision=command.sanding_provision,
        conflict=command.conflict,
    )


@case_action(
    ReferDivisionToCoordination,
    route="refer-division-to-coordination",
    summary="成员单位分工与“三定”规定不衔接，提请协调（第二十九条、第二十六条）",
)
def refer_division_to_coordination(step: Step, command: ReferDivisionToCoordination) -> None:
    linked = queries.load_visible(step.session, step.actor, command.coordination_case_id)
    if linked.kind != Kind.COORDINATION:
        raise ValidationFailed.for_field("coordination_case_id", "应为一件职责分工协调事项")
    step.move(reason=command.note, coordination_case_id=linked.id)
    step.record_progress(coordination_case_id=linked.id)


# --- the register ---


@dataclass(frozen=True)
class RegisterBody:
    """The office enters a body on the register (第29条): its name, lead unit, member units and the document
    that set it up (设立文件)."""

    name: str
    lead_department: str
    member_departments: list[str] = field(default_factory=list)
    established_by: str = ""


def _body(session: Session, jurisdiction_code: str, name: str) -> DeliberationBody | None:
    return session.scalars(
        select(DeliberationBody).where(
            DeliberationBody.jurisdiction_code == jurisdiction_code, DeliberationBody.name == name
        )
    ).first()


def _on_register(step: Step, command: FileDivision) -> None:
    """The filing is the body's current division: the register follows its lead and member units (a body
    filed for the first time is entered on the register by its filing)."""
    name = command.body_name.strip()
    body = _body(step.session, step.record.jurisdiction_code, name)
    if body is None:
        body = DeliberationBody(
            id=f"db-{uuid.uuid4().hex[:12]}",
            jurisdiction_code=step.record.jurisdiction_code,
            name=name,
            registered_by=f"{step.department_name(command.lead_department)}（首次抄送时登记）",
        )
        step.session.add(body)
    body.lead_department = command.lead_department
    body.member_departments = list(rules.members_of(command))
    body.current_case_id = step.record.id
    body.updated_at = utcnow()


def register_body(runtime: ServiceRuntime, actor: Actor, command: RegisterBody) -> dict[str, Any]:
    """The office enters a body on its jurisdiction's register; the name is unique there."""
    if not actor.is_office:
        raise Forbidden("只有编办可以登记议事协调机构", code="role_required")
    rules.check_body(command.name, command.established_by, command.member_departments)
    with runtime.db.transaction() as session:
        named_here = {
            "lead_department": [command.lead_department],
            "member_departments": command.member_departments,
        }
        jurisdiction.check_named(session, actor.jurisdiction, named_here)
        if _body(session, actor.jurisdiction, command.name.strip()) is not None:
            raise Conflict(
                "名册中已有同名的议事协调机构",
                code="body_exists",
                fields={"name": [f"“{command.name.strip()}”已在名册中"]},
            )
        body = DeliberationBody(
            id=f"db-{uuid.uuid4().hex[:12]}",
            jurisdiction_code=actor.jurisdiction,
            name=command.name.strip(),
            lead_department=command.lead_department,
            member_departments=list(dict.fromkeys(command.member_departments)),
            established_by=command.established_by.strip(),
            registered_by=actor.name,
        )
        session.add(body)
        session.flush()
        return {"id": body.id, "name": body.name}


def _filings(session: Session, jurisdiction_code: str, body_name: str | None = None) -> list[CaseRecord]:
    conditions = [CaseRecord.jurisdiction_code == jurisdiction_code, CaseRecord.kind == Kind.DELIBERATION]
    rows = session.scalars(select(CaseRecord).where(*conditions).order_by(CaseRecord.created_at)).all()
    return [r for r in rows if body_name is None or (r.content or {}).get("body_name") == body_name]


def _names(session: Session, jurisdiction_code: str) -> dict[str, str]:
    rows = session.execute(
        select(Department.code, Department.name).where(Department.jurisdiction_code == jurisdiction_code)
    ).all()
    return {code: name for code, name in rows}


def register(runtime: ServiceRuntime, actor: Actor) -> list[dict[str, Any]]:
    """The register of deliberation and coordination bodies (第29条): each body with its lead unit, its
    member units, its current division (the latest filing) and its history; the office sees its
    jurisdiction's bodies, a department those it leads or is a member of."""
    with runtime.db.transaction() as session:
        names = _names(session, actor.jurisdiction)
        bodies = session.scalars(
            select(DeliberationBody)
            .where(DeliberationBody.jurisdiction_code == actor.jurisdiction)
            .order_by(DeliberationBody.name)
        ).all()
        mine = actor.department or ""
        shown = [
            b for b in bodies if actor.is_office or mine == b.lead_department or mine in b.member_departments
        ]
        filings: dict[str, list[CaseRecord]] = {}
        for record in _filings(session, actor.jurisdiction) if shown else []:
            filings.setdefault(str((record.content or {}).get("body_name", "")).strip(), []).append(record)
        return [_entry(body, filings.get(body.name, []), names) for body in shown]


def _entry(body: DeliberationBody, filings: list[CaseRecord], names: dict[str, str]) -> dict[str, Any]:
    current = next((f for f in filings if f.id == body.current_case_id), None)
    content = current.content if current is not None else {}
    tasks = {m["department"]: m.get("tasks", []) for m in content.get("members", [])}
    return {
        "id": body.id,
        "body_name": body.name,
        "lead_department": body.lead_department,
        "lead_name": named(names, body.lead_department),
        "members": [
            {"department": code, "name": named(names, code), "tasks": tasks.get(code, [])}
            for code in body.member_departments
        ],
        "established_by": body.established_by,
        "registered_by": body.registered_by,
        "registered_at": body.registered_at,
        "mechanism": content.get("mechanism"),
        "residual_responsibility": content.get("residual_responsibility"),
        "current_case_id": body.current_case_id,
        "status": current.status if current is not None else None,
        "status_name": STATUS_NAMES[Status(current.status)]
        if current is not None
        else "已登记，尚未抄送成员单位分工",
        "flags": content.get("flags", []),
        "conflicts": (current.progress or {}).get("conflicts", []) if current is not None else [],
        "history": [
            {
                "case_id": f.id,
                "filed_at": f.created_at,
                "changes": f.content.get("changes"),
                "status": f.status,
                "status_name": STATUS_NAMES[Status(f.status)],
            }
            for f in reversed(filings)
        ],
    }
