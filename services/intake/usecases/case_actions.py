"""Case actions: one declaration per action binds its command, its transition, its handler and its route.

A handler is declared with :func:`case_action`::

    @case_action(Withdraw, route="withdraw", summary="申请部门撤回（受理前）")
    def withdraw(step: Step, command: Withdraw) -> None:
        ...

The command type names the transition (the domain's procedures say which action it asks for, where and for
whom), the route is where the HTTP API offers it (``POST /api/v1/cases/<id>/<route>``; none for the actions
only other services' messages ask for), and the schema that builds the command from JSON is found by the
command type (:mod:`services.intake.api.case_schemas`). A command declared twice, or a transition without its
handler, fails at import (:func:`check_every_transition_is_declared`), not at the first request.

This module also holds the handlers every kind that has them shares: withdrawal and supplements, the approval
inbox's answers, issuance, and overdue clocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import select

from services.intake import queries
from services.intake.domain import commands as c
from services.intake.domain.cases import PROCEDURES, Status, action_of
from services.intake.tables import Attachment, CaseParty, Department
from services.intake.usecases import attachments
from services.intake.usecases.case_step import Step
from shared.contracts import party
from shared.jsonable import jsonable

C = TypeVar("C", bound=c.CaseCommand)
Handler = Callable[[Step, C], None]


@dataclass(frozen=True)
class CaseAction(Generic[C]):
    """One action on a case: the command that asks for it, its handler, and where the API offers it."""

    command: type[C]
    action: str
    handler: Handler[C]
    route: str | None
    summary: str


#: every declared action, by its command type
ACTIONS: dict[type[c.CaseCommand], CaseAction[Any]] = {}


def case_action(
    command: type[C], *, route: str | None = None, summary: str = ""
) -> Callable[[Handler[C]], Handler[C]]:
    """Declare ``handler`` as what carries out ``command`` (see the module docstring)."""

    def declare(handler: Handler[C]) -> Handler[C]:
        if command in ACTIONS:
            raise RuntimeError(f"{command.__name__} is declared twice")
        ACTIONS[command] = CaseAction(command, action_of(command), handler, route, summary)
        return handler

    return declare


def check_every_transition_is_declared() -> None:
    """Each action of each procedure has its declared handler (called once every kind's module is loaded)."""
    missing = sorted(
        {t.action for p in PROCEDURES.values() for t in p.transitions if t.command not in ACTIONS}
    )
    if missing:
        raise RuntimeError(f"case actions without a handler: {', '.join(missing)}")


def carry_out(step: Step, command: c.CaseCommand) -> None:
    """Run the declared handler of ``command`` on the step."""
    declared = ACTIONS[type(command)]
    step.action = declared.action
    declared.handler(step, command)


# --- before a decision: withdrawal and supplements ---


@case_action(c.Withdraw, route="withdraw", summary="申请部门撤回（受理前）")
def withdraw(step: Step, command: c.Withdraw) -> None:
    step.move(reason=command.reason)
    step.stop_clock(step.procedure.decision_clock, "withdrawn")
    step.out.revoke_notices(command.reason)  # the notices about it leave people's 浙政钉 (not this one)
    step.out.notify("case_withdrawn", step.office(), dedupe=step.dedupe(), reason=command.reason)


@case_action(c.RequestSupplement, route="request-supplement", summary="编办要求补正材料")
def request_supplement(step: Step, command: c.RequestSupplement) -> None:
    step.move(reason=command.reason, items=command.items)
    step.record_progress(supplement_request={"reason": command.reason, "items": command.items})
    step.out.notify(
        "supplement_requested",
        step.applicant(),
        dedupe=step.dedupe(),
        reason=command.reason,
        reasons=command.reason,  # the name devolution's use of the same template gives it
        items=command.items,
    )


@case_action(c.Supplement, route="supplement", summary="申请部门补正材料")
def supplement(step: Step, command: c.Supplement) -> None:
    step.move(reason=command.note, attachment_ids=command.attachment_ids)
    attachments.claim(step.session, step.actor, step.record.id, command.attachment_ids)
    step.out.notify("case_supplemented", step.office(), dedupe=step.dedupe(), note=command.note)


# --- a drafted decision goes to the approval inbox (第15条, 第21条 报批) ---

#: what the approver reads when the draft has no summary of its own
DECISION_SUMMARIES = {
    "filing_opinion": "协商纪要备案：需要发文明确，按程序报批（第十五条）",
    "coordination_opinion": "书面协调意见（第二十一条）",
    "determination": "职责分工认定建议意见（第二十一条）",
    "duty_plan_review": "主要职责配置和调整方案正式审核意见（第十一条第四项）",
    "interpretation": "部门“三定”规定书面解释（第二十六条第三款）",
    "designation": "新业态管理职责指定管理部门（第二十六条第二款）",
}


@dataclass(frozen=True)
class DraftedDecision:
    """What the leaders are asked to approve."""

    summary: str | None
    text: str | None
    changes_sanding: bool | None = None
    special_explanation: str | None = None


def send_to_approval(step: Step, decision_kind: str, draft: DraftedDecision) -> None:
    """Put the draft in the office leaders' inbox, with the case's materials, history and statutory clock."""
    step.case.pending_decision = decision_kind
    step.case.approval_count += 1
    request_id = f"{step.record.id}:{decision_kind}:{step.case.approval_count}"
    step.record.approval_request_id = request_id
    summary = draft.summary or DECISION_SUMMARIES.get(decision_kind) or step.record.title
    drafted = jsonable({**draft.__dict__, "summary": summary}, drop_none=True)
    step.out.request_approval(
        request_id,
        decision_kind,
        drafted,
        {"user_id": step.actor.user_id, "name": step.actor.name},
        _materials(step),
        step.clock(step.procedure.opinion_clock),
        case_history=[
            {"at": str(h["at"].date()), "actor": h["actor_name"], "text": h["action_name"]}
            for h in queries.history(step.session, step.record.id)
        ],
    )


def _materials(step: Step) -> list[dict[str, str]]:
    rows = step.session.scalars(select(Attachment).where(Attachment.case_id == step.record.id)).all()
    base = step.out.base_url.rstrip("/")
    return [{"name": row.filename, "url": f"{base}/m/attachments/{row.id}"} for row in rows]  # for a phone


# --- what the approval inbox answers ---


def _decided(step: Step, command: c.ApprovalDecided, outcome: str, decision: str | None) -> None:
    step.record_progress(
        last_approval={
            "request_id": command.request_id,
            "outcome": outcome,
            "decision": decision,
            "by": {"user_id": command.decided_by.user_id, "name": command.decided_by.name},
            "on_behalf_of": command.on_behalf_of,
            "approval_id": command.approval_id,
            "comment": command.comment,
        }
    )


@case_action(c.ApprovalApproved)
def approval_approved(step: Step, command: c.ApprovalApproved) -> None:
    step.move(reason=command.comment, request_id=command.request_id)
    decision, step.case.pending_decision = step.case.pending_decision, None
    step.stop_clock(step.procedure.opinion_clock)
    if step.case.status is Status.ORG_REVIEW:
        _ask_organisation_department(step, command.request_id)
    _decided(step, command, "approved", decision)


def _ask_organisation_department(step: Step, request_id: str) -> None:
    """第21条第2款: a major determination is reviewed by the organisation department before the committee."""
    org = step.session.scalar(
        select(Department.code).where(
            Department.jurisdiction_code == step.record.jurisdiction_code,
            Department.function == "organisation",
        )
    )
    if org:
        step.session.add(CaseParty(case_id=step.record.id, department_code=org, role="reviewer"))
    step.out.notify(
        "org_review_requested",
        [party("role", "org_reviewer", step.record.jurisdiction_code)],
        dedupe=request_id,
    )


def _not_approved(step: Step, command: c.ApprovalDecided, outcome: str) -> None:
    step.move(reason=command.comment, request_id=command.request_id)
    step.case.pending_decision = None
    _decided(step, command, outcome, None)
    step.out.notify(
        "approval_returned",
        step.office(),
        dedupe=command.request_id,
        outcome=outcome,
        comment=command.comment,
    )


@case_action(c.ApprovalReturned)
def approval_returned(step: Step, command: c.ApprovalReturned) -> None:
    _not_approved(step, command, "returned")


@case_action(c.ApprovalRejected)
def approval_rejected(step: Step, command: c.ApprovalRejected) -> None:
    _not_approved(step, command, "rejected")


@case_action(c.Issue, route="issue", summary="发文，相关部门执行（第二十四条）")
def issue(step: Step, command: c.Issue) -> None:
    """第24条: once issued, the parties carry the opinion out."""
    step.move(reason=command.note, document_number=command.document_number)
    attachments.claim(step.session, step.actor, step.record.id, command.attachment_ids)
    issued = {"document_number": command.document_number, "issued_on": command.issued_on}
    step.record_progress(issued={**issued, "attachment_ids": command.attachment_ids or None})
    step.out.notify(
        "decision_issued", step.departments(), dedupe=step.dedupe(), document_number=command.document_number
    )


# --- what the deadlines service tells a case ---


@case_action(c.DeadlineOverdue)
def deadline_overdue(step: Step, command: c.DeadlineOverdue) -> None:
    step.move(rule=command.rule, due_date=command.due_date, overdue_working_days=command.overdue_working_days)
