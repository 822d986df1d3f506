"""职责分工协调 (第16–25条): the host department applies after failed consultation (or the office opens a
coordination itself, 第26条); the office accepts or refuses within 5 working days, coordinates by written
solicitation and meetings, and within 30 working days (once extendable by 30) proposes a written opinion — on
agreement — or a determination; approval, issuance, execution. Suspension and termination (第25条).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from services.intake.domain import commands as c
from services.intake.domain.procedure import (
    BEFORE_DECISION_STEPS,
    OVERDUE,
    SUBMITTED_BY_HOST,
    Case,
    Kind,
    Opening,
    Procedure,
    Status,
    Transition,
    applicant,
    approval_steps,
    office,
    office_decider,
    office_on_interpretation,
    office_on_new_business,
    org_reviewer,
    party,
    system,
)
from services.intake.domain.rules import fail_if_any
from shared.errors import DomainError, ValidationFailed
from shared.measures import RULES, Rule

REPLY = RULES["written_reply"]

# --- commands: how a coordination begins ---


@dataclass(frozen=True)
class CollectiveDecision:
    """The host's party group decided collectively to apply (第16条)."""

    meeting_date: date
    minutes_summary: str
    minutes_attachment_id: str | None = None


@dataclass(frozen=True)
class LegalBasis:
    """A basis the application cites (第16条第3项): its type (:class:`BasisType`), name and provision."""

    type: str
    name: str
    provision: str | None = None
    #: the department whose document it is (its 三定 规定, its division opinion): of the case's jurisdiction
    #: only — a city department's documents are never a basis in a district or county (第38条第2款)
    issued_by: str | None = None


@dataclass(frozen=True)
class ApplyForCoordination(c.CaseCommand):
    """The host department applies in writing with 第16条's four items, after failed consultation."""

    title: str
    host_department: str
    other_parties: list[str]
    disputed_items: str
    consultation_failed: bool
    consultation_history: str
    collective_decision: CollectiveDecision
    leaning_opinion: str
    reasons: str
    legal_bases: list[LegalBasis]
    lead_departments: list[str] = field(default_factory=list)
    other_materials: str | None = None
    attachment_ids: list[str] = field(default_factory=list)
    urgent: bool = False
    interim_measures: str | None = None
    interim_told: list[str] = field(default_factory=list)

    def application(self) -> Application:
        """What :func:`check_application` checks."""
        return Application(
            host=self.host_department,
            other_parties=self.other_parties,
            consultation_failed=self.consultation_failed,
            consultation_history=self.consultation_history,
            collective_decision_date=self.collective_decision.meeting_date.isoformat(),
            leaning_opinion=self.leaning_opinion,
            reasons=self.reasons,
            bases=len(self.legal_bases),
            urgent=self.urgent,
            interim_measures=self.interim_measures,
            interim_told=self.interim_told,
        )

    def basis_issuers(self) -> dict[str, str]:
        """The department whose document each basis is, by the field naming it (第38条第2款)."""
        return {
            f"legal_bases[{i}].issued_by": basis.issued_by
            for i, basis in enumerate(self.legal_bases)
            if basis.issued_by
        }


class AssignedBy(StrEnum):
    """Who may assign a coordination to the office (第26条第1款)."""

    CITY_PARTY_COMMITTEE = "city_party_committee"  # 市委
    CITY_GOVERNMENT = "city_government"  # 市政府
    COMMITTEE = "committee"  # 市委编委


ASSIGNED_BY_NAMES = {
    AssignedBy.CITY_PARTY_COMMITTEE: "市委",
    AssignedBy.CITY_GOVERNMENT: "市政府",
    AssignedBy.COMMITTEE: "市委编委",
}


@dataclass(frozen=True)
class Assignment:
    """第26条第1款: who assigned the matter, when, by which document or instruction, and what they asked
    for (市委编办按要求办理)."""

    assigned_by: str
    assigned_on: date
    instructions: str
    document: str | None = None
    required_by: date | None = None


@dataclass(frozen=True)
class OpenCoordination(c.CaseCommand):
    """第26条: the office opens a coordination itself (assigned, found by evaluation, new business, …)."""

    title: str
    source: str
    description: str
    parties: list[str]
    attachment_ids: list[str] = field(default_factory=list)
    assignment: Assignment | None = None


def check_opening(command: OpenCoordination, today: date) -> None:
    """An assigned matter carries who assigned it and their instructions (第26条第1款); nothing else does."""
    fields: dict[str, list[str]] = {}
    assignment = command.assignment
    if command.source == "committee_assigned":
        if assignment is None:
            fields["assignment"] = ["交办事项应写明交办单位和交办要求（第二十六条第一款）"]
        else:
            if assignment.assigned_by not in set(AssignedBy):
                fields["assignment.assigned_by"] = ["交办单位应为市委、市政府或市委编委（第二十六条第一款）"]
            if not assignment.instructions.strip():
                fields["assignment.instructions"] = ["应写明交办要求，编办按要求办理（第二十六条第一款）"]
            if assignment.assigned_on > today:
                fields["assignment.assigned_on"] = ["交办日期不能晚于今天"]
            if assignment.required_by is not None and assignment.required_by < assignment.assigned_on:
                fields["assignment.required_by"] = ["要求办结的日期不能早于交办日期"]
    elif assignment is not None:
        fields["assignment"] = ["只有市委、市政府和市委编委交办的事项填写交办信息"]
    if not command.parties:
        fields["parties"] = ["至少列明一个相关部门"]
    fail_if_any(fields, "立项信息不完整（第二十六条）", "opening_incomplete")


# --- commands: the coordination itself ---


@dataclass(frozen=True)
class Accept(c.CaseCommand):
    note: str | None = None


@dataclass(frozen=True)
class Reject(c.CaseCommand):
    ground: str
    reasons: str
    mechanism: str | None = None


@dataclass(frozen=True)
class Solicit(c.CaseCommand):
    """第20条: ask departments in writing; the reply period is 5–10 working days unless a reason says why."""

    departments: list[str]
    question: str
    reply_working_days: int
    reply_period_reason: str | None = None


@dataclass(frozen=True)
class Reply(c.CaseCommand):
    solicitation_id: str
    kind: str
    opinion: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class DeemNoObjection(c.CaseCommand):
    """第20条: a reply period ran out (``clock.expired``)."""

    solicitation_id: str
    due_date: str | None = None


@dataclass(frozen=True)
class RecordDelivery(c.CaseCommand):
    """What notify says of a solicitation's notice (``notify.outcome``): ``delivered`` to at least one of
    the department's people on 浙政钉 (the first at ``delivered_at``), or ``unconfirmed`` / ``failed``."""

    solicitation_id: str
    outcome: str
    delivered_at: datetime | None = None
    reached: list[str] = field(default_factory=list)
    reason: str | None = None


@dataclass(frozen=True)
class RecordService(c.CaseCommand):
    """第20条: a notice the platform could not prove delivered was served by another means (书面送达) on
    ``served_on``; the reply period counts from that date."""

    solicitation_id: str
    served_on: date
    method: str = "written"
    note: str | None = None


@dataclass(frozen=True)
class ScheduleMeeting(c.CaseCommand):
    starts_at: datetime
    location: str
    attendees: list[str]
    agenda: str


@dataclass(frozen=True)
class RecordMeeting(c.CaseCommand):
    meeting_id: str
    minutes: str
    minutes_attachment_id: str | None = None


@dataclass(frozen=True)
class ReportInterimMeasures(c.CaseCommand):
    """第22条第2款: in an emergency the applicant acts and tells the office and the parties."""

    measures: str
    told: list[str]


@dataclass(frozen=True)
class ReachAgreement(c.CaseCommand):
    """第21条: the parties agree. ``disagreements_resolved`` says how a 不同意见 given was settled."""

    summary: str
    disagreements_resolved: str | None = None


@dataclass(frozen=True)
class SubmitOpinion(c.Draft):
    """第21条, 第23条: the written coordination opinion goes to approval."""


@dataclass(frozen=True)
class Interpret(c.CaseCommand):
    """第26条第3款: 部门对“三定”规定理解不一致产生分歧的, 市委编办可以以书面形式作出解释 — the written
    interpretation goes to the office's leaders, then is issued to the departments."""

    summary: str
    text: str


@dataclass(frozen=True)
class DesignateDepartment(c.CaseCommand):
    """第26条第2款: 新业态的管理职责分工不明确的, 市委编办应当指定部门 — which department, what it takes on,
    why; to the office's leaders, then issued (an opinion with the departments concerned is the ordinary
    coordination opinion)."""

    department: str
    duties: str
    reasons: str
    assisting_departments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Determine(c.CaseCommand):
    reasons: str
    major: bool = False


@dataclass(frozen=True)
class RecordHearing(c.CaseCommand):
    held_on: date
    summary: str
    experts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SubmitDetermination(c.Draft):
    """第21条第2款: the determination proposal goes to approval."""


@dataclass(frozen=True)
class CompleteOrgReview(c.CaseCommand):
    opinion: str


@dataclass(frozen=True)
class RecordCommitteeDecision(c.CaseCommand):
    decided_on: date
    decision: str


@dataclass(frozen=True)
class Extend(c.CaseCommand):
    reason: str


@dataclass(frozen=True)
class Suspend(c.CaseCommand):
    ground: str
    reason: str


@dataclass(frozen=True)
class Resume(c.CaseCommand):
    reason: str | None = None


@dataclass(frozen=True)
class Terminate(c.CaseCommand):
    reason: str


# --- 第16条: the coordination application ---


class BasisType(StrEnum):
    """The kinds of legal basis an application cites (第16条第3项)."""

    PARTY_REGULATION = "party_regulation"  # 党内法规
    LAW = "law"  # 法律法规
    SANDING = "sanding"  # “三定”规定
    REFORM_PLAN = "reform_plan"  # 机构改革方案
    HIGHER_DOCUMENT = "higher_document"  # 党中央、国务院以及省委、省政府和市委、市政府文件


BASIS_NAMES = {
    BasisType.PARTY_REGULATION: "党内法规",
    BasisType.LAW: "法律法规",
    BasisType.SANDING: "“三定”规定",
    BasisType.REFORM_PLAN: "机构改革方案",
    BasisType.HIGHER_DOCUMENT: "上级文件",
}


@dataclass(frozen=True)
class Application:
    host: str
    other_parties: Sequence[str]
    consultation_failed: bool
    consultation_history: str
    collective_decision_date: str | None
    leaning_opinion: str
    reasons: str
    bases: int
    urgent: bool
    interim_measures: str | None
    interim_told: Sequence[str]


def check_application(app: Application) -> None:
    """An application follows failed consultation, from the host's party group, with 第16条's materials."""
    fields: dict[str, list[str]] = {}
    if not app.consultation_failed:
        fields["consultation_failed"] = ["应先经部门协商，协商未达成一致的方可申请协调（第十二条、第十六条）"]
    if not app.consultation_history.strip():
        fields["consultation_history"] = ["应说明分歧事项的协商情况（第十六条第一项）"]
    if not app.collective_decision_date:
        fields["collective_decision.meeting_date"] = ["应经主办部门党组（党委）集体研究"]
    if not app.leaning_opinion.strip():
        fields["leaning_opinion"] = ["应提出倾向性意见"]
    if not app.reasons.strip():
        fields["reasons"] = ["应说明申请协调的理由"]
    if app.bases < 1:
        fields["legal_bases"] = ["应列明职责分歧涉及的党内法规、法律法规、“三定”规定、机构改革方案或上级文件"]
    if not app.other_parties:
        fields["other_parties"] = ["应列明分歧涉及的其他部门"]
    elif app.host in app.other_parties:
        fields["other_parties"] = ["主办部门不能同时是分歧的另一方"]
    if app.urgent and not (app.interim_measures and app.interim_measures.strip()):
        fields["interim_measures"] = ["紧急情况下，申请方应采取临时处置措施并记录（第二十二条第二款）"]
    if app.urgent and not app.interim_told:
        fields["interim_told"] = ["应记录已告知的对象（编办、其他分歧主体、管理服务对象）"]
    fail_if_any(fields, "协调申请材料不完整（第十六条）", "application_incomplete")


# --- 第17条: refusing an application ---


class RejectionGround(StrEnum):
    NOT_CONSULTED = "not_consulted"  # (一) 部门之间未经协商的
    ASSISTANCE_REQUEST = "assistance_request"  # (二) 需要其他部门协助配合的
    WORK_ITEM_DISPUTE = "work_item_dispute"  # (三) 不涉及职责分工的具体工作事项分歧
    INTERNAL = "internal"  # (四) 部门内部的职责分工分歧
    SERVICE_OBJECT = "service_object"  # (五) 部门与管理服务对象等发生的分歧
    OTHER = "other"  # (六) 其他不应当由市委编办协调的


REJECTION_GROUND_NAMES = {
    RejectionGround.NOT_CONSULTED: "（一）部门之间未经协商",
    RejectionGround.ASSISTANCE_REQUEST: "（二）属于部门履行职责中需要其他部门协助配合",
    RejectionGround.WORK_ITEM_DISPUTE: "（三）不涉及职责分工的具体工作事项分歧",
    RejectionGround.INTERNAL: "（四）部门内部的职责分工分歧",
    RejectionGround.SERVICE_OBJECT: "（五）部门与管理服务对象等发生的分歧",
    RejectionGround.OTHER: "（六）其他不应当由市委编办协调的职责分工分歧",
}


class Mechanism(StrEnum):
    """What grounds (二)(三) send the departments to instead (第17条第3款)."""

    DELIBERATION_BODY = "deliberation_body"  # 议事协调机制
    JOINT_MEETING = "joint_meeting"  # 部门联席会议
    LEAD_ASSIST = "lead_assist"  # 主协办责任制
    LEAD_DEPARTMENT = "lead_department"  # 主要部门牵头机制


MECHANISM_NAMES = {
    Mechanism.DELIBERATION_BODY: "议事协调机制",
    Mechanism.JOINT_MEETING: "部门联席会议",
    Mechanism.LEAD_ASSIST: "主协办责任制",
    Mechanism.LEAD_DEPARTMENT: "主要部门牵头机制",
}

NEEDS_MECHANISM = frozenset({RejectionGround.ASSISTANCE_REQUEST, RejectionGround.WORK_ITEM_DISPUTE})


def check_rejection(
    ground: str, reasons: str, mechanism: str | None
) -> tuple[RejectionGround, Mechanism | None]:
    """A refusal names one of the six grounds and its reasons; (二)(三) name the mechanism to use instead."""
    fields: dict[str, list[str]] = {}
    try:
        parsed = RejectionGround(ground)
    except ValueError:
        raise ValidationFailed.for_field(
            "ground", "应为第十七条所列六种情形之一", code="rejection_incomplete"
        ) from None
    if not reasons.strip():
        fields["reasons"] = ["不予受理的，应当说明理由（第十七条第一款）"]
    chosen: Mechanism | None = None
    if parsed in NEEDS_MECHANISM:
        if mechanism is None:
            fields["mechanism"] = [
                "第（二）（三）项情形应指明通过议事协调机制、部门联席会议、主协办责任制或主要部门牵头机制解决"
            ]
        else:
            chosen = Mechanism(mechanism)
    elif mechanism is not None:
        chosen = Mechanism(mechanism)
    fail_if_any(fields, "不予受理决定不完整（第十七条）", "rejection_incomplete")
    return parsed, chosen


# --- 第20条: written solicitation ---


def check_reply_period(working_days: int, reason: str | None = None, rule: Rule = REPLY) -> int:
    """第20条: 一般不少于5个工作日，不超过10个工作日 — outside that only with a stated reason (the one rule
    the deadlines service applies too, :data:`shared.measures.RULES`). ``rule`` is 第二十条 as the case's
    jurisdiction counts it: a district or county may set its own usual range (第三十九条)."""
    length = rule.resolve_length(working_days, reason, field="reply_working_days", code="reply_period")
    assert length is not None
    return length


def usual_reply_period(working_days: int, rule: Rule = REPLY) -> bool:
    """Within the usual range: 5–10 working days (第20条 "一般"), or the jurisdiction's own."""
    return (rule.min_length or 0) <= working_days <= (rule.max_length or 0)


class ReplyKind(StrEnum):
    AGREE = "agree"  # 同意
    DISAGREE = "disagree"  # 有不同意见
    NEED_TIME = "need_time"  # 需要更多时间（说明原因）


REPLY_NAMES: dict[str, str] = {
    ReplyKind.AGREE: "同意",
    ReplyKind.DISAGREE: "有不同意见",
    ReplyKind.NEED_TIME: "需要更多时间",
}


class SolicitationStatus(StrEnum):
    PENDING = "pending"
    AGREED = "agreed"
    DISAGREED = "disagreed"
    DELAYED_WITH_REASON = "delayed_with_reason"
    DEEMED_NO_OBJECTION = "deemed_no_objection"
    EXPIRED_WITH_REASON = "expired_with_reason"
    CANCELLED = "cancelled"


class Delivery(StrEnum):
    """Whether a solicitation reached the department (第20条: silence counts only once it has)."""

    PENDING = "pending"  # the notice is on its way; notify has not said yet
    DELIVERED = "delivered"  # at least one of the department's people has it on 浙政钉
    UNCONFIRMED = "unconfirmed"  # the platform refused it, or could not confirm it: 送达未确认
    SERVED = "served"  # served by another means (书面送达), on a recorded date


DELIVERY_NAMES = {
    Delivery.PENDING: "送达中",
    Delivery.DELIVERED: "已送达（浙政钉）",
    Delivery.UNCONFIRMED: "送达未确认",
    Delivery.SERVED: "已书面送达",
}
#: delivery proven: the reply period may run out into 视为没有不同意见
PROVEN = frozenset({Delivery.DELIVERED, Delivery.SERVED})


class ServiceMethod(StrEnum):
    WRITTEN = "written"  # 书面送达（公文交换、机要、邮寄）
    IN_PERSON = "in_person"  # 当面送达，签收
    OTHER = "other"  # 其他可以证明送达的方式


SERVICE_METHOD_NAMES = {
    ServiceMethod.WRITTEN: "书面送达（公文交换、机要或邮寄）",
    ServiceMethod.IN_PERSON: "当面送达并签收",
    ServiceMethod.OTHER: "其他可证明送达的方式",
}


@dataclass(frozen=True)
class DeliveryChange:
    """What a report or a recorded service does to a solicitation: its new delivery state, whether its
    reply period starts over from ``restart_on`` (a date), whether the office must be told at once."""

    delivery: Delivery
    restart_on: date | None = None
    pause_clock: bool = False
    tell_office: bool = False


def delivery_reported(current: Delivery, outcome: str, delivered_on: date | None) -> DeliveryChange | None:
    """第20条: a notice proven delivered lets the period run; one not proven stops it and the office is told
    at once. A notice confirmed only after it was found unconfirmed counts from the day it arrived. A later
    report never undoes a proven delivery (None: nothing changes)."""
    if current in PROVEN:
        return None
    if outcome == "delivered":
        restart = delivered_on if current is Delivery.UNCONFIRMED else None
        return DeliveryChange(Delivery.DELIVERED, restart_on=restart)
    if current is Delivery.PENDING:
        return DeliveryChange(Delivery.UNCONFIRMED, pause_clock=True, tell_office=True)
    return None


def check_service(
    current: Delivery, status: SolicitationStatus, served_on: date, sent_on: date, today: date
) -> None:
    """Service by another means is recorded for a solicitation still waiting for its answer whose delivery
    the platform did not prove, on a date between the sending and today."""
    if current in PROVEN:
        raise DomainError(f"这次征求意见已{DELIVERY_NAMES[current]}，无需登记送达", code="already_delivered")
    if status not in REPLY_OPEN:
        raise DomainError("这次征求意见已经结束，无需登记送达", code="solicitation_closed")
    if served_on > today:
        raise ValidationFailed.for_field("served_on", "送达日期不能晚于今天")
    if served_on < sent_on:
        raise ValidationFailed.for_field("served_on", "送达日期不能早于发出书面征求意见的日期")


def may_be_deemed(delivery: Delivery) -> bool:
    """第20条: only a solicitation that reached the department can be 视为没有不同意见."""
    return delivery in PROVEN


#: the reply period still runs: not yet answered, or a reason for needing more time was filed
REPLY_CLOCK_RUNNING = frozenset({SolicitationStatus.PENDING, SolicitationStatus.DELAYED_WITH_REASON})

#: a department may still answer: before the period runs out, or after it when it had filed a reason
#: (第20条: only silence *without* a stated reason is 视为没有不同意见)
REPLY_OPEN = frozenset(
    {
        SolicitationStatus.PENDING,
        SolicitationStatus.DELAYED_WITH_REASON,
        SolicitationStatus.EXPIRED_WITH_REASON,
    }
)


def check_reply(
    kind: str,
    opinion: str | None,
    reason: str | None,
    current: SolicitationStatus = SolicitationStatus.PENDING,
) -> ReplyKind:
    parsed = ReplyKind(kind)
    if parsed is ReplyKind.NEED_TIME and current is SolicitationStatus.EXPIRED_WITH_REASON:
        raise ValidationFailed.for_field("kind", "答复期限已过，请直接提出同意或具体意见（第二十条）")
    if parsed is ReplyKind.DISAGREE and not (opinion and opinion.strip()):
        raise ValidationFailed.for_field("opinion", "有不同意见的，应提出具体意见（第二十条）")
    if parsed is ReplyKind.NEED_TIME and not (reason and reason.strip()):
        raise ValidationFailed.for_field("reason", "需要更多时间的，应说明原因")
    return parsed


def status_at_expiry(current: SolicitationStatus) -> SolicitationStatus | None:
    """第20条: silence at expiry without a stated reason is 视为没有不同意见; a reply already given stands."""
    if current is SolicitationStatus.PENDING:
        return SolicitationStatus.DEEMED_NO_OBJECTION
    if current is SolicitationStatus.DELAYED_WITH_REASON:
        return SolicitationStatus.EXPIRED_WITH_REASON
    return None


# --- 第21条: agreement ---


@dataclass(frozen=True)
class Answer:
    """A consulted department's answer to a written solicitation (第20条); ``department`` by its name."""

    department: str
    status: SolicitationStatus


def latest_answers(answers: Iterable[Answer]) -> dict[str, SolicitationStatus]:
    """Each department's latest answer (answers in the order they were asked); a cancelled one counts not."""
    latest: dict[str, SolicitationStatus] = {}
    for answer in answers:
        if answer.status is not SolicitationStatus.CANCELLED:
            latest[answer.department] = answer.status
    return latest


def check_agreement(answers: Iterable[Answer], disagreements_resolved: str | None) -> list[str]:
    """第21条: an agreement means the parties agree. No department may still be answering, and where a
    department's last word was a disagreement the office says how it was resolved.

    Returns the departments whose disagreement was resolved."""
    latest = latest_answers(answers)
    waiting = sorted(d for d, status in latest.items() if status in REPLY_OPEN)
    if waiting:
        raise DomainError(
            f"尚有部门未答复书面征求意见（{'、'.join(waiting)}），不能认定达成一致（第二十条、第二十一条）",
            code="solicitation_pending",
            extra={"departments": waiting},
        )
    disagreeing = sorted(d for d, status in latest.items() if status is SolicitationStatus.DISAGREED)
    if disagreeing and not (disagreements_resolved and disagreements_resolved.strip()):
        raise ValidationFailed(
            f"{'、'.join(disagreeing)}提出了不同意见，应说明分歧如何解决（第二十一条）",
            code="disagreement_unresolved",
            fields={"disagreements_resolved": ["有部门提出不同意见的，应说明分歧如何解决（第二十一条）"]},
        )
    return disagreeing


# --- 第21–23条: opinions ---


def check_opinion(text: str, changes_sanding: bool, special_explanation: str | None) -> None:
    fields: dict[str, list[str]] = {}
    if not text.strip():
        fields["text"] = ["应拟订书面协调意见"]
    if changes_sanding and not (special_explanation and special_explanation.strip()):
        fields["special_explanation"] = ["协调意见改变部门“三定”规定的，报批时应作专门说明（第二十三条）"]
    fail_if_any(fields, "协调意见不完整", "opinion_incomplete")


# --- 第22条, 第25条: time ---


def check_extension(already_extended: bool, reason: str) -> None:
    if already_extended:
        raise DomainError("办理期限只能延长一次（第二十二条）", code="already_extended")
    if not reason.strip():
        raise ValidationFailed.for_field("reason", "延长期限应说明理由，并告知申请协调部门（第二十二条）")


class SuspensionGround(StrEnum):
    SANDING_BEING_DRAFTED = "sanding_being_drafted"  # (一) 机构改革期间正在制定部门“三定”规定
    RESTRUCTURING = "restructuring"  # (二) 相关部门正在进行机构调整
    OTHER = "other"  # (三) 其他应当中止协调的情形


SUSPENSION_GROUND_NAMES = {
    SuspensionGround.SANDING_BEING_DRAFTED: "（一）机构改革期间正在制定部门“三定”规定",
    SuspensionGround.RESTRUCTURING: "（二）职责分工分歧涉及的相关部门正在进行机构调整",
    SuspensionGround.OTHER: "（三）其他应当中止协调的情形",
}


def check_suspension(ground: str, reason: str) -> SuspensionGround:
    parsed = SuspensionGround(ground)
    if not reason.strip():
        raise ValidationFailed.for_field("reason", "中止协调应说明理由，并告知申请协调部门（第二十五条）")
    return parsed


# --- the procedure ---

S = Status
ACTIVE_COORDINATION = frozenset({S.COORDINATING, S.DRAFTING_OPINION, S.DETERMINING})
_RUNNING = frozenset({*ACTIVE_COORDINATION, S.SUSPENDED})
_COORDINATING = frozenset({S.COORDINATING})


def _resume(case: Case) -> Status:
    return case.resume_to or Status.COORDINATING


def _redraft(case: Case) -> Status:
    if case.pending_decision in ("interpretation", "designation"):
        return S.COORDINATING  # 第26条: the office redrafts its interpretation or designation
    return S.DETERMINING if case.pending_decision == "determination" else S.DRAFTING_OPINION


def solicitation_steps(
    *, soliciting: frozenset[Status], answering: frozenset[Status]
) -> tuple[Transition[Any], ...]:
    """第20条: written solicitation, the one mechanism every procedure that asks departments in writing uses
    (coordination; a duty plan's review, 第11条第2项): sent by the office in ``soliciting`` states, answered
    by the departments asked while the case is in ``answering`` ones; delivery reported by notify or service
    recorded by the office, and silence deemed no objection only once delivery is proven, while the case
    still solicits. The handlers are the same for every kind
    (:mod:`services.intake.usecases.coordination`)."""
    return (
        Transition(Solicit, "solicit", "书面征求意见", soliciting, None, office),
        Transition(Reply, "reply", "答复征求意见", answering, None, party),
        # nothing is deemed for a case that moved on (第20条, 第21条)
        Transition(
            DeemNoObjection, "deem_no_objection", "逾期未答复，视为没有不同意见", soliciting, None, system
        ),
        Transition(RecordDelivery, "record_delivery", "征求意见送达情况", answering, None, system),
        Transition(RecordService, "record_service", "登记书面送达", answering, None, office),
    )


def meeting_steps(holding: frozenset[Status]) -> tuple[Transition[Any], ...]:
    """第20条第3款: a meeting, notified in advance, and its minutes."""
    return (
        Transition(ScheduleMeeting, "schedule_meeting", "通知协调会议", holding, None, office),
        Transition(RecordMeeting, "record_meeting", "记录会议纪要", holding, None, office),
    )


OPENED_BY_OFFICE = Opening("open", "立项", office, "只有编办可以直接立项协调", S.COORDINATING)

PROCEDURE = Procedure(
    kind=Kind.COORDINATION,
    name="职责分工协调",
    openings=(SUBMITTED_BY_HOST, OPENED_BY_OFFICE),
    transitions=(
        *BEFORE_DECISION_STEPS,
        # 第17条: acceptance
        Transition(Accept, "accept", "受理", frozenset({S.SUBMITTED}), S.COORDINATING, office_decider),
        Transition(Reject, "reject", "不予受理", frozenset({S.SUBMITTED}), S.REJECTED, office_decider),
        # 第19–20条: coordination by solicitation and meetings
        *solicitation_steps(soliciting=_COORDINATING, answering=_RUNNING),
        *meeting_steps(_COORDINATING),
        Transition(
            ReportInterimMeasures, "report_interim_measures", "报告临时处置措施", _RUNNING, None, applicant
        ),
        # 第21条: agreement, or a determination by the office
        Transition(ReachAgreement, "reach_agreement", "达成一致", _COORDINATING, S.DRAFTING_OPINION, office),
        Transition(
            SubmitOpinion,
            "submit_opinion",
            "协调意见报批",
            frozenset({S.DRAFTING_OPINION}),
            S.AWAITING_APPROVAL,
            office,
        ),
        Transition(Determine, "determine", "进行分工认定", _COORDINATING, S.DETERMINING, office),
        # 第26条第2款、第3款: a designated department for a new business; a written interpretation
        Transition(
            Interpret,
            "interpret",
            "作出书面解释（报批）",
            _COORDINATING,
            S.AWAITING_APPROVAL,
            office_on_interpretation,
        ),
        Transition(
            DesignateDepartment,
            "designate_department",
            "指定管理部门（报批）",
            _COORDINATING,
            S.AWAITING_APPROVAL,
            office_on_new_business,
        ),
        Transition(RecordHearing, "record_hearing", "记录论证会", frozenset({S.DETERMINING}), None, office),
        Transition(
            SubmitDetermination,
            "submit_determination",
            "认定建议报批",
            frozenset({S.DETERMINING}),
            S.AWAITING_APPROVAL,
            office,
        ),
        Transition(
            CompleteOrgReview,
            "complete_org_review",
            "组织部审议完成",
            frozenset({S.ORG_REVIEW}),
            S.AWAITING_COMMITTEE,
            org_reviewer,
        ),
        Transition(
            RecordCommitteeDecision,
            "record_committee_decision",
            "记录编委决定",
            frozenset({S.AWAITING_COMMITTEE}),
            S.APPROVED,
            office,
        ),
        *approval_steps(returned_to=_redraft, rejected_to=S.COORDINATING),
        # 第22条, 第25条: time
        Transition(Extend, "extend", "延长办理期限", _RUNNING, None, office_decider),
        Transition(Suspend, "suspend", "中止协调", ACTIVE_COORDINATION, S.SUSPENDED, office_decider),
        Transition(Resume, "resume", "恢复协调", frozenset({S.SUSPENDED}), _resume, office_decider),
        Transition(Terminate, "terminate", "终止协调", _RUNNING, S.TERMINATED, office_decider),
        OVERDUE,
    ),
    decision_clock="acceptance_decision",
    opinion_clock="coordination_opinion",
)
