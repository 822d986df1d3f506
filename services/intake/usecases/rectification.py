"""限期纠正 (第37条): the office orders a department to correct a failing by a date; the department reports,
the office confirms or sends it back, and what is not corrected goes to the supervision rules."""

from __future__ import annotations

from services.intake import queries
from services.intake.domain import rectification as rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import Kind, Source, Status
from services.intake.domain.rectification import (
    ConfirmCorrection,
    OrderRectification,
    ReferToSupervision,
    RejectCorrection,
    ReportCorrection,
)
from services.intake.usecases import attachments
from services.intake.usecases.case_actions import case_action
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import Step, check_departments, clock_id
from shared.errors import ValidationFailed
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
    ground = rules.check_rectification_order(command.ground, command.facts, command.due_date, today())
    ground_name = rules.RECTIFICATION_GROUND_NAMES[ground]
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
        extra_content={"ground_name": ground_name},
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
