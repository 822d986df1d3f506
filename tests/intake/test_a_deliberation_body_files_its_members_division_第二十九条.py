"""议事协调机构成员单位职责分工 through the API (第29条): the lead unit files the members' division with its
working mechanism and its residual responsibility, copied to the office; every change is filed again and the
office sees the current division and its history; a task that names no 三定 provision or that several
members share without a host (第7条) is flagged; the office flags a contradiction with a member's 三定
provisions, refers it to coordination, and registers the division. Another jurisdiction's department is
kept out (第38条第2款)."""

from __future__ import annotations

from typing import Any

import pytest
from casework_support import Desk

from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared.web import session as web_session


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def division_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "body_name": "宁波市食品安全委员会",
        "lead_department": "nb-scjg",
        "mechanism": "每季度召开成员单位联络员会议，重大事项由牵头单位召集专题会商。",
        "residual_responsibility": "职责边界不清、暂无部门承担的食品安全事项，由牵头单位先行负责并提请明确。",
        "members": [
            {
                "department": "nb-nyj",
                "tasks": [
                    {
                        "task": "负责食用农产品从种植养殖环节到进入批发、零售市场前的质量安全监管。",
                        "sanding_provision": "市农业农村局“三定”规定第三条第（八）项",
                        "boundary": "进入批发、零售市场或生产加工企业前",
                    }
                ],
            },
            {
                "department": "nb-zhzf",
                "tasks": [
                    {
                        "task": "负责查处无照经营食品摊贩。",
                        "sanding_provision": "市综合行政执法局“三定”规定第三条第（五）项",
                    }
                ],
            },
        ],
    }
    body.update(changes)
    return body


def errors(response: Any) -> dict[str, str]:
    return {e["field"]: "；".join(e["messages"]) for e in response.json["errors"]}


def filed(desk: Desk, **changes: Any) -> dict[str, Any]:
    response = desk.post("scjg.clerk", "/cases/deliberation-divisions", division_body(**changes))
    assert response.status_code == 201, response.json
    return response.json


def test_the_lead_unit_copies_the_members_division_to_the_office_and_it_is_registered_第二十九条(desk):
    case = filed(desk)
    assert case["kind"] == "deliberation"
    assert case["status_name"] == "成员单位职责分工已抄送编办，待登记"
    assert case["content"]["flags"] == []
    assert "division_filed" in desk.templates()
    [receipt] = [n for n in desk.sent("notify.send") if n["template"] == "submission_received"]
    assert receipt["recipients"] == [{"kind": "department", "id": "nb-scjg", "jurisdiction": "330200"}]
    actions = {a["action"] for a in desk.get("bb.clerk", f"/cases/{case['id']}").json["allowed_actions"]}
    assert {"register_division", "flag_division"} <= actions

    registered = desk.act(
        "bb.clerk", case["id"], "register-division", {"note": "分工与各单位“三定”规定衔接。"}
    )
    assert registered.status_code == 200, registered.json
    assert registered.json["status_name"] == "成员单位职责分工已登记"

    # the members see the body they belong to; a department outside it does not
    assert [b["body_name"] for b in desk.get("nyj.clerk", "/deliberation-bodies").json] == [
        "宁波市食品安全委员会"
    ]
    assert desk.get("sthj.clerk", "/deliberation-bodies").json == []


def test_the_office_sees_each_bodys_current_division_and_every_change_to_it_第二十九条(desk):
    first = filed(desk)
    desk.act("bb.clerk", first["id"], "register-division")

    unchanged = desk.post("scjg.clerk", "/cases/deliberation-divisions", division_body())
    assert unchanged.status_code == 422
    assert "changes" in errors(unchanged)
    assert "调整内容" in errors(unchanged)["changes"]

    members = [*division_body()["members"][:1]]
    second = filed(desk, members=members, changes="综合行政执法局不再作为成员单位。")
    assert second["title"] == "宁波市食品安全委员会成员单位职责分工（调整）"

    [body] = desk.get("bb.clerk", "/deliberation-bodies").json
    assert body["lead_name"] == "宁波市市场监督管理局"
    assert body["current_case_id"] == second["id"]
    assert [m["name"] for m in body["members"]] == ["宁波市农业农村局"]
    assert [h["case_id"] for h in body["history"]] == [second["id"], first["id"]]
    assert body["history"][0]["changes"] == "综合行政执法局不再作为成员单位。"
    assert body["history"][1]["status_name"] == "成员单位职责分工已登记"


def test_a_task_without_a_sanding_provision_or_a_shared_one_without_a_host_is_flagged_第二十九条_第七条(desk):
    members = division_body()["members"]
    members[0]["tasks"].append({"task": "负责农产品质量安全追溯体系建设。"})
    members[1]["tasks"].append({"task": "负责餐厨垃圾收运监管。", "shared_with": ["nb-sthj"]})
    case = filed(desk, members=members)
    messages = [(f["article"], f["message"]) for f in case["content"]["flags"]]
    assert (
        "第二十九条",
        "宁波市农业农村局的任务“负责农产品质量安全追溯体系建设。”未注明与其“三定”规定的衔接",
    ) in messages
    assert any(a == "第七条" and "宁波市生态环境局" in m and "未明确主办单位" in m for a, m in messages)
    [body] = desk.get("bb.clerk", "/deliberation-bodies").json
    assert len(body["flags"]) == 3  # the shared task names no provision either


def test_a_contradiction_with_a_members_sanding_provisions_is_flagged_and_coordinated_第二十九条(desk):
    case = filed(desk)
    missing = desk.act("bb.clerk", case["id"], "flag-division", {"member_department": "nb-sthj"})
    assert missing.status_code == 422
    assert {"sanding_provision", "conflict"} <= set(errors(missing))
    not_member = desk.act(
        "bb.clerk",
        case["id"],
        "flag-division",
        {"member_department": "nb-sthj", "sanding_provision": "第三条", "conflict": "无"},
    )
    assert not_member.status_code == 422
    assert errors(not_member)["member_department"] == "应为该议事协调机构的成员单位"

    desk.sender.sent.clear()
    flagged = desk.act(
        "bb.clerk",
        case["id"],
        "flag-division",
        {
            "member_department": "nb-zhzf",
            "sanding_provision": "市综合行政执法局“三定”规定第三条第（五）项",
            "conflict": "无照经营食品摊贩的查处已划入市场监管部门，与“三定”规定不一致。",
        },
    )
    assert flagged.status_code == 200, flagged.json
    assert flagged.json["status_name"] == "分工与“三定”规定不衔接，待协调"
    assert "division_flagged" in desk.templates()
    [body] = desk.get("bb.clerk", "/deliberation-bodies").json
    assert body["conflicts"][0]["member_name"] == "宁波市综合行政执法局"

    opened = desk.post(
        "bb.clerk",
        "/cases/office-opened",
        {
            "title": "无照经营食品摊贩查处职责分工协调",
            "source": "deliberation_body",
            "description": "食品安全委员会成员单位分工与市综合行政执法局“三定”规定不衔接（第二十九条）。",
            "parties": ["nb-scjg", "nb-zhzf"],
        },
    )
    assert opened.status_code == 201, opened.json
    referred = desk.act(
        "bb.clerk", case["id"], "refer-division-to-coordination", {"coordination_case_id": opened.json["id"]}
    )
    assert referred.status_code == 200, referred.json
    assert referred.json["progress"]["coordination_case_id"] == opened.json["id"]
    done = desk.act("bb.clerk", case["id"], "register-division", {"note": "经协调已衔接。"})
    assert done.json["status_name"] == "成员单位职责分工已登记"


def test_only_the_lead_unit_files_and_only_departments_of_its_jurisdiction_are_members_第二十九条_第三十八条(
    desk,
):
    other = desk.post("nyj.clerk", "/cases/deliberation-divisions", division_body())
    assert other.status_code == 422
    assert other.json["code"] == "not_lead_unit"
    assert "lead_department" in errors(other)

    members = division_body()["members"]
    members[1]["department"] = "hs-scjg"
    elsewhere = desk.post("scjg.clerk", "/cases/deliberation-divisions", division_body(members=members))
    assert elsewhere.status_code == 422
    assert elsewhere.json["code"] == "other_jurisdiction"
    assert "第三十八条第二款" in errors(elsewhere)["members"]

    incomplete = desk.post(
        "scjg.clerk",
        "/cases/deliberation-divisions",
        division_body(mechanism=" ", residual_responsibility=" "),
    )
    assert incomplete.status_code == 422
    assert "工作协同机制" in errors(incomplete)["mechanism"]
    assert "兜底责任" in errors(incomplete)["residual_responsibility"]
    assert desk.get("bb.clerk", "/deliberation-bodies").json == []


def _browser(desk: Desk, user_id: str) -> Any:
    client = desk.client.application.test_client()
    user = session_user(desk.runtime, directory.find_person(desk.runtime, user_id))
    started = web_session.new_session(desk.runtime.settings, user)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, desk.runtime.settings), path="/")
    client.csrf = started.csrf_token  # type: ignore[attr-defined]
    return client


def test_the_office_reads_the_division_by_name_and_flags_a_member_on_the_case_page_第二十九条(desk):
    members = division_body()["members"]
    members[1]["tasks"].append({"task": "负责餐厨垃圾收运监管。"})
    case = filed(desk, members=members)
    office = _browser(desk, "bb.clerk")
    html = office.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "议事协调机构成员单位职责分工" in html and "宁波市食品安全委员会" in html
    assert "牵头单位承担的兜底责任" in html and "市农业农村局“三定”规定第三条第（八）项" in html
    assert "宁波市综合行政执法局" in html and "nb-zhzf" not in html.replace('value="nb-zhzf"', "")
    assert "请核对：宁波市综合行政执法局的任务“负责餐厨垃圾收运监管。”未注明与其“三定”规定的衔接" in html
    assert "/actions/register_division" in html and "/actions/flag_division" in html

    flagged = office.post(
        f"/cases/{case['id']}/actions/flag_division",
        data={
            "csrf_token": office.csrf,
            "member_department": "nb-zhzf",
            "sanding_provision": "市综合行政执法局“三定”规定第三条第（五）项",
            "conflict": "餐厨垃圾收运监管未列入其“三定”规定。",
        },
        content_type="multipart/form-data",
    )
    assert flagged.status_code == 303, flagged.get_data(as_text=True)
    html = office.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "分工与“三定”规定不衔接，待协调" in html and "餐厨垃圾收运监管未列入其“三定”规定。" in html


def test_the_lead_unit_files_the_division_on_the_new_submission_form_第二十九条(desk):
    clerk = _browser(desk, "scjg.clerk")
    assert "/cases/new/deliberation-division" in clerk.get("/my").get_data(as_text=True)
    html = clerk.get("/cases/new/deliberation-division").get_data(as_text=True)
    assert (
        "抄送议事协调机构成员单位职责分工" in html and 'name="members[0].tasks[0].sanding_provision"' in html
    )
    form = {
        "csrf_token": clerk.csrf,
        "body_name": "宁波市食品安全委员会",
        "lead_department": "nb-scjg",
        "mechanism": "每季度召开联络员会议。",
        "residual_responsibility": "暂无部门承担的事项由牵头单位先行负责。",
        "members[0].department": "nb-nyj",
        "members[0].tasks[0].task": "负责食用农产品进入市场前的质量安全监管。",
        "members[0].tasks[0].sanding_provision": "第三条第（八）项",
    }
    refused = clerk.post(
        "/cases/new/deliberation-division",
        data={**form, "mechanism": ""},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "负责食用农产品进入市场前的质量安全监管。" in refused.get_data(
        as_text=True
    )
    sent = clerk.post("/cases/new/deliberation-division", data=form, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)
    [body] = desk.get("bb.clerk", "/deliberation-bodies").json
    assert body["members"][0]["tasks"][0]["sanding_provision"] == "第三条第（八）项"
