"""主要职责配置和调整方案 (第6–11条): a department drafts its main duties for the 三定 provisions (第8条) or
an adjustment plan caused by reform or management needs (第10条) — the main duties, each with its basis,
broken down to the internal bodies (第9条), and the function transformation; the office reviews it step by
step (第11条): (一) an initial review of the function transformation, the main duties and the internal
bodies' duties and their basis; (二) written solicitation — the organisation department always, the
leading or supervising departments (归口领导、归口管理), the departments with a division of duties or
business links, others — with the same reply periods and rules as coordination (第20条); (三) study of the
feedback and the draft completed; (四) coordination of disagreements; then the formal review opinion goes
(after the office's leaders approve it) to the committee (市委编委), with the points still disputed
attached; the committee's decision is recorded.

A basis that the measures refuse (部门规章、规范性文件、临时性事项、阶段性任务, 第6条第2款) is refused at
submission; one matter managed by several departments without a lead and a host/assisting split (第7条) is
flagged for the review.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from services.intake.domain import commands as c
from services.intake.domain.coordination import (
    REPLY_OPEN,
    Answer,
    SolicitationStatus,
    latest_answers,
    meeting_steps,
    solicitation_steps,
)
from services.intake.domain.procedure import (
    BEFORE_DECISION_STEPS,
    SUBMITTED_BY_HOST,
    Kind,
    Procedure,
    Status,
    Transition,
    applicant,
    approval_steps,
    office,
    office_decider,
)
from services.intake.domain.rules import fail_if_any, named
from shared.errors import DomainError, ValidationFailed

# --- 第6条: the basis of a duty ---


class DutyBasisType(StrEnum):
    """What a duty may rest on (第6条第1款) — and what it may not (第6条第2款)."""

    PARTY_REGULATION = "party_regulation"  # 党内法规
    LAW = "law"  # 法律法规
    REFORM_PLAN = "reform_plan"  # 机构改革方案
    SANDING = "sanding"  # “三定”规定
    CENTRAL_ITEM = "central_item"  # 党中央明确的职能事项
    DEPARTMENT_RULE = "department_rule"  # 部门规章 — refused
    NORMATIVE_DOCUMENT = "normative_document"  # 规范性文件 — refused
    TEMPORARY_MATTER = "temporary_matter"  # 临时性事项 — refused
    PHASED_TASK = "phased_task"  # 阶段性任务 — refused


DUTY_BASIS_NAMES = {
    DutyBasisType.PARTY_REGULATION: "党内法规",
    DutyBasisType.LAW: "法律法规",
    DutyBasisType.REFORM_PLAN: "机构改革方案",
    DutyBasisType.SANDING: "“三定”规定",
    DutyBasisType.CENTRAL_ITEM: "党中央明确的职能事项",
    DutyBasisType.DEPARTMENT_RULE: "部门规章",
    DutyBasisType.NORMATIVE_DOCUMENT: "规范性文件",
    DutyBasisType.TEMPORARY_MATTER: "临时性事项",
    DutyBasisType.PHASED_TASK: "阶段性任务",
}

#: 第6条第2款: 部门规章、规范性文件和临时性事项、阶段性任务不得作为确定部门职责的依据
REFUSED_BASES = frozenset(
    {
        DutyBasisType.DEPARTMENT_RULE,
        DutyBasisType.NORMATIVE_DOCUMENT,
        DutyBasisType.TEMPORARY_MATTER,
        DutyBasisType.PHASED_TASK,
    }
)


class PlanType(StrEnum):
    SANDING_DRAFT = "sanding_draft"  # 第8条: 纳入“三定”规定草案的部门主要职责
    ADJUSTMENT = "adjustment"  # 第10条: 因改革和管理需要调整部门主要职责的方案


PLAN_TYPE_NAMES = {
    PlanType.SANDING_DRAFT: "“三定”规定草案中的部门主要职责（第八条）",
    PlanType.ADJUSTMENT: "部门主要职责调整方案（第十条）",
}


class AdjustmentCause(StrEnum):
    REFORM = "reform"  # 改革需要
    MANAGEMENT = "management"  # 管理需要


ADJUSTMENT_CAUSE_NAMES = {AdjustmentCause.REFORM: "改革需要", AdjustmentCause.MANAGEMENT: "管理需要"}


# --- commands: the draft ---


@dataclass(frozen=True)
class DutyBasis:
    """One basis of a duty: its type, its name and provision, and — when it is a department's document —
    the department that issued it (a city department's document is never a basis in a district, 第38条)."""

    type: str
    name: str
    provision: str | None = None
    issued_by: str | None = None


@dataclass(frozen=True)
class MainDuty:
    """One main duty (主要职责) and what it rests on (第6条, 第11条第1项)."""

    text: str
    bases: list[DutyBasis]


@dataclass(frozen=True)
class InternalBody:
    """An internal body (内设机构) with its specific duties and the main duties (numbered from 1) it carries
    (第9条: the whole broken down to the internal bodies)."""

    name: str
    duties: str
    main_duties: list[int]


@dataclass(frozen=True)
class SharedMatter:
    """A matter several departments manage (第7条): who leads, who hosts and who assists, and how they
    divide it."""

    matter: str
    departments: list[str]
    lead_department: str | None = None
    host_department: str | None = None
    assisting_departments: list[str] = field(default_factory=list)
    division: str | None = None


@dataclass(frozen=True)
class SubmitDutyPlan(c.CaseCommand):
    """The department's draft of its main duties (第8条) or its adjustment plan (第10条)."""

    title: str
    plan_type: str
    department: str
    function_transformation: str
    main_duties: list[MainDuty]
    internal_bodies: list[InternalBody]
    shared_matters: list[SharedMatter] = field(default_factory=list)
    supervising_departments: list[str] = field(default_factory=list)
    related_departments: list[str] = field(default_factory=list)
    adjustment_cause: str | None = None
    adjustment_reason: str | None = None
    higher_reference: str | None = None
    attachment_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReviseDutyPlan(SubmitDutyPlan):
    """The department's revised draft after the office returned it (第11条第1项); the same content."""


# --- commands: the office's review (第11条) ---


@dataclass(frozen=True)
class InitialReview(c.CaseCommand):
    """第11条第1项: what the initial review found on each of its three points, and — when 第7条 flags were
    raised — how they are to be handled."""

    function_transformation: str
    main_duties: str
    internal_bodies: str
    flags_note: str | None = None


@dataclass(frozen=True)
class PassInitialReview(InitialReview):
    """The draft goes on to written solicitation (第11条第2项)."""


@dataclass(frozen=True)
class ReturnDutyPlan(InitialReview):
    """The draft goes back to the department for revision, with the reasons."""

    reasons: str = ""


@dataclass(frozen=True)
class StudyFeedback(c.CaseCommand):
    """第11条第3项: the feedback summed up and analysed, reasonable suggestions taken, the draft completed."""

    summary: str
    adopted: str
    completed_draft: str
    not_adopted: str | None = None
    attachment_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CoordinateDisagreements(c.CaseCommand):
    """第11条第4项: the office coordinates the disagreements over the main duties."""

    points: str


@dataclass(frozen=True)
class UnresolvedPoint:
    """A point coordination did not settle, with each side's position (submitted to the committee)."""

    point: str
    departments: list[str]
    positions: str
    office_view: str | None = None


@dataclass(frozen=True)
class SettleDisagreements(c.CaseCommand):
    """第11条第4项: the coordination's outcome — agreement, or the points still disputed."""

    agreed: bool
    summary: str
    unresolved_points: list[UnresolvedPoint] = field(default_factory=list)


@dataclass(frozen=True)
class SubmitReviewOpinion(c.Draft):
    """第11条第4项: the formal review opinion, approved by the office's leaders, then to the committee."""


class CommitteeOutcome(StrEnum):
    APPROVED = "approved"  # 同意
    APPROVED_WITH_CHANGES = "approved_with_changes"  # 原则同意，按研究意见修改
    NOT_APPROVED = "not_approved"  # 不同意


COMMITTEE_OUTCOME_NAMES = {
    CommitteeOutcome.APPROVED: "同意",
    CommitteeOutcome.APPROVED_WITH_CHANGES: "原则同意，按研究意见修改",
    CommitteeOutcome.NOT_APPROVED: "不同意",
}


@dataclass(frozen=True)
class RecordPlanDecision(c.CaseCommand):
    """What the committee decided on the plan (第8条, 第10条: 报市委编委研究)."""

    decided_on: date
    outcome: str
    decision: str
    document_number: str | None = None


# --- 第6条, 第9条, 第10条: checking the draft ---


def check_basis(basis: DutyBasis, where: str) -> DutyBasisType:
    try:
        kind = DutyBasisType(basis.type)
    except ValueError:
        raise ValidationFailed.for_field(f"{where}.type", "依据类型不在可选范围内") from None
    if kind in REFUSED_BASES:
        raise ValidationFailed.for_field(
            f"{where}.type",
            f"{DUTY_BASIS_NAMES[kind]}不得作为确定部门职责的依据（第六条第二款）",
            code="basis_not_allowed",
        )
    return kind


def check_plan(plan: SubmitDutyPlan) -> None:
    """The draft carries what 第8–11条 review: the function transformation, every main duty with an allowed
    basis (第6条), every main duty broken down to an internal body (第9条), an adjustment's cause (第10条)."""
    fields: dict[str, list[str]] = {}
    try:
        PlanType(plan.plan_type)
    except ValueError:
        fields["plan_type"] = ["应为“三定”规定草案或主要职责调整方案"]
    if not plan.function_transformation.strip():
        fields["function_transformation"] = ["应说明职能转变（第十一条第一项）"]
    if not plan.main_duties:
        fields["main_duties"] = ["应列明部门主要职责（第八条）"]
    refused: dict[str, list[str]] = {}
    for i, duty in enumerate(plan.main_duties):
        if not duty.bases:
            fields[f"main_duties[{i}].bases"] = [f"第{i + 1}项主要职责应列明依据（第六条、第十一条第一项）"]
        for j, basis in enumerate(duty.bases):
            try:
                check_basis(basis, f"main_duties[{i}].bases[{j}]")
            except ValidationFailed as refusal:
                refused.update(refusal.fields)
    fields.update(refused)
    _check_internal_bodies(plan, fields)
    if plan.plan_type == PlanType.ADJUSTMENT:
        if plan.adjustment_cause not in set(AdjustmentCause):
            fields["adjustment_cause"] = ["调整方案应说明是因改革需要还是管理需要（第十条）"]
        if not (plan.adjustment_reason and plan.adjustment_reason.strip()):
            fields["adjustment_reason"] = ["应说明调整部门主要职责的理由（第十条）"]
    _check_shared_matters(plan, fields)
    detail = "依据不符合第六条第二款" if refused else "主要职责方案内容不完整（第八条至第十一条）"
    fail_if_any(fields, detail, "basis_not_allowed" if refused else "duty_plan_incomplete")


def _check_internal_bodies(plan: SubmitDutyPlan, fields: dict[str, list[str]]) -> None:
    """第9条: the whole broken down to the internal bodies — each main duty carried by at least one."""
    if not plan.internal_bodies:
        fields["internal_bodies"] = ["应明确部门内设机构的具体职责（第九条）"]
        return
    carried: set[int] = set()
    for i, body in enumerate(plan.internal_bodies):
        if not body.duties.strip():
            fields[f"internal_bodies[{i}].duties"] = ["应写明该内设机构的具体职责（第九条）"]
        wrong = [n for n in body.main_duties if not 1 <= n <= len(plan.main_duties)]
        if wrong:
            fields[f"internal_bodies[{i}].main_duties"] = [
                f"没有第{'、'.join(str(n) for n in wrong)}项主要职责"
            ]
        carried.update(body.main_duties)
    missing = [i + 1 for i in range(len(plan.main_duties)) if i + 1 not in carried]
    if missing and plan.main_duties:
        numbers = "、".join(f"第{n}项" for n in missing)
        fields["internal_bodies"] = [f"{numbers}主要职责尚未分解到内设机构（第九条）"]
    names = [b.name.strip() for b in plan.internal_bodies]
    if len(set(names)) != len(names):
        fields.setdefault("internal_bodies", []).append("内设机构名称重复")


def _check_shared_matters(plan: SubmitDutyPlan, fields: dict[str, list[str]]) -> None:
    """A shared matter names the departments it involves; a lead, host or assisting department named must
    be one of them (whether they are named at all is 第7条's flag, not a refusal)."""
    for i, matter in enumerate(plan.shared_matters):
        where = f"shared_matters[{i}]"
        involved = set(matter.departments)
        if len(involved) < 2:
            fields[f"{where}.departments"] = ["需多个部门管理的事项应列明所涉及的各部门"]
            continue
        for name, value in (
            ("lead_department", matter.lead_department),
            ("host_department", matter.host_department),
        ):
            if value and value not in involved:
                fields[f"{where}.{name}"] = ["应为该事项所涉及的部门之一"]
        outside = [d for d in matter.assisting_departments if d not in involved]
        if outside or (matter.host_department and matter.host_department in matter.assisting_departments):
            fields[f"{where}.assisting_departments"] = ["协办部门应为该事项所涉及的其他部门"]


# --- 第7条: one matter, one department in charge ---


@dataclass(frozen=True)
class Flag:
    """Something the review must look at: the article, the place in the draft, and what is wrong."""

    article: str
    where: str
    message: str


def seventh_article_flags(matters: Sequence[SharedMatter], department_names: Mapping[str, str]) -> list[Flag]:
    """第7条: 一类事项原则上由一个部门统筹、一件事情原则上由一个部门负责；确需多个部门管理的事项，
    应当明确牵头部门，分清主办和协办关系及其各自的职责分工. Every matter naming several departments
    without a lead, without the host/assisting split or without the division is flagged; so is a matter
    named twice."""
    flags: list[Flag] = []
    seen: dict[str, int] = {}
    for i, matter in enumerate(matters):
        where = f"shared_matters[{i}]"
        names = "、".join(named(department_names, d) for d in matter.departments)
        missing = []
        if not matter.lead_department:
            missing.append("牵头部门")
        if not matter.host_department or not matter.assisting_departments:
            missing.append("主办和协办关系")
        if not (matter.division and matter.division.strip()):
            missing.append("各自的职责分工")
        if missing:
            flags.append(Flag("第七条", where, f"“{matter.matter}”由{names}管理，未明确{'、'.join(missing)}"))
        key = matter.matter.strip()
        if key in seen:
            flags.append(
                Flag("第七条", where, f"“{key}”与第{seen[key] + 1}项为同一事项，一类事项原则上由一个部门统筹")
            )
        seen.setdefault(key, i)
    return flags


def check_initial_review(review: InitialReview, flags: Sequence[Flag]) -> None:
    """第11条第1项: the initial review answers each of its three points; raised 第7条 flags get a note."""
    fields: dict[str, list[str]] = {}
    for name, what in (
        ("function_transformation", "职能转变"),
        ("main_duties", "部门主要职责的内容和依据"),
        ("internal_bodies", "内设机构职责的内容和依据"),
    ):
        if not getattr(review, name).strip():
            fields[name] = [f"初审应审核{what}（第十一条第一项）"]
    if flags and not (review.flags_note and review.flags_note.strip()):
        fields["flags_note"] = [
            "方案中有需多个部门管理而未明确牵头、主协办关系的事项，应写明处理意见（第七条）"
        ]
    if isinstance(review, ReturnDutyPlan) and not review.reasons.strip():
        fields["reasons"] = ["退回修改应说明理由"]
    fail_if_any(fields, "初审意见不完整（第十一条第一项）", "initial_review_incomplete")


# --- 第11条第2项: whom the office must ask ---


class SolicitationScope(StrEnum):
    """The range of 第11条第2项, in its order."""

    ORGANISATION = "organisation"  # 党委组织部门
    SUPERVISING = "supervising"  # 存在归口领导、归口管理关系的领导、管理部门
    RELATED = "related"  # 与该部门存在职责分工和业务联系的部门
    OTHER = "other"  # 其他需要征求意见的部门


SCOPE_NAMES = {
    SolicitationScope.ORGANISATION: "党委组织部门",
    SolicitationScope.SUPERVISING: "归口领导、管理部门",
    SolicitationScope.RELATED: "存在职责分工和业务联系的部门",
    SolicitationScope.OTHER: "其他需要征求意见的部门",
}


def required_scope(
    organisation: str | None, supervising: Iterable[str], related: Iterable[str]
) -> dict[str, SolicitationScope]:
    """The departments 第11条第2项 says must be asked, each with its place in the range (the organisation
    department first: it is always asked)."""
    scope: dict[str, SolicitationScope] = {}
    if organisation:
        scope[organisation] = SolicitationScope.ORGANISATION
    for code in supervising:
        scope.setdefault(code, SolicitationScope.SUPERVISING)
    for code in related:
        scope.setdefault(code, SolicitationScope.RELATED)
    return scope


def scope_of(department: str, required: Mapping[str, SolicitationScope]) -> SolicitationScope:
    return required.get(department, SolicitationScope.OTHER)


def check_solicitation_scope(
    required: Mapping[str, SolicitationScope], solicited: Iterable[str], names: Mapping[str, str]
) -> None:
    """Before the feedback is studied, every department of the required range has been asked in writing."""
    asked = set(solicited)
    if not required:
        raise DomainError(
            "本辖区目录中没有党委组织部门，无法按第十一条第二项征求意见", code="no_organisation"
        )
    missing = [code for code in required if code not in asked]
    if missing:
        listed = "、".join(f"{named(names, code)}（{SCOPE_NAMES[required[code]]}）" for code in missing)
        raise DomainError(
            f"尚未书面征求以下部门的意见：{listed}（第十一条第二项）",
            code="solicitation_scope_incomplete",
            extra={"departments": missing},
        )


# --- 第11条第3–4项: the feedback, the disagreements, the opinion ---


def disagreeing(answers: Iterable[Answer]) -> list[str]:
    """The departments whose last word was a disagreement."""
    return sorted(
        d for d, status in latest_answers(answers).items() if status is SolicitationStatus.DISAGREED
    )


def check_feedback_in(answers: Iterable[Answer]) -> None:
    """The feedback is studied once nobody is still answering (第20条: a silent department counts only once
    its period ran out with proven delivery)."""
    waiting = sorted(d for d, status in latest_answers(answers).items() if status in REPLY_OPEN)
    if waiting:
        raise DomainError(
            f"尚有部门未反馈意见（{'、'.join(waiting)}），不能进行研究（第十一条第三项、第二十条）",
            code="solicitation_pending",
            extra={"departments": waiting},
        )


def check_settlement(settlement: SettleDisagreements) -> None:
    if not settlement.summary.strip():
        raise ValidationFailed.for_field("summary", "应说明协调情况（第十一条第四项）")
    if settlement.agreed and settlement.unresolved_points:
        raise ValidationFailed.for_field("unresolved_points", "已取得一致的，不应列出未取得一致意见的问题")
    if not settlement.agreed and not settlement.unresolved_points:
        raise ValidationFailed.for_field(
            "unresolved_points",
            "经协调未取得一致意见的，应列明问题，一并提交市委编委研究讨论（第十一条第四项）",
        )


def check_review_opinion(text: str, disagreeing_departments: Sequence[str], settled: bool) -> None:
    """第11条第4项: the formal opinion follows the coordination of every disagreement (agreed, or the points
    still disputed attached)."""
    if disagreeing_departments and not settled:
        raise DomainError(
            f"{'、'.join(disagreeing_departments)}提出了不同意见，应先进行协调（第十一条第四项）",
            code="disagreement_unresolved",
            extra={"departments": list(disagreeing_departments)},
        )
    if not text.strip():
        raise ValidationFailed.for_field("text", "应拟订正式审核意见（第十一条第四项）")


def check_committee_decision(outcome: str, decision: str, decided_on: date, today: date) -> CommitteeOutcome:
    try:
        parsed = CommitteeOutcome(outcome)
    except ValueError:
        raise ValidationFailed.for_field("outcome", "应为同意、原则同意或不同意") from None
    if not decision.strip():
        raise ValidationFailed.for_field("decision", "应记录市委编委的研究意见")
    if decided_on > today:
        raise ValidationFailed.for_field("decided_on", "研究日期不能晚于今天")
    return parsed


# --- the procedure ---

S = Status
SOLICITING = frozenset({S.PLAN_SOLICITING, S.RESOLVING_DISAGREEMENTS})

PROCEDURE = Procedure(
    kind=Kind.DUTY_PLAN,
    name="主要职责配置和调整方案审核",
    openings=(SUBMITTED_BY_HOST,),
    transitions=(
        *BEFORE_DECISION_STEPS,
        # 第11条第1项: the initial review
        Transition(
            PassInitialReview,
            "pass_initial_review",
            "初审通过，征求相关部门意见",
            frozenset({S.SUBMITTED}),
            S.PLAN_SOLICITING,
            office,
        ),
        Transition(
            ReturnDutyPlan, "return_plan", "初审退回修改", frozenset({S.SUBMITTED}), S.PLAN_RETURNED, office
        ),
        Transition(
            ReviseDutyPlan,
            "revise_plan",
            "报送修改后的方案",
            frozenset({S.PLAN_RETURNED}),
            S.SUBMITTED,
            applicant,
        ),
        # 第11条第2项 (第20条): the same written solicitation as coordination, and its meetings
        *solicitation_steps(soliciting=SOLICITING, answering=SOLICITING),
        *meeting_steps(frozenset({S.RESOLVING_DISAGREEMENTS})),
        # 第11条第3项
        Transition(
            StudyFeedback,
            "study_feedback",
            "研究反馈意见，完善方案",
            frozenset({S.PLAN_SOLICITING}),
            S.DRAFTING_REVIEW,
            office,
        ),
        # 第11条第4项
        Transition(
            CoordinateDisagreements,
            "coordinate_disagreements",
            "协调分歧",
            frozenset({S.DRAFTING_REVIEW}),
            S.RESOLVING_DISAGREEMENTS,
            office,
        ),
        Transition(
            SettleDisagreements,
            "settle_disagreements",
            "记录协调结果",
            frozenset({S.RESOLVING_DISAGREEMENTS}),
            S.DRAFTING_REVIEW,
            office,
        ),
        Transition(
            SubmitReviewOpinion,
            "submit_review_opinion",
            "正式审核意见报批",
            frozenset({S.DRAFTING_REVIEW}),
            S.AWAITING_APPROVAL,
            office,
        ),
        *approval_steps(returned_to=S.DRAFTING_REVIEW, rejected_to=S.DRAFTING_REVIEW, issued=False),
        Transition(
            RecordPlanDecision,
            "record_plan_decision",
            "记录市委编委研究决定",
            frozenset({S.AWAITING_COMMITTEE}),
            S.PLAN_DECIDED,
            office_decider,
        ),
    ),
)


def plan_case_parties(plan: SubmitDutyPlan) -> dict[str, str]:
    """The departments a plan names, by their part in it (the submitting department is the applicant)."""
    parties: dict[str, str] = {}
    for code in plan.supervising_departments:
        parties.setdefault(code, "supervising")
    for code in plan.related_departments:
        parties.setdefault(code, "related")
    parties.pop(plan.department, None)
    return parties


def named_departments(plan: SubmitDutyPlan) -> dict[str, list[str]]:
    """Every department the draft names, by the field naming it (each must be in the jurisdiction)."""
    named: dict[str, list[str]] = {
        "department": [plan.department],
        "supervising_departments": plan.supervising_departments,
        "related_departments": plan.related_departments,
    }
    for i, matter in enumerate(plan.shared_matters):
        named[f"shared_matters[{i}].departments"] = matter.departments
    return named


def basis_issuers(plan: SubmitDutyPlan) -> dict[str, str]:
    """The department that issued each basis that is a department's document, by the field naming it."""
    return {
        f"main_duties[{i}].bases[{j}].issued_by": basis.issued_by
        for i, duty in enumerate(plan.main_duties)
        for j, basis in enumerate(duty.bases)
        if basis.issued_by
    }
