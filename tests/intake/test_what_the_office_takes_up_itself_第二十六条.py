"""第26条: what the office takes up without an application — a matter assigned by the city's party committee,
government or the committee carries who assigned it and what they asked for (第一款: 按要求办理); a new
business whose division is unclear gets a designated department (第二款); a disagreement over the reading of
the 三定 provisions is answered with a written interpretation sent to the departments (第三款)."""

from __future__ import annotations

from typing import Any

import pytest
from casework_support import Desk

from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared.localtime import today
from shared.web import session as web_session


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def errors(response: Any) -> dict[str, str]:
    return {e["field"]: "；".join(e["messages"]) for e in response.json["errors"]}


def opening(source: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "关于低空飞行器管理职责分工的协调",
        "source": source,
        "description": "低空经济新业态，管理职责分工不明确。",
        "parties": ["nb-jtj", "nb-scjg"],
    }
    body.update(changes)
    return body


ASSIGNMENT = {
    "assigned_by": "city_government",
    "assigned_on": "2026-11-20",
    "instructions": "请市委编办牵头研究，12月底前明确分工。",
    "document": "市政府领导批示单（2026）第118号",
    "required_by": "2026-12-31",
}


def test_an_assigned_matter_carries_who_assigned_it_and_their_instructions_第二十六条第一款(desk):
    missing = desk.post("bb.clerk", "/cases/office-opened", opening("committee_assigned"))
    assert missing.status_code == 422 and missing.json["code"] == "opening_incomplete"
    assert errors(missing)["assignment"] == "交办事项应写明交办单位和交办要求（第二十六条第一款）"

    late = {**ASSIGNMENT, "assigned_on": str(today().replace(year=today().year + 1))}
    refused = desk.post("bb.clerk", "/cases/office-opened", opening("committee_assigned", assignment=late))
    assert errors(refused)["assignment.assigned_on"] == "交办日期不能晚于今天"

    opened = desk.post(
        "bb.clerk", "/cases/office-opened", opening("committee_assigned", assignment=ASSIGNMENT)
    )
    assert opened.status_code == 201, opened.json
    assert opened.json["content"]["assignment"]["instructions"] == ASSIGNMENT["instructions"]
    assert opened.json["status"] == "coordinating"

    html = _browser(desk, "jtj.clerk").get(f"/cases/{opened.json['id']}").get_data(as_text=True)
    assert "交办单位" in html and "市政府" in html and "请市委编办牵头研究，12月底前明确分工。" in html
    assert "2026年12月31日" in html


def test_only_an_assigned_matter_takes_assignment_details_第二十六条第一款(desk):
    refused = desk.post("bb.clerk", "/cases/office-opened", opening("new_business", assignment=ASSIGNMENT))
    assert refused.status_code == 422
    assert errors(refused)["assignment"] == "只有市委、市政府和市委编委交办的事项填写交办信息"
    unknown = desk.post(
        "bb.clerk",
        "/cases/office-opened",
        opening("committee_assigned", assignment={**ASSIGNMENT, "assigned_by": "mayor"}),
    )
    assert unknown.status_code == 422 and "assignment.assigned_by" in errors(unknown)


def _browser(desk: Desk, user_id: str) -> Any:
    client = desk.client.application.test_client()
    user = session_user(desk.runtime, directory.find_person(desk.runtime, user_id))
    started = web_session.new_session(desk.runtime.settings, user)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, desk.runtime.settings), path="/")
    client.csrf = started.csrf_token  # type: ignore[attr-defined]
    return client


def _approve(desk: Desk, kind: str) -> None:
    request = desk.sent("approval.request")[-1]
    assert request["decision_kind"] == kind
    desk.deliver(
        "approval.decided",
        {**request, "outcome": "approved", "decided_by": {"user_id": "bb.leader", "name": "王建国"}},
        source="intake",
    )


def test_a_disagreement_over_the_sanding_is_answered_by_a_written_interpretation_sent_to_all_第二十六条第三款(
    desk,
):
    body = opening("interpretation", title="关于“三定”规定中餐厨垃圾处置职责理解不一致的问题")
    case_id = desk.post("bb.clerk", "/cases/office-opened", body).json["id"]
    actions = {a["action"] for a in desk.get("bb.clerk", f"/cases/{case_id}").json["allowed_actions"]}
    assert "interpret" in actions and "designate_department" not in actions
    text = "市综合行政执法局“三定”规定第三条第（五）项所称“处置”，包括餐厨垃圾的收运和处理。"
    sent = desk.act("bb.clerk", case_id, "interpretation", {"summary": "收运属于处置", "text": text})
    assert sent.status_code == 200, sent.json
    assert sent.json["status"] == "awaiting_approval"
    assert sent.json["progress"]["interpretation"]["text"] == text
    _approve(desk, "interpretation")
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "approved"
    desk.sender.sent.clear()
    issued = desk.act(
        "bb.clerk", case_id, "issue", {"document_number": "甬编办〔2026〕21号", "issued_on": str(today())}
    )
    assert issued.json["status"] == "in_execution"
    [notice] = [n for n in desk.sent("notify.send") if n["template"] == "decision_issued"]
    told = {r["id"] for r in notice["recipients"]}
    assert {"nb-jtj", "nb-scjg"} <= told


def test_a_written_interpretation_is_only_for_a_disagreement_over_the_sanding_第二十六条第三款(desk):
    case_id = desk.post("bb.clerk", "/cases/office-opened", opening("new_business")).json["id"]
    refused = desk.act("bb.clerk", case_id, "interpretation", {"summary": "x", "text": "y"})
    assert refused.status_code == 403
    assert "对“三定”规定理解不一致的事项" in refused.json["detail"]


def test_a_new_business_gets_a_designated_department_issued_to_the_departments_第二十六条第二款(desk):
    case_id = desk.post("bb.clerk", "/cases/office-opened", opening("new_business")).json["id"]
    same = desk.act(
        "bb.clerk",
        case_id,
        "designation",
        {
            "department": "nb-jtj",
            "duties": "低空飞行器运营监管",
            "reasons": "x",
            "assisting_departments": ["nb-jtj"],
        },
    )
    assert same.status_code == 422 and "assisting_departments" in errors(same)
    elsewhere = desk.act(
        "bb.clerk",
        case_id,
        "designation",
        {"department": "hs-scjg", "duties": "低空飞行器运营监管", "reasons": "x"},
    )
    assert elsewhere.status_code == 422 and "第三十八条第二款" in errors(elsewhere)["department"]

    designated = desk.act(
        "bb.clerk",
        case_id,
        "designation",
        {
            "department": "nb-jtj",
            "duties": "低空飞行器运营服务的行业监管",
            "reasons": "与交通运输行业管理关联最紧密",
            "assisting_departments": ["nb-scjg", "nb-zhzf"],
        },
    )
    assert designated.status_code == 200, designated.json
    progress = designated.json["progress"]["designation"]
    assert progress["department_name"] == "宁波市交通运输局"
    assert (
        progress["text"] == "指定宁波市交通运输局负责：低空飞行器运营服务的行业监管；"
        "宁波市市场监督管理局、宁波市综合行政执法局协助"
    )
    request = desk.sent("approval.request")[-1]
    assert request["drafted_decision"]["summary"] == "指定宁波市交通运输局为管理部门"
    # within the coordination opinion's period, counted by the deadlines service (第二十二条)
    assert request["statutory_clock_id"] == f"{case_id}:coordination_opinion"

    # returned for changes, the office designates again
    desk.deliver("approval.decided", {**request, "outcome": "returned", "comment": "再研究"}, source="intake")
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "coordinating"
    desk.act(
        "bb.clerk",
        case_id,
        "designation",
        {"department": "nb-jtj", "duties": "低空飞行器运营服务的行业监管", "reasons": "关联最紧密"},
    )
    _approve(desk, "designation")
    desk.sender.sent.clear()
    desk.act(
        "bb.clerk", case_id, "issue", {"document_number": "甬编办〔2026〕22号", "issued_on": str(today())}
    )
    [notice] = [n for n in desk.sent("notify.send") if n["template"] == "decision_issued"]
    assert "nb-zhzf" in {r["id"] for r in notice["recipients"]}


EVALUATION = {
    "department": "nb-scjg",
    "period": "2026年度",
    "findings": "网络餐饮服务监管与商务部门职责交叉，基层反映推诿。",
    "conclusion": "needs_sorting_out",
    "departments_concerned": ["nb-scjg", "nb-zhzf"],
}


def test_an_evaluation_finding_the_division_needs_sorting_out_convenes_the_departments_第二十六条第二款(desk):
    refused = desk.post("bb.clerk", "/cases/evaluations", {**EVALUATION, "departments_concerned": []})
    assert refused.status_code == 422
    assert errors(refused)["departments_concerned"].endswith("（第二十六条第二款）")
    assert desk.post("scjg.clerk", "/cases/evaluations", EVALUATION).status_code == 403

    recorded = desk.post("bb.clerk", "/cases/evaluations", EVALUATION)
    assert recorded.status_code == 201, recorded.json
    evaluation = recorded.json
    assert evaluation["title"] == "宁波市市场监督管理局“三定”规定执行情况评估（2026年度）"
    assert evaluation["status_name"] == "评估认为需理顺职责分工，待召集相关部门协调"
    assert "evaluation_recorded" in desk.templates()
    # the department evaluated sees its evaluations
    listed = desk.get("scjg.clerk", "/cases?kind=evaluation").json
    assert [c["id"] for c in listed["items"]] == [evaluation["id"]]

    wrong = desk.post("bb.clerk", "/cases/office-opened", opening("new_business")).json["id"]
    assert (
        desk.act(
            "bb.clerk", evaluation["id"], "convene-coordination", {"coordination_case_id": wrong}
        ).status_code
        == 422
    )
    coordination = desk.post(
        "bb.clerk",
        "/cases/office-opened",
        opening("evaluation", title="关于网络餐饮服务监管职责分工的协调", parties=["nb-scjg", "nb-zhzf"]),
    ).json["id"]
    convened = desk.act(
        "bb.clerk", evaluation["id"], "convene-coordination", {"coordination_case_id": coordination}
    )
    assert convened.status_code == 200 and convened.json["progress"]["coordination_case_id"] == coordination
    closed = desk.act(
        "bb.clerk", evaluation["id"], "close-evaluation", {"result": "已协调明确由市场监管局牵头。"}
    )
    assert closed.json["status_name"] == "评估已办结"


def test_an_evaluation_finding_the_sanding_carried_out_is_closed_at_once_第二十六条第二款(desk):
    body = {**EVALUATION, "conclusion": "in_place", "departments_concerned": []}
    recorded = desk.post("bb.clerk", "/cases/evaluations", body)
    assert recorded.status_code == 201 and recorded.json["status"] == "evaluated"
    assert recorded.json["allowed_actions"] == []
