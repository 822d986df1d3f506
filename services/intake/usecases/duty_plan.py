"""主要职责配置和调整方案 (第8–11条): the department's draft, the office's initial review, written
solicitation (the same mechanism as coordination's, 第20条), the study of the feedback, the coordination
of disagreements, the formal review opinion (approved by the office's leaders) and the committee's
decision — one handler per action."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.domain import duty_plan as rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import Kind, Source, Status
from services.intake.domain.coordination import Answer, SolicitationStatus
from services.intake.domain.duty_plan import (
    CoordinateDisagreements,
    PassInitialReview,
    RecordPlanDecision,
    ReturnDutyPlan,
    ReviseDutyPlan,
    SettleDisagreements,
    StudyFeedback,
    SubmitDutyPlan,
    SubmitReviewOpinion,
)
from services.intake.tables import Department, Solicitation
from services.intake.usecases import attachments, jurisdiction
from services.intake.usecases.case_actions import DraftedDecision, case_action, send_to_approval
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import Step, check_departments
from shared.errors import DomainError
from shared.idempotency import IdempotencyClaim
from shared.jsonable import jsonable
from shared.localtime import today
from shared.runtime import ServiceRuntime

# --- 第8条, 第10条: the department's draft ---


def submit_duty_plan(
    runtime: ServiceRuntime, actor: Actor, command: SubmitDutyPlan, claim: IdempotencyClaim | None = None
) -> str:
    """The department submits the draft of its main duties (第8条) or an adjustment plan (第10条)."""
    with runtime.db.transaction() as session:
        flags = _checked(session, actor, command)
    new = NewCase(
        kind=Kind.DUTY_PLAN,
        source=Source.DEPARTMENT_PLAN,
        title=command.title,
        applicant=command.department,
        content=command,
        parties=rules.plan_case_parties(command),
        attachment_ids=command.attachment_ids,
        action="submit",
        status=Status.SUBMITTED,
        extra_content={"flags": flags},
    )

    def effects(step: Step) -> None:
        step.out.notify(
            "duty_plan_submitted",
            step.office(),
            dedupe="submitted",
            applicant=step.department_name(command.department),
            plan_type=rules.PLAN_TYPE_NAMES[rules.PlanType(command.plan_type)],
        )
        step.out.notify("submission_received", step.applicant(), dedupe="received", kind_name="主要职责方案")

    return open_new_case(runtime, actor, new, claim, effects)


def _checked(session: Session, actor: Actor, plan: SubmitDutyPlan) -> list[dict[str, Any]]:
    """The draft is the submitter's department's own, names only departments of its jurisdiction, rests
    on nothing 第6条 refuses nor on another jurisdiction's department documents (第38条); returns 第7条's
    flags."""
    if actor.department != plan.department:
        raise DomainError(
            "主要职责方案应由部门自己报送（第八条、第十条）",
            code="not_own_department",
            fields={"department": ["只能报送本部门的主要职责方案"]},
        )
    jurisdiction.check_named(session, actor.jurisdiction, rules.named_departments(plan))
    jurisdiction.check_bases(session, actor.jurisdiction, rules.basis_issuers(plan))
    rules.check_plan(plan)
    return [
        flag.__dict__ for flag in rules.seventh_article_flags(plan.shared_matters, _names(session, actor))
    ]


def _names(session: Session, actor: Actor) -> dict[str, str]:
    rows = session.execute(
        select(Department.code, Department.name).where(Department.jurisdiction_code == actor.jurisdiction)
    ).all()
    return {code: name for code, name in rows}


def _flags(step: Step) -> list[rules.Flag]:
    return [rules.Flag(**f) for f in step.record.content.get("flags") or []]


@case_action(ReviseDutyPlan, route="revision", summary="部门报送修改后的主要职责方案（第十一条第一项）")
def revise_plan(step: Step, command: ReviseDutyPlan) -> None:
    """The department answers the initial review's return with a revised draft; the earlier one is kept."""
    flags = _checked(step.session, step.actor, command)
    step.move(reason="报送修改后的方案")
    earlier = [*(step.record.progress or {}).get("earlier_drafts", []), step.record.content]
    step.record_progress(earlier_drafts=earlier)
    step.record.content = {**jsonable(command, drop_none=True), "flags": flags}
    step.record.title = command.title
    attachments.claim(step.session, step.actor, step.record.id, command.attachment_ids)
    step.out.notify(
        "duty_plan_submitted",
        step.office(),
        dedupe=step.dedupe(),
        applicant=step.department_name(command.department),
        plan_type=rules.PLAN_TYPE_NAMES[rules.PlanType(command.plan_type)],
        revised=True,
    )


# --- 第11条第1项: the initial review ---


def _review(command: PassInitialReview | ReturnDutyPlan, flags: list[rules.Flag]) -> dict[str, Any]:
    return {
        "function_transformation": command.function_transformation,
        "main_duties": command.main_duties,
        "internal_bodies": command.internal_bodies,
        "flags": [f.__dict__ for f in flags] or None,
        "flags_note": command.flags_note,
    }


@case_action(
    PassInitialReview, route="initial-review", summary="初审通过，征求相关部门意见（第十一条第一项）"
)
def pass_initial_review(step: Step, command: PassInitialReview) -> None:
    """第11条第1项: the three points reviewed (and 第7条's flags answered); the range of 第11条第2项
    is set."""
    flags = _flags(step)
    rules.check_initial_review(command, flags)
    step.move(reason=command.flags_note)
    scope = required_scope(step)
    step.record_progress(
        initial_review={**_review(command, flags), "outcome": "passed", "by": step.actor.name},
        solicitation_scope=[{"department": code, "scope": str(part)} for code, part in scope.items()],
    )
    step.out.notify("duty_plan_under_review", step.applicant(), dedupe=step.dedupe())


@case_action(ReturnDutyPlan, route="return", summary="初审退回修改（第十一条第一项）")
def return_plan(step: Step, command: ReturnDutyPlan) -> None:
    flags = _flags(step)
    rules.check_initial_review(command, flags)
    step.move(reason=command.reasons)
    step.record_progress(
        initial_review={
            **_review(command, flags),
            "outcome": "returned",
            "reasons": command.reasons,
            "by": step.actor.name,
        }
    )
    step.out.notify("duty_plan_returned", step.applicant(), dedupe=step.dedupe(), reason=command.reasons)


def organisation_department(session: Session, jurisdiction_code: str) -> str | None:
    """The jurisdiction's 党委组织部门 (第11条第2项: always asked)."""
    return session.scalar(
        select(Department.code).where(
            Department.jurisdiction_code == jurisdiction_code,
            Department.function == "organisation",
            Department.active,
        )
    )


def required_scope(step: Step) -> dict[str, rules.SolicitationScope]:
    content = step.record.content
    scope = rules.required_scope(
        organisation_department(step.session, step.record.jurisdiction_code),
        content.get("supervising_departments") or [],
        content.get("related_departments") or [],
    )
    scope.pop(step.record.applicant_department or "", None)
    return scope


# --- 第11条第3项: the feedback studied, the draft completed ---


def _answers(step: Step) -> tuple[list[Answer], list[str]]:
    """Every department's answers in the order they were asked (names), and the departments asked (codes)."""
    rows = step.session.scalars(
        select(Solicitation)
        .where(Solicitation.case_id == step.record.id)
        .order_by(Solicitation.round, Solicitation.sent_at)
    ).all()
    answers = [Answer(step.department_name(r.department_code), SolicitationStatus(r.status)) for r in rows]
    return answers, [r.department_code for r in rows]


@case_action(StudyFeedback, route="feedback-study", summary="研究反馈意见，完善方案（第十一条第三项）")
def study_feedback(step: Step, command: StudyFeedback) -> None:
    """第11条第3项: once every department of the range was asked and has answered (or is deemed to have no
    objection, 第20条), the feedback is summed up, reasonable suggestions taken and the draft completed."""
    answers, asked = _answers(step)
    names = {code: step.department_name(code) for code in required_scope(step)}
    rules.check_solicitation_scope(required_scope(step), asked, names)
    rules.check_feedback_in(answers)
    step.move(reason=command.summary)
    attachments.claim(step.session, step.actor, step.record.id, command.attachment_ids)
    step.record_progress(
        feedback_study={
            "summary": command.summary,
            "adopted": command.adopted,
            "not_adopted": command.not_adopted,
            "completed_draft": command.completed_draft,
            "disagreeing": rules.disagreeing(answers) or None,
            "by": step.actor.name,
        }
    )


# --- 第11条第4项: disagreements coordinated, the formal opinion, the committee ---


@case_action(CoordinateDisagreements, route="disagreements", summary="协调分歧（第十一条第四项）")
def coordinate_disagreements(step: Step, command: CoordinateDisagreements) -> None:
    step.move(reason=command.points)
    rounds = [*(step.record.progress or {}).get("coordination_rounds", []), {"points": command.points}]
    step.record_progress(coordination_rounds=rounds)


@case_action(SettleDisagreements, route="settlement", summary="记录分歧协调结果（第十一条第四项）")
def settle_disagreements(step: Step, command: SettleDisagreements) -> None:
    """第11条第4项: agreement, or the points still disputed (submitted to the committee with the opinion)."""
    answers, _asked = _answers(step)
    rules.check_feedback_in(answers)
    rules.check_settlement(command)
    names = {p.point: [step.department_name(d) for d in p.departments] for p in command.unresolved_points}
    check_departments(
        step.session,
        step.record.jurisdiction_code,
        {
            f"unresolved_points[{i}].departments": p.departments
            for i, p in enumerate(command.unresolved_points)
        },
    )
    step.move(reason=command.summary, agreed=command.agreed)
    step.record_progress(
        settlement={
            "agreed": command.agreed,
            "summary": command.summary,
            "unresolved_points": [
                {**jsonable(p), "department_names": names[p.point]} for p in command.unresolved_points
            ]
            or None,
            "answers_settled": len(answers),
            "by": step.actor.name,
        }
    )


def _unresolved(step: Step) -> list[dict[str, Any]]:
    settlement = (step.record.progress or {}).get("settlement") or {}
    return list(settlement.get("unresolved_points") or [])


def _attached(text: str, unresolved: list[dict[str, Any]]) -> str:
    """The opinion with the points still disputed attached (第11条第4项: 可一并提交市委编委研究讨论)."""
    if not unresolved:
        return text
    lines = [text.rstrip(), "", "附：经协调未取得一致意见的问题"]
    for number, point in enumerate(unresolved, start=1):
        lines.append(f"{number}. {point['point']}（涉及{'、'.join(point['department_names'])}）")
        lines.append(f"   各方意见：{point['positions']}")
        if point.get("office_view"):
            lines.append(f"   编办意见：{point['office_view']}")
    return "\n".join(lines)


@case_action(
    SubmitReviewOpinion, route="review-opinion", summary="正式审核意见报批后报市委编委研究（第十一条第四项）"
)
def submit_review_opinion(step: Step, command: SubmitReviewOpinion) -> None:
    """第11条第4项: every disagreement coordinated first; the opinion, with the points still disputed
    attached, goes to the office's leaders and then to the committee."""
    answers, _asked = _answers(step)
    progress = step.record.progress or {}
    settlement = progress.get("settlement") or {}
    settled = bool(settlement) and settlement.get("answers_settled", 0) >= len(answers)
    rules.check_review_opinion(command.text, rules.disagreeing(answers), settled)
    unresolved = _unresolved(step) if settled else []
    step.move(reason=command.summary, unresolved_points=len(unresolved) or None)
    draft = DraftedDecision(
        command.summary,
        _attached(command.text, unresolved),
        command.changes_sanding,
        command.special_explanation,
    )
    step.record_progress(
        review_opinion={
            "summary": command.summary,
            "text": command.text,
            "unresolved_points": unresolved or None,
            "by": step.actor.name,
        }
    )
    send_to_approval(step, "duty_plan_review", draft)


@case_action(RecordPlanDecision, route="plan-decision", summary="记录市委编委研究决定（第八条、第十条）")
def record_plan_decision(step: Step, command: RecordPlanDecision) -> None:
    outcome = rules.check_committee_decision(command.outcome, command.decision, command.decided_on, today())
    step.move(reason=command.decision, outcome=outcome, document_number=command.document_number)
    outcome_name = rules.COMMITTEE_OUTCOME_NAMES[outcome]
    step.record_progress(
        committee_decision={
            "decided_on": command.decided_on,
            "outcome": outcome,
            "outcome_name": outcome_name,
            "decision": command.decision,
            "document_number": command.document_number,
            "recorded_by": step.actor.name,
        }
    )
    step.out.notify(
        "duty_plan_decided",
        step.departments(),
        dedupe=step.dedupe(),
        outcome=outcome_name,
        decision=command.decision,
    )
