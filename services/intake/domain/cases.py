"""The case state machines: 协商纪要备案 (filing, 第15条) and 协调申请 (coordination, 第16–25条).

A case is a plain object; :func:`transition` checks who may take an action and from which state, moves the
case, and returns the :class:`HistoryEntry` to append. An action that the state or the actor does not allow
raises :class:`~shared.errors.Conflict` (state) or :class:`~shared.errors.Forbidden` (role), naming the
current state and the actions allowed to this actor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from services.intake.domain.actors import ORG_REVIEWER, Actor
from shared.errors import Conflict, DomainError, Forbidden


class Kind(StrEnum):
    FILING = "filing"  # 协商纪要备案
    COORDINATION = "coordination"  # 协调申请 (or a coordination opened by the committee/office, 第26条)
    REFLECTION = "reflection"  # 企事业单位、社会团体和个人的书面反映 (第26条第4款)
    RECTIFICATION = "rectification"  # 限期纠正 (第37条)


class Source(StrEnum):
    """Where a coordination case came from (第16条, 第26条)."""

    APPLICATION = "application"  # 部门申请
    COMMITTEE = "committee_assigned"  # 市委、市政府和市委编委交办
    EVALUATION = "evaluation"  # 三定执行情况评估
    NEW_BUSINESS = "new_business"  # 新业态
    INTERPRETATION = "interpretation"  # 三定理解不一致，书面解释
    PUBLIC_REFLECTION = "public_reflection"  # 书面反映 (第26条第4款)
    SUPERVISION = "supervision"  # 监督检查和评估 (第37条)


class Status(StrEnum):
    SUBMITTED = "submitted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    FILED = "filed"
    FILING_RETURNED = "filing_returned"
    COORDINATING = "coordinating"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    DRAFTING_OPINION = "drafting_opinion"
    DETERMINING = "determining"
    AWAITING_APPROVAL = "awaiting_approval"
    ORG_REVIEW = "org_review"
    AWAITING_COMMITTEE = "awaiting_committee"
    APPROVED = "approved"
    IN_EXECUTION = "in_execution"
    RECEIVED = "received"
    STUDYING = "studying"
    AWAITING_COORDINATION = "awaiting_coordination"
    RESULT_TOLD = "result_told"
    ORDERED = "ordered"
    CORRECTION_REPORTED = "correction_reported"
    CORRECTED = "corrected"
    REFERRED_TO_SUPERVISION = "referred_to_supervision"


STATUS_NAMES: dict[str, str] = {
    Status.SUBMITTED: "已提交，待编办处理",
    Status.SUPPLEMENT_REQUESTED: "待补正材料",
    Status.WITHDRAWN: "已撤回",
    Status.REJECTED: "不予受理",
    Status.FILED: "已备案",
    Status.FILING_RETURNED: "备案审查未通过，已退回",
    Status.COORDINATING: "协调中",
    Status.SUSPENDED: "已中止",
    Status.TERMINATED: "已终止",
    Status.DRAFTING_OPINION: "已达成一致，拟订协调意见",
    Status.DETERMINING: "未达成一致，编办认定中",
    Status.AWAITING_APPROVAL: "报批中",
    Status.ORG_REVIEW: "市委组织部审议中",
    Status.AWAITING_COMMITTEE: "报市委编委研究",
    Status.APPROVED: "已批准，待发文",
    Status.IN_EXECUTION: "已发文，执行中",
    Status.RECEIVED: "已收到书面反映",
    Status.STUDYING: "研究中",
    Status.AWAITING_COORDINATION: "已提请协调，等待协调结果",
    Status.RESULT_TOLD: "已将结果告知反映人",
    Status.ORDERED: "已责令限期纠正",
    Status.CORRECTION_REPORTED: "部门已报告纠正情况，待编办核实",
    Status.CORRECTED: "已纠正",
    Status.REFERRED_TO_SUPERVISION: "未按要求纠正，按监督检查规定处理",
}

TERMINAL = frozenset(
    {
        Status.WITHDRAWN,
        Status.REJECTED,
        Status.FILED,
        Status.FILING_RETURNED,
        Status.TERMINATED,
        Status.RESULT_TOLD,
        Status.CORRECTED,
        Status.REFERRED_TO_SUPERVISION,
    }
)
ACTIVE_COORDINATION = frozenset({Status.COORDINATING, Status.DRAFTING_OPINION, Status.DETERMINING})


@dataclass
class Case:
    """What the state machine needs to know about a case (the rest stays in the service layer)."""

    id: str
    kind: Kind
    status: Status
    jurisdiction: str
    applicant_department: str | None
    parties: frozenset[str] = frozenset()  # departments that took part: host, assisting, other, solicited
    resume_to: Status | None = None  # where a suspended case goes back to (第25条)
    extended: bool = False  # the one extension of 第22条 has been used
    major: bool = False  # a determination of major duty configuration (第21条第2款)
    pending_decision: str | None = None  # decision_kind waiting in the approval inbox


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the append-only case history."""

    action: str
    actor_id: str
    actor_name: str
    from_status: Status | None
    to_status: Status
    reason: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


Who = Callable[[Actor, Case], bool]


def applicant(actor: Actor, case: Case) -> bool:
    """A clerk or leader of the applying (host) department 主办部门."""
    return actor.is_department_user and actor.department == case.applicant_department is not None


def party(actor: Actor, case: Case) -> bool:
    """A clerk or leader of a department taking part (including the applicant)."""
    return actor.is_department_user and actor.department in (case.parties | {case.applicant_department})


def office(actor: Actor, case: Case) -> bool:
    return actor.is_office


def office_decider(actor: Actor, case: Case) -> bool:
    """编办处室负责人 or 领导: decisions that bind the office."""
    return actor.is_office_decider


def org_reviewer(actor: Actor, case: Case) -> bool:
    return ORG_REVIEWER in actor.roles


def system(actor: Actor, case: Case) -> bool:
    return actor.is_system


def receiver(actor: Actor, case: Case) -> bool:
    """Whoever received a written reflection: the department it was sent to, or the office."""
    if case.applicant_department is None:
        return actor.is_office
    return applicant(actor, case)


WHO_NAMES: dict[Who, str] = {
    applicant: "申请（主办）部门",
    party: "相关部门",
    office: "编办经办人",
    office_decider: "编办处室负责人或领导",
    org_reviewer: "市委组织部审核人",
    system: "系统",
    receiver: "收到书面反映的部门或编办",
}

Target = Status | Callable[[Case], Status] | None  # None: the state does not change


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    kinds: frozenset[Kind]
    sources: frozenset[Status] | None  # None: from any state that is not terminal
    target: Target
    who: Who


def _after_approval(case: Case) -> Status:
    if case.pending_decision == "determination":
        return Status.ORG_REVIEW if case.major else Status.AWAITING_COMMITTEE
    return Status.APPROVED


def _after_return(case: Case) -> Status:
    if case.kind is Kind.FILING:
        return Status.SUBMITTED
    return Status.DETERMINING if case.pending_decision == "determination" else Status.DRAFTING_OPINION


def _after_approval_rejected(case: Case) -> Status:
    return Status.SUBMITTED if case.kind is Kind.FILING else Status.COORDINATING


def _resume(case: Case) -> Status:
    return case.resume_to or Status.COORDINATING


BOTH = frozenset({Kind.FILING, Kind.COORDINATION})
COORD = frozenset({Kind.COORDINATION})
FILING = frozenset({Kind.FILING})
REFLECTION = frozenset({Kind.REFLECTION})
RECTIFICATION = frozenset({Kind.RECTIFICATION})

S = Status
_BEFORE_DECISION = frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED})
_RUNNING = frozenset({*ACTIVE_COORDINATION, S.SUSPENDED})
_UNDER_ORDER = frozenset({S.ORDERED, S.CORRECTION_REPORTED})

TRANSITIONS: tuple[Transition, ...] = (
    Transition("withdraw", "撤回申请", BOTH, _BEFORE_DECISION, S.WITHDRAWN, applicant),
    Transition(
        "request_supplement", "要求补正材料", BOTH, frozenset({S.SUBMITTED}), S.SUPPLEMENT_REQUESTED, office
    ),
    Transition("supplement", "补正材料", BOTH, frozenset({S.SUPPLEMENT_REQUESTED}), S.SUBMITTED, applicant),
    # 第15条: the filing opinion
    Transition("file", "同意备案", FILING, frozenset({S.SUBMITTED}), S.FILED, office_decider),
    Transition(
        "return_filing", "不予备案并退回", FILING, frozenset({S.SUBMITTED}), S.FILING_RETURNED, office_decider
    ),
    Transition(
        "request_document", "需发文明确，报批", FILING, frozenset({S.SUBMITTED}), S.AWAITING_APPROVAL, office
    ),
    # 第17条: acceptance
    Transition("accept", "受理", COORD, frozenset({S.SUBMITTED}), S.COORDINATING, office_decider),
    Transition("reject", "不予受理", COORD, frozenset({S.SUBMITTED}), S.REJECTED, office_decider),
    # 第19–20条: coordination by solicitation and meetings
    Transition("solicit", "书面征求意见", COORD, frozenset({S.COORDINATING}), None, office),
    Transition("reply", "答复征求意见", COORD, _RUNNING, None, party),
    Transition("deem_no_objection", "逾期未答复，视为没有不同意见", COORD, None, None, system),
    Transition("schedule_meeting", "通知协调会议", COORD, frozenset({S.COORDINATING}), None, office),
    Transition("record_meeting", "记录会议纪要", COORD, frozenset({S.COORDINATING}), None, office),
    Transition("report_interim_measures", "报告临时处置措施", COORD, _RUNNING, None, applicant),
    # 第21条: agreement, or a determination by the office
    Transition("reach_agreement", "达成一致", COORD, frozenset({S.COORDINATING}), S.DRAFTING_OPINION, office),
    Transition(
        "submit_opinion", "协调意见报批", COORD, frozenset({S.DRAFTING_OPINION}), S.AWAITING_APPROVAL, office
    ),
    Transition("determine", "进行分工认定", COORD, frozenset({S.COORDINATING}), S.DETERMINING, office),
    Transition("record_hearing", "记录论证会", COORD, frozenset({S.DETERMINING}), None, office),
    Transition(
        "submit_determination", "认定建议报批", COORD, frozenset({S.DETERMINING}), S.AWAITING_APPROVAL, office
    ),
    Transition(
        "complete_org_review",
        "组织部审议完成",
        COORD,
        frozenset({S.ORG_REVIEW}),
        S.AWAITING_COMMITTEE,
        org_reviewer,
    ),
    Transition(
        "record_committee_decision",
        "记录编委决定",
        COORD,
        frozenset({S.AWAITING_COMMITTEE}),
        S.APPROVED,
        office,
    ),
    # the approval inbox answers (第21条 报批)
    Transition(
        "approval_approved", "审批通过", BOTH, frozenset({S.AWAITING_APPROVAL}), _after_approval, system
    ),
    Transition(
        "approval_returned", "审批退回修改", BOTH, frozenset({S.AWAITING_APPROVAL}), _after_return, system
    ),
    Transition(
        "approval_rejected",
        "审批不同意",
        BOTH,
        frozenset({S.AWAITING_APPROVAL}),
        _after_approval_rejected,
        system,
    ),
    # 第24条
    Transition("issue", "发文", BOTH, frozenset({S.APPROVED}), S.IN_EXECUTION, office),
    # 第22条, 第25条: time
    Transition("extend", "延长办理期限", COORD, _RUNNING, None, office_decider),
    Transition("suspend", "中止协调", COORD, ACTIVE_COORDINATION, S.SUSPENDED, office_decider),
    Transition("resume", "恢复协调", COORD, frozenset({S.SUSPENDED}), _resume, office_decider),
    Transition("terminate", "终止协调", COORD, _RUNNING, S.TERMINATED, office_decider),
    # 第26条第4款: a written reflection is studied, coordinated if needed, and the submitter told
    Transition("study", "开始研究", REFLECTION, frozenset({S.RECEIVED}), S.STUDYING, receiver),
    Transition(
        "refer_to_coordination",
        "提请协调",
        REFLECTION,
        frozenset({S.STUDYING}),
        S.AWAITING_COORDINATION,
        receiver,
    ),
    Transition(
        "tell_result",
        "将结果告知反映人",
        REFLECTION,
        frozenset({S.STUDYING, S.AWAITING_COORDINATION}),
        S.RESULT_TOLD,
        receiver,
    ),
    # 第37条: ordered to correct by a date; corrected, or handed to the supervision rules
    Transition(
        "report_correction", "报告纠正情况", RECTIFICATION, _UNDER_ORDER, S.CORRECTION_REPORTED, applicant
    ),
    Transition(
        "confirm_correction",
        "确认已纠正",
        RECTIFICATION,
        frozenset({S.CORRECTION_REPORTED}),
        S.CORRECTED,
        office_decider,
    ),
    Transition(
        "reject_correction",
        "纠正不到位，继续纠正",
        RECTIFICATION,
        frozenset({S.CORRECTION_REPORTED}),
        S.ORDERED,
        office,
    ),
    Transition(
        "refer_to_supervision",
        "移交监督检查",
        RECTIFICATION,
        _UNDER_ORDER,
        S.REFERRED_TO_SUPERVISION,
        office_decider,
    ),
    # the deadlines service (records only)
    Transition("deadline_overdue", "办理期限已逾期", BOTH | RECTIFICATION, None, None, system),
)

BY_ACTION = {t.action: t for t in TRANSITIONS}
ACTION_LABELS = {t.action: t.label for t in TRANSITIONS}


def _state_allows(t: Transition, case: Case) -> bool:
    if case.kind not in t.kinds:
        return False
    if t.sources is None:
        return case.status not in TERMINAL
    return case.status in t.sources


def allowed_actions(case: Case, actor: Actor) -> list[str]:
    """The actions this actor may take on the case now (what the UI offers; what a 409 lists)."""
    return [
        t.action
        for t in TRANSITIONS
        if _state_allows(t, case)
        and t.who(actor, case)
        and t.who is not system
        and not (t.action == "extend" and case.extended)  # 第22条: once only
    ]


def _target(t: Transition, case: Case) -> Status:
    if t.target is None:
        return case.status
    if isinstance(t.target, Status):
        return t.target
    return t.target(case)


def transition(
    case: Case, action: str, actor: Actor, *, reason: str | None = None, data: dict[str, Any] | None = None
) -> HistoryEntry:
    """Take ``action`` on ``case`` as ``actor``; returns the history entry, or raises without changing it."""
    t = BY_ACTION.get(action)
    if t is None or case.kind not in t.kinds:
        raise DomainError(f"此类事项没有“{action}”操作", code="unknown_action")
    if not _state_allows(t, case):
        allowed = allowed_actions(case, actor)
        names = "、".join(ACTION_LABELS[a] for a in allowed) or "无"
        raise Conflict(
            f"事项当前状态为“{STATUS_NAMES[case.status]}”，不能{t.label}；当前可进行的操作：{names}",
            code="illegal_transition",
            extra={"case_status": str(case.status), "allowed_actions": allowed},
        )
    if not t.who(actor, case):
        raise Forbidden(f"只有{WHO_NAMES[t.who]}可以{t.label}", code="not_allowed_for_role")
    before = case.status
    case.status = _target(t, case)
    return HistoryEntry(action, actor.user_id, actor.name, before, case.status, reason, dict(data or {}))


def open_case(case: Case, actor: Actor, action: str, *, reason: str | None = None) -> HistoryEntry:
    """The first history line of a new case: submitted by a department, or opened by the office (第26条)."""
    if action == "submit" and not (
        actor.is_department_user and actor.department == case.applicant_department
    ):
        raise Forbidden("只有主办部门的经办人或负责人可以提交", code="not_allowed_for_role")
    if action == "open" and not actor.is_office:
        raise Forbidden("只有编办可以直接立项协调", code="not_allowed_for_role")
    if action == "order_rectification" and not actor.is_office_decider:
        raise Forbidden("只有编办处室负责人或领导可以责令限期纠正", code="not_allowed_for_role")
    if action == "record_reflection" and not (actor.is_office or actor.is_department_user):
        raise Forbidden("只有收到书面反映的部门或编办可以登记", code="not_allowed_for_role")
    return HistoryEntry(action, actor.user_id, actor.name, None, case.status, reason)
