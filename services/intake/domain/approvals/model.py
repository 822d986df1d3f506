"""An approval (审批): a drafted decision going up a chain of office leaders, one step at a time.

Rules, each enforced here and nowhere else:

- Each step is decided once, by one of its assignees or by a deputy they delegated to for that day
  (委托代批). A decision is final and kept in the history.
- Approve moves to the next step (or ends the approval as approved); return (退回修改) and reject (不同意)
  end it at once and need a comment.
- A second tap on the same decision changes nothing (it is answered as a replay); a decision on a step that
  is no longer current is refused as stale.
- The requester may recall (撤回) while the approval is still pending, never after it ended.
- Nobody but the people on the chain (and today's deputies of the current approver) may see it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from shared.errors import Conflict, NotFound, ValidationFailed
from shared.local_rules import CITY, LocalRules
from shared.measures import RULES, Rule

MAX_COMMENT_LENGTH = 1000

DECISION_KINDS = {
    "acceptance": "受理决定",
    "rejection": "不予受理决定",
    "filing_opinion": "备案意见",
    "coordination_opinion": "协调意见",
    "determination": "认定意见",
    "extension": "延长办理期限",
    "devolution_decision": "职责下放决定",
    "duty_plan_review": "主要职责方案正式审核意见",
    "interpretation": "“三定”规定书面解释",
    "designation": "新业态管理部门指定意见",
}


def statutory_bases(local: LocalRules | None = None) -> dict[str, str]:
    """How the case's statutory clock is counted, by what is being decided — shown when the request does not
    say. The periods are the measures' (:data:`shared.measures.RULES`) or, for a district or county that set
    its own reply range or extension, its own (第三十九条)."""
    opinion = (local or LocalRules(CITY)).coordination_opinion()
    within = f"受理之日起 {opinion.length} 个工作日"
    extra = opinion.extension_working_days
    return {
        "acceptance": _days("受理决定：收到协调申请之日起", "acceptance_decision"),
        "rejection": _days("受理决定：收到协调申请之日起", "acceptance_decision"),
        "filing_opinion": _days("备案意见：收到协商纪要之日起", "filing_opinion"),
        "coordination_opinion": _opinion_basis(opinion),
        "determination": f"认定意见：在协调意见期限内（{within}，可延长一次，第二十一、二十二条）",
        "extension": f"延长期限：原期限届满前决定，自原期限届满日起再计 {extra} 个工作日（{opinion.where}）",
        "devolution_decision": _days("下放审核：收到完整申请材料之日起", "devolution_review"),
        "duty_plan_review": "主要职责方案审核：办法未规定审核期限，按第十一条程序审核后报市委编委研究",
        "interpretation": f"书面解释：在协调意见期限内（{within}，第二十二条、第二十六条）",
        "designation": f"指定管理部门：在协调意见期限内（立项之日起 {opinion.length} 个工作日，"
        "第二十二条、第二十六条第二款）",
    }


def rule_bases(local: LocalRules | None = None) -> dict[str, str]:
    """The deadlines service's rule codes (clock.scheduled ``rule``), counted as the case's jurisdiction
    counts them."""
    local = local or LocalRules(CITY)
    reply = local.written_reply()
    return {
        "filing_opinion": _days("备案意见：收到协商纪要之日起", "filing_opinion"),
        "acceptance_decision": _days("受理决定：收到协调申请之日起", "acceptance_decision"),
        "written_reply": f"书面反馈：征求意见之日起 {reply.min_length}–{reply.max_length} 个工作日内"
        f"（{reply.where}）",
        "coordination_opinion": _opinion_basis(local.coordination_opinion()),
        "devolution_review": _days("下放审核：收到完整申请材料之日起", "devolution_review"),
        "operation_report": "运行情况报告：正式下放满半年（第三十五条）",
        "rectification": "限期纠正：按纠正通知确定的日期（第三十七条）",
    }


def _days(since: str, rule_code: str) -> str:
    rule = RULES[rule_code]
    return f"{since} {rule.length} 个工作日内（{rule.article_label}）"


def _opinion_basis(opinion: Rule) -> str:
    extra = opinion.extension_working_days
    return f"协调意见：受理之日起 {opinion.length} 个工作日内，可延长一次 {extra} 个工作日（{opinion.where}）"


STATUTORY_BASIS = statutory_bases()
RULE_BASIS = rule_bases()
CLOCK_REASONS = {
    "started": "",
    "resumed": "中止后恢复，已用工作日保留，剩余工作日自恢复之日起计算（第二十五条）",
    "extended": "已延长一次，自原到期日起再计算（第二十二条）",
    "paused": "案件中止，期限暂停计算（第二十五条）",
    "stopped": "期限已停止计算",
    "calendar_changed": "节假日安排调整后已重新计算",
}


def describe_clock(
    rule: str, reason: str | None, fallback: str | None = None, local: LocalRules | None = None
) -> str | None:
    """How a statutory clock was counted, in words, from the deadlines service's rule and reason codes (with
    the case's jurisdiction's local rules, 第三十九条)."""
    basis = (rule_bases(local) if local else RULE_BASIS).get(rule) or fallback
    note = CLOCK_REASONS.get(reason or "", "")
    return "；".join(part for part in (basis, note) if part) or None


COUNTING_RULE = "起算当日不计入，期限至第 N 个工作日 24:00 届满（北京时间，扣除法定节假日，计入调休上班日）"


class Outcome(StrEnum):
    APPROVED = "approved"  # 同意
    RETURNED = "returned"  # 退回修改
    REJECTED = "rejected"  # 不同意


OUTCOME_NAMES = {Outcome.APPROVED: "同意", Outcome.RETURNED: "退回修改", Outcome.REJECTED: "不同意"}


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    RECALLED = "recalled"
    UNROUTABLE = "unroutable"  # no one holds a role the chain needs: an administrator must fix the chain


STATUS_NAMES = {
    Status.PENDING: "待审批",
    Status.APPROVED: "已同意",
    Status.RETURNED: "已退回",
    Status.REJECTED: "不同意",
    Status.RECALLED: "已撤回",
    Status.UNROUTABLE: "无法确定审批人",
}


@dataclass(frozen=True)
class Actor:
    user_id: str
    name: str


@dataclass(frozen=True)
class Step:
    """One link of a resolved chain: a label (处室负责人), the role, and who may decide it (any one)."""

    label: str
    role: str
    assignees: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    step_no: int
    outcome: Outcome
    comment: str
    decided_by: Actor
    decided_at: datetime
    on_behalf_of: str | None = None  # the assignee a deputy signed for


@dataclass(frozen=True)
class Delegation:
    """``delegate`` decides ``delegator``'s steps from ``starts_on`` to ``ends_on`` inclusive (Beijing)."""

    delegator_id: str
    delegate_id: str
    starts_on: date
    ends_on: date
    revoked: bool = False

    def covers(self, day: date) -> bool:
        return not self.revoked and self.starts_on <= day <= self.ends_on


def check_delegation_period(starts_on: date, ends_on: date, delegator_id: str, delegate_id: str) -> None:
    """Raise :class:`ValidationFailed` for a delegation that cannot be meant."""
    if delegator_id == delegate_id:
        raise ValidationFailed.for_field("delegate_id", "不能委托给本人")
    if ends_on < starts_on:
        raise ValidationFailed.for_field("ends_on", "结束日期不能早于开始日期")
    if (ends_on - starts_on).days > 366:
        raise ValidationFailed.for_field("ends_on", "委托期限不能超过一年")


@dataclass(frozen=True)
class DecisionResult:
    decision: Decision
    replayed: bool  # True: the same decision had already been recorded; nothing changed
    next_step: Step | None  # the step that is now current, when the approval moved on


@dataclass
class Approval:
    id: str
    request_id: str
    requested_by: Actor
    steps: tuple[Step, ...]
    status: Status = Status.PENDING
    current_step: int = 0
    decisions: list[Decision] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status is Status.PENDING

    def current(self) -> Step | None:
        return self.steps[self.current_step] if self.is_open else None

    def acting_for(self, user_id: str, day: date, delegations: Iterable[Delegation]) -> str | None:
        """The assignee of the current step that ``user_id`` may sign for today (themself), or None."""
        step = self.current()
        if step is None:
            return None
        if user_id in step.assignees:
            return user_id
        for delegation in delegations:
            if (
                delegation.delegate_id == user_id
                and delegation.delegator_id in step.assignees
                and delegation.covers(day)
            ):
                return delegation.delegator_id
        return None

    def may_view(self, user_id: str, day: date, delegations: Iterable[Delegation]) -> bool:
        """People on the steps reached so far, whoever decided, and today's deputies of the approver."""
        reached = self.steps[: self.current_step + 1]
        if any(user_id in step.assignees for step in reached):
            return True
        if any(d.decided_by.user_id == user_id for d in self.decisions):
            return True
        return self.acting_for(user_id, day, delegations) is not None

    def decide(
        self,
        *,
        actor: Actor,
        outcome: Outcome,
        comment: str,
        step_no: int,
        at: datetime,
        day: date,
        delegations: Iterable[Delegation] = (),
    ) -> DecisionResult:
        """Record ``actor``'s decision on step ``step_no`` (the step the form was showing)."""
        comment = comment.strip()
        earlier = self._decision_at(step_no)
        if earlier is not None:
            return self._replay_or_refuse(earlier, actor, outcome, comment)
        if not self.is_open:
            raise Conflict(f"该审批{STATUS_NAMES[self.status]}，无需再处理", code="approval_closed")
        if step_no != self.current_step:
            raise Conflict("该审批环节已变化，请刷新后查看", code="approval_stale")
        on_behalf = self.acting_for(actor.user_id, day, list(delegations))
        if on_behalf is None:
            raise NotFound("未找到该审批事项", code="not_found")
        _check_comment(outcome, comment)
        decision = Decision(
            step_no=step_no,
            outcome=outcome,
            comment=comment,
            decided_by=actor,
            decided_at=at,
            on_behalf_of=None if on_behalf == actor.user_id else on_behalf,
        )
        self.decisions.append(decision)
        return DecisionResult(decision, replayed=False, next_step=self._advance(outcome))

    def recall(self) -> None:
        """The requester withdraws the request (撤回); only while nobody has ended it."""
        if not self.is_open and self.status is not Status.UNROUTABLE:
            raise Conflict(f"该审批{STATUS_NAMES[self.status]}，不能撤回", code="approval_closed")
        self.status = Status.RECALLED

    def _decision_at(self, step_no: int) -> Decision | None:
        return next((d for d in self.decisions if d.step_no == step_no), None)

    def _replay_or_refuse(
        self, earlier: Decision, actor: Actor, outcome: Outcome, comment: str
    ) -> DecisionResult:
        if earlier.decided_by.user_id == actor.user_id and earlier.outcome is outcome:
            return DecisionResult(earlier, replayed=True, next_step=None)
        who = earlier.decided_by.name or earlier.decided_by.user_id
        said = OUTCOME_NAMES[earlier.outcome]
        raise Conflict(f"该环节已由{who}作出“{said}”的决定，不能重复处理", code="already_decided")

    def _advance(self, outcome: Outcome) -> Step | None:
        if outcome is Outcome.APPROVED and self.current_step + 1 < len(self.steps):
            self.current_step += 1
            return self.steps[self.current_step]
        self.status = Status(outcome.value)
        return None


def _check_comment(outcome: Outcome, comment: str) -> None:
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationFailed.for_field("comment", f"意见不能超过 {MAX_COMMENT_LENGTH} 字")
    if outcome is not Outcome.APPROVED and not comment:
        raise ValidationFailed.for_field("comment", "退回或不同意时必须填写意见")
