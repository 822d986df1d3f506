"""The register of deliberation and coordination bodies (第二十九条) is a record of its own: the office enters
a body with the document that set it up before anything is filed, a body's first filing enters it otherwise,
and each filing becomes the body's current division; the office registers on the page, a department sees the
bodies it leads or belongs to, and names — never codes — are shown."""

from __future__ import annotations

import re
from typing import Any

import pytest
from casework_support import Desk

from services.intake.app import create_app
from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared.web import session as web_session

BODIES = "/deliberation-bodies"
FOOD_SAFETY = "宁波市食品安全委员会"


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _body(**changes: Any) -> dict[str, Any]:
    return {
        "name": FOOD_SAFETY,
        "lead_department": "nb-scjg",
        "member_departments": ["nb-nyj", "nb-zhzf"],
        "established_by": "甬政办发〔2019〕12号",
        **changes,
    }


def _division() -> dict[str, Any]:
    return {
        "body_name": FOOD_SAFETY,
        "lead_department": "nb-scjg",
        "mechanism": "每季度召开成员单位联络员会议。",
        "residual_responsibility": "暂无部门承担的事项由牵头单位先行负责。",
        "members": [
            {
                "department": "nb-nyj",
                "tasks": [{"task": "负责食用农产品产地环节监管。", "sanding_provision": "三定第三条"}],
            }
        ],
    }


def _browser(desk: Desk, user_id: str) -> Any:
    client = create_app(runtime=desk.runtime).test_client()
    started = web_session.new_session(
        desk.runtime.settings, session_user(desk.runtime, directory.find_person(desk.runtime, user_id))
    )
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, desk.runtime.settings), path="/")
    return client, started.csrf_token


def test_the_office_registers_a_body_before_any_filing_and_the_filing_becomes_its_division_第二十九条(
    desk,
) -> None:
    registered = desk.post("bb.clerk", BODIES, _body())
    assert registered.status_code == 201, registered.json
    [entry] = desk.get("bb.clerk", BODIES).json
    assert (entry["body_name"], entry["lead_name"], entry["established_by"]) == (
        FOOD_SAFETY,
        "宁波市市场监督管理局",
        "甬政办发〔2019〕12号",
    )
    assert entry["current_case_id"] is None and entry["status_name"] == "已登记，尚未抄送成员单位分工"
    assert [m["name"] for m in entry["members"]] == ["宁波市农业农村局", "宁波市综合行政执法局"]

    twice = desk.post("bb.clerk", BODIES, _body())
    assert twice.status_code == 409 and [e["field"] for e in twice.json["errors"]] == ["name"]
    assert desk.post("scjg.clerk", BODIES, _body(name="另一个机构")).status_code == 403
    other_lead = desk.post(
        "sthj.clerk", "/cases/deliberation-divisions", {**_division(), "lead_department": "nb-sthj"}
    )
    assert other_lead.status_code == 422 and "lead_department" in {
        e["field"] for e in other_lead.json["errors"]
    }

    filed = desk.post("scjg.clerk", "/cases/deliberation-divisions", _division())
    assert filed.status_code == 201, filed.json
    [entry] = desk.get("bb.clerk", BODIES).json
    assert entry["current_case_id"] == filed.json["id"] and entry["established_by"] == "甬政办发〔2019〕12号"
    assert [m["name"] for m in entry["members"]] == ["宁波市农业农村局"]  # as the division now stands
    assert [b["body_name"] for b in desk.get("nyj.clerk", BODIES).json] == [FOOD_SAFETY]
    assert desk.get("sthj.clerk", BODIES).json == []


def test_a_first_filing_enters_its_body_on_the_register_第二十九条(desk) -> None:
    filed = desk.post("scjg.clerk", "/cases/deliberation-divisions", _division())
    assert filed.status_code == 201, filed.json
    [entry] = desk.get("bb.clerk", BODIES).json
    assert entry["registered_by"] == "宁波市市场监督管理局（首次抄送时登记）"
    assert entry["current_case_id"] == filed.json["id"] and entry["established_by"] is None


def test_the_office_registers_on_the_page_and_a_refusal_sits_beside_the_field_第二十九条(desk) -> None:
    office, token = _browser(desk, "bb.clerk")
    page = office.get(BODIES).get_data(as_text=True)
    assert re.search(r"<h1[^>]*>议事协调机构名册", page), page[:500]
    assert "登记议事协调机构" in page and 'name="established_by"' in page
    missing = office.post(
        BODIES, data={"csrf_token": token, "name": FOOD_SAFETY, "lead_department": "nb-scjg"}
    )
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert "请写明设立该机构的文件名称及文号" in html and f'value="{FOOD_SAFETY}"' in html
    done = office.post(
        BODIES,
        data={
            "csrf_token": token,
            "name": FOOD_SAFETY,
            "lead_department": "nb-scjg",
            "member_departments": ["nb-nyj", "nb-zhzf"],
            "established_by": "甬政办发〔2019〕12号",
        },
    )
    assert done.status_code in (302, 303)
    listed = office.get(done.headers["Location"]).get_data(as_text=True)
    assert "已登记到名册。" in listed and FOOD_SAFETY in listed and "宁波市农业农村局" in listed
    assert not re.search(r"\bnb-[a-z]+\b", re.sub(r'(value|href|name|for|id)="[^"]*"', "", listed))
    member, _ = _browser(desk, "nyj.clerk")
    assert FOOD_SAFETY in member.get(BODIES).get_data(as_text=True)
    assert "登记议事协调机构" not in member.get(BODIES).get_data(as_text=True)
