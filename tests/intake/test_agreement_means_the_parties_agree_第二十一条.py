"""第20–21条: an agreement is recorded only when the parties agree — no department is still answering a
written solicitation, and where one disagreed the office says how that was resolved; the approval and the
issued opinion then name who decided and who acts next."""

from __future__ import annotations

import pytest
from casework_support import OPINION, Desk, accepted_application


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _solicit(desk: Desk, case_id: str, departments: list[str], **extra: object) -> dict:  # type: ignore[type-arg]
    body = {
        "departments": departments,
        "question": "请对收运环节分工提出意见",
        "reply_working_days": 5,
        **extra,
    }
    response = desk.act("bb.clerk", case_id, "solicitations", body)
    assert response.status_code == 200, response.json
    return response.json


def _reply(desk: Desk, user: str, case_id: str, solicitation: dict, kind: str, **extra: str):  # type: ignore[no-untyped-def,type-arg]
    body = {"solicitation_id": solicitation["id"], "kind": kind, **extra}
    return desk.act(user, case_id, "replies", body)


def _mine(case: dict, department: str) -> dict:  # type: ignore[type-arg]
    return [s for s in case["solicitations"] if s["department"] == department][-1]


def test_no_agreement_while_a_consulted_department_has_not_answered_第二十条_第二十一条(desk) -> None:
    case_id = accepted_application(desk)
    case = _solicit(desk, case_id, ["nb-sthj", "nb-zjj"])
    assert _reply(desk, "sthj.clerk", case_id, _mine(case, "nb-sthj"), "agree").status_code == 200

    refused = desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意"})

    assert refused.status_code == 422 and refused.json["code"] == "solicitation_pending"
    assert "宁波市住房和城乡建设局" in refused.json["detail"]  # named, not coded
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "coordinating"


def test_a_department_that_asked_for_more_time_is_still_answering_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    case = _solicit(desk, case_id, ["nb-zjj"])
    _reply(desk, "zjj.clerk", case_id, _mine(case, "nb-zjj"), "need_time", reason="需请示分管领导")

    refused = desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意"})

    assert refused.status_code == 422 and refused.json["code"] == "solicitation_pending"


def test_after_a_disagreement_the_office_says_how_it_was_resolved_第二十一条(desk) -> None:
    case_id = accepted_application(desk)
    case = _solicit(desk, case_id, ["nb-sthj"])
    _reply(desk, "sthj.clerk", case_id, _mine(case, "nb-sthj"), "disagree", opinion="处置环节应由我局负责")

    silent = desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意"})
    assert silent.status_code == 422 and silent.json["code"] == "disagreement_unresolved"
    assert [e["field"] for e in silent.json["errors"]] == ["disagreements_resolved"]

    resolved = "12月3日协调会上生态环境局同意收运环节由执法局负责，处置环节仍由其负责"
    agreed = desk.act(
        "bb.clerk", case_id, "agreement", {"summary": "各方同意", "disagreements_resolved": resolved}
    )

    assert agreed.status_code == 200 and agreed.json["status"] == "drafting_opinion"
    agreement = agreed.json["progress"]["agreement"]
    assert agreement["disagreements_resolved"] == resolved
    assert agreement["disagreeing_departments"] == ["宁波市生态环境局"]


def test_a_disagreement_answered_by_agreement_in_a_later_round_needs_no_explanation_第二十一条(desk) -> None:
    case_id = accepted_application(desk)
    first = _solicit(desk, case_id, ["nb-sthj"])
    _reply(desk, "sthj.clerk", case_id, _mine(first, "nb-sthj"), "disagree", opinion="不同意")
    second = _solicit(desk, case_id, ["nb-sthj"])
    assert second["progress"]["round"] == 2
    _reply(desk, "sthj.clerk", case_id, _mine(second, "nb-sthj"), "agree")

    agreed = desk.act("bb.clerk", case_id, "agreement", {"summary": "第二轮征求意见各方同意"})

    assert agreed.status_code == 200, agreed.json


def test_silence_without_a_reason_counts_as_agreement_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    case = _solicit(desk, case_id, ["nb-zjj"])
    desk.delivered(case_id, _mine(case, "nb-zjj"))
    expired = {
        "clock_id": _mine(case, "nb-zjj")["clock_id"],
        "rule": "written_reply",
        "due_date": "2026-12-07",
    }
    desk.deliver("clock.expired", expired)

    agreed = desk.act("bb.clerk", case_id, "agreement", {"summary": "视为没有不同意见"})

    assert agreed.status_code == 200, agreed.json


def test_a_reply_period_outside_five_to_ten_days_goes_with_its_reason_to_the_deadlines_service_第二十条(
    desk,
) -> None:
    case_id = accepted_application(desk)
    reason = "涉及十余年档案，需调阅"
    case = _solicit(desk, case_id, ["nb-zjj"], reply_working_days=15, reply_period_reason=reason)

    assert _mine(case, "nb-zjj")["reply_period_reason"] == reason
    start = [p for p in desk.sent("clock.start") if p["rule"] == "written_reply"][-1]
    assert (start["working_days"], start["working_days_reason"]) == (15, reason)


def test_the_history_names_the_leader_who_approved_and_the_parties_carry_it_out_第二十一条_第二十四条(
    desk,
) -> None:
    case_id = accepted_application(desk)
    desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意"})
    desk.act("bb.clerk", case_id, "opinion", OPINION)
    [request] = desk.sent("approval.request")
    decided = {**request, "outcome": "approved", "decided_by": {"user_id": "bb.leader", "name": "王建国"}}
    desk.deliver("approval.decided", decided, source="intake")

    approval = desk.get("bb.clerk", f"/cases/{case_id}/history").json[-1]
    assert (approval["action"], approval["actor_id"], approval["actor_name"]) == (
        "approval_approved",
        "bb.leader",
        "王建国",
    )
    issued = desk.act(
        "bb.clerk", case_id, "issue", {"document_number": "甬编办〔2026〕9号", "issued_on": "2026-12-21"}
    )
    assert issued.json["next_actor"] == "parties_execute"
    assert issued.json["next_actor_name"] == "相关部门（执行协调意见）"
