"""The steps on an existing case, one effect per action of the state machine (第15–25条, 第26条, 第37条).

Each effect checks the rules, moves the case (state and role checked by the domain) and records the
messages the step causes, inside the caller's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from services.intake import queries
from services.intake.domain import rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import (
    Kind,
    Status,
)
from services.intake.domain.rules import SolicitationStatus
from services.intake.messages.cases import Outgoing, department_party
from services.intake.tables import (
    Attachment,
    CaseClock,
    CaseMeeting,
    CaseParty,
    CaseRecord,
    Department,
    Solicitation,
)
from services.intake.usecases import attachments
from services.intake.usecases.case_step import (
    Body,
    Step,
    check_departments,
    clock_id,
    commit,
    concurrent_change,
    jsonable,
    new_id,
    outgoing,
    pending_solicitations,
    save,
    start_coordination_clock,
)
from shared.contracts import party
from shared.db import utcnow
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

# --- steps on an existing case ---

Effect = Callable[[Step, Body], None]
EFFECTS: dict[str, Effect] = {}


def effect(action: str) -> Callable[[Effect], Effect]:
    def register(fn: Effect) -> Effect:
        EFFECTS[action] = fn
        return fn

    return register


def perform(runtime: ServiceRuntime, actor: Actor, case_id: str, action: str, body: Body) -> dict[str, Any]:
    """Take one step on a case the actor may see; all of it or none of it."""
    with runtime.unit_of_work() as uow:
        record = queries.load_visible(uow.session, actor, case_id)
        step = Step(
            uow, record, queries.to_domain(uow.session, record), actor, outgoing(runtime, uow, record)
        )
        try:
            EFFECTS[action](step, body)
            save(step)
        except StaleDataError as exc:  # flushed while another request changed the same case
            raise concurrent_change() from exc
        commit(uow)
        return queries.detail(uow.session, record, actor)


def apply_system(
    uow: UnitOfWork, base_url: str, record: CaseRecord, actor: Actor, action: str, body: Body
) -> None:
    """A step caused by another service's message (approval decided, clock expired), in the handler's uow."""
    step = Step(uow, record, queries.to_domain(uow.session, record), actor, Outgoing(uow, record, base_url))
    EFFECTS[action](step, body)
    save(step)


def _stop(step: Step, rule: str, outcome: str = "done", subject: str | None = None) -> None:
    clock = step.clock(rule, subject)
    if clock is not None and clock.state not in ("stopped",):
        step.out.stop_clock(clock.clock_id, outcome)
        clock.state = "stopped"


@effect("withdraw")
def _withdraw(step: Step, body: Body) -> None:
    step.move("withdraw", reason=body.get("reason"))
    rule = "filing_opinion" if step.case.kind is Kind.FILING else "acceptance_decision"
    _stop(step, rule, "withdrawn")
    step.out.notify("case_withdrawn", step.office(), dedupe=step.dedupe(), reason=body.get("reason"))


@effect("request_supplement")
def _request_supplement(step: Step, body: Body) -> None:
    step.move("request_supplement", reason=body["reason"], items=body.get("items", []))
    step.remember(supplement_request={"reason": body["reason"], "items": body.get("items", [])})
    step.out.notify(
        "supplement_requested",
        step.applicant(),
        dedupe=step.dedupe(),
        reason=body["reason"],
        reasons=body["reason"],  # the name devolution's use of the same template gives it
        items=body.get("items"),
    )


@effect("supplement")
def _supplement(step: Step, body: Body) -> None:
    ids = list(body.get("attachment_ids", []))
    step.move("supplement", reason=body.get("note"), attachment_ids=ids)
    attachments.claim(step.session, step.actor, step.record.id, ids)
    step.out.notify("case_supplemented", step.office(), dedupe=step.dedupe(), note=body.get("note"))


def _filing_opinion(step: Step, action: str, outcome: str, body: Body) -> None:
    step.move(action, reason=body.get("opinion"))
    _stop(step, "filing_opinion")
    step.remember(filing_opinion={"outcome": outcome, "opinion": body.get("opinion"), "by": step.actor.name})
    step.out.notify(
        "filing_opinion_returned",
        step.departments(),
        dedupe=step.dedupe(),
        outcome=outcome,
        opinion="；".join(part for part in (outcome, body.get("opinion")) if part),
    )


@effect("file")
def _file(step: Step, body: Body) -> None:
    _filing_opinion(step, "file", "同意备案", body)


@effect("return_filing")
def _return_filing(step: Step, body: Body) -> None:
    if not (body.get("opinion") or "").strip():
        raise ValidationFailed.for_field("opinion", "不予备案的，应说明理由")
    _filing_opinion(step, "return_filing", "不予备案，退回", body)


@effect("request_document")
def _request_document(step: Step, body: Body) -> None:
    step.case.pending_decision = "filing_opinion"
    _filing_opinion(step, "request_document", "需要发文明确，已按程序报批", body)
    _send_to_approval(step, "filing_opinion", body)


@effect("accept")
def _accept(step: Step, body: Body) -> None:
    step.move("accept", reason=body.get("note"))
    _stop(step, "acceptance_decision")
    step.remember(acceptance={"accepted_by": step.actor.name, "note": body.get("note")})
    start_coordination_clock(step)
    # 第17条: the decision is told to the applying (host) department; the other parties hear from the office
    # when it solicits them or calls a meeting (the accepted-notice's wording addresses the applicant)
    step.out.notify("application_accepted", step.applicant(), dedupe=step.dedupe(), note=body.get("note"))


@effect("reject")
def _reject(step: Step, body: Body) -> None:
    ground, mechanism = rules.check_rejection(
        body.get("ground", ""), body.get("reasons", ""), body.get("mechanism")
    )
    ground_name = rules.REJECTION_GROUND_NAMES[ground]
    mechanism_name = rules.MECHANISM_NAMES[mechanism] if mechanism else None
    step.move("reject", reason=body["reasons"], ground=str(ground), mechanism=mechanism)
    _stop(step, "acceptance_decision")
    step.remember(
        rejection={
            "ground": ground,
            "ground_name": ground_name,
            "reasons": body["reasons"],
            "mechanism": mechanism,
            "mechanism_name": mechanism_name,
        }
    )
    step.out.notify(
        "application_rejected",
        step.applicant(),
        dedupe=step.dedupe(),
        ground=ground_name,
        reason=body["reasons"],
        mechanism=mechanism_name,
    )


@effect("solicit")
def _solicit(step: Step, body: Body) -> None:
    """第20条: a written solicitation to each chosen department, each with its own reply clock."""
    days = int(body["reply_working_days"])
    rules.check_reply_period(days)
    departments = list(dict.fromkeys(body["departments"]))
    check_departments(step.session, step.record.jurisdiction_code, {"departments": departments})
    round_no = int((step.record.state or {}).get("round", 0)) + 1
    step.move(
        "solicit", reason=body["question"], departments=departments, round=round_no, reply_working_days=days
    )
    step.remember(round=round_no)
    existing = {(p.department_code, p.role) for p in queries.parties_of(step.session, step.record.id)}
    for code in departments:
        sid = new_id("s")
        cid = clock_id(step.record.id, "written_reply", sid)
        step.session.add(
            Solicitation(
                id=sid,
                case_id=step.record.id,
                round=round_no,
                department_code=code,
                question=body["question"],
                reply_working_days=days,
                clock_id=cid,
                status=SolicitationStatus.PENDING,
            )
        )
        if (code, "solicited") not in existing:
            step.session.add(CaseParty(case_id=step.record.id, department_code=code, role="solicited"))
        who = [department_party(code, step.record.jurisdiction_code)]
        step.out.start_clock(cid, "written_reply", who, working_days=days)
        step.out.notify(
            "solicitation_request",
            who,
            dedupe=sid,
            question=body["question"],
            reply_working_days=days,
            round=round_no,
        )


@effect("reply")
def _reply(step: Step, body: Body) -> None:
    solicitation = step.session.get(Solicitation, body["solicitation_id"])
    if solicitation is None or solicitation.case_id != step.record.id:
        raise ValidationFailed.for_field("solicitation_id", "没有这次征求意见")
    if solicitation.department_code != step.actor.department:
        raise NotFound("未找到这次征求意见", code="solicitation_not_found")
    if solicitation.status not in rules.REPLY_OPEN:
        raise Conflict(
            "这次征求意见已经答复或已视为没有不同意见",
            code="already_replied",
            extra={"solicitation_status": solicitation.status},
        )
    kind = rules.check_reply(
        body["kind"], body.get("opinion"), body.get("reason"), SolicitationStatus(solicitation.status)
    )
    step.move(
        "reply", reason=body.get("opinion") or body.get("reason"), solicitation_id=solicitation.id, kind=kind
    )
    if kind is rules.ReplyKind.NEED_TIME:
        solicitation.status, solicitation.delay_reason = (
            SolicitationStatus.DELAYED_WITH_REASON,
            body["reason"],
        )
    else:
        solicitation.status = (
            SolicitationStatus.AGREED if kind is rules.ReplyKind.AGREE else SolicitationStatus.DISAGREED
        )
        solicitation.opinion = body.get("opinion")
        solicitation.replied_at, solicitation.replied_by = utcnow(), step.actor.user_id
        _stop_clock_id(step, solicitation.clock_id)
    step.out.notify(
        "reply_received",
        step.office(),
        dedupe=step.dedupe(),
        department=step.department_name(solicitation.department_code),
        reply=kind,
    )


def _stop_clock_id(step: Step, cid: str, outcome: str = "done") -> None:
    clock = step.session.get(CaseClock, cid)
    if clock is not None and clock.state != "stopped":
        clock.state = "stopped"
    step.out.stop_clock(cid, outcome)


@effect("deem_no_objection")
def _deem_no_objection(step: Step, body: Body) -> None:
    """第20条: at expiry, silence without a stated reason is 视为没有不同意见; a filed reason is kept."""
    solicitation = step.session.get(Solicitation, body["solicitation_id"])
    if solicitation is None:
        return
    after = rules.status_at_expiry(SolicitationStatus(solicitation.status))
    if after is None:
        return
    solicitation.status = after
    clock = step.session.get(CaseClock, solicitation.clock_id)
    if clock is not None:
        clock.state = "expired"
    if after is SolicitationStatus.DEEMED_NO_OBJECTION:
        step.move(
            "deem_no_objection", department=solicitation.department_code, solicitation_id=solicitation.id
        )
        step.out.notify(
            "reply_deemed_no_objection",
            [department_party(solicitation.department_code, step.record.jurisdiction_code), *step.office()],
            dedupe=solicitation.id,
            department=step.department_name(solicitation.department_code),
            due_date=body.get("due_date"),
        )


@effect("schedule_meeting")
def _schedule_meeting(step: Step, body: Body) -> None:
    starts_at: datetime = body["starts_at"]
    if starts_at <= utcnow():
        raise ValidationFailed.for_field("starts_at", "协调会议应提前通知，开会时间应晚于现在（第二十条）")
    attendees = list(dict.fromkeys(body["attendees"]))
    check_departments(step.session, step.record.jurisdiction_code, {"attendees": attendees})
    meeting = CaseMeeting(
        id=new_id("m"),
        case_id=step.record.id,
        round=int((step.record.state or {}).get("round", 0)) or 1,
        starts_at=starts_at,
        location=body["location"],
        attendees=attendees,
        agenda=body["agenda"],
    )
    step.session.add(meeting)
    existing = {(p.department_code, p.role) for p in queries.parties_of(step.session, step.record.id)}
    for code in attendees:
        if (code, "attendee") not in existing:
            step.session.add(CaseParty(case_id=step.record.id, department_code=code, role="attendee"))
    step.move("schedule_meeting", reason=body["agenda"], meeting_id=meeting.id, starts_at=starts_at)
    step.out.notify(
        "meeting_notice",
        [department_party(c, step.record.jurisdiction_code) for c in attendees],
        dedupe=meeting.id,
        starts_at=_beijing_time(starts_at),
        location=body["location"],
        place=body["location"],  # the name notify's meeting_notice template gives it
        agenda=body["agenda"],
    )


def _beijing_time(at: datetime) -> str:
    """How a notice gives a meeting's time: Beijing time, as people read it (2026年12月1日 10:00)."""
    local = at.astimezone(ZoneInfo("Asia/Shanghai"))
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


@effect("record_meeting")
def _record_meeting(step: Step, body: Body) -> None:
    meeting = step.session.get(CaseMeeting, body["meeting_id"])
    if meeting is None or meeting.case_id != step.record.id:
        raise ValidationFailed.for_field("meeting_id", "没有这次协调会议")
    if body.get("minutes_attachment_id"):
        attachments.claim(
            step.session, step.actor, step.record.id, [body["minutes_attachment_id"]], "minutes_attachment_id"
        )
    meeting.minutes, meeting.minutes_attachment_id = body["minutes"], body.get("minutes_attachment_id")
    step.move("record_meeting", reason=body["minutes"], meeting_id=meeting.id)


@effect("report_interim_measures")
def _report_interim_measures(step: Step, body: Body) -> None:
    """第22条第2款: in an emergency the applicant acts and tells the office and the parties."""
    step.move("report_interim_measures", reason=body["measures"], told=body["told"])
    reports = [
        *(step.record.state or {}).get("interim_measures", []),
        {"measures": body["measures"], "told": body["told"], "at": utcnow(), "by": step.actor.name},
    ]
    step.remember(interim_measures=reports)
    step.out.notify(
        "interim_measures_reported",
        [*step.office(), *step.departments(include_applicant=False)],
        dedupe=step.dedupe(),
        urgent=True,
        measures=body["measures"],
    )


@effect("reach_agreement")
def _reach_agreement(step: Step, body: Body) -> None:
    step.move("reach_agreement", reason=body["summary"])
    step.remember(agreement={"summary": body["summary"], "recorded_by": step.actor.name})


#: what the approver reads when the draft has no summary of its own
DECISION_SUMMARIES = {
    "filing_opinion": "协商纪要备案：需要发文明确，按程序报批（第十五条）",
    "coordination_opinion": "书面协调意见（第二十一条）",
    "determination": "职责分工认定建议意见（第二十一条）",
}


def _send_to_approval(step: Step, decision_kind: str, body: Body) -> None:
    count = int((step.record.state or {}).get("approval_count", 0)) + 1
    request_id = f"{step.record.id}:{decision_kind}:{count}"
    step.remember(approval_count=count)
    step.record.approval_request_id = request_id
    drafted = jsonable(
        {
            "summary": body.get("summary") or DECISION_SUMMARIES.get(decision_kind) or step.record.title,
            "text": body.get("text") or body.get("opinion") or body.get("document_draft"),
            "changes_sanding": body.get("changes_sanding"),
            "special_explanation": body.get("special_explanation"),
        }
    )
    rule = "filing_opinion" if step.case.kind is Kind.FILING else "coordination_opinion"
    step.out.request_approval(
        request_id,
        decision_kind,
        drafted,
        {"user_id": step.actor.user_id, "name": step.actor.name},
        _materials(step),
        step.clock(rule),
        case_history=[
            {"at": str(h["at"].date()), "actor": h["actor_name"], "text": h["action_name"]}
            for h in queries.history(step.session, step.record.id)
        ],
    )


def _materials(step: Step) -> list[dict[str, str]]:
    rows = step.session.scalars(select(Attachment).where(Attachment.case_id == step.record.id)).all()
    base = step.out.base_url.rstrip("/")
    return [
        {"name": row.filename, "url": f"{base}/m/attachments/{row.id}"} for row in rows
    ]  # opens on a phone


def _submit_draft(step: Step, action: str, decision_kind: str, body: Body) -> None:
    rules.check_opinion(
        body.get("text", ""), bool(body.get("changes_sanding")), body.get("special_explanation")
    )
    step.case.pending_decision = decision_kind
    step.move(action, reason=body.get("summary"), changes_sanding=bool(body.get("changes_sanding")))
    step.remember(
        **{
            decision_kind: {
                k: body.get(k) for k in ("summary", "text", "changes_sanding", "special_explanation")
            }
        }
    )
    _send_to_approval(step, decision_kind, body)


@effect("submit_opinion")
def _submit_opinion(step: Step, body: Body) -> None:
    """第21条, 第23条: the written coordination opinion goes to approval (with 三定 explanation if needed)."""
    _submit_draft(step, "submit_opinion", "coordination_opinion", body)


@effect("determine")
def _determine(step: Step, body: Body) -> None:
    step.case.major = bool(body.get("major"))
    step.move("determine", reason=body["reasons"], major=step.case.major)
    step.remember(determination_reasons=body["reasons"])


@effect("record_hearing")
def _record_hearing(step: Step, body: Body) -> None:
    step.move(
        "record_hearing", reason=body["summary"], held_on=body["held_on"], experts=body.get("experts", [])
    )
    step.remember(
        hearing={"held_on": body["held_on"], "experts": body.get("experts", []), "summary": body["summary"]}
    )


@effect("submit_determination")
def _submit_determination(step: Step, body: Body) -> None:
    _submit_draft(step, "submit_determination", "determination", body)


@effect("complete_org_review")
def _complete_org_review(step: Step, body: Body) -> None:
    step.move("complete_org_review", reason=body["opinion"])
    step.remember(org_review={"opinion": body["opinion"], "by": step.actor.name})


@effect("record_committee_decision")
def _record_committee_decision(step: Step, body: Body) -> None:
    step.move("record_committee_decision", reason=body["decision"], decided_on=body["decided_on"])
    step.remember(committee_decision={"decided_on": body["decided_on"], "decision": body["decision"]})


@effect("issue")
def _issue(step: Step, body: Body) -> None:
    """第24条: once issued, the parties carry the opinion out."""
    step.move("issue", reason=body.get("note"), document_number=body["document_number"])
    step.remember(issued={"document_number": body["document_number"], "issued_on": body["issued_on"]})
    step.out.notify(
        "decision_issued", step.departments(), dedupe=step.dedupe(), document_number=body["document_number"]
    )


@effect("extend")
def _extend(step: Step, body: Body) -> None:
    """第22条: once, by 30 working days, the reason told to the applicant."""
    rules.check_extension(step.case.extended, body.get("reason", ""))
    step.move("extend", reason=body["reason"])
    step.case.extended = True
    step.out.extend_clock(clock_id(step.record.id, "coordination_opinion"), body["reason"])
    recipients = step.applicant() or step.departments()
    step.out.notify(
        "extension_notice", recipients, dedupe="extension", reason=body["reason"], working_days=30
    )


def _running_clocks(step: Step) -> list[str]:
    ids = [clock_id(step.record.id, "coordination_opinion")]
    return ids + [s.clock_id for s in pending_solicitations(step.session, step.record.id)]


@effect("suspend")
def _suspend(step: Step, body: Body) -> None:
    """第25条: suspension stops the clocks; the reason goes to the applicant."""
    ground = rules.check_suspension(body["ground"], body.get("reason", ""))
    step.case.resume_to = step.case.status
    step.move("suspend", reason=body["reason"], ground=ground)
    for cid in _running_clocks(step):
        step.out.pause_clock(cid, body["reason"])
    step.remember(
        suspension={
            "ground": ground,
            "ground_name": rules.SUSPENSION_GROUND_NAMES[ground],
            "reason": body["reason"],
        }
    )
    step.out.notify(
        "case_suspended",
        step.departments(),
        dedupe=step.dedupe(),
        ground=rules.SUSPENSION_GROUND_NAMES[ground],
        reason=body["reason"],
    )


@effect("resume")
def _resume(step: Step, body: Body) -> None:
    step.move("resume", reason=body.get("reason"))
    step.case.resume_to = None
    for cid in _running_clocks(step):
        step.out.resume_clock(cid)
    step.out.notify("case_resumed", step.departments(), dedupe=step.dedupe(), reason=body.get("reason"))


@effect("terminate")
def _terminate(step: Step, body: Body) -> None:
    """第25条第2款: the dispute is resolved; coordination ends and every clock stops."""
    if not (body.get("reason") or "").strip():
        raise ValidationFailed.for_field("reason", "终止协调应说明理由")
    step.move("terminate", reason=body["reason"])
    for solicitation in pending_solicitations(step.session, step.record.id):
        solicitation.status = SolicitationStatus.CANCELLED
        _stop_clock_id(step, solicitation.clock_id, "terminated")
    _stop(step, "coordination_opinion", "terminated")
    step.out.notify("case_terminated", step.departments(), dedupe=step.dedupe(), reason=body["reason"])


@effect("study")
def _study(step: Step, body: Body) -> None:
    step.move("study", reason=body.get("note"))


@effect("refer_to_coordination")
def _refer_to_coordination(step: Step, body: Body) -> None:
    """The reflection needs coordination: it is tied to the coordination case that carries it (第16条)."""
    linked = queries.load_visible(step.session, step.actor, body["coordination_case_id"])
    if linked.kind != Kind.COORDINATION:
        raise ValidationFailed.for_field("coordination_case_id", "应为一件职责分工协调事项")
    step.move("refer_to_coordination", reason=body.get("note"), coordination_case_id=linked.id)
    step.remember(coordination_case_id=linked.id)


@effect("tell_result")
def _tell_result(step: Step, body: Body) -> None:
    step.move("tell_result", reason=body["result"], told_on=body["told_on"], method=body["method"])
    step.remember(result={"result": body["result"], "told_on": body["told_on"], "method": body["method"]})


@effect("report_correction")
def _report_correction(step: Step, body: Body) -> None:
    ids = list(body.get("attachment_ids", []))
    step.move("report_correction", reason=body["report"], attachment_ids=ids)
    attachments.claim(step.session, step.actor, step.record.id, ids)
    step.out.notify("correction_reported", step.office(), dedupe=step.dedupe(), report=body["report"])


@effect("confirm_correction")
def _confirm_correction(step: Step, body: Body) -> None:
    step.move("confirm_correction", reason=body.get("note"))
    _stop(step, "rectification")
    step.out.notify("rectification_closed", step.applicant(), dedupe="closed", note=body.get("note"))


@effect("reject_correction")
def _reject_correction(step: Step, body: Body) -> None:
    step.move("reject_correction", reason=body["reason"])
    step.out.notify("correction_rejected", step.applicant(), dedupe=step.dedupe(), reason=body["reason"])


@effect("refer_to_supervision")
def _refer_to_supervision(step: Step, body: Body) -> None:
    """第37条第2款: not corrected as required → the provincial and city supervision rules apply."""
    step.move("refer_to_supervision", reason=body["reason"])
    _stop(step, "rectification", "terminated")
    step.out.notify("referred_to_supervision", step.applicant(), dedupe="referred", reason=body["reason"])


# --- what the approval inbox and the deadlines service tell us ---


@effect("approval_approved")
def _approval_approved(step: Step, body: Body) -> None:
    step.move("approval_approved", reason=body.get("comment"), request_id=body["request_id"])
    decision = step.case.pending_decision
    step.case.pending_decision = None
    if step.case.kind is Kind.COORDINATION:
        _stop(step, "coordination_opinion")
    if step.case.status is Status.ORG_REVIEW:
        org = step.session.scalar(
            select(Department.code).where(
                Department.jurisdiction_code == step.record.jurisdiction_code,
                Department.function == "organisation",
            )
        )
        if org:
            step.session.add(CaseParty(case_id=step.record.id, department_code=org, role="reviewer"))
        step.out.notify(
            "org_review_requested",
            [party("role", "org_reviewer", step.record.jurisdiction_code)],
            dedupe=body["request_id"],
        )
    step.remember(
        last_approval={
            "request_id": body["request_id"],
            "outcome": "approved",
            "decision": decision,
            "by": body.get("decided_by"),
            "on_behalf_of": body.get("on_behalf_of"),
            "approval_id": body.get("approval_id"),
            "comment": body.get("comment"),
        }
    )


def _approval_not_approved(step: Step, body: Body, outcome: str) -> None:
    step.move(f"approval_{outcome}", reason=body.get("comment"), request_id=body["request_id"])
    step.case.pending_decision = None
    step.remember(
        last_approval={
            "request_id": body["request_id"],
            "outcome": outcome,
            "by": body.get("decided_by"),
            "on_behalf_of": body.get("on_behalf_of"),
            "approval_id": body.get("approval_id"),
            "comment": body.get("comment"),
        }
    )
    step.out.notify(
        "approval_returned",
        step.office(),
        dedupe=body["request_id"],
        outcome=outcome,
        comment=body.get("comment"),
    )


@effect("approval_returned")
def _approval_returned(step: Step, body: Body) -> None:
    _approval_not_approved(step, body, "returned")


@effect("approval_rejected")
def _approval_rejected(step: Step, body: Body) -> None:
    _approval_not_approved(step, body, "rejected")


@effect("deadline_overdue")
def _deadline_overdue(step: Step, body: Body) -> None:
    step.move(
        "deadline_overdue",
        rule=body.get("rule"),
        due_date=body.get("due_date"),
        overdue_working_days=body.get("overdue_working_days"),
    )
