"""A coordination application over HTTP, from submission to execution, with every time rule in between."""

from __future__ import annotations

import pytest
from casework_support import OPINION, Desk, accepted_application, application_body
from sqlalchemy import func, select

from services.intake.tables import CaseEvent, Solicitation


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _solicit(desk: Desk, case_id: str, departments: list[str], days: int = 5):  # type: ignore[no-untyped-def]
    body = {
        "departments": departments,
        "question": "请对收运环节监管分工提出意见",
        "reply_working_days": days,
    }
    return desk.act("bb.clerk", case_id, "solicitations", body)


def test_an_application_starts_the_five_day_acceptance_clock_第十七条(desk) -> None:
    response = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body())
    assert response.status_code == 201, response.json
    [clock] = desk.sent("clock.start")
    assert (
        clock["rule"] == "acceptance_decision"
        and clock["clock_id"] == f"{response.json['id']}:acceptance_decision"
    )
    assert {p["department"] for p in response.json["parties"]} == {"nb-zhzf", "nb-sthj", "nb-zjj"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consultation_failed": False}, "consultation_failed"),
        ({"legal_bases": []}, "legal_bases"),
        ({"urgent": True}, "interim_measures"),
        ({"other_parties": ["nb-nowhere"]}, "other_parties"),
    ],
)
def test_an_incomplete_application_is_refused_naming_the_field_第十六条(desk, changes, field) -> None:
    response = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body(**changes))
    assert response.status_code == 422
    assert field in {e["field"] for e in response.json["errors"]}


def test_an_application_for_another_department_is_refused(desk) -> None:
    response = desk.post("sthj.clerk", "/cases/coordination-applications", application_body())
    assert response.status_code == 422 and response.json["code"] == "not_host_department"


def test_acceptance_stops_its_clock_and_starts_the_thirty_day_opinion_clock_第二十二条(desk) -> None:
    case_id = accepted_application(desk)
    assert [p["rule"] for p in desk.sent("clock.start")] == ["acceptance_decision", "coordination_opinion"]
    assert desk.sent("clock.stop")[0]["clock_id"] == f"{case_id}:acceptance_decision"
    accepted = next(p for p in desk.sent("notify.send") if p["template"] == "application_accepted")
    assert {r["id"] for r in accepted["recipients"]} == {"nb-zhzf"}  # 第17条: 告知主办部门


def test_a_rejection_on_ground_two_must_name_the_mechanism_and_the_applicant_is_told_第十七条(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    incomplete = desk.act(
        "bb.head", case_id, "reject", {"ground": "assistance_request", "reasons": "属协助配合"}
    )
    assert incomplete.status_code == 422 and incomplete.json["errors"][0]["field"] == "mechanism"
    body = {"ground": "assistance_request", "reasons": "属协助配合", "mechanism": "joint_meeting"}
    rejected = desk.act("bb.head", case_id, "reject", body)
    assert rejected.json["status"] == "rejected"
    assert rejected.json["progress"]["rejection"]["mechanism_name"] == "部门联席会议"
    *_, notice, letter = desk.sent("notify.send")  # the notice, then the letter produced with the step
    assert notice["template"] == "application_rejected" and letter["template"] == "document_issued"
    assert notice["params"]["ground"].startswith("（二）") and notice["params"]["mechanism"] == "部门联席会议"
    assert notice["recipients"] == [{"kind": "department", "id": "nb-zhzf", "jurisdiction": "330200"}]


def test_a_reply_period_outside_five_to_ten_days_is_refused_and_nothing_is_kept_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    before = len(desk.sender.sent)
    assert _solicit(desk, case_id, ["nb-sthj"], days=11).status_code == 422
    mixed = _solicit(desk, case_id, ["nb-sthj", "nb-nowhere"])
    assert mixed.status_code == 422
    with desk.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Solicitation)) == 0
        assert (
            session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "solicit"))
            == 0
        )
    assert len(desk.sender.sent) == before


def test_a_solicited_department_sees_the_case_replies_and_its_clock_stops_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    case = _solicit(desk, case_id, ["nb-sthj", "nb-jtj"], days=7).json
    assert case["next_actor"] == "departments"
    starts = [p for p in desk.sent("clock.start") if p["rule"] == "written_reply"]
    assert [p["working_days"] for p in starts] == [7, 7]
    assert "solicitation_request" not in desk.templates()  # it goes out with its due date (clock.scheduled)
    desk.delivered(case_id, *case["solicitations"])
    assert desk.templates()[-2:] == ["solicitation_request", "solicitation_request"]
    seen = desk.get("jtj.clerk", f"/cases/{case_id}").json
    mine = next(s for s in seen["solicitations"] if s["department"] == "nb-jtj")
    assert seen["allowed_actions"] == [{"action": "reply", "label": "答复征求意见"}]
    other = next(s for s in seen["solicitations"] if s["department"] == "nb-sthj")
    assert (
        desk.act(
            "jtj.clerk", case_id, "replies", {"solicitation_id": other["id"], "kind": "agree"}
        ).status_code
        == 404
    )
    replied = desk.act("jtj.clerk", case_id, "replies", {"solicitation_id": mine["id"], "kind": "agree"})
    assert replied.status_code == 200
    assert desk.sent("clock.stop")[-1]["clock_id"] == mine["clock_id"]
    twice = desk.act("jtj.clerk", case_id, "replies", {"solicitation_id": mine["id"], "kind": "agree"})
    assert twice.status_code == 409


def test_silence_at_expiry_is_no_objection_but_a_filed_reason_is_kept_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    case = _solicit(desk, case_id, ["nb-sthj", "nb-zjj"]).json
    silent, delayed = sorted(case["solicitations"], key=lambda s: s["department"])[::-1]
    assert silent["department"] == "nb-zjj"
    desk.delivered(case_id, silent, delayed)
    desk.act(
        "sthj.clerk",
        case_id,
        "replies",
        {"solicitation_id": delayed["id"], "kind": "need_time", "reason": "需请示"},
    )
    for s in (silent, delayed):
        expired = {
            "clock_id": s["clock_id"],
            "case": {"id": case_id},
            "rule": "written_reply",
            "due_date": "2026-12-07",
        }
        assert desk.deliver("clock.expired", expired)
    statuses = {
        s["department"]: s["status"] for s in desk.get("bb.clerk", f"/cases/{case_id}").json["solicitations"]
    }
    assert statuses == {"nb-zjj": "deemed_no_objection", "nb-sthj": "expired_with_reason"}
    notice = desk.sent("notify.send")[-1]
    assert notice["template"] == "reply_deemed_no_objection" and notice["params"]["due_date"] == "2026-12-07"
    history = desk.get("zhzf.clerk", f"/cases/{case_id}/history").json
    assert history[-1]["action"] == "deem_no_objection" and history[-1]["actor_id"] == "system"


def test_a_redelivered_expiry_changes_nothing_twice(desk) -> None:
    from shared.messaging import Envelope

    case_id = accepted_application(desk)
    [s] = _solicit(desk, case_id, ["nb-zjj"]).json["solicitations"]
    desk.delivered(case_id, s)
    envelope = Envelope(
        type="clock.expired", payload={"clock_id": s["clock_id"], "rule": "written_reply"}, source="d"
    )
    assert desk.runtime.bus.handle(envelope.to_dict()) is True
    assert desk.runtime.bus.handle(envelope.to_dict()) is False
    history = desk.get("bb.clerk", f"/cases/{case_id}/history").json
    assert [h["action"] for h in history].count("deem_no_objection") == 1


def test_agreement_opinion_approval_issuance_and_execution_第二十一条_第二十四条(desk) -> None:
    case_id = accepted_application(desk)
    desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意由执法局负责收运环节"})
    no_explanation = desk.act("bb.clerk", case_id, "opinion", {**OPINION, "changes_sanding": True})
    assert no_explanation.status_code == 422
    assert no_explanation.json["errors"][0]["field"] == "special_explanation"
    body = {**OPINION, "changes_sanding": True, "special_explanation": "调整执法局三定第三条"}
    sent = desk.act("bb.clerk", case_id, "opinion", body)
    assert sent.json["status"] == "awaiting_approval" and sent.json["next_actor"] == "office_leader"
    [request] = desk.sent("approval.request")
    assert request["decision_kind"] == "coordination_opinion"
    assert request["drafted_decision"]["special_explanation"] == "调整执法局三定第三条"
    assert request["statutory_clock_id"] == f"{case_id}:coordination_opinion"
    assert [h["text"] for h in request["case_history"]][:2] == ["提交", "受理"]
    assert request["statutory_basis"].startswith("提出协调意见") and request["statutory_provisional"] is False

    decided = {
        **request,
        "outcome": "returned",
        "decided_by": {"user_id": "bb.leader", "name": "王建国"},
        "comment": "再改",
    }
    desk.deliver("approval.decided", decided, source="intake")
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "drafting_opinion"
    desk.act("bb.clerk", case_id, "opinion", body)
    second = desk.sent("approval.request")[-1]
    assert second["request_id"] != request["request_id"]
    desk.deliver("approval.decided", {**decided, "outcome": "approved"}, source="intake")  # a stale decision
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "awaiting_approval"
    desk.deliver(
        "approval.decided",
        {**second, "outcome": "approved", "decided_by": {"name": "王建国"}},
        source="intake",
    )
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "approved"
    assert desk.sent("clock.stop")[-1]["clock_id"] == f"{case_id}:coordination_opinion"
    issued = desk.act(
        "bb.clerk", case_id, "issue", {"document_number": "甬编办〔2026〕8号", "issued_on": "2026-12-20"}
    )
    assert issued.json["status"] == "in_execution" and issued.json["status_name"] == "已发文，执行中"


def test_a_major_determination_goes_through_the_hearing_org_review_and_committee_第二十一条(desk) -> None:
    case_id = accepted_application(desk)
    desk.act("bb.clerk", case_id, "determination", {"reasons": "多轮协调未果", "major": True})
    desk.act(
        "bb.clerk", case_id, "hearing", {"held_on": "2026-12-10", "experts": ["张教授"], "summary": "赞成"}
    )
    desk.act("bb.clerk", case_id, "determination-submission", OPINION)
    request = desk.sent("approval.request")[-1]
    assert request["decision_kind"] == "determination"
    desk.deliver("approval.decided", {**request, "outcome": "approved"}, source="intake")
    assert desk.get("zzb.reviewer", f"/cases/{case_id}").json["status"] == "org_review"
    assert desk.templates()[-1] == "org_review_requested"
    assert desk.act("bb.clerk", case_id, "org-review", {"opinion": "同意"}).status_code == 403
    assert (
        desk.act("zzb.reviewer", case_id, "org-review", {"opinion": "同意"}).json["status"]
        == "awaiting_committee"
    )
    decided = desk.act(
        "bb.clerk", case_id, "committee-decision", {"decided_on": "2026-12-28", "decision": "同意认定"}
    )
    assert decided.json["status"] == "approved"


def test_the_opinion_period_is_extended_once_with_the_reason_told_to_the_applicant_第二十二条(desk) -> None:
    case_id = accepted_application(desk)
    extended = desk.act("bb.head", case_id, "extension", {"reason": "涉及部门多，情况复杂"})
    assert extended.status_code == 200
    assert desk.sent("clock.extend") == [
        {"clock_id": f"{case_id}:coordination_opinion", "reason": "涉及部门多，情况复杂"}
    ]
    *_, notice, letter = desk.sent("notify.send")  # the notice, then the letter produced with the step
    assert notice["template"] == "extension_notice" and notice["recipients"][0]["id"] == "nb-zhzf"
    assert letter["template"] == "document_issued"
    again = desk.act("bb.head", case_id, "extension", {"reason": "还要延"})
    assert again.status_code == 422 and again.json["code"] == "already_extended"


def test_suspension_pauses_every_running_clock_and_resumption_restarts_them_第二十五条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = _solicit(desk, case_id, ["nb-sthj"]).json["solicitations"]
    suspended = desk.act(
        "bb.head", case_id, "suspension", {"ground": "restructuring", "reason": "生态环境局机构调整"}
    )
    assert suspended.json["status"] == "suspended"
    assert {p["clock_id"] for p in desk.sent("clock.pause")} == {
        f"{case_id}:coordination_opinion",
        s["clock_id"],
    }
    assert desk.templates()[-2:] == ["case_suspended", "document_issued"]  # and the letter (第二十五条)
    assert (
        desk.act(
            "bb.clerk",
            case_id,
            "solicitations",
            {"departments": ["nb-zjj"], "question": "q", "reply_working_days": 5},
        ).status_code
        == 409
    )
    resumed = desk.act("bb.head", case_id, "resumption", {})
    assert resumed.json["status"] == "coordinating"
    assert {p["clock_id"] for p in desk.sent("clock.resume")} == {
        f"{case_id}:coordination_opinion",
        s["clock_id"],
    }


def test_termination_stops_every_clock_when_the_dispute_is_resolved_第二十五条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = _solicit(desk, case_id, ["nb-sthj"]).json["solicitations"]
    ended = desk.act("bb.head", case_id, "termination", {"reason": "部门已自行协商解决"})
    assert ended.json["status"] == "terminated"
    stops = {p["clock_id"]: p["outcome"] for p in desk.sent("clock.stop")}
    assert stops[s["clock_id"]] == "terminated" and stops[f"{case_id}:coordination_opinion"] == "terminated"
    assert ended.json["solicitations"][0]["status"] == "cancelled"


def test_a_meeting_is_notified_in_advance_to_its_attendees_第二十条第三款(desk) -> None:
    case_id = accepted_application(desk)
    past = desk.act(
        "bb.clerk",
        case_id,
        "meetings",
        {
            "starts_at": "2020-01-01T01:00:00+00:00",
            "location": "会议室",
            "attendees": ["nb-sthj"],
            "agenda": "协调",
        },
    )
    assert past.status_code == 422
    body = {
        "starts_at": "2099-01-05T01:00:00+00:00",
        "location": "市委编办301",
        "attendees": ["nb-sthj", "nb-jtj"],
        "agenda": "餐厨垃圾收运监管分工",
    }
    meeting = desk.act("bb.clerk", case_id, "meetings", body).json["meetings"][0]
    notice = desk.sent("notify.send")[-1]
    assert notice["template"] == "meeting_notice" and len(notice["recipients"]) == 2
    assert desk.get("jtj.clerk", f"/cases/{case_id}").status_code == 200  # an attendee sees the case
    minutes = desk.act(
        "bb.clerk", case_id, "meeting-minutes", {"meeting_id": meeting["id"], "minutes": "原则同意"}
    )
    assert minutes.json["meetings"][0]["minutes"] == "原则同意"


def test_the_applicant_reports_interim_measures_in_an_emergency_第二十二条第二款(desk) -> None:
    case_id = accepted_application(desk)
    body = {"measures": "先行由执法局组织清运", "told": ["市委编办", "市生态环境局", "沿街商户"]}
    assert desk.act("sthj.clerk", case_id, "interim-measures", body).status_code == 403
    reported = desk.act("zhzf.clerk", case_id, "interim-measures", body)
    assert reported.json["progress"]["interim_measures"][0]["told"] == body["told"]
    notice = desk.sent("notify.send")[-1]
    assert notice["template"] == "interim_measures_reported" and notice["urgency"] == "urgent"


def test_the_office_opens_a_coordination_assigned_by_the_committee_第二十六条(desk) -> None:
    body = {
        "title": "关于无人机管理职责分工的协调",
        "source": "new_business",
        "description": "新业态管理职责不明确",
        "parties": ["nb-jtj", "nb-scjg"],
    }
    assert desk.post("jtj.clerk", "/cases/office-opened", body).status_code == 403
    opened = desk.post("bb.clerk", "/cases/office-opened", body)
    assert opened.status_code == 201
    assert (opened.json["status"], opened.json["source"]) == ("coordinating", "new_business")
    assert desk.sent("clock.start")[-1]["rule"] == "coordination_opinion"
    assert desk.get("jtj.clerk", f"/cases/{opened.json['id']}").status_code == 200


def test_an_illegal_step_is_a_409_naming_the_state_and_the_allowed_actions(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    response = desk.act("bb.clerk", case_id, "agreement", {"summary": "x"})
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json["status"] == 409 and response.json["case_status"] == "submitted"
    assert response.json["allowed_actions"] == ["request_supplement"]
    assert "已提交" in response.json["detail"]


REFLECTION = {
    "title": "关于夜间餐饮油烟投诉无人受理的反映",
    "submitter": {"name": "某小区业主委员会", "kind": "group", "contact": "0574-88888888"},
    "received_on": "2026-11-25",
    "content": "多次投诉油烟扰民，执法局与生态环境局互相推诿。",
}


def test_a_public_reflection_is_studied_coordinated_and_the_result_told_第二十六条第四款(desk) -> None:
    recorded = desk.post("zhzf.clerk", "/cases/reflections", REFLECTION)
    assert recorded.status_code == 201, recorded.json
    case_id = recorded.json["id"]
    assert (recorded.json["kind"], recorded.json["status"]) == ("reflection", "received")
    assert desk.get("sthj.clerk", f"/cases/{case_id}").status_code == 404
    desk.act("zhzf.clerk", case_id, "study", {"note": "会同生态环境局研究"})
    coordination = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    other = desk.post("bb.clerk", "/cases/reflections", REFLECTION).json["id"]
    refused = desk.act("zhzf.clerk", case_id, "refer-to-coordination", {"coordination_case_id": other})
    assert refused.status_code == 404  # the office's own reflection is not the department's to see
    referred = desk.act(
        "zhzf.clerk", case_id, "refer-to-coordination", {"coordination_case_id": coordination}
    )
    assert referred.json["status"] == "awaiting_coordination"
    assert referred.json["progress"]["coordination_case_id"] == coordination
    result = {"result": "经协调，油烟扰民由执法局查处", "told_on": "2027-01-20", "method": "letter"}
    told = desk.act("zhzf.clerk", case_id, "tell-result", result)
    assert told.json["status"] == "result_told" and told.json["allowed_actions"] == []
    office_list = desk.get("bb.clerk", "/cases?kind=reflection").json
    assert office_list["total"] == 2


def test_a_step_taken_while_the_broker_is_down_keeps_its_messages_for_the_sweep(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    desk.sender.fail = True
    accepted = desk.act("bb.head", case_id, "accept", {})
    assert accepted.status_code == 200 and accepted.json["status"] == "coordinating"
    # stop one clock, start another, tell the parties; the to-do centre: acceptance done (the coordination's
    # to-do goes once the new clock has its date); and the acceptance letter's notice (第十七条)
    assert desk.runtime.relay.pending_count() == 5
    desk.sender.fail = False
    desk.runtime.run_periodic()
    assert desk.runtime.relay.pending_count() == 0
    assert desk.sent("clock.start")[-1]["rule"] == "coordination_opinion"
