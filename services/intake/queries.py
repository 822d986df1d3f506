"""Reading cases: who may see which (jurisdiction and role), the list with filters, one case in full."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from services.intake import mapping
from services.intake.domain.actors import ORG_REVIEWER, Actor
from services.intake.domain.cases import (
    ACTION_LABELS,
    NEXT_ACTOR_NAMES,
    STATUS_NAMES,
    TERMINAL,
    Case,
    Status,
    allowed_actions,
    next_actor,
)
from services.intake.domain.coordination import DELIVERY_NAMES, REPLY_CLOCK_RUNNING, REPLY_OPEN, Delivery
from services.intake.messages.cases import RULE_NAMES, rule_names
from services.intake.tables import (
    Attachment,
    CaseClock,
    CaseEvent,
    CaseMeeting,
    CaseParty,
    CaseRecord,
    Department,
    LocalRulesReplica,
    Solicitation,
    opened,
)
from services.intake.usecases.attachments import attachment_payload
from shared.errors import NotFound
from shared.local_rules import LocalRules


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """The cases an actor may see: the office sees its jurisdiction's; a department sees its own cases
    (as applicant or party); anyone else sees none. Another jurisdiction's case is never visible."""
    in_jurisdiction = CaseRecord.jurisdiction_code == actor.jurisdiction
    if actor.is_office:
        return in_jurisdiction
    if (actor.is_department_user or ORG_REVIEWER in actor.roles) and actor.department:
        involved = exists().where(
            CaseParty.case_id == CaseRecord.id, CaseParty.department_code == actor.department
        )
        return and_(in_jurisdiction, or_(CaseRecord.applicant_department == actor.department, involved))
    return false()


def load_visible(session: Session, actor: Actor, case_id: str) -> CaseRecord:
    """The case, or 404 when it does not exist or the actor may not know it exists."""
    record = session.scalar(select(CaseRecord).where(CaseRecord.id == case_id, visible_to(actor)))
    if record is None:
        raise NotFound("未找到该事项", code="case_not_found")
    return record


def parties_of(session: Session, case_id: str) -> list[CaseParty]:
    """The case's parties, by department code."""
    return _rows(session, CaseParty, case_id, CaseParty.department_code)


def pending_solicitations(session: Session, case_id: str) -> list[Solicitation]:
    """The solicitations whose reply period still runs (第20条)."""
    query = select(Solicitation).where(
        Solicitation.case_id == case_id, Solicitation.status.in_(REPLY_CLOCK_RUNNING)
    )
    return list(session.scalars(query).all())


def next_actor_of(session: Session, record: CaseRecord, case: Case) -> str | None:
    return next_actor(case, solicitations_open=bool(pending_solicitations(session, record.id)))


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    kind: str | None = None
    department: str | None = None
    overdue: bool | None = None
    due_before: date | None = None
    page: int = 1
    page_size: int = 20


def summary(record: CaseRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "kind": record.kind,
        "source": record.source,
        "title": record.title,
        "status": record.status,
        "status_name": STATUS_NAMES[Status(record.status)],
        "jurisdiction": record.jurisdiction_code,
        "applicant_department": record.applicant_department,
        "next_actor": record.next_actor,
        "next_actor_name": NEXT_ACTOR_NAMES.get(record.next_actor or ""),
        "due_date": record.due_date,
        "overdue": record.overdue,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def list_cases(session: Session, actor: Actor, wanted: CaseFilter) -> dict[str, Any]:
    conditions = [visible_to(actor)]
    if wanted.status:
        conditions.append(CaseRecord.status == wanted.status)
    if wanted.kind:
        conditions.append(CaseRecord.kind == wanted.kind)
    if wanted.department:
        party = exists().where(
            CaseParty.case_id == CaseRecord.id, CaseParty.department_code == wanted.department
        )
        conditions.append(or_(CaseRecord.applicant_department == wanted.department, party))
    if wanted.overdue is not None:
        conditions.append(CaseRecord.overdue.is_(wanted.overdue))
    if wanted.due_before:
        conditions.append(CaseRecord.due_date < wanted.due_before)
    total = session.scalar(select(func.count()).select_from(CaseRecord).where(*conditions)) or 0
    rows = session.scalars(
        select(CaseRecord)
        .where(*conditions)
        .order_by(CaseRecord.created_at.desc(), CaseRecord.id)
        .offset((wanted.page - 1) * wanted.page_size)
        .limit(wanted.page_size)
    ).all()
    return {
        "items": [summary(r) for r in rows],
        "total": total,
        "page": wanted.page,
        "page_size": wanted.page_size,
    }


def clock_payload(clock: CaseClock, names: dict[str, str] = RULE_NAMES) -> dict[str, Any]:
    return {
        "clock_id": clock.clock_id,
        "rule": clock.rule,
        "rule_name": names.get(clock.rule, clock.rule),
        "state": clock.state,
        "due_date": clock.due_date,
        "provisional": clock.provisional,
        "remaining_working_days": clock.remaining_working_days,
        "overdue": clock.overdue,
        "responsible": clock.responsible,
        "calendar": clock.calendar,  # counted with, then dropped, by usecases.cases.as_of_today
    }


def _rows(session: Session, model: Any, case_id: str, order: Any) -> list[Any]:
    kept = opened.rows_of(session, model, case_id)  # a case opened in this transaction: as written
    if kept is not None:
        return sorted(kept, key=lambda row: getattr(row, order.key))
    return list(session.scalars(select(model).where(model.case_id == case_id).order_by(order)).all())


def local_rules_of(session: Session, jurisdiction: str) -> LocalRules:
    """The jurisdiction's local rules as last replicated from deadlines (none: the city's, 第三十九条)."""
    row = session.get(LocalRulesReplica, jurisdiction)
    return LocalRules.from_json(jurisdiction, row.rules if row else None)


def detail(session: Session, record: CaseRecord, actor: Actor) -> dict[str, Any]:
    """Everything a person entitled to the case sees: content, progress, every deadline, what comes next."""
    parties = parties_of(session, record.id)
    case = mapping.case_of(session, record, [p.department_code for p in parties])
    solicitations = _rows(session, Solicitation, record.id, Solicitation.sent_at)
    actions = allowed_actions(case, actor)
    names = rule_names(local_rules_of(session, record.jurisdiction_code))  # 第三十九条
    return {
        **summary(record),
        "content": record.content,
        "progress": progress(record),
        "parties": [{"department": p.department_code, "role": p.role} for p in parties],
        "clocks": [clock_payload(c, names) for c in _rows(session, CaseClock, record.id, CaseClock.clock_id)],
        "solicitations": [_solicitation(s) for s in solicitations],
        "meetings": [_meeting(m) for m in _rows(session, CaseMeeting, record.id, CaseMeeting.starts_at)],
        "attachments": [
            attachment_payload(a) for a in _rows(session, Attachment, record.id, Attachment.created_at)
        ],
        "allowed_actions": [{"action": a, "label": ACTION_LABELS[a]} for a in actions],
        "warnings": warnings(session, record, solicitations),
    }


def progress(record: CaseRecord) -> dict[str, Any]:
    """What was decided on the case, with the rule state beside it as the API has always shown it."""
    rule_state = {
        "resume_to": record.resume_to,
        "extended": record.extended or None,
        "major": record.major or None,
        "pending_decision": record.pending_decision,
        "round": record.solicitation_round or None,
        "approval_count": record.approval_count or None,
    }
    return {**(record.progress or {}), **{k: v for k, v in rule_state.items() if v is not None}}


def _solicitation(s: Solicitation) -> dict[str, Any]:
    return {
        "id": s.id,
        "round": s.round,
        "department": s.department_code,
        "question": s.question,
        "reply_working_days": s.reply_working_days,
        "reply_period_reason": s.reply_period_reason,
        "clock_id": s.clock_id,
        "status": s.status,
        "opinion": s.opinion,
        "delay_reason": s.delay_reason,
        "sent_at": s.sent_at,
        "replied_at": s.replied_at,
        "replied_by": s.replied_by,
        "delivery": s.delivery,
        "delivery_name": DELIVERY_NAMES.get(Delivery(s.delivery), s.delivery),
        "delivered_at": s.delivered_at,
        "delivery_note": s.delivery_note,
        "served_on": s.served_on,
        "service_method": s.service_method,
    }


def warnings(session: Session, record: CaseRecord, solicitations: Sequence[Solicitation]) -> list[str]:
    """What the office must see at once on the case: written solicitations 送达未确认 (第二十条: until service
    is recorded, the reply period does not run and silence does not count), and what the submission's checks
    flagged. ``solicitations``: all of the case's."""
    unconfirmed = sorted(
        (s for s in solicitations if s.delivery == Delivery.UNCONFIRMED and s.status in REPLY_OPEN),
        key=lambda s: (s.round, s.sent_at),
    )
    delivery = [
        f"送达未确认：第{s.round}轮书面征求意见（{_department_name(session, s.department_code)}），"
        "请书面送达并登记送达日期；登记前答复期限不计算，不视为没有不同意见（第二十条）"
        for s in unconfirmed
    ]
    return delivery + flag_warnings(record)


def flag_warnings(record: CaseRecord) -> list[str]:
    """What a submission's checks flagged for the review while the case is open: a duty plan's matters
    without a lead or host (第七条), a deliberation body's tasks without a 三定 provision (第二十九条)."""
    if Status(record.status) in TERMINAL:
        return []
    return [f"请核对：{f['message']}（{f['article']}）" for f in (record.content or {}).get("flags") or []]


def _department_name(session: Session, code: str) -> str:
    department = session.get(Department, code)
    return department.name if department is not None else "有关部门"  # never the code


def _meeting(m: CaseMeeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "round": m.round,
        "starts_at": m.starts_at,
        "location": m.location,
        "attendees": m.attendees,
        "agenda": m.agenda,
        "minutes": m.minutes,
        "minutes_attachment_id": m.minutes_attachment_id,
        "notified_at": m.notified_at,
    }


def history(session: Session, case_id: str) -> list[dict[str, Any]]:
    events = _rows(session, CaseEvent, case_id, CaseEvent.id)
    return [
        {
            "at": e.at,
            "actor_id": e.actor_id,
            "actor_name": e.actor_name,
            "action": e.action,
            "action_name": ACTION_LABELS.get(e.action, e.action),
            "from_status": e.from_status,
            "to_status": e.to_status,
            "reason": e.reason,
            "data": e.data,
        }
        for e in events
    ]
