"""The life of a devolution, from draft to the half-year report, and who may move it (第三十三至三十五条).

States: draft → (submit, complete) → under_review → (conclude ready) → pending_approval → (approved) →
approved → (issue) → issued → (every report acknowledged) → operation_reported. From under_review the office
may return the application (returned; resubmit → under_review) or conclude not_ready; a leader who rejects or
returns the drafted decision sends it back to under_review.

Until the formal document is issued the original department stays responsible (第三十四条第二款):
:func:`responsible_departments` names the applicant alone in every state before ``issued``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.errors import Conflict, Forbidden
from shared.identity import Principal, Role


class State(StrEnum):
    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    NOT_READY = "not_ready"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    ISSUED = "issued"
    OPERATION_REPORTED = "operation_reported"


STATE_NAMES = {
    State.DRAFT: "草稿（尚未提交，审核期限未起算）",
    State.UNDER_REVIEW: "审核论证中",
    State.RETURNED: "已退回补正（审核期限暂停计算）",
    State.NOT_READY: "暂不具备下放条件（已书面告知）",
    State.PENDING_APPROVAL: "报批中",
    State.APPROVED: "已批准，尚未正式发文（原部门继续负责）",
    State.ISSUED: "已正式下放",
    State.OPERATION_REPORTED: "运行情况专项报告已确认",
}


class Action(StrEnum):
    EDIT = "edit"
    SUBMIT = "submit"
    RETURN = "return"
    RESUBMIT = "resubmit"
    CONCLUDE_READY = "conclude_ready"
    CONCLUDE_NOT_READY = "conclude_not_ready"
    APPROVAL_APPROVED = "approval_approved"
    APPROVAL_SENT_BACK = "approval_sent_back"
    ISSUE = "issue"
    UPDATE_HANDOVER = "update_handover"
    SUBMIT_REPORT = "submit_report"
    SUBMIT_INTERIM_REPORT = "submit_interim_report"
    ACKNOWLEDGE_REPORT = "acknowledge_report"
    ALL_REPORTS_ACKNOWLEDGED = "all_reports_acknowledged"


class Party(StrEnum):
    """Who acts: the applying (下放) department, a receiving (承接) one, the office, the approval inbox."""

    APPLICANT = "applicant"
    RECEIVER = "receiver"
    OFFICE = "office"
    APPROVAL = "approval"


SERVICE_ROLE = Role.SERVICE.value

ACTION_NAMES = {
    Action.EDIT: "修改申请",
    Action.SUBMIT: "提交申请",
    Action.RETURN: "退回补正",
    Action.RESUBMIT: "补正后重新提交",
    Action.CONCLUDE_READY: "审核论证：可以下放，报批",
    Action.CONCLUDE_NOT_READY: "审核论证：暂不具备下放条件",
    Action.APPROVAL_APPROVED: "领导审批同意",
    Action.APPROVAL_SENT_BACK: "领导审批退回",
    Action.ISSUE: "正式发文下放",
    Action.UPDATE_HANDOVER: "更新工作衔接清单",
    Action.SUBMIT_REPORT: "提交半年运行情况报告（第三十五条）",
    Action.SUBMIT_INTERIM_REPORT: "提交中期报告（运行未满半年，不作为第三十五条的专项报告）",
    Action.ACKNOWLEDGE_REPORT: "确认运行情况专项报告",
    Action.ALL_REPORTS_ACKNOWLEDGED: "专项报告均已确认",
}


@dataclass(frozen=True)
class Transition:
    sources: frozenset[State]
    target: State | None  # None: the state does not change
    party: Party


_T = Transition
TRANSITIONS: dict[Action, Transition] = {
    Action.EDIT: _T(frozenset({State.DRAFT, State.RETURNED}), None, Party.APPLICANT),
    Action.SUBMIT: _T(frozenset({State.DRAFT}), State.UNDER_REVIEW, Party.APPLICANT),
    Action.RETURN: _T(frozenset({State.UNDER_REVIEW}), State.RETURNED, Party.OFFICE),
    Action.RESUBMIT: _T(frozenset({State.RETURNED}), State.UNDER_REVIEW, Party.APPLICANT),
    Action.CONCLUDE_READY: _T(frozenset({State.UNDER_REVIEW}), State.PENDING_APPROVAL, Party.OFFICE),
    Action.CONCLUDE_NOT_READY: _T(frozenset({State.UNDER_REVIEW}), State.NOT_READY, Party.OFFICE),
    Action.APPROVAL_APPROVED: _T(frozenset({State.PENDING_APPROVAL}), State.APPROVED, Party.APPROVAL),
    Action.APPROVAL_SENT_BACK: _T(frozenset({State.PENDING_APPROVAL}), State.UNDER_REVIEW, Party.APPROVAL),
    Action.ISSUE: _T(frozenset({State.APPROVED}), State.ISSUED, Party.OFFICE),
    Action.UPDATE_HANDOVER: _T(frozenset({State.ISSUED, State.OPERATION_REPORTED}), None, Party.APPLICANT),
    Action.SUBMIT_REPORT: _T(frozenset({State.ISSUED}), None, Party.RECEIVER),
    Action.SUBMIT_INTERIM_REPORT: _T(frozenset({State.ISSUED}), None, Party.RECEIVER),
    Action.ACKNOWLEDGE_REPORT: _T(frozenset({State.ISSUED}), None, Party.APPLICANT),
    Action.ALL_REPORTS_ACKNOWLEDGED: _T(frozenset({State.ISSUED}), State.OPERATION_REPORTED, Party.APPLICANT),
}


#: The caller as the rules see it: the suite's principal (built from the bearer token by the service layer).
Actor = Principal


@dataclass(frozen=True)
class Parties:
    """Whose devolution it is: its jurisdiction, the applying department and the receiving departments.

    Receiving departments are ``(code, jurisdiction)``: a county department lives in its own jurisdiction.
    """

    jurisdiction: str
    applicant: str
    receivers: tuple[tuple[str, str], ...] = ()


def plays(actor: Actor, party: Party, parties: Parties) -> bool:
    """Whether ``actor`` acts as ``party`` on this devolution."""
    if party is Party.APPROVAL:
        return SERVICE_ROLE in actor.roles
    if party is Party.OFFICE:
        return actor.is_office and actor.jurisdiction == parties.jurisdiction
    if not actor.is_department_user:
        return False
    if party is Party.APPLICANT:
        return actor.department == parties.applicant and actor.jurisdiction == parties.jurisdiction
    return (actor.department, actor.jurisdiction) in parties.receivers


def can_see(actor: Actor, parties: Parties, state: State) -> bool:
    """The office sees its jurisdiction's; a department its own, and the submitted ones it receives."""
    if plays(actor, Party.OFFICE, parties) or plays(actor, Party.APPLICANT, parties):
        return True
    return state is not State.DRAFT and plays(actor, Party.RECEIVER, parties)


PARTY_NAMES = {
    Party.APPLICANT: "申请（下放）部门",
    Party.RECEIVER: "承接部门",
    Party.OFFICE: "本级编办",
    Party.APPROVAL: "编办领导审批",
}


def advance(state: State, action: Action, actor: Actor, parties: Parties) -> State:
    """The state after ``action``; Forbidden for the wrong actor, Conflict for the wrong state."""
    transition = TRANSITIONS[action]
    if not plays(actor, transition.party, parties):
        raise Forbidden(
            f"“{ACTION_NAMES[action]}”只能由{PARTY_NAMES[transition.party]}办理", code="not_your_step"
        )
    if state not in transition.sources:
        raise Conflict(
            f"当前状态为“{STATE_NAMES[state]}”，不能{ACTION_NAMES[action]}",
            code="illegal_transition",
            extra={"state": str(state)},
        )
    return transition.target or state


def responsible_departments(state: State, parties: Parties) -> tuple[str, ...]:
    """第三十四条第二款: before formal issuance the original department alone stays responsible."""
    if in_force(state):
        return tuple(code for code, _jurisdiction in parties.receivers)
    return (parties.applicant,)


def in_force(state: State) -> bool:
    """Whether the devolution has been formally issued and so binds the receiving side."""
    return state in (State.ISSUED, State.OPERATION_REPORTED)
