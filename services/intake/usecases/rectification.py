"""限期纠正 (第37条): the office orders a department to correct a failing by a date; the department reports,
the office confirms or sends it back, and what is not corrected goes to the supervision rules."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.intake import mapping, queries
from services.intake.domain import rectification as rules
from services.intake.domain.actors import Actor, system_actor
from services.intake.domain.approvals.model import Status as ApprovalStatus
from services.intake.domain.cases import Kind, Source, Status
from services.intake.domain.rectification import (
    ConfirmCorrection,
    KnownDevolution,
    OrderRectification,
    ReferToSupervision,
    ReferUncorrected,
    RejectCorrection,
    ReportCorrection,
)
from services.intake.messages.cases import Outgoing, department_party
from services.intake.tables import (
    ApprovalRow,
    CaseEvent,
    CaseParty,
    CaseRecord,
    Jurisdiction,
    Person,
    WorklistTask,
)
from services.intake.usecases import attachments
from services.intake.usecases.case_actions import carry_out, case_action
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import (
    Step,
    check_departments,
    clock_id,
    refresh_deadline,
    save,
    start_step,
)
from shared.errors import NotFound, ValidationFailed
from shared.idempotency import IdempotencyClaim
from shared.localtime import today, zone
from shared.messaging import MalformedMessage, UnitOfWork
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def order_rectification(
    runtime: ServiceRuntime, actor: Actor, command: OrderRectification, claim: IdempotencyClaim | None = None
) -> str:
    """第37条: the office orders a department to correct a failing by a date (the date is the deadline)."""
    department = command.department
    with runtime.db.transaction() as session:
        check_departments(session, actor.jurisdiction, {"department": [department]})
        if command.coordination_case_id:
            linked = queries.load_visible(session, actor, command.coordination_case_id)
            if linked.kind != Kind.COORDINATION:
                raise ValidationFailed.for_field("coordination_case_id", "应为一件职责分工协调事项")
        devolution = known_devolution(session, actor.jurisdiction, command.devolution_id)
        evaluation_title = _evaluation_evidence(session, actor, command.evaluation_case_id, department)
    ground = rules.check_rectification_order(command.ground, command.facts, command.due_date, today())
    rules.check_devolution_ground(ground, department, devolution)
    ground_name = rules.RECTIFICATION_GROUND_NAMES[ground]
    extra: dict[str, str] = {"ground_name": ground_name}
    if evaluation_title is not None:
        extra["evaluation_title"] = evaluation_title
    if devolution is not None:
        extra["devolution_title"] = devolution.title
    new = NewCase(
        kind=Kind.RECTIFICATION,
        source=Source.SUPERVISION,
        title=command.title,
        applicant=department,
        content=command,
        parties={department: "ordered"},
        attachment_ids=command.attachment_ids,
        action="order_rectification",
        status=Status.ORDERED,
        extra_content=extra,
    )

    def effects(step: Step) -> None:
        due = command.due_date.isoformat()
        cid = clock_id(step.record.id, "rectification")
        step.out.start_clock(cid, "rectification", step.applicant(), due_date=due)
        step.out.notify(
            "rectification_ordered",
            step.applicant(),
            dedupe="ordered",
            ground=ground_name,
            facts=command.facts,
            due_date=due,
            correct_by=due,  # the name devolution's use of the same template gives it
        )

    return open_new_case(runtime, actor, new, claim, effects)


@case_action(ReportCorrection, route="report-correction", summary="部门报告纠正情况（第三十七条）")
def report_correction(step: Step, command: ReportCorrection) -> None:
    step.move(reason=command.report, attachment_ids=command.attachment_ids)
    attachments.claim(step.session, step.actor, step.record.id, command.attachment_ids)
    step.out.notify("correction_reported", step.office(), dedupe=step.dedupe(), report=command.report)


@case_action(ConfirmCorrection, route="confirm-correction", summary="确认已纠正（第三十七条）")
def confirm_correction(step: Step, command: ConfirmCorrection) -> None:
    step.move(reason=command.note)
    step.stop_clock("rectification")
    step.out.notify("rectification_closed", step.applicant(), dedupe="closed", note=command.note)


@case_action(RejectCorrection, route="reject-correction", summary="纠正不到位，继续纠正")
def reject_correction(step: Step, command: RejectCorrection) -> None:
    step.move(reason=command.reason)
    step.out.notify("correction_rejected", step.applicant(), dedupe=step.dedupe(), reason=command.reason)


@case_action(
    ReferToSupervision, route="refer-to-supervision", summary="未按要求纠正，移交监督检查（第三十七条第二款）"
)
def refer_to_supervision(step: Step, command: ReferToSupervision) -> None:
    """第37条第2款: not corrected as required → the provincial and city supervision rules apply."""
    step.move(reason=command.reason)
    step.stop_clock("rectification", "terminated")
    step.out.notify("referred_to_supervision", step.applicant(), dedupe="referred", reason=command.reason)


@case_action(ReferUncorrected, summary="逾期未纠正，自动移交监督检查（第三十七条第二款）")
def refer_uncorrected(step: Step, command: ReferUncorrected) -> None:
    """第37条第2款 by the sweep: as the office's referral, with the date that passed as the reason; the office
    is told too, since nobody there took the step."""
    reason = rules.uncorrected_reason(command.due_date)
    step.move(reason=reason)
    step.stop_clock("rectification", "terminated")
    told = step.applicant() + step.office()
    step.out.notify("referred_to_supervision", told, dedupe="referred", reason=reason)


def refer_the_uncorrected(runtime: ServiceRuntime, on: date | None = None) -> None:
    """The sweep (each intake tick): every order of every jurisdiction whose correction date passed with
    the order still waiting for the department is referred to supervision (第三十七条第二款), each in its
    own transaction; the case's version makes a second sweep at the same moment change nothing (once)."""
    day = on or today()
    with runtime.db.transaction() as session:
        jurisdictions = session.scalars(select(Jurisdiction.code)).all()
        waiting = session.execute(  # through ix_case_record_scope (jurisdiction, status, kind)
            select(CaseRecord.id, CaseRecord.content).where(
                CaseRecord.jurisdiction_code.in_(jurisdictions),
                CaseRecord.status == Status.ORDERED,
                CaseRecord.kind == Kind.RECTIFICATION,
            )
        ).all()
    late = [
        case_id
        for case_id, content in waiting
        if rules.not_corrected_in_time(Status.ORDERED, _order_date(content), day)
    ]
    referred = [case_id for case_id in late if _refer(runtime, case_id, day)]
    if referred:
        log.info("referred to supervision, not corrected by their date: %s", ", ".join(referred))


def _order_date(content: Mapping[str, Any] | None) -> date | None:
    value = (content or {}).get("due_date")
    return date.fromisoformat(value) if isinstance(value, str) else None


def _refer(runtime: ServiceRuntime, case_id: str, day: date) -> bool:
    base_url = runtime.settings.public_base_url
    try:
        with runtime.unit_of_work() as uow:
            record = uow.session.get(CaseRecord, case_id)
            due = _order_date(record.content) if record is not None else None
            if record is None or due is None or not rules.not_corrected_in_time(record.status, due, day):
                return False  # reported or closed since it was read
            step = start_step(uow, record, system_actor(record.jurisdiction_code), base_url)
            carry_out(step, ReferUncorrected(due_date=due))
            save(step)
            uow.commit()
    except StaleDataError:
        return False  # another sweep (or a person) changed it first
    return True


def _evaluation_evidence(
    session: Session, actor: Actor, evaluation_id: str | None, department: str
) -> str | None:
    """The 三定执行情况评估 (第二十六条) an order names as its evidence: an evaluation of the same
    jurisdiction (one the office sees), of the department ordered or naming it among the departments
    concerned; its title."""
    if not evaluation_id:
        return None
    try:
        evaluation = queries.load_visible(session, actor, evaluation_id)
    except NotFound as exc:
        raise ValidationFailed.for_field("evaluation_case_id", "未找到该“三定”执行情况评估") from exc
    if evaluation.kind != Kind.EVALUATION or evaluation.jurisdiction_code != actor.jurisdiction:
        raise ValidationFailed.for_field("evaluation_case_id", "应为本地区的一件“三定”执行情况评估")
    content = evaluation.content or {}
    evaluated = {
        content.get("department"),
        evaluation.applicant_department,
        *content.get("departments_concerned", []),
    }
    if department not in evaluated:
        raise ValidationFailed.for_field("evaluation_case_id", "该评估未涉及被责令纠正的部门")
    return evaluation.title


def known_devolution(
    session: Session, jurisdiction: str, devolution_id: str | None
) -> KnownDevolution | None:
    """The devolution an order names, as intake knows it without asking the devolution service: the tasks
    devolution publishes for it (worklist) name its title and devolving department, intake's approval inbox
    says whether the leaders approved it (第三十四条). One intake never heard of is a 404: it was never
    submitted, or belongs to another jurisdiction."""
    if not devolution_id:
        return None
    task = session.scalars(
        select(WorklistTask)
        .where(
            WorklistTask.service == "devolution",
            WorklistTask.case_kind == "devolution",
            WorklistTask.case_id == devolution_id,
            WorklistTask.case_jurisdiction == jurisdiction,
            WorklistTask.case_title != "",
        )
        .order_by(WorklistTask.changed_at.desc())
        .limit(1)
    ).first()
    mine = session.scalars(
        select(ApprovalRow).where(
            ApprovalRow.requester_service == "devolution",
            ApprovalRow.decision_kind == "devolution_decision",
            ApprovalRow.jurisdiction == jurisdiction,
            ApprovalRow.case_ref["id"].as_string() == devolution_id,
        )
    ).all()
    if task is None and not mine:
        raise NotFound("未找到该职责下放事项（须为已提交编办的申请）", code="devolution_not_found")
    approved = any(a.status == ApprovalStatus.APPROVED.value for a in mine)
    title = task.case_title if task is not None else str((mine[0].case_ref or {}).get("title", ""))
    return KnownDevolution(devolution_id, title, task.department if task else None, approved)


# --- the findings devolution raised before rectification was intake's alone -----------------------------


def adopt_handed_over(uow: UnitOfWork, base_url: str, body: Mapping[str, Any]) -> None:
    """``rectification.handed_over``: a 第三十七条第四项 finding devolution raised (its legacy table) becomes
    an intake case under the same id — ordered, or corrected when devolution had confirmed it — with the order
    (and the confirmation) in its history. An open one's clock starts again here from the day of the order;
    devolution stopped its own. The department was told when it was ordered: no new notice."""
    try:
        case_id, jurisdiction = str(body["id"]), str(body["jurisdiction"])
        ground = rules.RectificationGround(str(body["ground"]))
        department, correct_by = str(body["department"]), date.fromisoformat(str(body["correct_by"]))
        raised_at = datetime.fromisoformat(str(body["raised_at"]))
    except (KeyError, ValueError) as exc:
        raise MalformedMessage(f"rectification.handed_over without a usable finding: {exc}") from exc
    if uow.session.get(CaseRecord, case_id) is not None:
        return  # handed over before
    corrected_on = body.get("corrected_on")
    ground_name = rules.RECTIFICATION_GROUND_NAMES[ground]
    devolution_title = body.get("devolution_title")
    raised_by = str((body.get("raised_by") or {}).get("user_id") or "devolution")
    content: dict[str, Any] = {
        "title": f"限期纠正：{ground_name.removeprefix('（四）')}（第三十七条第四项）",
        "department": department,
        "ground": str(ground),
        "facts": str(body.get("facts") or ""),
        "due_date": correct_by.isoformat(),
        "devolution_id": body.get("devolution_id"),
        "devolution_title": devolution_title,
        "ground_name": ground_name,
        "handed_over_from": "devolution",
    }
    record = CaseRecord(
        id=case_id,
        jurisdiction_code=jurisdiction,
        kind=str(Kind.RECTIFICATION),
        source=str(Source.SUPERVISION),
        title=content["title"],
        status=str(Status.CORRECTED if corrected_on else Status.ORDERED),
        applicant_department=department,
        content={k: v for k, v in content.items() if v is not None},
        progress={},
        submitted_by=raised_by,
        created_at=raised_at,
    )
    uow.session.add(record)
    uow.session.flush()
    uow.session.add(CaseParty(case_id=case_id, department_code=department, role="ordered"))
    note = "由职责下放模块移交（限期纠正统一由编办案件办理）"
    _event(uow, case_id, raised_at, raised_by, "order_rectification", None, Status.ORDERED, note)
    if corrected_on:
        confirmed_by = str(body.get("confirmed_by") or raised_by)
        at = datetime.combine(date.fromisoformat(str(corrected_on)), time(12), tzinfo=zone())
        reason = body.get("correction_note") or None
        _event(uow, case_id, at, confirmed_by, "confirm_correction", Status.ORDERED, Status.CORRECTED, reason)
    else:
        out = Outgoing(uow, record, base_url)
        responsible = [department_party(department, jurisdiction)]
        cid = clock_id(case_id, "rectification")
        out.start_clock(
            cid, "rectification", responsible, due_date=correct_by.isoformat(), start_at=raised_at
        )
    uow.session.flush()
    case = mapping.case_of(uow.session, record)
    record.next_actor = queries.next_actor_of(uow.session, record, case)
    refresh_deadline(uow.session, record)


def _event(
    uow: UnitOfWork,
    case_id: str,
    at: datetime,
    actor_id: str,
    action: str,
    from_status: Status | None,
    to_status: Status,
    reason: str | None,
) -> None:
    person = uow.session.get(Person, actor_id)
    uow.session.add(
        CaseEvent(
            case_id=case_id,
            at=at,
            actor_id=actor_id,
            actor_name=person.name if person is not None else "编办",
            action=action,
            from_status=str(from_status) if from_status else None,
            to_status=str(to_status),
            reason=reason,
            data={"handed_over_from": "devolution"},
        )
    )
