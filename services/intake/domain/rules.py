"""The rules of 第三章 that are not state changes: who is the rightful host, what a submission must hold,
the grounds for refusing an application, the reply period, and what an opinion must explain.

Each check raises :class:`~shared.errors.ValidationFailed` (naming the field, in Chinese) or
:class:`~shared.errors.DomainError`; none of them touches a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.errors import DomainError, ValidationFailed


def _fail(fields: dict[str, list[str]], detail: str, code: str) -> None:
    if fields:
        raise ValidationFailed(detail, code=code, fields=fields)


# --- 第13条: the rightful host department 主办部门 ---


def rightful_host(lead_departments: Sequence[str], organiser: str) -> str:
    """The lead department; of several leads the first; with none named, the one that organised the work."""
    return lead_departments[0] if lead_departments else organiser


def check_rightful_host(host: str, lead_departments: Sequence[str], submitter_department: str | None) -> None:
    if lead_departments and host != lead_departments[0]:
        raise DomainError(
            f"主办部门应为牵头部门（有多个牵头部门的，为排在第一位的 {lead_departments[0]}），"
            f"不是 {host}（第十三条）",
            code="not_rightful_host",
            fields={"host_department": ["主办部门应为（排在第一位的）牵头部门"]},
        )
    if submitter_department != host:
        raise DomainError(
            "应由主办部门报送（第十五条、第十六条）",
            code="not_host_department",
            fields={"host_department": ["只有主办部门可以报送"]},
        )


# --- 第15条: the filing of consultation minutes ---


@dataclass(frozen=True)
class Seal:
    """A record that a party group 党组（党委） stamped the minutes."""

    department: str
    party_group: str  # "党组" or "党委"
    sealed_on: str


def check_filing(host: str, assisting: Sequence[str], seals: Iterable[Seal]) -> None:
    """Minutes must carry the seal of the party group of the host and of every assisting department."""
    fields: dict[str, list[str]] = {}
    if not assisting:
        fields["assisting_departments"] = ["至少应有一个协办部门"]
    if host in assisting:
        fields["assisting_departments"] = ["主办部门不能同时是协办部门"]
    sealed = {s.department for s in seals}
    missing = [d for d in [host, *assisting] if d not in sealed]
    if missing:
        fields["seals"] = [f"缺少以下部门党组（党委）的印章：{'、'.join(missing)}"]
    _fail(fields, "协商纪要应加盖主办和协办部门党组（党委）的印章（第十五条）", "filing_incomplete")


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
    _fail(fields, "协调申请材料不完整（第十六条）", "application_incomplete")


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
    _fail(fields, "不予受理决定不完整（第十七条）", "rejection_incomplete")
    return parsed, chosen


# --- 第20条: written solicitation ---

REPLY_MIN_WORKING_DAYS, REPLY_MAX_WORKING_DAYS = 5, 10


def check_reply_period(working_days: int) -> None:
    if not REPLY_MIN_WORKING_DAYS <= working_days <= REPLY_MAX_WORKING_DAYS:
        raise ValidationFailed.for_field(
            "reply_working_days",
            "答复期限一般不少于5个工作日，不超过10个工作日（第二十条）",
            code="reply_period",
        )


class ReplyKind(StrEnum):
    AGREE = "agree"  # 同意
    DISAGREE = "disagree"  # 有不同意见
    NEED_TIME = "need_time"  # 需要更多时间（说明原因）


class SolicitationStatus(StrEnum):
    PENDING = "pending"
    AGREED = "agreed"
    DISAGREED = "disagreed"
    DELAYED_WITH_REASON = "delayed_with_reason"
    DEEMED_NO_OBJECTION = "deemed_no_objection"
    EXPIRED_WITH_REASON = "expired_with_reason"
    CANCELLED = "cancelled"


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


# --- 第21–23条: opinions ---


def check_opinion(text: str, changes_sanding: bool, special_explanation: str | None) -> None:
    fields: dict[str, list[str]] = {}
    if not text.strip():
        fields["text"] = ["应拟订书面协调意见"]
    if changes_sanding and not (special_explanation and special_explanation.strip()):
        fields["special_explanation"] = ["协调意见改变部门“三定”规定的，报批时应作专门说明（第二十三条）"]
    _fail(fields, "协调意见不完整", "opinion_incomplete")


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


# --- 第37条: rectification ---


class RectificationGround(StrEnum):
    NOT_AS_DEFINED = "not_as_defined"  # (一) 未按已经明确的职责分工履职
    NOT_AS_COORDINATED = "not_as_coordinated"  # (二) 未按协调后确定的职责分工履职
    POOR_PERFORMANCE = "poor_performance"  # (三) 经职责履行评估发现存在履职不到位
    DEVOLUTION = "devolution"  # (四) 擅自下放职责或未落实保障措施 — the devolution service handles it
    OTHER = "other"  # (五) 其他需要限期纠正的情形


RECTIFICATION_GROUND_NAMES = {
    RectificationGround.NOT_AS_DEFINED: (
        "（一）未按党内法规、法律法规、机构改革方案和“三定”规定等已经明确的职责分工履职"
    ),
    RectificationGround.NOT_AS_COORDINATED: "（二）未按协调后确定的职责分工履职",
    RectificationGround.POOR_PERFORMANCE: "（三）经职责履行评估发现存在履职不到位情况",
    RectificationGround.DEVOLUTION: "（四）未经审批擅自下放职责，或经批准下放职责后未落实相应保障措施",
    RectificationGround.OTHER: "（五）存在其他需要限期纠正情形",
}


def check_rectification_order(ground: str, facts: str, due_date: date, today: date) -> RectificationGround:
    """An order names a ground of 第37条, the facts found, and a correction date after today."""
    parsed = RectificationGround(ground)
    if parsed is RectificationGround.DEVOLUTION:
        raise DomainError(
            "第三十七条第（四）项情形（擅自下放职责、未落实保障措施）在职责下放模块办理",
            code="use_devolution_rectification",
            fields={"ground": ["请在职责下放模块责令纠正"]},
        )
    fields: dict[str, list[str]] = {}
    if not facts.strip():
        fields["facts"] = ["应写明发现的问题"]
    if due_date <= today:
        fields["due_date"] = ["纠正期限应晚于今天"]
    _fail(fields, "限期纠正决定不完整（第三十七条）", "rectification_incomplete")
    return parsed
