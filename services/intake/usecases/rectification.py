"""限期纠正 (第37条): the office orders a department to correct a failing by a date; the department reports,
the office confirms or sends it back, and what is not corrected goes to the supervision rules."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake import queries
from services.intake.domain import rectification as rules
from services.intake.domain.actors import Actor
from services.intake.domain.approvals.model import Status as ApprovalStatus
from services.intake.domain.cases import Kind, Source, Status
from services.intake.domain.rectification import (
    ConfirmCorrection,
    KnownDevolution,
    OrderRectification,
    ReferToSupervision,
    RejectCorrection,
    ReportCorrection,
)
from services.intake.tables import ApprovalRow, WorklistTask
from services.intake.usecases import attachments
from services.intake.usecases.case_actions import case_action
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import Step, check_departments, clock_id
from shared.errors import NotFound, ValidationFailed
from shared.idempotency import IdempotencyClaim
from shared.localtime import today
from shared.runtime import ServiceRuntime


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
    ground = rules.check_rectification_order(command.ground, command.facts, command.due_date, today())
    rules.check_devolution_ground(ground, department, devolution)
    ground_name = rules.RECTIFICATION_GROUND_NAMES[ground]
    extra: dict[str, str] = {"ground_name": ground_name}
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
