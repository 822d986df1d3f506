"""协商纪要备案 (第15条): the host department files the minutes; the office files them, returns them, or has a
document issued after approval — within 5 working days of receiving them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.intake.domain import filing as rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import Kind, Source, Status
from services.intake.domain.filing import File, FilingOpinion, RequestDocument, ReturnFiling, SubmitFiling
from services.intake.usecases.case_actions import DraftedDecision, case_action, send_to_approval
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import Step, check_host, clock_id
from shared.errors import ValidationFailed
from shared.idempotency import IdempotencyClaim
from shared.runtime import ServiceRuntime


def submit_filing(
    runtime: ServiceRuntime, actor: Actor, command: SubmitFiling, claim: IdempotencyClaim | None = None
) -> str:
    """The rightful host files minutes sealed by every party group; the office has 5 working days."""
    host, assisting = command.host_department, command.assisting_departments

    def check(session: Session) -> None:
        check_host(session, actor, host, command.lead_departments, {"assisting_departments": assisting})
        rules.check_filing(host, assisting, command.seals)

    new = NewCase(
        kind=Kind.FILING,
        source=Source.APPLICATION,
        title=command.title,
        applicant=host,
        content=command,
        parties={host: "host", **{d: "assisting" for d in assisting}},
        attachment_ids=command.attachment_ids,
        action="submit",
        status=Status.SUBMITTED,
        named_attachments={"minutes_attachment_id": [command.minutes_attachment_id]},
        check=check,
    )

    def effects(step: Step) -> None:
        step.out.start_clock(clock_id(step.record.id, "filing_opinion"), "filing_opinion", step.office())
        step.out.notify(
            "case_submitted", step.office(), dedupe="submitted", applicant=step.department_name(host)
        )
        step.out.notify("submission_received", step.applicant(), dedupe="received", kind_name="协商纪要备案")

    return open_new_case(runtime, actor, new, claim, effects)


def _filing_opinion(step: Step, outcome: str, command: FilingOpinion) -> None:
    step.move(reason=command.opinion)
    step.stop_clock("filing_opinion")
    step.record_progress(
        filing_opinion={"outcome": outcome, "opinion": command.opinion, "by": step.actor.name}
    )
    step.out.notify(
        "filing_opinion_returned",
        step.departments(),
        dedupe=step.dedupe(),
        outcome=outcome,
        opinion="；".join(part for part in (outcome, command.opinion) if part),
    )


@case_action(File, route="file", summary="同意备案（第十五条）")
def file(step: Step, command: File) -> None:
    _filing_opinion(step, "同意备案", command)


@case_action(ReturnFiling, route="return-filing", summary="不予备案并退回（第十五条）")
def return_filing(step: Step, command: ReturnFiling) -> None:
    if not (command.opinion or "").strip():
        raise ValidationFailed.for_field("opinion", "不予备案的，应说明理由")
    _filing_opinion(step, "不予备案，退回", command)


@case_action(RequestDocument, route="request-document", summary="需要发文明确，报批（第十五条）")
def request_document(step: Step, command: RequestDocument) -> None:
    _filing_opinion(step, "需要发文明确，已按程序报批", command)
    send_to_approval(
        step, "filing_opinion", DraftedDecision(summary=command.summary, text=command.text or command.opinion)
    )
