"""三定执行情况评估 (第26条第2款): the office records its evaluation of a department; where the division needs
sorting out it convenes the departments concerned (a coordination of source ``evaluation``) and closes the
evaluation with what the coordination settled."""

from __future__ import annotations

from services.intake import queries
from services.intake.domain import evaluation as rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import Kind, Source, Status
from services.intake.domain.evaluation import (
    CloseEvaluation,
    Conclusion,
    ConveneCoordination,
    RecordEvaluation,
)
from services.intake.usecases import jurisdiction
from services.intake.usecases.case_actions import case_action
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import Step
from shared.errors import Forbidden, ValidationFailed
from shared.idempotency import IdempotencyClaim
from shared.runtime import ServiceRuntime


def record_evaluation(
    runtime: ServiceRuntime, actor: Actor, command: RecordEvaluation, claim: IdempotencyClaim | None = None
) -> str:
    """The office's evaluation of one department's execution of its 三定 provisions (第26条第2款)."""
    if not actor.is_office:
        raise Forbidden("只有编办可以记录“三定”规定执行情况评估", code="not_allowed_for_role")
    conclusion = rules.check_evaluation(command)
    with runtime.db.transaction() as session:
        named = {"department": [command.department], "departments_concerned": command.departments_concerned}
        jurisdiction.check_named(session, actor.jurisdiction, named)
        name = queries._department_name(session, command.department)
    parties = {command.department: "evaluated"}
    parties.update({d: "concerned" for d in command.departments_concerned if d != command.department})
    new = NewCase(
        kind=Kind.EVALUATION,
        source=Source.EVALUATION,
        title=rules.title_of(name, command.period.strip()),
        applicant=None,
        content=command,
        parties=parties,
        attachment_ids=command.attachment_ids,
        action="record_evaluation",
        status=Status.EVALUATED if conclusion is Conclusion.IN_PLACE else Status.EVALUATION_NEEDS_SORTING,
        extra_content={"conclusion_name": rules.CONCLUSION_NAMES[conclusion]},
    )

    def effects(step: Step) -> None:
        step.out.notify(
            "evaluation_recorded",
            step.departments(roles=("evaluated",), include_applicant=False),
            dedupe="recorded",
            conclusion=rules.CONCLUSION_NAMES[conclusion],
            period=command.period,
        )

    return open_new_case(runtime, actor, new, claim, effects)


@case_action(
    ConveneCoordination, route="convene-coordination", summary="召集相关部门协调（第二十六条第二款）"
)
def convene_coordination(step: Step, command: ConveneCoordination) -> None:
    linked = queries.load_visible(step.session, step.actor, command.coordination_case_id)
    if linked.kind != Kind.COORDINATION or linked.source != Source.EVALUATION:
        raise ValidationFailed.for_field("coordination_case_id", "应为一件来源为“三定”执行情况评估的协调事项")
    step.move(reason=command.note, coordination_case_id=linked.id)
    step.record_progress(coordination_case_id=linked.id)


@case_action(CloseEvaluation, route="close-evaluation", summary="协调完成，办结评估（第二十六条第二款）")
def close_evaluation(step: Step, command: CloseEvaluation) -> None:
    step.move(reason=command.result)
    step.record_progress(result={"result": command.result, "by": step.actor.name})
