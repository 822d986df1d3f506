"""What casework does with other services' messages: deadlines' clock events, the approval inbox's decisions.

Each function runs inside the bus's unit of work (inbox-deduplicated), so a redelivery changes nothing twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from services.intake.domain.actors import SYSTEM_ROLE, Actor, system_actor
from services.intake.domain.cases import PROCEDURES, TERMINAL, Kind, Status, action_of
from services.intake.domain.commands import (
    ApprovalApproved,
    ApprovalDecided,
    ApprovalRejected,
    ApprovalReturned,
    CaseCommand,
    DeadlineOverdue,
    Decider,
)
from services.intake.domain.coordination import DeemNoObjection, Delivery, RecordDelivery, may_be_deemed
from services.intake.messages.cases import RULE_NAMES, Outgoing, department_party
from services.intake.tables import CaseClock, CaseRecord, Solicitation
from services.intake.usecases import cases as service
from services.intake.usecases.coordination import notice_solicitation
from shared.contracts import Party
from shared.messaging import UnitOfWork

log = logging.getLogger(__name__)


def _clock(uow: UnitOfWork, payload: dict[str, Any]) -> tuple[CaseClock, CaseRecord] | None:
    clock = uow.session.get(CaseClock, payload.get("clock_id"))
    if clock is None:
        log.info("clock %s is not one of intake's cases; ignored", payload.get("clock_id"))
        return None
    return clock, uow.session.get_one(CaseRecord, clock.case_id)


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


FINAL_STATES = frozenset({"stopped", "expired"})


def clock_scheduled(uow: UnitOfWork, base_url: str, payload: dict[str, Any]) -> None:
    """Show the due date the deadlines service computed (null while paused); tell a department its new
    deadline, and everyone concerned when a calendar change moved one."""
    found = _clock(uow, payload)
    if found is None:
        return
    clock, record = found
    before, first = clock.due_date, clock.last_event == "start_requested"
    if clock.state not in FINAL_STATES:  # events may arrive out of order; a stopped clock never restarts
        clock.state = payload.get("state") or clock.state
    clock.due_date = _date(payload.get("due_date"))
    if clock.due_date != before:
        clock.overdue = False  # a new due date (extension, recomputation): deadlines says again if overdue
    due_at = payload.get("due_at")
    clock.due_at = datetime.fromisoformat(due_at) if due_at else None
    clock.provisional = bool(payload.get("provisional"))
    clock.remaining_working_days = payload.get("remaining_working_days")
    clock.calendar = payload.get("calendar")  # what the days left are counted with, as of any day
    clock.last_event = str(payload.get("reason") or "scheduled")
    if _notice_solicitation_with_its_date(uow, base_url, record, clock):
        service.refresh_deadline(uow.session, record)
        return
    template = _deadline_template(clock, payload.get("reason"), first, before)
    responsible = [
        Party(kind=p["kind"], id=p["id"], jurisdiction=p["jurisdiction"]) for p in clock.responsible
    ]
    if template == "deadline_recomputed":
        # the deadlines service told those responsible (due_date_changed); the applicant hears it from us,
        # once, when it is not among them
        applicant = department_party(record.applicant_department or "", record.jurisdiction_code)
        responsible = [applicant] if record.applicant_department and applicant not in responsible else []
    if template and clock.due_date and responsible:
        Outgoing(uow, record, base_url).notify(
            template,
            responsible,
            dedupe=f"{clock.clock_id}:{clock.due_date.isoformat()}",
            rule_name=RULE_NAMES.get(clock.rule, clock.rule),
            due_date=clock.due_date.isoformat(),
            provisional=clock.provisional,
            remaining_working_days=clock.remaining_working_days,
            old_due_date=before.isoformat() if before else None,
        )
    service.refresh_deadline(uow.session, record)


def _notice_solicitation_with_its_date(
    uow: UnitOfWork, base_url: str, record: CaseRecord, clock: CaseClock
) -> bool:
    """第20条: a written solicitation's notice goes out once its reply clock has a due date, with that date
    in it — one notice per department, not a solicitation and then a 办理期限 notice."""
    if clock.rule != "written_reply" or clock.due_date is None or clock.state in FINAL_STATES:
        return False
    solicitation = uow.session.scalar(select(Solicitation).where(Solicitation.clock_id == clock.clock_id))
    if solicitation is None or solicitation.noticed_at is not None:
        return False
    notice_solicitation(Outgoing(uow, record, base_url), solicitation, clock)
    return True


def _deadline_template(clock: CaseClock, reason: Any, first: bool, before: date | None) -> str | None:
    """A department's deadline is in the notice of its step (the solicitation, the rectification order):
    it hears again when the deadline resumes after a suspension, and anyone responsible learns when a
    calendar change moved a due date."""
    if clock.due_date is None or clock.due_date == before or clock.state in FINAL_STATES or first:
        return None
    if reason == "calendar_changed" and before is not None:
        return "deadline_recomputed"
    departments = any(p.get("kind") == "department" for p in clock.responsible)
    if departments and reason == "resumed":
        return "deadline_scheduled"
    return None


def clock_noted(uow: UnitOfWork, event: str, payload: dict[str, Any]) -> None:
    """Due soon / due: remembered on the clock (reminders themselves are the deadlines service's job)."""
    found = _clock(uow, payload)
    if found is not None:
        found[0].last_event = event


def clock_overdue(uow: UnitOfWork, base_url: str, payload: dict[str, Any]) -> None:
    found = _clock(uow, payload)
    if found is None:
        return
    clock, record = found
    first_time = not clock.overdue
    clock.overdue, clock.last_event = True, "overdue"
    if first_time and Status(record.status) not in TERMINAL:
        overdue = DeadlineOverdue(
            rule=payload.get("rule"),
            due_date=payload.get("due_date"),
            overdue_working_days=payload.get("overdue_working_days"),
        )
        service.apply_system(uow, base_url, record, system_actor(record.jurisdiction_code), overdue)
    else:
        service.refresh_deadline(uow.session, record)


def clock_expired(uow: UnitOfWork, base_url: str, payload: dict[str, Any]) -> None:
    """第20条: a reply period ran out: silence is 视为没有不同意见 unless a reason was filed — and only for a
    solicitation proven to have reached the department, of a case still being coordinated. One whose
    delivery was never confirmed is 送达未确认 instead: the office is told, and it waits for service."""
    found = _clock(uow, payload)
    if found is None:
        return
    clock, record = found
    clock.last_event = "expired"
    if clock.rule != "written_reply":
        return
    if clock.state != "stopped":
        clock.state = "expired"
    solicitation = uow.session.scalar(select(Solicitation).where(Solicitation.clock_id == clock.clock_id))
    if solicitation is None:
        return
    command: CaseCommand
    if may_be_deemed(Delivery(solicitation.delivery)):
        command = DeemNoObjection(solicitation_id=solicitation.id, due_date=payload.get("due_date"))
    else:
        reason = "答复期限届满时，浙政钉仍未确认送达"
        command = RecordDelivery(solicitation_id=solicitation.id, outcome="unconfirmed", reason=reason)
    _apply_if_allowed(uow, base_url, record, command)


def _apply_if_allowed(uow: UnitOfWork, base_url: str, record: CaseRecord, command: CaseCommand) -> None:
    """A step another service's message causes, if the case still takes it (a case that moved on never
    does: its solicitations are closed, nothing is deemed for it)."""
    transition = PROCEDURES[Kind(record.kind)].by_action.get(action_of(type(command)))
    if transition is None or not transition.applies_in(Status(record.status)):
        name = type(command).__name__
        log.info("%s on case %s (%s) ignored: the case moved on", name, record.id, record.status)
        return
    service.apply_system(uow, base_url, record, system_actor(record.jurisdiction_code), command)


def notice_outcome(uow: UnitOfWork, base_url: str, payload: dict[str, Any]) -> None:
    """``notify.outcome`` of a notice intake asked to hear about: a written solicitation's (第20条)."""
    solicitation_id = _solicitation_of_notice(str(payload.get("dedupe_key") or ""))
    solicitation = uow.session.get(Solicitation, solicitation_id) if solicitation_id else None
    if solicitation is None:
        log.info("delivery report %s is about no solicitation; ignored", payload.get("dedupe_key"))
        return
    record = uow.session.get_one(CaseRecord, solicitation.case_id)
    reached = payload.get("reached") or []
    first = next((r.get("delivered_at") for r in reached if r.get("delivered_at")), None)
    reasons = sorted({str(r.get("reason")) for r in payload.get("not_reached") or [] if r.get("reason")})
    command = RecordDelivery(
        solicitation_id=solicitation.id,
        outcome=str(payload.get("outcome") or ""),
        delivered_at=datetime.fromisoformat(first) if first else None,
        reached=[str(r.get("name") or r.get("recipient")) for r in reached],
        reason="；".join(reasons) or None,
    )
    _apply_if_allowed(uow, base_url, record, command)


def _solicitation_of_notice(dedupe_key: str) -> str | None:
    """The solicitation a notice was about: ``intake:<case>:solicitation_request:<solicitation id>``."""
    head, _, solicitation_id = dedupe_key.rpartition(":")
    return solicitation_id if head.startswith("intake:") and head.endswith(":solicitation_request") else None


OUTCOMES: dict[str, type[ApprovalDecided]] = {
    "approved": ApprovalApproved,
    "returned": ApprovalReturned,
    "rejected": ApprovalRejected,
}


def approval_decided(uow: UnitOfWork, base_url: str, payload: dict[str, Any]) -> None:
    """The approval inbox decided: approved → issue next; returned → back to drafting; rejected → rework.
    The history names the leader who decided (or the deputy who signed for them) as the one who acted."""
    record = uow.session.scalar(
        select(CaseRecord).where(CaseRecord.approval_request_id == payload["request_id"])
    )
    if record is None or record.status != Status.AWAITING_APPROVAL:
        log.info("approval %s answers no case waiting for it; ignored", payload["request_id"])
        return
    decided_by = payload.get("decided_by") or {}
    leader = Decider(str(decided_by.get("user_id") or "approval"), str(decided_by.get("name") or "审批"))
    command = OUTCOMES[payload["outcome"]](
        request_id=payload["request_id"],
        decided_by=leader,
        approval_id=payload.get("approval_id"),
        on_behalf_of=payload.get("on_behalf_of"),
        comment=payload.get("comment"),
    )
    actor = Actor(leader.user_id, leader.name, record.jurisdiction_code, None, frozenset({SYSTEM_ROLE}))
    service.apply_system(uow, base_url, record, actor, command, _decider(payload, record.jurisdiction_code))


def _decider(payload: dict[str, Any], jurisdiction: str) -> Actor | None:
    """Who decided, in the roles they decided in (the message's ``decider``: 等保 2.0 安全审计), for the
    audit trail; ``None`` for a message sent before ``decider`` was added (the system role is recorded)."""
    decider = payload.get("decider")
    if not isinstance(decider, dict) or not decider.get("user_id"):
        return None
    roles = decider.get("roles")
    return Actor(
        str(decider["user_id"]),
        str(decider.get("name") or decider["user_id"]),
        jurisdiction,
        None,
        frozenset(str(r) for r in roles) if isinstance(roles, list) else frozenset(),
    )
