"""职责分工协调 (第16–26条): the application (or the office's own opening), acceptance, written solicitation
and meetings, agreement or determination, approval, suspension and termination — one handler per action."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake import queries
from services.intake.domain import coordination as rules
from services.intake.domain.actors import Actor
from services.intake.domain.cases import Kind, Source, Status
from services.intake.domain.coordination import (
    Accept,
    ApplyForCoordination,
    CompleteOrgReview,
    DeemNoObjection,
    Delivery,
    DesignateDepartment,
    Determine,
    Extend,
    Interpret,
    OpenCoordination,
    ReachAgreement,
    RecordCommitteeDecision,
    RecordDelivery,
    RecordHearing,
    RecordMeeting,
    RecordService,
    Reject,
    Reply,
    ReportInterimMeasures,
    Resume,
    ScheduleMeeting,
    Solicit,
    SolicitationStatus,
    SubmitDetermination,
    SubmitOpinion,
    Suspend,
    Terminate,
)
from services.intake.domain.procedure import SOURCE_NAMES
from services.intake.messages.cases import Outgoing, department_party
from services.intake.tables import CaseClock, CaseMeeting, CaseParty, Solicitation
from services.intake.usecases import attachments, jurisdiction
from services.intake.usecases.case_actions import DraftedDecision, case_action, send_to_approval
from services.intake.usecases.case_opening import NewCase, open_new_case
from services.intake.usecases.case_step import Step, check_departments, check_host, clock_id, new_id
from shared.db import utcnow
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.idempotency import IdempotencyClaim
from shared.localtime import local_date, start_of_day, today
from shared.measures import RULES
from shared.runtime import ServiceRuntime
from shared.web.formatting import chinese_datetime

# --- how a coordination begins (第16条, 第26条) ---


def apply_for_coordination(
    runtime: ServiceRuntime,
    actor: Actor,
    command: ApplyForCoordination,
    claim: IdempotencyClaim | None = None,
) -> str:
    """After failed consultation the host's party group applies; the office decides within 5 working days."""
    host, others = command.host_department, command.other_parties

    def check(session: Session) -> None:
        check_host(session, actor, host, command.lead_departments, {"other_parties": others})
        # a city department's documents are no basis here (第38条)
        jurisdiction.check_bases(session, actor.jurisdiction, command.basis_issuers())
        rules.check_application(command.application())

    minutes = command.collective_decision.minutes_attachment_id
    new = NewCase(
        kind=Kind.COORDINATION,
        source=Source.APPLICATION,
        title=command.title,
        applicant=host,
        content=command,
        parties={host: "host", **{d: "other" for d in others}},
        attachment_ids=command.attachment_ids,
        action="submit",
        status=Status.SUBMITTED,
        named_attachments={"collective_decision.minutes_attachment_id": [minutes] if minutes else []},
        check=check,
    )

    def effects(step: Step) -> None:
        cid = clock_id(step.record.id, "acceptance_decision")
        step.out.start_clock(cid, "acceptance_decision", step.office(), urgent=command.urgent)
        step.out.notify(
            "case_submitted",
            step.office(),
            dedupe="submitted",
            urgent=command.urgent,
            applicant=step.department_name(host),
        )
        step.out.notify(
            "submission_received", step.applicant(), dedupe="received", kind_name="职责分工协调申请"
        )

    return open_new_case(runtime, actor, new, claim, effects)


def open_coordination(
    runtime: ServiceRuntime, actor: Actor, command: OpenCoordination, claim: IdempotencyClaim | None = None
) -> str:
    """第26条: a coordination assigned by the committee or begun by the office starts as accepted."""
    rules.check_opening(command, today())
    new = NewCase(
        kind=Kind.COORDINATION,
        source=Source(command.source),
        title=command.title,
        applicant=None,
        content=command,
        parties={d: "other" for d in command.parties},
        attachment_ids=command.attachment_ids,
        action="open",
        status=Status.COORDINATING,
        check=lambda session: check_departments(session, actor.jurisdiction, {"parties": command.parties}),
    )

    def effects(step: Step) -> None:
        _start_opinion_clock(step, urgent=False)
        step.out.notify(
            "application_accepted",
            step.departments(),
            dedupe="opened",
            source=SOURCE_NAMES.get(command.source, "编办依职权办理"),
            opinion_working_days=RULES["coordination_opinion"].length,
        )

    return open_new_case(runtime, actor, new, claim, effects)


def _start_opinion_clock(step: Step, *, urgent: bool) -> None:
    """第22条: 30 working days from acceptance to the coordination opinion."""
    cid = clock_id(step.record.id, "coordination_opinion")
    step.out.start_clock(cid, "coordination_opinion", step.office(), urgent=urgent)


# --- 第17条: acceptance ---


@case_action(Accept, route="accept", summary="受理（第十七条）")
def accept(step: Step, command: Accept) -> None:
    step.move(reason=command.note)
    step.stop_clock("acceptance_decision")
    step.record_progress(acceptance={"accepted_by": step.actor.name, "note": command.note})
    _start_opinion_clock(step, urgent=bool(step.record.content.get("urgent")))
    # 第17条: the decision is told to the applying (host) department; the other parties hear from the office
    # when it solicits them or calls a meeting (the accepted-notice's wording addresses the applicant)
    step.out.notify(
        "application_accepted",
        step.applicant(),
        dedupe=step.dedupe(),
        note=command.note,
        accepted_on=today().isoformat(),
        opinion_working_days=RULES["coordination_opinion"].length,
    )


@case_action(Reject, route="reject", summary="不予受理，说明情形和理由（第十七条）")
def reject(step: Step, command: Reject) -> None:
    ground, mechanism = rules.check_rejection(command.ground, command.reasons, command.mechanism)
    ground_name = rules.REJECTION_GROUND_NAMES[ground]
    mechanism_name = rules.MECHANISM_NAMES[mechanism] if mechanism else None
    step.move(reason=command.reasons, ground=ground, mechanism=mechanism)
    step.stop_clock("acceptance_decision")
    step.record_progress(
        rejection={
            "ground": ground,
            "ground_name": ground_name,
            "reasons": command.reasons,
            "mechanism": mechanism,
            "mechanism_name": mechanism_name,
        }
    )
    step.out.notify(
        "application_rejected",
        step.applicant(),
        dedupe=step.dedupe(),
        ground=ground_name,
        reason=command.reasons,
        mechanism=mechanism_name,
    )


# --- 第19–20条: written solicitation and meetings ---


@case_action(Solicit, route="solicitations", summary="书面征求意见，答复期限5至10个工作日（第二十条）")
def solicit(step: Step, command: Solicit) -> None:
    """第20条: a written solicitation to each chosen department, each with its own reply clock."""
    reply = queries.local_rules_of(step.session, step.record.jurisdiction_code).written_reply()  # 第三十九条
    days = rules.check_reply_period(command.reply_working_days, command.reply_period_reason, reply)
    period_reason = command.reply_period_reason if not rules.usual_reply_period(days, reply) else None
    departments = list(dict.fromkeys(command.departments))
    check_departments(step.session, step.record.jurisdiction_code, {"departments": departments})
    step.case.solicitation_round += 1
    round_no = step.case.solicitation_round
    step.move(
        reason=command.question,
        departments=departments,
        round=round_no,
        reply_working_days=days,
        reply_period_reason=period_reason,
    )
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
                question=command.question,
                reply_working_days=days,
                reply_period_reason=period_reason,
                clock_id=cid,
                status=SolicitationStatus.PENDING,
            )
        )
        if (code, "solicited") not in existing:
            step.session.add(CaseParty(case_id=step.record.id, department_code=code, role="solicited"))
        who = [department_party(code, step.record.jurisdiction_code)]
        # The notice goes out once the deadlines service has the due date (clock.scheduled), so the
        # department gets one notice with its date (see :func:`notice_solicitation`).
        step.out.start_clock(cid, "written_reply", who, working_days=days, working_days_reason=period_reason)


def notice_solicitation(out: Outgoing, solicitation: Solicitation, clock: CaseClock) -> None:
    """第20条: the solicitation's one notice, with its question, its round and its due date, and notify asked
    to say whether it reached the department (``notify.outcome``: only then may silence count)."""
    out.notify(
        "solicitation_request",
        [department_party(solicitation.department_code, out.record.jurisdiction_code)],
        dedupe=solicitation.id,
        report_delivery=True,
        question=solicitation.question,
        reply_working_days=solicitation.reply_working_days,
        round=solicitation.round,
        due_date=clock.due_date.isoformat() if clock.due_date else None,
        remaining_working_days=clock.remaining_working_days,
        provisional=clock.provisional or None,
    )
    solicitation.noticed_at = utcnow()


def _solicitation_of(step: Step, solicitation_id: str) -> Solicitation | None:
    found = step.session.get(Solicitation, solicitation_id)
    return found if found is not None and found.case_id == step.record.id else None


@case_action(RecordDelivery)
def record_delivery(step: Step, command: RecordDelivery) -> None:
    """第20条: notify said whether the notice reached the department. Not proven → the reply period stops
    and the office is told at once; proven only later → the period counts from the day it arrived."""
    solicitation = _solicitation_of(step, command.solicitation_id)
    if solicitation is None or solicitation.status not in rules.REPLY_OPEN:
        return
    delivered_on = local_date(command.delivered_at) if command.delivered_at else None
    change = rules.delivery_reported(Delivery(solicitation.delivery), command.outcome, delivered_on)
    if change is None:
        return
    solicitation.delivery = change.delivery
    department = step.department_name(solicitation.department_code)
    if change.delivery is Delivery.DELIVERED:
        solicitation.delivered_at = command.delivered_at
        solicitation.delivery_note = (
            "浙政钉已送达：" + "、".join(command.reached) if command.reached else None
        )
    else:
        solicitation.delivery_note = command.reason
    step.move(
        reason=solicitation.delivery_note,
        solicitation_id=solicitation.id,
        department=solicitation.department_code,
        delivery=change.delivery,
    )
    clock = step.session.get(CaseClock, solicitation.clock_id)
    if change.pause_clock and clock is not None and clock.state not in ("stopped", "expired"):
        step.out.pause_clock(solicitation.clock_id, "书面征求意见送达未确认，待登记送达")
    if change.restart_on is not None:
        _restart_reply_clock(step, solicitation, change.restart_on, "delivered")
    if change.tell_office:
        step.out.notify(
            "solicitation_undelivered",
            step.office(),
            dedupe=solicitation.id,
            urgent=True,
            department=department,
            round=solicitation.round,
            reason=command.reason,
        )


@case_action(
    RecordService, route="solicitation-service", summary="登记书面送达，答复期限自送达之日起计算（第二十条）"
)
def record_service(step: Step, command: RecordService) -> None:
    """第20条: the office served the solicitation by another means; the reply period counts from that day."""
    solicitation = _solicitation_of(step, command.solicitation_id)
    if solicitation is None:
        raise ValidationFailed.for_field("solicitation_id", "没有这次征求意见")
    method = rules.ServiceMethod(command.method)
    step.move(  # the office only (checked first); the rest is refused below, all of it rolled back
        reason=command.note,
        solicitation_id=solicitation.id,
        department=solicitation.department_code,
        served_on=command.served_on,
        method=method,
    )
    rules.check_service(
        Delivery(solicitation.delivery),
        SolicitationStatus(solicitation.status),
        command.served_on,
        local_date(solicitation.sent_at),
        today(),
    )
    solicitation.delivery = Delivery.SERVED
    solicitation.served_on, solicitation.service_method = command.served_on, method
    solicitation.service_recorded_by = step.actor.user_id
    solicitation.delivery_note = command.note or rules.SERVICE_METHOD_NAMES[method]
    _restart_reply_clock(step, solicitation, command.served_on, "served")


def _restart_reply_clock(step: Step, solicitation: Solicitation, on: date, why: str) -> None:
    """The reply period counts from ``on`` (the start day not counted): the old clock stops, a new one
    with the same length starts from that day."""
    _stop_reply_clock(step, solicitation.clock_id)
    cid = clock_id(step.record.id, "written_reply", f"{solicitation.id}:{why}")
    who = [department_party(solicitation.department_code, step.record.jurisdiction_code)]
    step.out.start_clock(
        cid,
        "written_reply",
        who,
        working_days=solicitation.reply_working_days,
        working_days_reason=solicitation.reply_period_reason,
        start_at=start_of_day(on),  # the day itself is not counted (民法典 第201条)
    )
    solicitation.clock_id = cid


def close_open_solicitations(step: Step, outcome: str = "done") -> None:
    """The case moved on (agreement, determination, termination): every solicitation still open ends and its
    clock stops, so nothing is ever 视为没有不同意见 for a case that has moved on (第二十条, 第二十一条)."""
    for solicitation in step.session.scalars(
        select(Solicitation).where(
            Solicitation.case_id == step.record.id, Solicitation.status.in_(rules.REPLY_OPEN)
        )
    ).all():
        solicitation.status = SolicitationStatus.CANCELLED
        _stop_reply_clock(step, solicitation.clock_id, outcome)


@case_action(Reply, route="replies", summary="被征求意见部门答复（第二十条）")
def reply(step: Step, command: Reply) -> None:
    solicitation = step.session.get(Solicitation, command.solicitation_id)
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
    current = SolicitationStatus(solicitation.status)
    kind = rules.check_reply(command.kind, command.opinion, command.reason, current)
    step.move(reason=command.opinion or command.reason, solicitation_id=solicitation.id, kind=kind)
    if kind is rules.ReplyKind.NEED_TIME:
        solicitation.status = SolicitationStatus.DELAYED_WITH_REASON
        solicitation.delay_reason = command.reason
    else:
        agreed = kind is rules.ReplyKind.AGREE
        solicitation.status = SolicitationStatus.AGREED if agreed else SolicitationStatus.DISAGREED
        solicitation.opinion = command.opinion
        solicitation.replied_at, solicitation.replied_by = utcnow(), step.actor.user_id
        _stop_reply_clock(step, solicitation.clock_id)
    step.out.notify(
        "reply_received",
        step.office(),
        dedupe=step.dedupe(),
        department=step.department_name(solicitation.department_code),
        reply=rules.REPLY_NAMES[kind],
    )


def _stop_reply_clock(step: Step, cid: str, outcome: str = "done") -> None:
    clock = step.session.get(CaseClock, cid)
    if clock is not None and clock.state == "stopped":
        return
    if clock is not None:
        clock.state = "stopped"
    step.out.stop_clock(cid, outcome)


@case_action(DeemNoObjection)
def deem_no_objection(step: Step, command: DeemNoObjection) -> None:
    """第20条: at expiry, silence without a stated reason is 视为没有不同意见; a filed reason is kept."""
    solicitation = _solicitation_of(step, command.solicitation_id)
    if solicitation is None or not rules.may_be_deemed(Delivery(solicitation.delivery)):
        return  # 第20条: silence counts only once the solicitation reached the department
    after = rules.status_at_expiry(SolicitationStatus(solicitation.status))
    if after is None:
        return
    solicitation.status = after
    clock = step.session.get(CaseClock, solicitation.clock_id)
    if clock is not None:
        clock.state = "expired"
    if after is SolicitationStatus.DEEMED_NO_OBJECTION:
        step.move(department=solicitation.department_code, solicitation_id=solicitation.id)
        step.out.notify(
            "reply_deemed_no_objection",
            [department_party(solicitation.department_code, step.record.jurisdiction_code), *step.office()],
            dedupe=solicitation.id,
            department=step.department_name(solicitation.department_code),
            due_date=command.due_date,
            round=solicitation.round,
        )


@case_action(ScheduleMeeting, route="meetings", summary="通知协调会议（第二十条）")
def schedule_meeting(step: Step, command: ScheduleMeeting) -> None:
    if command.starts_at <= utcnow():
        raise ValidationFailed.for_field("starts_at", "协调会议应提前通知，开会时间应晚于现在（第二十条）")
    attendees = list(dict.fromkeys(command.attendees))
    check_departments(step.session, step.record.jurisdiction_code, {"attendees": attendees})
    meeting = CaseMeeting(
        id=new_id("m"),
        case_id=step.record.id,
        round=step.case.solicitation_round or 1,
        starts_at=command.starts_at,
        location=command.location,
        attendees=attendees,
        agenda=command.agenda,
    )
    step.session.add(meeting)
    existing = {(p.department_code, p.role) for p in queries.parties_of(step.session, step.record.id)}
    for code in attendees:
        if (code, "attendee") not in existing:
            step.session.add(CaseParty(case_id=step.record.id, department_code=code, role="attendee"))
    step.move(reason=command.agenda, meeting_id=meeting.id, starts_at=command.starts_at)
    step.out.notify(
        "meeting_notice",
        [department_party(c, step.record.jurisdiction_code) for c in attendees],
        dedupe=meeting.id,
        starts_at=chinese_datetime(command.starts_at),
        location=command.location,
        agenda=command.agenda,
    )


@case_action(RecordMeeting, route="meeting-minutes", summary="记录会议纪要")
def record_meeting(step: Step, command: RecordMeeting) -> None:
    meeting = step.session.get(CaseMeeting, command.meeting_id)
    if meeting is None or meeting.case_id != step.record.id:
        raise ValidationFailed.for_field("meeting_id", "没有这次协调会议")
    if command.minutes_attachment_id:
        ids = [command.minutes_attachment_id]
        attachments.claim(step.session, step.actor, step.record.id, ids, "minutes_attachment_id")
    meeting.minutes, meeting.minutes_attachment_id = command.minutes, command.minutes_attachment_id
    step.move(reason=command.minutes, meeting_id=meeting.id)


@case_action(
    ReportInterimMeasures, route="interim-measures", summary="申请方报告临时处置措施（第二十二条第二款）"
)
def report_interim_measures(step: Step, command: ReportInterimMeasures) -> None:
    """第22条第2款: in an emergency the applicant acts and tells the office and the parties."""
    step.move(reason=command.measures, told=command.told)
    report = {"measures": command.measures, "told": command.told, "at": utcnow(), "by": step.actor.name}
    step.record_progress(interim_measures=[*(step.record.progress or {}).get("interim_measures", []), report])
    step.out.notify(
        "interim_measures_reported",
        [*step.office(), *step.departments(include_applicant=False)],
        dedupe=step.dedupe(),
        urgent=True,
        measures=command.measures,
    )


# --- 第21条: agreement, or a determination by the office; 第23条: the opinion goes to approval ---


@case_action(ReachAgreement, route="agreement", summary="达成一致（第二十一条）")
def reach_agreement(step: Step, command: ReachAgreement) -> None:
    """第21条: agreement means the parties agree — nobody still answering, any disagreement resolved."""
    solicitations = step.session.scalars(
        select(Solicitation)
        .where(Solicitation.case_id == step.record.id)
        .order_by(Solicitation.round, Solicitation.sent_at)
    ).all()
    answers = [
        rules.Answer(step.department_name(s.department_code), SolicitationStatus(s.status))
        for s in solicitations
    ]
    resolved = rules.check_agreement(answers, command.disagreements_resolved)
    step.move(reason=command.summary, disagreements_resolved=command.disagreements_resolved)
    close_open_solicitations(step)
    step.record_progress(
        agreement={
            "summary": command.summary,
            "disagreements_resolved": command.disagreements_resolved if resolved else None,
            "disagreeing_departments": resolved or None,
            "recorded_by": step.actor.name,
        }
    )


def _submit_draft(step: Step, decision_kind: str, command: SubmitOpinion | SubmitDetermination) -> None:
    rules.check_opinion(command.text, command.changes_sanding, command.special_explanation)
    step.move(reason=command.summary, changes_sanding=command.changes_sanding)
    draft = DraftedDecision(
        command.summary, command.text, command.changes_sanding, command.special_explanation
    )
    step.record_progress(**{decision_kind: draft})
    send_to_approval(step, decision_kind, draft)


@case_action(SubmitOpinion, route="opinion", summary="协调意见报批（第二十一条、第二十三条）")
def submit_opinion(step: Step, command: SubmitOpinion) -> None:
    """第21条, 第23条: the written coordination opinion goes to approval (with 三定 explanation if needed)."""
    _submit_draft(step, "coordination_opinion", command)


@case_action(Interpret, route="interpretation", summary="对“三定”规定作出书面解释，报批（第二十六条第三款）")
def interpret(step: Step, command: Interpret) -> None:
    """第26条第3款: the written interpretation goes to the leaders; once approved it is issued to every
    department of the case (the 书面解释 document)."""
    step.move(reason=command.summary)
    close_open_solicitations(step)
    draft = DraftedDecision(command.summary, command.text)
    step.record_progress(interpretation=draft)
    send_to_approval(step, "interpretation", draft)


@case_action(
    DesignateDepartment,
    route="designation",
    summary="新业态管理职责分工不明确，指定管理部门，报批（第二十六条第二款）",
)
def designate_department(step: Step, command: DesignateDepartment) -> None:
    """第26条第2款: the designated department (with any assisting ones) and what it takes on go to the
    leaders; once approved the designation is issued to the departments."""
    named = {"department": [command.department], "assisting_departments": command.assisting_departments}
    check_departments(step.session, step.record.jurisdiction_code, named)
    if command.department in command.assisting_departments:
        raise ValidationFailed.for_field("assisting_departments", "指定的管理部门不能同时列为协助部门")
    step.move(reason=command.reasons, department=command.department)
    close_open_solicitations(step)
    for code in (command.department, *command.assisting_departments):
        if code not in step.case.parties:
            step.session.add(CaseParty(case_id=step.record.id, department_code=code, role="other"))
    text = f"指定{step.department_name(command.department)}负责：{command.duties}" + (
        f"；{'、'.join(step.department_name(d) for d in command.assisting_departments)}协助"
        if command.assisting_departments
        else ""
    )
    draft = DraftedDecision(f"指定{step.department_name(command.department)}为管理部门", text)
    step.record_progress(
        designation={
            "department": command.department,
            "department_name": step.department_name(command.department),
            "assisting_departments": command.assisting_departments,
            "duties": command.duties,
            "reasons": command.reasons,
            "text": text,
        }
    )
    send_to_approval(step, "designation", draft)


@case_action(Determine, route="determination", summary="未达成一致，进行分工认定（第二十一条）")
def determine(step: Step, command: Determine) -> None:
    step.case.major = command.major
    step.move(reason=command.reasons, major=command.major)
    close_open_solicitations(step)
    step.record_progress(determination_reasons=command.reasons)


@case_action(RecordHearing, route="hearing", summary="记录论证会（第二十一条）")
def record_hearing(step: Step, command: RecordHearing) -> None:
    step.move(reason=command.summary, held_on=command.held_on, experts=command.experts)
    step.record_progress(
        hearing={"held_on": command.held_on, "experts": command.experts, "summary": command.summary}
    )


@case_action(SubmitDetermination, route="determination-submission", summary="认定建议报批（第二十一条）")
def submit_determination(step: Step, command: SubmitDetermination) -> None:
    _submit_draft(step, "determination", command)


@case_action(CompleteOrgReview, route="org-review", summary="市委组织部审议（第二十一条）")
def complete_org_review(step: Step, command: CompleteOrgReview) -> None:
    step.move(reason=command.opinion)
    step.record_progress(org_review={"opinion": command.opinion, "by": step.actor.name})


@case_action(RecordCommitteeDecision, route="committee-decision", summary="记录市委编委决定")
def record_committee_decision(step: Step, command: RecordCommitteeDecision) -> None:
    step.move(reason=command.decision, decided_on=command.decided_on)
    step.record_progress(committee_decision={"decided_on": command.decided_on, "decision": command.decision})


# --- 第22条, 第25条: time ---

EXTENSION = RULES["coordination_opinion"]


@case_action(
    Extend,
    route="extension",
    summary=f"延长办理期限（一次，{EXTENSION.article_label}；区县（市）按本地规定的延长期限）",
)
def extend(step: Step, command: Extend) -> None:
    """第22条: once, by the jurisdiction's extension (the measures' unless a district or county set its own,
    第三十九条), the reason told to the applicant."""
    rules.check_extension(step.case.extended, command.reason)
    days = queries.local_rules_of(step.session, step.record.jurisdiction_code).extension_working_days
    step.move(reason=command.reason, working_days=days)
    step.case.extended = True
    step.out.extend_clock(clock_id(step.record.id, "coordination_opinion"), command.reason)
    step.out.notify(
        "extension_notice",
        step.applicant() or step.departments(),
        dedupe="extension",
        reason=command.reason,
        working_days=days,
    )


def _running_clocks(step: Step) -> list[str]:
    """The clocks a suspension pauses and a resumption resumes (a reply clock already stopped while its
    delivery is unconfirmed stays as it is)."""
    ids = [clock_id(step.record.id, "coordination_opinion")]
    pending = queries.pending_solicitations(step.session, step.record.id)
    return ids + [s.clock_id for s in pending if s.delivery != Delivery.UNCONFIRMED]


@case_action(Suspend, route="suspension", summary="中止协调（第二十五条）")
def suspend(step: Step, command: Suspend) -> None:
    """第25条: suspension stops the clocks; the reason goes to the applicant."""
    ground = rules.check_suspension(command.ground, command.reason)
    step.case.resume_to = step.case.status
    step.move(reason=command.reason, ground=ground)
    for cid in _running_clocks(step):
        step.out.pause_clock(cid, command.reason)
    ground_name = rules.SUSPENSION_GROUND_NAMES[ground]
    step.record_progress(suspension={"ground": ground, "ground_name": ground_name, "reason": command.reason})
    step.out.notify(
        "case_suspended", step.departments(), dedupe=step.dedupe(), ground=ground_name, reason=command.reason
    )


@case_action(Resume, route="resumption", summary="恢复协调（第二十五条）")
def resume(step: Step, command: Resume) -> None:
    step.move(reason=command.reason)
    step.case.resume_to = None
    for cid in _running_clocks(step):
        step.out.resume_clock(cid)
    step.out.notify("case_resumed", step.departments(), dedupe=step.dedupe(), reason=command.reason)


@case_action(Terminate, route="termination", summary="终止协调（第二十五条）")
def terminate(step: Step, command: Terminate) -> None:
    """第25条第2款: the dispute is resolved; coordination ends and every clock stops."""
    if not command.reason.strip():
        raise ValidationFailed.for_field("reason", "终止协调应说明理由")
    step.move(reason=command.reason)
    close_open_solicitations(step, "terminated")
    step.stop_clock("coordination_opinion", "terminated")
    step.out.notify("case_terminated", step.departments(), dedupe=step.dedupe(), reason=command.reason)
