"""The messages the services exchange: their types, where they go, and what their payloads hold.

One service never imports another's code; it imports this module and publishes through its outbox
(``uow.publish(queue, type, payload)``). Payloads are plain JSON. Dates are ``YYYY-MM-DD`` (Asia/Shanghai),
instants ISO-8601 in UTC. Ids chosen by the sender make every command idempotent.

A *case reference* names the thing a message is about, so that the receiver can show and link it::

    {"service": "intake", "kind": "coordination", "id": "c-123", "title": "关于…的职责分工协调申请",
     "jurisdiction": "330200", "url": "http://…/cases/c-123"}

Queues: ``intake`` (also the approval inbox), ``deadlines``, ``devolution``, ``notify``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NotRequired, TypedDict

# --- queues ---
INTAKE, DEADLINES, DEVOLUTION, NOTIFY = "intake", "deadlines", "devolution", "notify"


class CaseRef(TypedDict):
    service: str
    kind: str
    id: str
    title: str
    jurisdiction: str
    url: NotRequired[str]


class Party(TypedDict):
    """Who must act or be told: a person, a department's contact people, or a role in a jurisdiction."""

    kind: str  # "person" | "department" | "role"
    id: str  # person id, department code, or role name
    jurisdiction: str


# --- deadlines: commands (to the ``deadlines`` queue) ---
CLOCK_START = "clock.start"
"""{clock_id, rule, case: CaseRef, owner_service, start_at, responsible: [Party], escalate_to?: [Party],
working_days? (written_reply: 5–10, 第20条), working_days_reason? (outside 5–10), due_date? (rectification,
第37条), urgent?: bool}"""
CLOCK_PAUSE = "clock.pause"  # {clock_id, at, reason}  (中止, 第25条)
CLOCK_RESUME = "clock.resume"  # {clock_id, at}
CLOCK_EXTEND = "clock.extend"  # {clock_id, reason}  (延长, 第22条; once)
CLOCK_STOP = "clock.stop"  # {clock_id, at, outcome: "done" | "withdrawn" | "terminated"}

# --- deadlines: events (to the clock's ``owner_service`` queue) ---
CLOCK_SCHEDULED = "clock.scheduled"
"""{clock_id, case, rule, state, due_date, due_at, provisional, remaining_working_days, reason, calendar} —
sent after every start, pause, resume, extension, stop and calendar recomputation, so owners can show the
deadline. ``state``: running | overdue | expired (第20条) | paused | stopped; ``due_date``/``due_at`` are null
while paused; ``remaining_working_days`` (as of the day it is sent) is negative when overdue, null when
stopped; ``reason``: started | paused | resumed | extended | stopped | calendar_changed (the due date or its
provisional flag moved) | refreshed (nothing moved: the same schedule with its calendar window, sent again
after a calendar change near it or by ``services.deadlines.cli announce-clocks``). ``calendar``
(:class:`CalendarWindow`, null while paused or stopped) lets the owner count the working days left as of any
later day without asking the deadlines service; a calendar change sends it again to every open clock whose
window it touches. A repeated command changes nothing and sends nothing."""


class CalendarWindow(TypedDict):
    """The working calendar around a clock's period, as deadlines knows it: ``off_days`` are all the
    non-working days ``d`` with ``after < d <= through`` (weekends and holidays, not the 调休 working weekend
    days; ``after`` is the start date, ``through`` reaches past the due date for overdue counts). A count that
    reaches ``provisional_from`` or later may still change (a year whose notice is not loaded: 暂定/约)."""

    after: str
    through: str
    off_days: list[str]
    provisional_from: str | None


CLOCK_DUE_SOON = "clock.due_soon"  # {clock_id, case, rule, due_date, remaining_working_days}
CLOCK_DUE = "clock.due"  # {clock_id, case, rule, due_date}
CLOCK_OVERDUE = "clock.overdue"  # {clock_id, case, rule, due_date, overdue_working_days, escalated: bool}
CLOCK_EXPIRED = "clock.expired"
"""{clock_id, case, rule, due_date} — the period has run out. For a written reply (第20条) the owner records
silence as 视为没有不同意见 unless a reason was filed."""

# --- notify: requests (to the ``notify`` queue) ---
NOTIFY_SEND = "notify.send"
"""{dedupe_key, template, params: {...}, recipients: [Party], case?: CaseRef, link?: str, urgency: "normal" |
"urgent", due_date?: ISO date, kind?: "text" | "markdown" | "oa" | "action_card", report_to?: queue} — at most
one delivery per dedupe key and recipient. ``due_date`` (else ``params.due_date`` / ``new_due_date``) is the
statutory date the notice is about: a backlog drains the urgent and the soonest first. ``params`` always
carry what the template needs (case title, due date, days left or overdue). With ``report_to``, notify
tells that queue what the request achieved (``notify.outcome``)."""
NOTIFY_REVOKE = "notify.revoke"
"""{case: CaseRef, reason, at} — the case was withdrawn: every work notification about it sent before ``at``
is revoked on the platform (``/message/revoke``), and those not sent yet never go out. Notices requested
after ``at`` (the withdrawal notice itself) are untouched. Repeating it changes nothing."""

# --- notify: reports (to the requester's ``report_to`` queue) ---
NOTIFY_OUTCOME = "notify.outcome"
"""{dedupe_key, case?: CaseRef, outcome: "delivered" | "unconfirmed" | "failed", reached: [{recipient, name,
delivered_at}], not_reached: [{recipient, name, state, reason}], at} — what a ``notify.send`` with
``report_to`` achieved on 浙政钉, sent whenever that changes: ``delivered`` once at least one person has the
work notification (``delivered_at`` of the first, an ISO instant), ``unconfirmed`` while nobody has it and a
delivery waits for an operator (retries exhausted: the platform may or may not have it), ``failed`` when every
delivery ended without reaching anybody (unknown account, refused, nobody to send to). Group robots and
webhooks never count as reaching a person."""

# --- approvals (the office leaders' inbox, in intake) ---
APPROVAL_REQUEST = "approval.request"
"""{request_id, requester_service, case: CaseRef, decision_kind, drafted_decision: {summary, text, ...},
materials: [{name, url}], requested_by: {user_id, name}, statutory_clock_id?, statutory_due_date?,
statutory_basis? (how the due date was counted, shown to the approver), statutory_provisional?: bool,
statutory_calendar?: CalendarWindow (the clock's, as its last ``clock.scheduled`` carried it: the inbox counts
the working days left with it), case_history?: [{at, actor, text}]}
decision_kind: acceptance | rejection | filing_opinion | coordination_opinion | determination | extension |
devolution_decision. Sent to the ``intake`` queue."""
APPROVAL_RECALL = "approval.recall"  # {request_id, by: {user_id, name}, reason}
APPROVAL_DECIDED = "approval.decided"
"""{request_id, approval_id, case, decision_kind, outcome: "approved" | "rejected" | "returned", decided_by:
{user_id, name}, decider?: Decider, on_behalf_of? (the leader a deputy signed for), comment, decided_at} — to
the requester's queue. ``decider`` is who decided, with their roles, for the requester's audit trail
(等保 2.0 安全审计: who); a message sent before it was added has only ``decided_by``."""


class Decider(TypedDict):
    """The person who decided an approval (the leader, or the deputy who signed for them), as the requesting
    service records them in its audit trail: the roles they decided in (``leader``, ``office_leader`` …)."""

    user_id: str
    name: str
    roles: list[str]


def decider(user_id: str, name: str, roles: Iterable[str]) -> Decider:
    return {"user_id": user_id, "name": name, "roles": sorted(str(r) for r in roles)}


# --- directory (intake → notify, devolution) ---
DEPARTMENT_UPSERTED = "directory.department_upserted"
PERSON_UPSERTED = "directory.person_upserted"

# --- power-and-responsibility list (devolution → whoever maintains it) ---
POWER_LIST_CHANGED = "power_list.changed"

# --- tasks: who must act on what, by when (any service → the ``intake`` worklist and the ``notify`` to-do
# centre; the publisher sends each event to both queues) ---
TASK_OPENED = "task.opened"
"""{task_id, case: CaseRef, step, step_name, assignee: Party, due_date?, provisional?: bool, calendar?:
CalendarWindow, article?, opened_at, url, department?, document_number?} — a step now waits for ``assignee``
(a person, a department's staff, or a role such as the office's handlers) until ``due_date`` (the statutory
date, ``YYYY-MM-DD`` Asia/Shanghai, null if none). ``calendar`` is the window of the clock the date is from
(as its ``clock.scheduled`` carried it), sent to the ``intake`` worklist only, which counts the days left
with it.
``task_id`` is chosen by the publisher and stable (``<service>:<case id>:<step>[:<subject>]``): opening it
again updates it (a moved due date, a new title) and never makes a second task. ``step`` is a stable code
(``acceptance_decision``, ``written_reply``, ``approval``, ``half_year_report``…), ``step_name`` its Chinese
name as a person reads it (受理审查, 书面答复征求意见…), ``article`` the article it rests on (第十七条).
``url`` is the path of the page where the step is done, relative to ``DM_PUBLIC_BASE_URL``. ``department``
is the code of the department the case is about (the applicant, host or ordered department: the worklist
filters and searches by its name); ``document_number`` the case's document number once it has one (文号).
Consumers apply events in the order of their instants (``opened_at`` / ``at``): an older event arriving late
changes nothing."""
TASK_REASSIGNED = "task.reassigned"  # {task_id, assignee: Party, reason?, at}: delegated, or its person left
TASK_CLOSED = "task.closed"
"""{task_id, outcome: "done" | "cancelled", at} — the step ended (done by its assignee) or no longer waits
(the case moved on, was withdrawn or terminated). Closing an unknown or closed task changes nothing."""

# --- local rules (第三十九条: deadlines → intake) ---
LOCAL_RULES_CHANGED = "local_rules.changed"
"""{jurisdiction, rules: {reply_range?: {min_working_days, max_working_days, source}, extension?:
{working_days, source}, reminders?: {due_soon_working_days_before, overdue_every_working_days,
escalate_after_overdue_working_days, source}, periods?: {<rule code>: {length, source}}}, changed_at} — a
district's or county's whole set of local rules after any change (``shared.local_rules.LocalRules``); a
setting left out is the measures' own. The receiver keeps the latest by ``changed_at``: an older set
arriving late, or the same one twice, changes nothing."""

# --- rectification's move to intake (devolution → intake, once per legacy row) ---
RECTIFICATION_HANDED_OVER = "rectification.handed_over"
"""{id, jurisdiction, devolution_id?, devolution_title?, department, ground: "devolved_without_approval" |
"support_not_delivered", facts, correct_by (YYYY-MM-DD), raised_by: {user_id}, raised_at, corrected_on?,
correction_note?, confirmed_by?} — a 第三十七条第四项 finding devolution raised before 限期纠正 became
intake's alone. Intake opens the case under the same ``id`` (ordered, or corrected when ``corrected_on`` is
set) and, for an open one, starts the clock again from ``raised_at``; a second delivery changes nothing."""


# --- devolution's figures for 监督统计 (devolution → intake; shared/devolution_figures.py) ---
DEVOLUTION_FIGURES_CHANGED = "devolution.figures"
"""{devolution_id, jurisdiction, department, removed: [{fact, subject, day}], added: [{fact, subject, day}]}
— what a transaction changed in a devolution's facts (``shared.devolution_figures``; ``department`` the
devolving one, 下放部门; ``day`` YYYY-MM-DD). The receiver adds −1 per fact removed and +1 per fact added
to its counters: deltas commute, so their order does not matter, and the inbox applies each once."""


def case_ref(
    *, service: str, kind: str, id: str, title: str, jurisdiction: str, url: str | None = None
) -> CaseRef:
    ref: CaseRef = {"service": service, "kind": kind, "id": id, "title": title, "jurisdiction": jurisdiction}
    if url:
        ref["url"] = url
    return ref


def party(kind: str, id: str, jurisdiction: str) -> Party:
    return {"kind": kind, "id": id, "jurisdiction": jurisdiction}


def payload(**values: Any) -> dict[str, Any]:
    """A payload without the keys whose value is ``None``."""
    return {k: v for k, v in values.items() if v is not None}


#: what the pages call each message (an operator's dead letters, in the audit trail)
MESSAGE_NAMES = {
    CLOCK_START: "启动期限计时",
    CLOCK_PAUSE: "中止期限计时",
    CLOCK_RESUME: "恢复期限计时",
    CLOCK_EXTEND: "延长办理期限",
    CLOCK_STOP: "停止期限计时",
    CLOCK_SCHEDULED: "期限安排通知",
    CLOCK_DUE_SOON: "期限即将届满",
    CLOCK_DUE: "期限届满",
    CLOCK_OVERDUE: "期限逾期",
    CLOCK_EXPIRED: "期限已过",
    NOTIFY_SEND: "发送通知",
    NOTIFY_REVOKE: "撤回通知",
    NOTIFY_OUTCOME: "通知送达情况",
    APPROVAL_REQUEST: "提请审批",
    APPROVAL_RECALL: "撤回审批",
    APPROVAL_DECIDED: "审批结果",
    DEPARTMENT_UPSERTED: "部门信息变更",
    PERSON_UPSERTED: "人员信息变更",
    POWER_LIST_CHANGED: "权责清单变更",
    TASK_OPENED: "新增待办",
    TASK_REASSIGNED: "待办转交",
    TASK_CLOSED: "待办办结",
    LOCAL_RULES_CHANGED: "本地规定变更",
    RECTIFICATION_HANDED_OVER: "限期纠正移交",
    DEVOLUTION_FIGURES_CHANGED: "职责下放统计变更",
}


def message_name(message_type: str) -> str:
    """``启动期限计时`` for ``clock.start``; 未知类型的消息 for a type no contract names (a malformed one)."""
    return MESSAGE_NAMES.get(message_type, "未知类型的消息")
