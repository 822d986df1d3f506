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
