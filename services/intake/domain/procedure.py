"""The machinery every case procedure shares: kinds, states, the case, who may act, a transition, a procedure.

A kind of case is one :class:`Procedure` — a table of :class:`Transition` s (per action: the command that asks
for it, the states it applies in, where it leads, who may take it) and the few facts in which the kinds differ
(which statutory clocks they run). The procedures themselves are in one module per kind (:mod:`.filing`,
:mod:`.coordination`, :mod:`.reflection`, :mod:`.rectification`, :mod:`.duty_plan`, :mod:`.deliberation`);
:mod:`.cases` puts them together. Steps
that several kinds share (withdrawal, supplements, the approval inbox's answers, issuance) are defined here
once and listed by each procedure that has them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from services.intake.domain import commands as c
from services.intake.domain.actors import ORG_REVIEWER, Actor


class Kind(StrEnum):
    FILING = "filing"  # 协商纪要备案
    COORDINATION = "coordination"  # 协调申请 (or a coordination opened by the committee/office, 第26条)
    REFLECTION = "reflection"  # 企事业单位、社会团体和个人的书面反映 (第26条第4款)
    RECTIFICATION = "rectification"  # 限期纠正 (第37条)
    DUTY_PLAN = "duty_plan"  # 主要职责配置和调整方案 (第8–11条)
    DELIBERATION = "deliberation"  # 议事协调机构成员单位职责分工 (第29条)
    EVALUATION = "evaluation"  # “三定”规定执行情况评估 (第26条第2款)


class Source(StrEnum):
    """Where a coordination case came from (第16条, 第26条)."""

    APPLICATION = "application"  # 部门申请
    COMMITTEE = "committee_assigned"  # 市委、市政府和市委编委交办
    EVALUATION = "evaluation"  # 三定执行情况评估
    NEW_BUSINESS = "new_business"  # 新业态
    INTERPRETATION = "interpretation"  # 三定理解不一致，书面解释
    PUBLIC_REFLECTION = "public_reflection"  # 书面反映 (第26条第4款)
    SUPERVISION = "supervision"  # 监督检查和评估 (第37条)
    DELIBERATION_BODY = "deliberation_body"  # 议事协调机构成员单位分工与“三定”规定不衔接 (第29条)
    DEPARTMENT_PLAN = "department_plan"  # 部门报送主要职责方案 (第8条, 第10条)


#: how a person reads where a case the office opened itself came from (第二十六条, 第二十九条, 第三十七条)
SOURCE_NAMES: dict[str, str] = {
    Source.COMMITTEE: "市委、市政府和市委编委交办",
    Source.EVALUATION: "“三定”规定执行情况评估发现",
    Source.NEW_BUSINESS: "新业态新领域管理职责不明确",
    Source.INTERPRETATION: "对“三定”规定理解不一致",
    Source.PUBLIC_REFLECTION: "书面反映",
    Source.SUPERVISION: "监督检查和评估发现",
    Source.DELIBERATION_BODY: "议事协调机构成员单位分工与“三定”规定不衔接",
}


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
    PLAN_RETURNED = "plan_returned"
    PLAN_SOLICITING = "plan_soliciting"
    DRAFTING_REVIEW = "drafting_review"
    RESOLVING_DISAGREEMENTS = "resolving_disagreements"
    PLAN_DECIDED = "plan_decided"
    DIVISION_FILED = "division_filed"
    DIVISION_FLAGGED = "division_flagged"
    DIVISION_REGISTERED = "division_registered"
    EVALUATED = "evaluated"
    EVALUATION_NEEDS_SORTING = "evaluation_needs_sorting"


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
    Status.PLAN_RETURNED: "初审退回，待部门修改",
    Status.PLAN_SOLICITING: "征求相关部门意见中",
    Status.DRAFTING_REVIEW: "已研究反馈意见，拟订正式审核意见",
    Status.RESOLVING_DISAGREEMENTS: "协调分歧中",
    Status.PLAN_DECIDED: "市委编委已研究决定",
    Status.DIVISION_FILED: "成员单位职责分工已抄送编办，待登记",
    Status.DIVISION_FLAGGED: "分工与“三定”规定不衔接，待协调",
    Status.DIVISION_REGISTERED: "成员单位职责分工已登记",
    Status.EVALUATED: "评估已办结",
    Status.EVALUATION_NEEDS_SORTING: "评估认为需理顺职责分工，待召集相关部门协调",
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
        Status.PLAN_DECIDED,
        Status.DIVISION_REGISTERED,
        Status.EVALUATED,
    }
)


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
    solicitation_round: int = 0  # rounds of written solicitation so far (第20条, 第21条 "多次协调")
    approval_count: int = 0  # drafts sent to the approval inbox so far (each gets its own request id)
    source: str | None = None  # where the case came from (Source): some steps are for one source only


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


def office_on_interpretation(actor: Actor, case: Case) -> bool:
    """第26条第3款: the office answers a disagreement over the reading of the 三定 provisions in writing."""
    return actor.is_office and case.source == "interpretation"


def office_on_new_business(actor: Actor, case: Case) -> bool:
    """第26条第2款: for a new business whose division is unclear the office designates a department."""
    return actor.is_office and case.source == "new_business"


WHO_NAMES: dict[Who, str] = {
    applicant: "申请（主办）部门",
    party: "相关部门",
    office: "编办经办人",
    office_decider: "编办处室负责人或领导",
    org_reviewer: "市委组织部审核人",
    system: "系统",
    receiver: "收到书面反映的部门或编办",
    office_on_interpretation: "编办经办人（对“三定”规定理解不一致的事项）",
    office_on_new_business: "编办经办人（新业态管理职责分工不明确的事项）",
}

Target = Status | Callable[[Case], Status] | None  # None: the state does not change
C = TypeVar("C", bound=c.CaseCommand)


@dataclass(frozen=True)
class Transition(Generic[C]):
    """One action: the command that asks for it, its code and label, the states it applies in (``None``: any
    state that is not terminal), where it leads (``None``: it stays) and who may take it."""

    command: type[C]
    action: str
    label: str
    sources: frozenset[Status] | None
    target: Target
    who: Who

    def applies_in(self, status: Status) -> bool:
        return status not in TERMINAL if self.sources is None else status in self.sources

    def target_of(self, case: Case) -> Status:
        if self.target is None:
            return case.status
        if isinstance(self.target, Status):
            return self.target
        return self.target(case)


@dataclass(frozen=True)
class Opening:
    """How a case of a kind comes into being: the history's first line, and who may write it."""

    action: str
    label: str
    who: Callable[[Actor, Case], bool]
    refusal: str
    status: Status


@dataclass(frozen=True)
class Procedure:
    """One kind of case: its openings, its transitions, and the statutory clocks it runs.

    ``decision_clock`` is the office's clock while a submission waits for its first decision (stopped when
    it is withdrawn); ``opinion_clock`` the one a drafted decision answers to (shown to the approver, stopped
    once the leaders approve).
    """

    kind: Kind
    name: str
    openings: tuple[Opening, ...]
    transitions: tuple[Transition[Any], ...]
    decision_clock: str | None = None
    opinion_clock: str | None = None
    by_action: dict[str, Transition[Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_action = {t.action: t for t in self.transitions}
        assert len(by_action) == len(self.transitions), f"{self.kind}: one transition per action"
        object.__setattr__(self, "by_action", by_action)


#: who acts next in each state (``office`` where the table is silent); the API names them
NEXT_ACTOR: dict[Status, str] = {
    Status.SUPPLEMENT_REQUESTED: "applicant",
    Status.ORDERED: "applicant",
    Status.PLAN_RETURNED: "applicant",
    Status.AWAITING_APPROVAL: "office_leader",
    Status.ORG_REVIEW: "org_reviewer",
    Status.AWAITING_COMMITTEE: "committee",
    Status.IN_EXECUTION: "parties_execute",
}
NEXT_ACTOR_NAMES = {
    "office": "编办",
    "office_leader": "编办领导（审批）",
    "org_reviewer": "市委组织部",
    "committee": "市委编委",
    "applicant": "申请（主办）部门",
    "departments": "被征求意见的部门",
    "parties_execute": "相关部门（执行协调意见）",
}


#: the states in which departments are asked in writing (第20条; 第11条第2项 for duty plans)
SOLICITING_STATES = frozenset({Status.COORDINATING, Status.PLAN_SOLICITING, Status.RESOLVING_DISAGREEMENTS})


def next_actor(case: Case, *, solicitations_open: bool) -> str | None:
    """Who the case waits for: nobody once it has ended; the solicited departments while they may answer."""
    if case.status in TERMINAL:
        return None
    if case.status in SOLICITING_STATES and solicitations_open:
        return "departments"
    return NEXT_ACTOR.get(case.status, "office")


# --- steps several procedures share ---

S = Status
BEFORE_DECISION = frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED})


def office_or_department(actor: Actor, case: Case) -> bool:
    return actor.is_office or actor.is_department_user


SUBMITTED_BY_HOST = Opening(
    "submit", "提交", applicant, "只有主办部门的经办人或负责人可以提交", Status.SUBMITTED
)

#: a submission waits for the office: the applicant may withdraw it, the office ask for supplements
BEFORE_DECISION_STEPS: tuple[Transition[Any], ...] = (
    Transition(c.Withdraw, "withdraw", "撤回申请", BEFORE_DECISION, S.WITHDRAWN, applicant),
    Transition(
        c.RequestSupplement,
        "request_supplement",
        "要求补正材料",
        frozenset({S.SUBMITTED}),
        S.SUPPLEMENT_REQUESTED,
        office,
    ),
    Transition(
        c.Supplement, "supplement", "补正材料", frozenset({S.SUPPLEMENT_REQUESTED}), S.SUBMITTED, applicant
    ),
)


#: drafts that go on to the committee once the office's leaders approve them: a determination (第21条第2款)
#: and a duty plan's formal review opinion (第11条第4项)
TO_COMMITTEE = frozenset({"determination", "duty_plan_review"})


def _after_approval(case: Case) -> Status:
    if case.pending_decision in TO_COMMITTEE:
        return Status.ORG_REVIEW if case.major else Status.AWAITING_COMMITTEE
    return Status.APPROVED


_AWAITING_APPROVAL = frozenset({S.AWAITING_APPROVAL})


def approval_steps(
    *, returned_to: Target, rejected_to: Status, issued: bool = True
) -> tuple[Transition[Any], ...]:
    """The approval inbox answers a drafted decision (第21条 报批), then it is issued (第24条): a draft sent
    back for changes (退回修改) goes to ``returned_to``, one not approved (不同意) to ``rejected_to``. A draft
    that goes on to the committee (``issued=False``) is not issued by the office."""
    answers = (
        Transition(
            c.ApprovalApproved, "approval_approved", "审批通过", _AWAITING_APPROVAL, _after_approval, system
        ),
        Transition(
            c.ApprovalReturned, "approval_returned", "审批退回修改", _AWAITING_APPROVAL, returned_to, system
        ),
        Transition(
            c.ApprovalRejected, "approval_rejected", "审批不同意", _AWAITING_APPROVAL, rejected_to, system
        ),
    )
    if not issued:
        return answers
    return (*answers, Transition(c.Issue, "issue", "发文", frozenset({S.APPROVED}), S.IN_EXECUTION, office))


#: the deadlines service says a clock is overdue: recorded only
OVERDUE = Transition(c.DeadlineOverdue, "deadline_overdue", "办理期限已逾期", None, None, system)
