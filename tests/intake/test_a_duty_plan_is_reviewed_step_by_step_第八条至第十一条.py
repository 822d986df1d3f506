"""主要职责配置和调整方案 through the API, from the department's draft to the committee's decision: the basis
a duty may rest on (第6条), the breakdown to internal bodies (第9条), the adjustment's cause (第10条), the
one-matter-one-department flag (第7条), and the office's review step by step (第11条) — initial review,
written solicitation with the organisation department always asked (the same mechanism and 第20条 rules as
coordination), study of the feedback, coordination of disagreements, the formal opinion with the points
still disputed attached, approval, and the committee's decision."""

from __future__ import annotations

from typing import Any

import pytest
from casework_support import Desk

from shared.localtime import today


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def plan_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "宁波市市场监督管理局主要职责调整方案",
        "plan_type": "adjustment",
        "department": "nb-scjg",
        "adjustment_cause": "reform",
        "adjustment_reason": "承接食用农产品市场销售质量安全监管职责",
        "function_transformation": "强化事中事后监管，推进“互联网+监管”。",
        "main_duties": [
            {
                "text": "负责市场综合监督管理。",
                "bases": [{"type": "reform_plan", "name": "宁波市机构改革方案"}],
            },
            {
                "text": "负责食用农产品进入批发、零售市场后的质量安全监督管理。",
                "bases": [
                    {"type": "law", "name": "中华人民共和国农产品质量安全法", "provision": "第三十六条"}
                ],
            },
        ],
        "internal_bodies": [
            {"name": "综合规划处", "duties": "拟订市场监督管理发展规划。", "main_duties": [1]},
            {
                "name": "食品经营安全监督管理处",
                "duties": "承担食用农产品市场销售质量安全监管。",
                "main_duties": [2],
            },
        ],
        "shared_matters": [
            {
                "matter": "食用农产品质量安全监管",
                "departments": ["nb-scjg", "nb-nyj"],
                "lead_department": "nb-scjg",
                "host_department": "nb-scjg",
                "assisting_departments": ["nb-nyj"],
                "division": "进入市场前由农业农村局监管，进入市场后由市场监管局监管。",
            }
        ],
        "related_departments": ["nb-nyj"],
    }
    body.update(changes)
    return body


REVIEW = {
    "function_transformation": "职能转变方向符合改革要求。",
    "main_duties": "主要职责依据充分。",
    "internal_bodies": "内设机构职责已分解到位。",
}


def submitted(desk: Desk, **changes: Any) -> str:
    response = desk.post("scjg.clerk", "/cases/duty-plans", plan_body(**changes))
    assert response.status_code == 201, response.json
    return response.json["id"]


def solicit(desk: Desk, case_id: str, departments: list[str]) -> dict[str, Any]:
    body = {"departments": departments, "question": "请对主要职责调整方案提出意见", "reply_working_days": 7}
    response = desk.act("bb.clerk", case_id, "solicitations", body)
    assert response.status_code == 200, response.json
    return response.json


def reply(desk: Desk, user: str, case: dict[str, Any], department: str, kind: str, **extra: str) -> Any:
    [mine] = [s for s in case["solicitations"] if s["department"] == department][-1:]
    body = {"solicitation_id": mine["id"], "kind": kind, **extra}
    return desk.act(user, case["id"], "replies", body)


def errors(response: Any) -> dict[str, str]:
    return {e["field"]: "；".join(e["messages"]) for e in response.json["errors"]}


# --- the draft (第6条, 第9条, 第10条) ---


def test_a_department_regulation_or_a_temporary_task_is_refused_as_a_basis_第六条第二款(desk) -> None:
    duties = plan_body()["main_duties"]
    duties[1]["bases"] = [{"type": "normative_document", "name": "市市场监管局关于加强监管的通知"}]
    duties[0]["bases"].append({"type": "phased_task", "name": "2026年专项整治行动"})

    refused = desk.post("scjg.clerk", "/cases/duty-plans", plan_body(main_duties=duties))

    assert refused.status_code == 422 and refused.json["code"] == "basis_not_allowed"
    assert errors(refused) == {
        "main_duties[0].bases[1].type": "阶段性任务不得作为确定部门职责的依据（第六条第二款）",
        "main_duties[1].bases[0].type": "规范性文件不得作为确定部门职责的依据（第六条第二款）",
    }
    assert desk.get("bb.clerk", "/cases?kind=duty_plan").json["total"] == 0


def test_every_main_duty_is_broken_down_to_an_internal_body_第九条(desk) -> None:
    bodies = [{"name": "综合规划处", "duties": "拟订规划。", "main_duties": [1]}]

    refused = desk.post("scjg.clerk", "/cases/duty-plans", plan_body(internal_bodies=bodies))

    assert refused.status_code == 422
    assert errors(refused)["internal_bodies"] == "第2项主要职责尚未分解到内设机构（第九条）"


def test_an_adjustment_says_whether_reform_or_management_needs_it_第十条(desk) -> None:
    body = plan_body()
    del body["adjustment_cause"], body["adjustment_reason"]

    refused = desk.post("scjg.clerk", "/cases/duty-plans", body)

    assert set(errors(refused)) == {"adjustment_cause", "adjustment_reason"}
    draft = {**body, "plan_type": "sanding_draft"}
    assert desk.post("scjg.clerk", "/cases/duty-plans", draft).status_code == 201


def test_a_department_submits_only_its_own_plan_第八条(desk) -> None:
    refused = desk.post("nyj.clerk", "/cases/duty-plans", plan_body())

    assert refused.status_code == 422 and refused.json["code"] == "not_own_department"


def test_several_departments_for_one_matter_without_a_lead_are_flagged_for_the_review_第七条(desk) -> None:
    matter = {"matter": "餐饮油烟污染监管", "departments": ["nb-scjg", "nb-sthj", "nb-zhzf"]}
    case_id = submitted(desk, shared_matters=[matter])

    case = desk.get("bb.clerk", f"/cases/{case_id}").json
    [flag] = case["content"]["flags"]
    assert flag["article"] == "第七条"
    assert flag["message"] == (
        "“餐饮油烟污染监管”由宁波市市场监督管理局、宁波市生态环境局、宁波市综合行政执法局管理，"
        "未明确牵头部门、主办和协办关系、各自的职责分工"
    )
    silent = desk.act("bb.clerk", case_id, "initial-review", REVIEW)
    assert silent.status_code == 422 and set(errors(silent)) == {"flags_note"}
    noted = desk.act(
        "bb.clerk", case_id, "initial-review", {**REVIEW, "flags_note": "征求意见时请三部门明确"}
    )
    assert noted.status_code == 200
    assert noted.json["progress"]["initial_review"]["flags"][0]["where"] == "shared_matters[0]"


# --- 第11条: the office's review ---


def test_the_initial_review_returns_a_plan_and_the_department_revises_it_第十一条第一项(desk) -> None:
    case_id = submitted(desk)
    returned = desk.act("bb.clerk", case_id, "return", {**REVIEW, "reasons": "职能转变表述过于笼统，请细化"})
    assert returned.json["status"] == "plan_returned" and returned.json["next_actor"] == "applicant"
    assert desk.templates()[-1] == "duty_plan_returned"

    revised = desk.act(
        "scjg.clerk", case_id, "revision", plan_body(function_transformation="推进信用监管和智慧监管。")
    )

    assert revised.status_code == 200, revised.json
    assert revised.json["status"] == "submitted"
    assert revised.json["content"]["function_transformation"] == "推进信用监管和智慧监管。"
    assert revised.json["progress"]["earlier_drafts"][0]["function_transformation"].startswith("强化事中事后")


def test_the_organisation_department_is_always_asked_before_the_feedback_is_studied_第十一条第二项(
    desk,
) -> None:
    case_id = submitted(desk, supervising_departments=["nb-zhzf"])
    passed = desk.act("bb.clerk", case_id, "initial-review", REVIEW)
    scope = {s["department"]: s["scope"] for s in passed.json["progress"]["solicitation_scope"]}
    assert scope == {"nb-zzb": "organisation", "nb-zhzf": "supervising", "nb-nyj": "related"}
    case = solicit(desk, case_id, ["nb-nyj", "nb-zhzf"])
    reply(desk, "nyj.clerk", case, "nb-nyj", "agree")
    reply(desk, "zhzf.clerk", case, "nb-zhzf", "agree")

    refused = desk.act("bb.clerk", case_id, "feedback-study", STUDY)

    assert refused.status_code == 422 and refused.json["code"] == "solicitation_scope_incomplete"
    assert (
        refused.json["detail"]
        == "尚未书面征求以下部门的意见：中共宁波市委组织部（党委组织部门）（第十一条第二项）"
    )


STUDY = {
    "summary": "各部门均表示同意",
    "adopted": "吸收农业农村局关于产地准出的建议",
    "completed_draft": "已完善第2项",
}


def test_the_feedback_is_studied_only_once_everyone_answered_第十一条第三项_第二十条(desk) -> None:
    case_id = submitted(desk)
    desk.act("bb.clerk", case_id, "initial-review", REVIEW)
    case = solicit(desk, case_id, ["nb-zzb", "nb-nyj"])
    assert case["next_actor"] == "departments"
    assert {s["reply_working_days"] for s in case["solicitations"]} == {7}
    assert [c["rule"] for c in desk.sent("clock.start")] == ["written_reply", "written_reply"]
    reply(desk, "zzb.clerk", case, "nb-zzb", "agree")

    waiting = desk.act("bb.clerk", case_id, "feedback-study", STUDY)
    assert waiting.status_code == 422 and waiting.json["code"] == "solicitation_pending"
    assert "宁波市农业农村局" in waiting.json["detail"]

    reply(desk, "nyj.clerk", case, "nb-nyj", "agree")
    studied = desk.act("bb.clerk", case_id, "feedback-study", STUDY)
    assert studied.json["status"] == "drafting_review"
    assert studied.json["progress"]["feedback_study"]["adopted"] == STUDY["adopted"]


def test_a_reply_period_outside_five_to_ten_working_days_needs_a_reason_as_in_coordination_第二十条(
    desk,
) -> None:
    case_id = submitted(desk)
    desk.act("bb.clerk", case_id, "initial-review", REVIEW)
    body = {"departments": ["nb-zzb"], "question": "请提出意见", "reply_working_days": 3}

    refused = desk.act("bb.clerk", case_id, "solicitations", body)

    assert refused.status_code == 422 and refused.json["code"] == "reply_period"
    assert "一般为5至10个工作日（第二十条）" in errors(refused)["reply_working_days"]


def test_an_undelivered_solicitation_is_never_deemed_no_objection_in_a_duty_plan_第二十条(desk) -> None:
    case_id = submitted(desk)
    desk.act("bb.clerk", case_id, "initial-review", REVIEW)
    case = solicit(desk, case_id, ["nb-zzb", "nb-nyj"])
    reply(desk, "nyj.clerk", case, "nb-nyj", "agree")
    [silent] = [s for s in case["solicitations"] if s["department"] == "nb-zzb"]
    desk.schedule_reply(silent)
    desk.report_delivery(case_id, silent, outcome="failed")

    desk.deliver("clock.expired", {"clock_id": silent["clock_id"], "rule": "written_reply"})

    after = desk.get("bb.clerk", f"/cases/{case_id}").json
    assert {s["department"]: s["status"] for s in after["solicitations"]}["nb-zzb"] == "pending"
    assert "solicitation_undelivered" in desk.templates()
    refused = desk.act("bb.clerk", case_id, "feedback-study", STUDY)
    assert refused.status_code == 422 and refused.json["code"] == "solicitation_pending"


def test_silence_without_a_reason_is_no_objection_in_a_duty_plan_too_第二十条(desk) -> None:
    case_id = submitted(desk)
    desk.act("bb.clerk", case_id, "initial-review", REVIEW)
    case = solicit(desk, case_id, ["nb-zzb", "nb-nyj"])
    reply(desk, "zzb.clerk", case, "nb-zzb", "agree")
    [silent] = [s for s in case["solicitations"] if s["department"] == "nb-nyj"]
    desk.delivered(case_id, silent)  # 第20条: silence counts only once the notice reached the department

    desk.deliver(
        "clock.expired", {"clock_id": silent["clock_id"], "rule": "written_reply", "due_date": "2026-12-15"}
    )

    after = desk.get("bb.clerk", f"/cases/{case_id}").json
    assert {s["department"]: s["status"] for s in after["solicitations"]}["nb-nyj"] == "deemed_no_objection"
    assert desk.act("bb.clerk", case_id, "feedback-study", STUDY).status_code == 200


def test_a_disagreement_is_coordinated_and_the_unresolved_point_goes_to_the_committee_第十一条第四项(
    desk,
) -> None:
    case_id = submitted(desk)
    desk.act("bb.clerk", case_id, "initial-review", REVIEW)
    case = solicit(desk, case_id, ["nb-zzb", "nb-nyj"])
    reply(desk, "zzb.clerk", case, "nb-zzb", "agree")
    reply(desk, "nyj.clerk", case, "nb-nyj", "disagree", opinion="产地准出监管仍应由农业农村局负责")
    desk.act("bb.clerk", case_id, "feedback-study", STUDY)

    uncoordinated = desk.act("bb.clerk", case_id, "review-opinion", OPINION)
    assert uncoordinated.status_code == 422 and uncoordinated.json["code"] == "disagreement_unresolved"
    assert "宁波市农业农村局" in uncoordinated.json["detail"]

    desk.act("bb.clerk", case_id, "disagreements", {"points": "产地准出环节的监管主体"})
    point = {
        "point": "产地准出环节的监管主体",
        "departments": ["nb-scjg", "nb-nyj"],
        "positions": "市场监管局认为应统一监管；农业农村局认为仍由其负责",
        "office_view": "建议由农业农村局负责",
    }
    no_points = desk.act("bb.clerk", case_id, "settlement", {"agreed": False, "summary": "召开协调会一次"})
    assert no_points.status_code == 422 and set(errors(no_points)) == {"unresolved_points"}
    settled = desk.act(
        "bb.clerk",
        case_id,
        "settlement",
        {"agreed": False, "summary": "召开协调会一次", "unresolved_points": [point]},
    )
    assert settled.json["status"] == "drafting_review"

    sent = desk.act("bb.clerk", case_id, "review-opinion", OPINION)

    assert sent.json["status"] == "awaiting_approval"
    [request] = desk.sent("approval.request")
    assert request["decision_kind"] == "duty_plan_review"
    text = request["drafted_decision"]["text"]
    assert "附：经协调未取得一致意见的问题" in text
    assert "产地准出环节的监管主体（涉及宁波市市场监督管理局、宁波市农业农村局）" in text
    assert "编办意见：建议由农业农村局负责" in text


OPINION = {"summary": "同意调整方案，报市委编委研究", "text": "经审核，该方案主要职责依据充分……"}


def test_approved_by_the_leaders_the_opinion_goes_to_the_committee_whose_decision_is_recorded_第十一条(
    desk,
) -> None:
    case_id = submitted(desk)
    desk.act("bb.clerk", case_id, "initial-review", REVIEW)
    case = solicit(desk, case_id, ["nb-zzb", "nb-nyj"])
    reply(desk, "zzb.clerk", case, "nb-zzb", "agree")
    reply(desk, "nyj.clerk", case, "nb-nyj", "agree")
    desk.act("bb.clerk", case_id, "feedback-study", STUDY)
    desk.act("bb.clerk", case_id, "review-opinion", OPINION)
    [request] = desk.sent("approval.request")
    assert "附：" not in request["drafted_decision"]["text"]

    desk.deliver(
        "approval.decided",
        {**request, "outcome": "approved", "decided_by": {"user_id": "bb.director", "name": "陈志远"}},
        source="intake",
    )
    waiting = desk.get("bb.clerk", f"/cases/{case_id}").json
    assert (waiting["status"], waiting["next_actor"]) == ("awaiting_committee", "committee")
    assert "issue" not in {a["action"] for a in waiting["allowed_actions"]}
    decision = {
        "decided_on": today().isoformat(),
        "outcome": "approved",
        "decision": "同意该调整方案，按程序印发",
        "document_number": "甬编〔2026〕12号",
    }
    assert desk.act("bb.clerk", case_id, "plan-decision", decision).status_code == 403

    decided = desk.act("bb.head", case_id, "plan-decision", decision)

    assert decided.json["status"] == "plan_decided" and decided.json["status_name"] == "市委编委已研究决定"
    assert decided.json["progress"]["committee_decision"]["outcome_name"] == "同意"
    assert desk.templates()[-1] == "duty_plan_decided"
    history = [h["action_name"] for h in desk.get("scjg.clerk", f"/cases/{case_id}/history").json]
    assert history == [
        "提交",
        "初审通过，征求相关部门意见",
        "书面征求意见",
        "答复征求意见",
        "答复征求意见",
        "研究反馈意见，完善方案",
        "正式审核意见报批",
        "审批通过",
        "记录市委编委研究决定",
    ]
