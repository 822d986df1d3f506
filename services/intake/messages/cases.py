"""What casework tells other services: clock commands (deadlines), notifications (notify), approval requests.

Every message goes through the unit of work's outbox, so it leaves if and only if the case change commits.
Template codes (notify) are listed in :data:`TEMPLATES`; every notification carries ``title``, ``case_id``,
``kind``, ``link`` and, when known, ``due_date``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.intake.tables import CaseClock, CaseRecord
from shared.contracts import (
    APPROVAL_REQUEST,
    CLOCK_EXTEND,
    CLOCK_PAUSE,
    CLOCK_RESUME,
    CLOCK_START,
    CLOCK_STOP,
    DEADLINES,
    INTAKE,
    NOTIFY,
    NOTIFY_REVOKE,
    NOTIFY_SEND,
    CaseRef,
    Party,
    case_ref,
    party,
    payload,
)
from shared.db import utcnow
from shared.local_rules import CITY, LocalRules
from shared.measures import RULES
from shared.messaging import UnitOfWork

KIND_NAMES = {
    "filing": "协商纪要备案",
    "coordination": "职责分工协调",
    "reflection": "书面反映",
    "rectification": "限期纠正",
    "duty_plan": "主要职责配置和调整方案",
    "deliberation": "议事协调机构成员单位职责分工",
    "evaluation": "“三定”规定执行情况评估",
}


def rule_names(local: LocalRules | None = None) -> dict[str, str]:
    """Each clock's step as people read it, with its period: the measures' (:data:`shared.measures.RULES`)
    or the jurisdiction's own where it set one (第三十九条)."""
    local = local or LocalRules(CITY)

    def counted(code: str, step: str) -> str:
        rule = local.rule(RULES[code])
        return f"{step}（{rule.article_label}，{rule.length}{rule.unit}）"

    return {
        "filing_opinion": counted("filing_opinion", "反馈备案意见"),
        "acceptance_decision": counted("acceptance_decision", "作出受理决定"),
        "written_reply": f"答复书面征求意见（{RULES['written_reply'].article_label}）",
        "coordination_opinion": counted("coordination_opinion", "提出协调意见"),
        "rectification": f"限期纠正（{RULES['rectification'].article_label}）",
    }


RULE_NAMES = rule_names()

TEMPLATES = {
    # each code has a notify template (checked by test_every_notification_has_a_template.py)
    "application_accepted": "协调申请已受理（第十七条）",
    "application_rejected": "协调申请不予受理：情形、理由、应采用的机制（第十七条）",
    "filing_opinion_returned": "协商纪要备案意见（第十五条）",
    "solicitation_request": "书面征求意见，请在期限内答复（第二十条）",
    "solicitation_undelivered": "书面征求意见送达未确认，请书面送达并登记送达日期（第二十条）",
    "reply_deemed_no_objection": "逾期未答复且未说明原因，视为没有不同意见（第二十条）",
    "extension_notice": "办理期限延长及理由（第二十二条）",
    "deadline_recomputed": "期限发生变化",
    "case_submitted": "部门提交了备案或协调申请，请编办处理",
    "submission_received": "回执：编办已收到申请（备案、协调、主要职责方案）→ 申请部门",
    "case_withdrawn": "部门撤回了申请",
    "supplement_requested": "编办要求补正材料",
    "case_supplemented": "部门已补正材料",
    "reply_received": "部门答复了征求意见",
    "meeting_notice": "协调会议通知（第二十条第三款）",
    "case_suspended": "协调中止及理由（第二十五条）",
    "case_resumed": "协调恢复（第二十五条）",
    "case_terminated": "协调终止（第二十五条）",
    "interim_measures_reported": "申请方报告了紧急情况下的临时处置措施（第二十二条第二款）",
    "approval_returned": "报批事项被退回或不同意",
    "org_review_requested": "重大职能配置认定建议请市委组织部审议（第二十一条）",
    "decision_issued": "协调意见（备案、认定结果）已发文，请执行（第二十四条）",
    "deadline_scheduled": "期限已计算，请在期限内办理",
    "rectification_ordered": "编办责令限期纠正（第三十七条）",
    "correction_reported": "部门报告了纠正情况，请核实",
    "correction_rejected": "纠正不到位，请继续纠正",
    "rectification_closed": "经核实已纠正",
    "referred_to_supervision": "未按要求纠正，按机构编制监督检查规定处理（第三十七条第二款）",
    "duty_plan_submitted": "部门报送了主要职责配置或调整方案，请编办审核（第十一条）",
    "duty_plan_under_review": "主要职责方案初审通过，编办征求相关部门意见（第十一条）",
    "duty_plan_returned": "主要职责方案初审退回修改及理由（第十一条第一项）",
    "document_issued": "编办制发了书面文书（公文），附下载链接（第十五条至第三十七条）",
    "duty_plan_decided": "市委编委对主要职责方案的研究决定（第八条、第十条）",
    "division_filed": "议事协调机构牵头单位抄送了成员单位职责分工（第二十九条）",
    "evaluation_recorded": "编办“三定”规定执行情况评估结论（第二十六条第二款）",
    "division_flagged": "成员单位职责分工与“三定”规定不衔接，编办将协调（第二十九条）",
}


def office_party(jurisdiction: str) -> Party:
    return party("role", "office_clerk", jurisdiction)


def department_party(code: str, jurisdiction: str) -> Party:
    return party("department", code, jurisdiction)


def case_link(base_url: str, case_id: str) -> str:
    """The case page a notification or an approval opens (``/cases/<id>``, phone and PC, 免登 session)."""
    return f"{base_url.rstrip('/')}/cases/{case_id}"


def ref_of(record: CaseRecord, base_url: str) -> CaseRef:
    return case_ref(
        service="intake",
        kind=record.kind,
        id=record.id,
        title=record.title,
        jurisdiction=record.jurisdiction_code,
        url=case_link(base_url, record.id),
    )


class Outgoing:
    """The messages of one use case on one case; bound to its unit of work."""

    def __init__(self, uow: UnitOfWork, record: CaseRecord, base_url: str) -> None:
        self.uow = uow
        self.record = record
        self.base_url = base_url

    @property
    def ref(self) -> CaseRef:
        return ref_of(self.record, self.base_url)

    def notify(
        self,
        template: str,
        recipients: list[Party],
        *,
        dedupe: str,
        urgent: bool = False,
        report_delivery: bool = False,
        **params: Any,
    ) -> None:
        """Ask notify to tell ``recipients``; with ``report_delivery``, notify answers what the notice
        achieved (``notify.outcome`` on intake's queue: delivered to a person, or not)."""
        if template not in TEMPLATES:
            raise ValueError(f"unknown notification template {template!r}")
        rec = self.record
        link = case_link(self.base_url, rec.id)
        base = {
            "title": rec.title,
            "case_title": rec.title,
            "case_id": rec.id,
            "kind": KIND_NAMES[rec.kind],
            "link": link,
        }
        self.uow.publish(
            NOTIFY,
            NOTIFY_SEND,
            {
                "dedupe_key": f"intake:{rec.id}:{template}:{dedupe}",
                "template": template,
                "params": {**base, **{k: v for k, v in params.items() if v is not None}},
                "recipients": recipients,
                "case": self.ref,
                "link": link,
                "urgency": "urgent" if urgent else "normal",
                **({"report_to": INTAKE} if report_delivery else {}),
            },
        )

    def revoke_notices(self, reason: str | None) -> None:
        """The case was withdrawn: notify revokes the work notifications sent about it before now (the
        withdrawal notice, sent after this, is not touched)."""
        self.uow.publish(
            NOTIFY, NOTIFY_REVOKE, payload(case=self.ref, reason=reason, at=utcnow().isoformat())
        )

    def start_clock(
        self,
        clock_id: str,
        rule: str,
        responsible: list[Party],
        *,
        working_days: int | None = None,
        working_days_reason: str | None = None,
        due_date: str | None = None,
        urgent: bool = False,
        start_at: datetime | None = None,
    ) -> None:
        """Ask deadlines to start a clock (counting from ``start_at``, by default now), and show it at once
        as "being calculated"."""
        escalate = [party("role", "office_division_head", self.record.jurisdiction_code)]
        self.uow.publish(
            DEADLINES,
            CLOCK_START,
            payload(
                clock_id=clock_id,
                rule=rule,
                case=self.ref,
                owner_service=INTAKE,
                start_at=(start_at or utcnow()).isoformat(),
                responsible=responsible,
                escalate_to=escalate,
                working_days=working_days,
                working_days_reason=working_days_reason,
                due_date=due_date,
                urgent=urgent or None,
            ),
        )
        self.uow.session.add(
            CaseClock(
                clock_id=clock_id,
                case_id=self.record.id,
                rule=rule,
                responsible=responsible,
                state="requested",
                last_event="start_requested",
            )
        )

    def pause_clock(self, clock_id: str, reason: str) -> None:
        self.uow.publish(
            DEADLINES, CLOCK_PAUSE, {"clock_id": clock_id, "at": utcnow().isoformat(), "reason": reason}
        )

    def resume_clock(self, clock_id: str) -> None:
        self.uow.publish(DEADLINES, CLOCK_RESUME, {"clock_id": clock_id, "at": utcnow().isoformat()})

    def extend_clock(self, clock_id: str, reason: str) -> None:
        self.uow.publish(DEADLINES, CLOCK_EXTEND, {"clock_id": clock_id, "reason": reason})

    def stop_clock(self, clock_id: str, outcome: str = "done") -> None:
        self.uow.publish(
            DEADLINES, CLOCK_STOP, {"clock_id": clock_id, "at": utcnow().isoformat(), "outcome": outcome}
        )

    def request_approval(
        self,
        request_id: str,
        decision_kind: str,
        drafted: dict[str, Any],
        requested_by: dict[str, str],
        materials: list[dict[str, str]],
        clock: CaseClock | None,
        case_history: list[dict[str, str]] | None = None,
    ) -> None:
        """Put a drafted decision in the office leaders' approval inbox (the ``intake`` queue), with the
        case's materials and history so the leader can decide from a phone."""
        self.uow.publish(
            INTAKE,
            APPROVAL_REQUEST,
            payload(
                request_id=request_id,
                requester_service="intake",
                case=self.ref,
                decision_kind=decision_kind,
                drafted_decision=drafted,
                materials=materials,
                case_history=case_history,
                requested_by=requested_by,
                statutory_clock_id=clock.clock_id if clock else None,
                statutory_due_date=clock.due_date.isoformat() if clock and clock.due_date else None,
                statutory_basis=RULE_NAMES.get(clock.rule) if clock else None,
                statutory_provisional=clock.provisional if clock else None,
                statutory_calendar=clock.calendar if clock and clock.due_date else None,
            ),
        )
