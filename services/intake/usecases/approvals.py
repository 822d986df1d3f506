"""The office leaders' approval inbox (审批): its use cases, one unit of work each, between the entrypoints
(queue, JSON API, mobile pages) and the pure rules in :mod:`services.intake.domain.approvals`.

Why inside intake and not a service of its own: intake is the suite's front door. It owns the directory — the
people, their roles (处室负责人, 分管领导, 主任), their jurisdictions and their 浙政钉 accounts — which is
exactly what an approval chain is resolved against and what 免登 maps an ``accountId`` to; and it already
serves the people who log in from the government app, so the mobile pages live behind the same login. Other
services (devolution) reach the inbox only over the ``intake`` queue (``approval.request`` /
``approval.recall``) and hear back on their own queue (``approval.decided``); see docs/approvals.md.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.intake import mapping, queries
from services.intake.domain.approvals import chains
from services.intake.domain.approvals.model import (
    DECISION_KINDS,
    OUTCOME_NAMES,
    STATUS_NAMES,
    Actor,
    Approval,
    DecisionResult,
    Delegation,
    Outcome,
    Status,
    check_delegation_period,
    describe_clock,
    statutory_bases,
)
from services.intake.domain.approvals.workdays import ClockCalendar, TimeLeft, WorkingDayCounter, time_left
from services.intake.messages import approvals as notices
from services.intake.tables import (
    ApprovalDecisionRow,
    ApprovalEventRow,
    ApprovalRow,
    ChainRow,
    DelegationRow,
    Person,
    SavedPhrase,
)
from shared import audit, localtime
from shared.auth import OFFICE_ROLES, Principal, Role
from shared.config import Settings
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.messaging import MalformedMessage, UnitOfWork
from shared.runtime import ServiceRuntime
from shared.web.formatting import chinese_date

log = logging.getLogger(__name__)

#: what the audit trail calls the acts on approvals, delegations and chains
REQUEST, DECIDE, RECALL, HAND_OVER = (
    "approval.request",
    "approval.decide",
    "approval.recall",
    "approval.hand_over",
)
DELEGATE, UNDELEGATE, CHAIN_SET = "delegation.add", "delegation.revoke", "approval_chain.set"
audit.name_actions(
    {
        REQUEST: "提交审批",
        DECIDE: "审批决定",
        RECALL: "撤回审批",
        HAND_OVER: "审批改由他人办理",
        DELEGATE: "设置委托代批",
        UNDELEGATE: "撤销委托代批",
        CHAIN_SET: "调整审批链",
    },
    objects={"approval": "审批事项", "delegation": "委托代批", "approval_chain": "审批链"},
    ids={"approval_chain": lambda kind: "全部审批事项" if kind == chains.ANY_KIND else DECISION_KINDS[kind]},
)


def beijing_today(now: datetime | None = None) -> date:
    return localtime.today(now)


# --------------------------------------------------------------------------- loading


def _load(session: Session, approval_id: str) -> tuple[ApprovalRow, Approval] | None:
    row = session.get(ApprovalRow, approval_id)
    if row is None:
        return None
    decisions = session.scalars(
        select(ApprovalDecisionRow)
        .where(ApprovalDecisionRow.approval_id == approval_id)
        .order_by(ApprovalDecisionRow.step_no)
    ).all()
    return row, mapping.approval_of(row, decisions)


def _delegations_to(session: Session, user_id: str) -> list[Delegation]:
    rows = session.scalars(
        select(DelegationRow).where(DelegationRow.delegate_id == user_id, DelegationRow.revoked_at.is_(None))
    ).all()
    return [Delegation(r.delegator_id, r.delegate_id, r.starts_on, r.ends_on) for r in rows]


def deputies_of(session: Session, person_ids: Sequence[str], day: date) -> list[str]:
    rows = session.scalars(
        select(DelegationRow).where(
            DelegationRow.delegator_id.in_(list(person_ids)), DelegationRow.revoked_at.is_(None)
        )
    ).all()
    return sorted({r.delegate_id for r in rows if r.starts_on <= day <= r.ends_on})


def _event(session: Session, row: ApprovalRow, action: str, text: str, actor: Actor | None = None) -> None:
    session.add(
        ApprovalEventRow(
            approval_id=row.id,
            at=utcnow(),
            action=action,
            actor_id=actor.user_id if actor else None,
            actor_name=actor.name if actor else None,
            text=text,
        )
    )


def _audit(
    uow: UnitOfWork, action: str, actor: Principal | None, row: ApprovalRow, text: str, **details: Any
) -> None:
    """An act on an approval in the trail of its jurisdiction: the decision kind and the case it is about."""
    kind = DECISION_KINDS.get(row.decision_kind, row.decision_kind)
    title = (row.case_ref or {}).get("title") or (row.case_ref or {}).get("id") or ""
    uow.audit(
        action,
        actor=actor,
        jurisdiction=row.jurisdiction,
        object_type="approval",
        object_id=row.id,
        summary=f"{text}（{kind}：{title}）",
        details={"decision_kind": row.decision_kind, "case": row.case_ref, "status": row.status, **details},
    )


def _person(user_id: str, name: str, jurisdiction: str) -> Principal:
    """Who acted, as a message names them (their roles are not in it)."""
    return Principal(user_id or audit.UNKNOWN_ID, name or "有关人员", jurisdiction, None, frozenset())


def _names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.scalars(select(Person).where(Person.id.in_(list(ids)))).all()
    return {p.id: p.name for p in rows}


# --------------------------------------------------------------------------- requests from services


def _required(data: Mapping[str, Any], *names: str) -> None:
    missing = [name for name in names if not data.get(name)]
    if missing:
        raise MalformedMessage(f"approval.request lacks {', '.join(missing)}")


def _configured_chains(session: Session, jurisdiction: str) -> dict[str, list[chains.StepSpec]]:
    rows = session.scalars(select(ChainRow).where(ChainRow.jurisdiction == jurisdiction)).all()
    return {r.decision_kind: [chains.StepSpec.from_dict(s) for s in r.steps] for r in rows}


def _candidates(session: Session, jurisdiction: str) -> list[chains.Candidate]:
    people = session.scalars(select(Person).where(Person.jurisdiction_code == jurisdiction)).all()
    return [chains.Candidate(p.id, frozenset(p.roles), p.title or "", p.active) for p in people]


def receive_request(
    uow: UnitOfWork, data: Mapping[str, Any], *, settings: Settings, counter: WorkingDayCounter
) -> str:
    """Open an approval for ``approval.request`` (idempotent by ``request_id``); returns its id."""
    _required(data, "request_id", "requester_service", "case", "decision_kind", "requested_by")
    session = uow.session
    existing = session.scalar(select(ApprovalRow).where(ApprovalRow.request_id == data["request_id"]))
    if existing is not None:
        log.info("approval request %s already received", data["request_id"])
        return existing.id
    case, requester = dict(data["case"]), dict(data["requested_by"])
    _required(case, "jurisdiction", "id")
    _required(requester, "user_id")
    specs = chains.chain_for(data["decision_kind"], _configured_chains(session, case["jurisdiction"]))
    steps = chains.resolve(specs, _candidates(session, case["jurisdiction"]), requester["user_id"])
    missing = [s.label for s in steps if not s.assignees]
    row = ApprovalRow(
        id=str(uuid.uuid4()),
        request_id=str(data["request_id"]),
        requester_service=str(data["requester_service"]),
        jurisdiction=case["jurisdiction"],
        case_ref=case,
        decision_kind=str(data["decision_kind"]),
        drafted_decision=dict(data.get("drafted_decision") or {}),
        materials=list(data.get("materials") or []),
        case_history=list(data.get("case_history") or []),
        requested_by=requester,
        statutory_clock_id=data.get("statutory_clock_id"),
        statutory_due_date=_date_or_none(data.get("statutory_due_date")),
        statutory_basis=data.get("statutory_basis"),
        statutory_provisional=bool(data.get("statutory_provisional", False)),
        statutory_calendar=data.get("statutory_calendar"),
        steps=[{"label": s.label, "role": s.role, "assignees": list(s.assignees)} for s in steps],
        current_step=0,
        status=(Status.UNROUTABLE if missing else Status.PENDING).value,
        requested_at=utcnow(),
        step_started_at=utcnow(),
    )
    session.add(row)
    session.flush()
    kind = DECISION_KINDS.get(row.decision_kind, row.decision_kind)
    asker = Actor(requester["user_id"], requester.get("name", ""))
    chain = " → ".join(s.label for s in steps)
    _event(session, row, "requested", f"提交审批：{kind}（{chain}）", asker)
    who = _person(requester["user_id"], requester.get("name", ""), row.jurisdiction)
    _audit(uow, REQUEST, who, row, f"提交审批，审批链：{chain or '无'}", missing=missing or None)
    if missing:
        _event(session, row, "unroutable", f"无法确定审批人：{'、'.join(missing)}，请管理员调整审批链")
        notices.tell_unroutable(uow, row, missing)
    else:
        _ask_current(uow, row, settings, counter)
    return row.id


def _date_or_none(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise MalformedMessage(f"not a date: {value!r}") from exc


def _ask_current(uow: UnitOfWork, row: ApprovalRow, settings: Settings, counter: WorkingDayCounter) -> None:
    assignees = list(row.steps[row.current_step]["assignees"])
    deputies = deputies_of(uow.session, assignees, beijing_today())
    left = _time_left(row, beijing_today(), counter)
    notices.ask_approvers(uow, row, sorted({*assignees, *deputies}), settings, left)
    names = _names(uow.session, [*assignees, *deputies])
    who = "、".join(names.get(p, UNKNOWN_PERSON) for p in assignees)
    if deputies:
        who += f"（代批：{'、'.join(names.get(p, UNKNOWN_PERSON) for p in deputies)}）"
    _event(uow.session, row, "notified", f"通知{row.steps[row.current_step]['label']}{who}审批")


def recall(uow: UnitOfWork, data: Mapping[str, Any]) -> None:
    """``approval.recall``: withdraw a pending request; refused (and recorded) once it has been decided."""
    _required(data, "request_id")
    row = uow.session.scalar(select(ApprovalRow).where(ApprovalRow.request_id == data["request_id"]))
    if row is None:
        log.warning("recall of unknown approval request %s ignored", data["request_id"])
        return
    loaded = _load(uow.session, row.id)
    assert loaded is not None
    approval = loaded[1]
    by = dict(data.get("by") or {})
    actor = Actor(str(by.get("user_id", "")), str(by.get("name", "")))
    reason = str(data.get("reason") or "")
    try:
        approval.recall()
    except Conflict as refused:
        _event(uow.session, row, "recall_refused", f"撤回未成功：{refused.detail}", actor)
        return
    current = list(row.steps[row.current_step]["assignees"]) if row.status == Status.PENDING else []
    row.status, row.closed_at = Status.RECALLED.value, utcnow()
    text = f"申请人撤回：{reason}" if reason else "申请人撤回"
    _event(uow.session, row, "recalled", text, actor)
    _audit(uow, RECALL, _person(actor.user_id, actor.name, row.jurisdiction), row, text, reason=reason)
    if current:
        notices.tell_recalled(uow, row, current, reason)


def on_clock_scheduled(uow: UnitOfWork, data: Mapping[str, Any]) -> None:
    """Keep the statutory due date of open approvals in step with the deadlines service's clock: moved by an
    extension or a calendar change, gone while the case is suspended (中止) or once the clock stopped."""
    clock_id = data.get("clock_id")
    if not clock_id:
        return
    rows = uow.session.scalars(
        select(ApprovalRow).where(
            ApprovalRow.statutory_clock_id == clock_id, ApprovalRow.status == Status.PENDING.value
        )
    ).all()
    stopped = data.get("state") in ("stopped", "paused")  # no countdown for a clock that does not run
    for row in rows:
        row.statutory_due_date = None if stopped else _date_or_none(data.get("due_date"))
        row.statutory_provisional = bool(data.get("provisional")) and not stopped
        row.statutory_calendar = None if stopped else data.get("calendar")
        if data.get("reason") == "refreshed":
            continue  # the same schedule sent again with its calendar: how it was counted has not changed
        local = queries.local_rules_of(uow.session, str(row.case_ref.get("jurisdiction") or ""))
        fallback = statutory_bases(local).get(row.decision_kind)
        row.statutory_basis = describe_clock(str(data.get("rule") or ""), data.get("reason"), fallback, local)


# --------------------------------------------------------------------------- decisions


def _visible(
    session: Session, approval_id: str, principal: Principal, day: date
) -> tuple[ApprovalRow, Approval]:
    """The approval if ``principal`` may see it; otherwise :class:`NotFound` (existence not revealed)."""
    loaded = _load(session, approval_id)
    if loaded is None or loaded[0].jurisdiction != principal.jurisdiction:
        raise NotFound("未找到该审批事项", code="not_found")
    requester = (loaded[0].requested_by or {}).get("user_id") == principal.user_id  # 我发起的
    delegations = _delegations_to(session, principal.user_id)
    if not requester and not loaded[1].may_view(principal.user_id, day, delegations):
        raise NotFound("未找到该审批事项", code="not_found")
    return loaded


def decide(
    runtime: ServiceRuntime,
    *,
    approval_id: str,
    principal: Principal,
    outcome: Outcome,
    comment: str,
    step_no: int,
    counter: WorkingDayCounter,
    now: datetime | None = None,
) -> DecisionResult:
    """Record a decision; a repeated tap is answered with the decision already recorded."""
    try:
        return _decide_once(runtime, approval_id, principal, outcome, comment, step_no, counter, now)
    except (IntegrityError, StaleDataError):
        # Someone (or a second tap) decided this step at the same moment: answer from what was committed.
        return _decide_once(runtime, approval_id, principal, outcome, comment, step_no, counter, now)


def _decide_once(
    runtime: ServiceRuntime,
    approval_id: str,
    principal: Principal,
    outcome: Outcome,
    comment: str,
    step_no: int,
    counter: WorkingDayCounter,
    now: datetime | None,
) -> DecisionResult:
    at = now or utcnow()
    day = beijing_today(at)
    with runtime.unit_of_work() as uow:
        row, approval = _visible(uow.session, approval_id, principal, day)
        result = approval.decide(
            actor=Actor(principal.user_id, principal.name),
            outcome=outcome,
            comment=comment,
            step_no=step_no,
            at=at,
            day=day,
            delegations=_delegations_to(uow.session, principal.user_id),
        )
        if result.replayed:
            return result
        _record(uow, row, approval, result, runtime.settings, counter, principal)
        uow.commit()
        return result


def _record(
    uow: UnitOfWork,
    row: ApprovalRow,
    approval: Approval,
    result: DecisionResult,
    settings: Settings,
    counter: WorkingDayCounter,
    principal: Principal,
) -> None:
    decision = result.decision
    uow.session.add(
        ApprovalDecisionRow(
            approval_id=row.id,
            step_no=decision.step_no,
            outcome=decision.outcome.value,
            comment=decision.comment,
            decided_by_id=decision.decided_by.user_id,
            decided_by_name=decision.decided_by.name,
            on_behalf_of=decision.on_behalf_of,
            decided_at=decision.decided_at,
        )
    )
    row.status, row.current_step = approval.status.value, approval.current_step
    label = row.steps[decision.step_no]["label"]
    text = f"{label}：{OUTCOME_NAMES[decision.outcome]}"
    if decision.on_behalf_of:
        text += f"（代{_names(uow.session, [decision.on_behalf_of]).get(decision.on_behalf_of, '')}审批）"
    if decision.comment:
        text += f"。意见：{decision.comment}"
    _event(uow.session, row, decision.outcome.value, text, decision.decided_by)
    details = {"step_no": decision.step_no, "outcome": decision.outcome.value, "comment": decision.comment}
    _audit(uow, DECIDE, principal, row, text, on_behalf_of=decision.on_behalf_of, **details)
    uow.session.flush()
    if result.next_step is not None:
        row.step_started_at = decision.decided_at
        _ask_current(uow, row, settings, counter)
        return
    row.closed_at = decision.decided_at
    notices.tell_requester(uow, row, decision, principal)
    _event(uow.session, row, "requester_told", f"已将审批结果“{STATUS_NAMES[approval.status]}”告知申请方")


# --------------------------------------------------------------------------- what an approver sees


@dataclass(frozen=True)
class InboxItem:
    id: str
    case_title: str
    decision_kind: str
    summary: str
    requested_by: str
    requested_at: datetime
    step_no: int
    step_label: str
    on_behalf_of: str | None
    time_left: TimeLeft | None
    waiting_days: int  # the task's own clock: working days since this step reached the approver
    waiting_approximate: bool
    provisional: bool = False  # the statutory date reaches a year the calendar does not know yet (暂定)

    @property
    def waiting_label(self) -> str:
        if self.waiting_days == 0:
            return "今日送达"
        return f"已等待{'约' if self.waiting_approximate else ''} {self.waiting_days} 个工作日"

    @property
    def urgency(self) -> tuple[int, int, datetime]:
        if self.time_left is None:
            return (1, 0, self.requested_at)
        return (0, self.time_left.sort_key, self.requested_at)


def inbox(
    runtime: ServiceRuntime, principal: Principal, *, counter: WorkingDayCounter, now: datetime | None = None
) -> list[InboxItem]:
    """待我审批: the open approvals whose current step ``principal`` may decide today, most urgent first."""
    day = beijing_today(now)
    with runtime.db.transaction() as session:
        delegations = _delegations_to(session, principal.user_id)
        rows = session.scalars(
            select(ApprovalRow).where(
                ApprovalRow.jurisdiction == principal.jurisdiction, ApprovalRow.status == Status.PENDING.value
            )
        ).all()
        mine = [(r, mapping.approval_of(r, []).acting_for(principal.user_id, day, delegations)) for r in rows]
        mine = [(r, for_whom) for r, for_whom in mine if for_whom is not None]
        names = _names(session, [w for _r, w in mine if w and w != principal.user_id])
        items = [_item(r, for_whom, principal, names, day, counter) for r, for_whom in mine]
    return sorted(items, key=lambda item: item.urgency)


def _item(
    row: ApprovalRow,
    for_whom: str | None,
    principal: Principal,
    names: Mapping[str, str],
    day: date,
    counter: WorkingDayCounter,
) -> InboxItem:
    started = beijing_today(row.step_started_at)
    waited, approximate = _counter(row, counter).count(started, day)
    return InboxItem(
        id=row.id,
        case_title=row.case_ref.get("title", ""),
        decision_kind=DECISION_KINDS.get(row.decision_kind, row.decision_kind),
        summary=row.drafted_decision.get("summary", ""),
        requested_by=row.requested_by.get("name", ""),
        requested_at=row.requested_at,
        step_no=row.current_step,
        step_label=row.steps[row.current_step]["label"],
        on_behalf_of=names.get(for_whom or "") if for_whom != principal.user_id else None,
        time_left=_time_left(row, day, counter),
        waiting_days=waited,
        waiting_approximate=approximate,
        provisional=row.statutory_provisional,
    )


def _counter(row: ApprovalRow, fallback: WorkingDayCounter) -> WorkingDayCounter:
    """The working days of the approval's statutory clock, counted with the calendar its events carried;
    ``fallback`` (the deadlines calendar API) only for an approval without one (no clock, or stored before
    events carried it)."""
    return ClockCalendar.from_json(row.statutory_calendar, fallback)


def _time_left(row: ApprovalRow, day: date, fallback: WorkingDayCounter) -> TimeLeft | None:
    """Working days left to the statutory due date as of ``day`` (today), or None without one."""
    if row.statutory_due_date is None:
        return None
    return time_left(row.statutory_due_date, day, _counter(row, fallback))


@dataclass(frozen=True)
class ApprovalView:
    """One approval as its mobile page and the JSON API show it."""

    item: InboxItem
    status: str
    status_name: str
    case: dict[str, Any]
    drafted_decision: dict[str, Any]
    materials: list[dict[str, Any]]
    case_history: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    events: list[dict[str, Any]]
    statutory_basis: str | None
    statutory_provisional: bool
    can_decide: bool
    decisions: list[dict[str, Any]] = field(default_factory=list)


def _basis(session: Session, row: ApprovalRow) -> str | None:
    """How the case's clock is counted, by the decision's kind, as its jurisdiction counts (第三十九条)."""
    local = queries.local_rules_of(session, str(row.case_ref.get("jurisdiction") or ""))
    return statutory_bases(local).get(row.decision_kind)


def view(
    runtime: ServiceRuntime,
    approval_id: str,
    principal: Principal,
    *,
    counter: WorkingDayCounter,
    now: datetime | None = None,
) -> ApprovalView:
    day = beijing_today(now)
    with runtime.db.transaction() as session:
        row, approval = _visible(session, approval_id, principal, day)
        for_whom = approval.acting_for(principal.user_id, day, _delegations_to(session, principal.user_id))
        assignees = [p for s in row.steps for p in s["assignees"]]
        names = _names(session, [*assignees, *([for_whom] if for_whom else [])])
        events = session.scalars(
            select(ApprovalEventRow)
            .where(ApprovalEventRow.approval_id == row.id)
            .order_by(ApprovalEventRow.at, ApprovalEventRow.id)
        ).all()
        return ApprovalView(
            item=_item(row, for_whom, principal, names, day, counter),
            status=row.status,
            status_name=STATUS_NAMES[Status(row.status)],
            case={**row.case_ref, "url": _safe_url(row.case_ref.get("url"))},
            drafted_decision=dict(row.drafted_decision),
            materials=[{**m, "url": _safe_url(m.get("url"))} for m in row.materials if isinstance(m, dict)],
            case_history=list(row.case_history),
            steps=_step_views(row, approval, names),
            events=[{"at": e.at, "action": e.action, "actor": e.actor_name, "text": e.text} for e in events],
            statutory_basis=row.statutory_basis or _basis(session, row),
            statutory_provisional=row.statutory_provisional,
            can_decide=for_whom is not None,
            decisions=[
                {
                    "step_no": d.step_no,
                    "outcome": d.outcome.value,
                    "outcome_name": OUTCOME_NAMES[d.outcome],
                    "comment": d.comment,
                    "decided_by": d.decided_by.name,
                    "on_behalf_of": names.get(d.on_behalf_of or "", d.on_behalf_of),
                    "decided_at": d.decided_at,
                }
                for d in approval.decisions
            ],
        )


@dataclass(frozen=True)
class PastItem:
    """One approval on the 已办 (what I decided) or 我发起的 (what I asked for) list."""

    id: str
    case_title: str
    decision_kind: str
    summary: str
    status_name: str
    at: datetime
    my_outcome: str | None = None  # 已办: what I decided
    my_comment: str = ""


PAST_LIMIT = 100


def decided_by(runtime: ServiceRuntime, principal: Principal) -> list[PastItem]:
    """已办: the approvals ``principal`` decided (or signed for a leader), newest first."""
    with runtime.db.transaction() as session:
        rows = session.execute(
            select(ApprovalDecisionRow, ApprovalRow)
            .join(ApprovalRow, ApprovalRow.id == ApprovalDecisionRow.approval_id)
            .where(
                ApprovalDecisionRow.decided_by_id == principal.user_id,
                ApprovalRow.jurisdiction == principal.jurisdiction,
            )
            .order_by(ApprovalDecisionRow.decided_at.desc())
            .limit(PAST_LIMIT)
        ).all()
        return [
            _past(row, decision.decided_at, OUTCOME_NAMES[Outcome(decision.outcome)], decision.comment)
            for decision, row in rows
        ]


def requested_by_me(runtime: ServiceRuntime, principal: Principal) -> list[PastItem]:
    """我发起的: the approvals ``principal`` sent to the leaders, newest first, with where each stands."""
    with runtime.db.transaction() as session:
        rows = session.scalars(
            select(ApprovalRow)
            .where(ApprovalRow.jurisdiction == principal.jurisdiction)
            .order_by(ApprovalRow.requested_at.desc())
            .limit(PAST_LIMIT * 5)
        ).all()
        mine = [r for r in rows if (r.requested_by or {}).get("user_id") == principal.user_id]
        return [_past(row, row.requested_at) for row in mine[:PAST_LIMIT]]


def _past(row: ApprovalRow, at: datetime, outcome: str | None = None, comment: str = "") -> PastItem:
    status = STATUS_NAMES[Status(row.status)]
    if row.status == Status.PENDING.value:
        status = f"待{row.steps[row.current_step]['label']}审批"
    return PastItem(
        id=row.id,
        case_title=row.case_ref.get("title", ""),
        decision_kind=DECISION_KINDS.get(row.decision_kind, row.decision_kind),
        summary=row.drafted_decision.get("summary", ""),
        status_name=status,
        at=at,
        my_outcome=outcome,
        my_comment=comment,
    )


#: how a person no longer in the directory is named on a page or in a notice (never by their id)
UNKNOWN_PERSON = "（名录中已无此人）"

#: 常用意见 everyone starts with; a leader's own recent comments follow them
COMMON_PHRASES = ("同意", "同意，按程序办理", "请补充论证材料后再报", "请进一步征求相关部门意见")


def saved_phrases(runtime: ServiceRuntime, principal: Principal) -> list[tuple[int, str]]:
    """The phrases this person saved, oldest first (id, text)."""
    with runtime.db.transaction() as session:
        rows = session.execute(
            select(SavedPhrase.id, SavedPhrase.text)
            .where(SavedPhrase.user_id == principal.user_id)
            .order_by(SavedPhrase.id)
        ).all()
    return [(row.id, row.text) for row in rows]


def save_phrase(runtime: ServiceRuntime, principal: Principal, text: str) -> None:
    """Add a saved phrase (once: saving it again changes nothing)."""
    phrase = " ".join(text.split())
    if not phrase:
        raise ValidationFailed.for_field("phrase", "请填写常用意见", code="phrase_required")
    if len(phrase) > 200:
        raise ValidationFailed.for_field("phrase", "常用意见不能超过 200 字", code="phrase_too_long")
    with runtime.db.transaction() as session:
        exists = session.scalar(
            select(SavedPhrase.id).where(SavedPhrase.user_id == principal.user_id, SavedPhrase.text == phrase)
        )
        if exists is None:
            session.add(SavedPhrase(user_id=principal.user_id, text=phrase))


def remove_phrase(runtime: ServiceRuntime, principal: Principal, phrase_id: int) -> None:
    """Remove one of this person's saved phrases (another person's is not theirs to remove)."""
    with runtime.db.transaction() as session:
        row = session.get(SavedPhrase, phrase_id)
        if row is None or row.user_id != principal.user_id:
            raise NotFound("未找到该常用意见", code="phrase_not_found")
        session.delete(row)


def common_phrases(runtime: ServiceRuntime, principal: Principal, limit: int = 8) -> list[str]:
    """常用意见: this person's saved phrases, the standard ones, then the comments they wrote most recently,
    each once."""
    saved = [text for _id, text in saved_phrases(runtime, principal)]
    with runtime.db.transaction() as session:
        recent = session.scalars(
            select(ApprovalDecisionRow.comment)
            .where(ApprovalDecisionRow.decided_by_id == principal.user_id, ApprovalDecisionRow.comment != "")
            .order_by(ApprovalDecisionRow.decided_at.desc())
            .limit(30)
        ).all()
    phrases = list(dict.fromkeys([*saved, *COMMON_PHRASES, *(c.strip() for c in recent if c.strip())]))
    return phrases[: len(saved) + len(COMMON_PHRASES) + limit]


def _safe_url(url: Any) -> str | None:
    """Links from other services' messages are shown only when they are web addresses (no ``javascript:``)."""
    text = str(url or "")
    return text if text.startswith(("https://", "http://", "/")) and not text.startswith("//") else None


def _step_views(row: ApprovalRow, approval: Approval, names: Mapping[str, str]) -> list[dict[str, Any]]:
    decided = {d.step_no: d for d in approval.decisions}
    views = []
    for index, step in enumerate(row.steps):
        decision = decided.get(index)
        if decision:
            state = OUTCOME_NAMES[decision.outcome]
        elif approval.is_open and index == approval.current_step:
            state = "审批中"
        else:
            state = "未到达" if approval.is_open else "—"
        people = "、".join(names.get(p, UNKNOWN_PERSON) for p in step["assignees"]) or "（无人）"
        views.append({"label": step["label"], "people": people, "state": state, "current": state == "审批中"})
    return views


# --------------------------------------------------------------------------- delegation and chains


def _office_person(session: Session, person_id: str, jurisdiction: str, field_name: str) -> Person:
    person = session.get(Person, person_id)
    if person is None or not person.active or person.jurisdiction_code != jurisdiction:
        raise ValidationFailed.for_field(field_name, "本辖区没有这个人员")
    if not set(person.roles) & {str(r) for r in OFFICE_ROLES}:
        raise ValidationFailed.for_field(field_name, "只能委托给编办人员")
    return person


def add_delegation(
    runtime: ServiceRuntime,
    principal: Principal,
    *,
    delegate_id: str,
    starts_on: date,
    ends_on: date,
    reason: str = "",
    delegator_id: str | None = None,
    counter: WorkingDayCounter,
) -> dict[str, Any]:
    """A deputy signs for ``delegator`` (the caller, or anyone when an office admin asks) for a date range;
    when it starts today, the deputy is told at once of the tasks already waiting for the delegator."""
    delegator_id = delegator_id or principal.user_id
    if delegator_id != principal.user_id and Role.OFFICE_ADMIN not in principal.roles:
        raise Forbidden("只能设置本人的委托代批", code="not_your_delegation")
    check_delegation_period(starts_on, ends_on, delegator_id, delegate_id)
    with runtime.unit_of_work() as uow:
        delegator = _office_person(uow.session, delegator_id, principal.jurisdiction, "delegator_id")
        delegate = _office_person(uow.session, delegate_id, principal.jurisdiction, "delegate_id")
        row = DelegationRow(
            id=str(uuid.uuid4()),
            jurisdiction=principal.jurisdiction,
            delegator_id=delegator.id,
            delegate_id=delegate.id,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip(),
            created_by=principal.user_id,
            created_at=utcnow(),
        )
        uow.session.add(row)
        if starts_on <= beijing_today() <= ends_on:
            _tell_deputy(uow, row, delegator, delegate, runtime.settings, counter)
        names = {delegator.id: delegator.name, delegate.id: delegate.name}
        _audit_delegation(uow, DELEGATE, principal, row, names, "设置委托代批")
        uow.commit()
        return _delegation_view(row, names)


def _audit_delegation(
    uow: UnitOfWork,
    action: str,
    principal: Principal,
    row: DelegationRow,
    names: Mapping[str, str],
    verb: str,
) -> None:
    view = _delegation_view(row, names)
    period = f"{chinese_date(row.starts_on, weekday=False)}至{chinese_date(row.ends_on, weekday=False)}"
    reason = f"；事由：{row.reason}" if row.reason else ""
    uow.audit(
        action,
        actor=principal,
        jurisdiction=row.jurisdiction,
        object_type="delegation",
        object_id=row.id,
        summary=f"{verb}：{view['delegate_name']}代{view['delegator_name']}审批，{period}{reason}",
        details={k: view[k] for k in ("delegator_id", "delegate_id", "starts_on", "ends_on", "reason")},
    )


def _tell_deputy(
    uow: UnitOfWork,
    delegation: DelegationRow,
    delegator: Person,
    delegate: Person,
    settings: Settings,
    counter: WorkingDayCounter,
) -> None:
    pending = uow.session.scalars(
        select(ApprovalRow).where(
            ApprovalRow.jurisdiction == delegation.jurisdiction, ApprovalRow.status == Status.PENDING.value
        )
    ).all()
    today = beijing_today()
    for row in pending:
        if delegator.id not in row.steps[row.current_step]["assignees"]:
            continue
        left = _time_left(row, today, counter)
        suffix = f":deputy:{delegation.id}"
        notices.ask_approvers(uow, row, [delegate.id], settings, left, dedupe_suffix=suffix)
        _event(uow.session, row, "notified", f"通知代批人{delegate.name}（代{delegator.name}）审批")


def _delegation_view(row: DelegationRow, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "delegator_id": row.delegator_id,
        "delegator_name": names.get(row.delegator_id) or "有关人员",
        "delegate_id": row.delegate_id,
        "delegate_name": names.get(row.delegate_id) or "有关人员",
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "reason": row.reason,
        "revoked": row.revoked_at is not None,
    }


def list_delegations(runtime: ServiceRuntime, principal: Principal) -> list[dict[str, Any]]:
    """The delegations the caller gave or received (an office admin sees the jurisdiction's)."""
    with runtime.db.transaction() as session:
        query = select(DelegationRow).where(DelegationRow.jurisdiction == principal.jurisdiction)
        if Role.OFFICE_ADMIN not in principal.roles:
            query = query.where(
                (DelegationRow.delegator_id == principal.user_id)
                | (DelegationRow.delegate_id == principal.user_id)
            )
        rows = session.scalars(query.order_by(DelegationRow.starts_on)).all()
        names = _names(session, [p for r in rows for p in (r.delegator_id, r.delegate_id)])
        return [_delegation_view(r, names) for r in rows]


def revoke_delegation(runtime: ServiceRuntime, principal: Principal, delegation_id: str) -> None:
    with runtime.unit_of_work() as uow:
        row = uow.session.get(DelegationRow, delegation_id)
        if row is None or row.jurisdiction != principal.jurisdiction:
            raise NotFound("未找到该委托", code="not_found")
        if row.delegator_id != principal.user_id and Role.OFFICE_ADMIN not in principal.roles:
            raise NotFound("未找到该委托", code="not_found")
        if row.revoked_at is None:  # revoked already: nothing happens, nothing is recorded
            row.revoked_at = utcnow()
            names = _names(uow.session, [row.delegator_id, row.delegate_id])
            _audit_delegation(uow, UNDELEGATE, principal, row, names, "撤销委托代批")
        uow.commit()


def get_chain(runtime: ServiceRuntime, principal: Principal, decision_kind: str) -> dict[str, Any]:
    _check_kind(decision_kind)
    with runtime.db.transaction() as session:
        configured = _configured_chains(session, principal.jurisdiction)
    specs = chains.chain_for(decision_kind, configured)
    source = "configured" if decision_kind in configured or chains.ANY_KIND in configured else "default"
    return {"decision_kind": decision_kind, "source": source, "steps": [s.to_dict() for s in specs]}


def set_chain(
    runtime: ServiceRuntime,
    principal: Principal,
    decision_kind: str,
    steps: Sequence[Mapping[str, Any]],
    *,
    counter: WorkingDayCounter,
) -> dict[str, Any]:
    """An office admin sets the jurisdiction's chain for one decision kind (``*``: every kind); approvals
    held as unroutable are routed again with it."""
    principal.require(Role.OFFICE_ADMIN)
    _check_kind(decision_kind)
    specs = [chains.StepSpec.from_dict(s) for s in steps]
    chains.validate_chain(specs)
    with runtime.unit_of_work() as uow:
        row = uow.session.get(ChainRow, (principal.jurisdiction, decision_kind)) or ChainRow(
            jurisdiction=principal.jurisdiction, decision_kind=decision_kind
        )
        row.steps, row.updated_by, row.updated_at = [s.to_dict() for s in specs], principal.user_id, utcnow()
        uow.session.add(row)
        uow.session.flush()
        rerouted = _reroute(uow, principal, runtime.settings, counter)
        kind = "全部审批事项" if decision_kind == chains.ANY_KIND else DECISION_KINDS[decision_kind]
        uow.audit(
            CHAIN_SET,
            actor=principal,
            object_type="approval_chain",
            object_id=decision_kind,
            summary=f"调整审批链（{kind}）：{' → '.join(s.label for s in specs)}；重新分派 {rerouted} 件",
            details={"decision_kind": decision_kind, "steps": row.steps, "rerouted": rerouted},
        )
        uow.commit()
    return get_chain(runtime, principal, decision_kind)


def _reroute(uow: UnitOfWork, principal: Principal, settings: Settings, counter: WorkingDayCounter) -> int:
    """Route again the approvals held as unroutable that the jurisdiction's chains now route; how many."""
    held = uow.session.scalars(
        select(ApprovalRow).where(
            ApprovalRow.jurisdiction == principal.jurisdiction, ApprovalRow.status == Status.UNROUTABLE.value
        )
    ).all()
    configured = _configured_chains(uow.session, principal.jurisdiction)
    people = _candidates(uow.session, principal.jurisdiction)
    rerouted = 0
    for row in held:
        specs = chains.chain_for(row.decision_kind, configured)
        steps = chains.resolve(specs, people, row.requested_by["user_id"])
        if not steps or not all(s.assignees for s in steps):
            continue
        rerouted += 1
        row.steps = [{"label": s.label, "role": s.role, "assignees": list(s.assignees)} for s in steps]
        row.status, row.current_step, row.step_started_at = Status.PENDING.value, 0, utcnow()
        actor = Actor(principal.user_id, principal.name)
        _event(uow.session, row, "rerouted", f"审批链已调整：{' → '.join(s.label for s in steps)}", actor)
        _ask_current(uow, row, settings, counter)
    return rerouted


def hand_over(
    uow: UnitOfWork, person_id: str, *, settings: Settings, counter: WorkingDayCounter
) -> list[str]:
    """A person who left: each pending approval waiting for them goes to the others of its step, or to
    whoever now holds the step's role; it is held (the admins told) when nobody does. The office admins are
    told of every approval handed over. Returns the approvals' ids."""
    session = uow.session
    pending = session.scalars(select(ApprovalRow).where(ApprovalRow.status == Status.PENDING.value)).all()
    handed = []
    for row in pending:
        step = row.steps[row.current_step]
        if person_id not in step["assignees"]:
            continue
        others = [a for a in step["assignees"] if a != person_id] or _step_holders(session, row, person_id)
        steps = list(row.steps)
        steps[row.current_step] = {**step, "assignees": others}
        row.steps, row.step_started_at = steps, utcnow()
        left_name = _names(session, [person_id]).get(person_id) or "有关人员"
        handed.append(row.id)
        if not others:
            row.status = Status.UNROUTABLE.value
            text = f"{left_name}已离开，{step['label']}无人可审批，请管理员调整审批链"
            _event(session, row, "unroutable", text)
            _audit(uow, HAND_OVER, None, row, text, left=person_id, assignees=[])
            notices.tell_unroutable(uow, row, [step["label"]])
            continue
        names = _names(session, others)
        new_names = "、".join(names.get(p, UNKNOWN_PERSON) for p in others)
        text = f"{left_name}已离开，{step['label']}改由{new_names}审批"
        _event(session, row, "handed_over", text)
        _audit(uow, HAND_OVER, None, row, text, left=person_id, assignees=others)
        notices.tell_handed_over(uow, row, left_name, new_names)
        _ask_current(uow, row, settings, counter)
    return handed


def _step_holders(session: Session, row: ApprovalRow, person_id: str) -> list[str]:
    specs = chains.chain_for(row.decision_kind, _configured_chains(session, row.jurisdiction))
    steps = chains.resolve(specs, _candidates(session, row.jurisdiction), row.requested_by["user_id"])
    if row.current_step >= len(steps):
        return []
    return [a for a in steps[row.current_step].assignees if a != person_id]


def _check_kind(decision_kind: str) -> None:
    if decision_kind != chains.ANY_KIND and decision_kind not in DECISION_KINDS:
        raise NotFound("没有这种审批事项类型", code="unknown_decision_kind")
