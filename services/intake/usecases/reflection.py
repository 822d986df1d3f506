"""书面反映 (第26条第4款): recorded by whoever received it, studied, coordinated if needed, result told."""

from __future__ import annotations

from services.intake import queries
from services.intake.domain.actors import Actor
from services.intake.domain.cases import Kind, Source, Status
from services.intake.domain.reflection import RecordReflection, ReferToCoordination, Study, TellResult
from services.intake.usecases.case_actions import case_action
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import Step
from shared.errors import ValidationFailed
from shared.idempotency import IdempotencyClaim
from shared.runtime import ServiceRuntime


def record_reflection(
    runtime: ServiceRuntime, actor: Actor, command: RecordReflection, claim: IdempotencyClaim | None = None
) -> str:
    """An enterprise, group or citizen wrote to a department or to the office; whoever received it records
    it, studies it, has it coordinated if needed, and tells the submitter the result."""
    new = NewCase(
        kind=Kind.REFLECTION,
        source=Source.PUBLIC_REFLECTION,
        title=command.title,
        applicant=None if actor.is_office else actor.department,
        content=command,
        parties={},
        attachment_ids=command.attachment_ids,
        action="record_reflection",
        status=Status.RECEIVED,
    )
    return open_new_case(runtime, actor, new, claim, lambda step: None)


@case_action(Study, route="study", summary="研究书面反映（第二十六条第四款）")
def study(step: Step, command: Study) -> None:
    step.move(reason=command.note)


@case_action(ReferToCoordination, route="refer-to-coordination", summary="书面反映需要协调，关联协调事项")
def refer_to_coordination(step: Step, command: ReferToCoordination) -> None:
    """The reflection needs coordination: it is tied to the coordination case that carries it (第16条)."""
    linked = queries.load_visible(step.session, step.actor, command.coordination_case_id)
    if linked.kind != Kind.COORDINATION:
        raise ValidationFailed.for_field("coordination_case_id", "应为一件职责分工协调事项")
    step.move(reason=command.note, coordination_case_id=linked.id)
    step.record_progress(coordination_case_id=linked.id)


@case_action(TellResult, route="tell-result", summary="将结果告知反映人（第二十六条第四款）")
def tell_result(step: Step, command: TellResult) -> None:
    step.move(reason=command.result, told_on=command.told_on, method=command.method)
    step.record_progress(
        result={"result": command.result, "told_on": command.told_on, "method": command.method}
    )
