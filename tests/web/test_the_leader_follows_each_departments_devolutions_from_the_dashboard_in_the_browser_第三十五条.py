"""The office's leader reads 各部门职责下放情况 on 监督统计 in the browser at 390 px and 1280 px (第三十四条、
第三十五条): the charts (server-side SVG, Chinese labels), the table stacked per department on a phone, and
from a number the devolution page listing the devolutions behind it, then the devolution itself."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from services.intake.tables import ApprovalRow
from services.intake.usecases import directory

pytestmark = pytest.mark.browser

APPLICATION: dict[str, Any] = {
    "duty_name": "食品小作坊登记",
    "legal_bases": [
        {"type": "law", "name": "浙江省食品小作坊小餐饮店小食杂店和食品摊贩管理规定", "provision": "第十条"}
    ],
    "reasons": {
        "legality": "地方性法规规定由县级部门登记",
        "rationality": "就近登记便于群众",
        "necessity": "基层迫切需要",
        "coordination": "与乡镇执法巡查衔接",
        "support": "同步下沉",
    },
    "performance": {
        "county_level": "区县（市）市场监督管理局负责登记",
        "township_level": "市场监管所现场核查",
    },
    "support_measures": [
        {"kind": kind, "description": f"{kind}同步下沉", "amount": 1, "unit": "项", "due_date": "2027-06-30"}
        for kind in ("staffing_posts", "personnel", "funds", "training", "guidance")
    ],
    "receiving_departments": ["hs-scjg"],
    "related_departments": [],
    "feedback": [
        {
            "department": "hs-scjg",
            "role": "receiving",
            "document_title": "海曙区市场监管局的反馈意见",
            "document_date": "2026-11-10",
            "position": "agree",
        }
    ],
}
REVIEW: dict[str, Any] = {
    "checklist": [
        {"item": item, "satisfied": True, "note": "符合"}
        for item in ("name_and_basis", "reasons", "performance", "support_measures", "feedback")
    ],
    "notes": "具备下放条件",
    "conclusion": "ready",
    "power_list_entries": [
        {
            "code": "330200-SCJG-XK-012",
            "name": "食品小作坊登记",
            "from_department": "nb-scjg",
            "to_level": "county",
        }
    ],
}


def _issued(suite: Any) -> str:
    """A devolution of 市场监管局, issued on 2026-08-31: its half-year report is awaited, not yet due."""
    intake, devolution = suite.runtimes["intake"], suite.runtimes["devolution"]
    from services.devolution.app import create_app as devolution_app
    from services.intake.app import create_app as intake_app

    dv, ik = devolution_app(runtime=devolution).test_client(), intake_app(runtime=intake).test_client()

    def auth(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {directory.development_token(intake, user)}"}

    devolution_id = dv.post("/api/v1/devolutions", json=APPLICATION, headers=auth("scjg.clerk")).json["id"]
    assert (
        dv.post(f"/api/v1/devolutions/{devolution_id}/submission", headers=auth("scjg.clerk")).status_code
        == 200
    )
    suite.pump()
    assert (
        dv.post(
            f"/api/v1/devolutions/{devolution_id}/review", json=REVIEW, headers=auth("bb.clerk")
        ).status_code
        == 200
    )
    suite.pump()
    with intake.db.transaction() as session:
        approval = next(
            a.id for a in session.query(ApprovalRow).all() if a.case_ref.get("id") == devolution_id
        )
    for step_no, leader in enumerate(("bb.head", "bb.leader", "bb.director")):
        body = {"step_no": step_no, "outcome": "approved", "comment": "同意"}
        assert (
            ik.post(f"/api/v1/approvals/{approval}/decisions", json=body, headers=auth(leader)).status_code
            == 200
        )
    suite.pump()
    issuance = {"document_number": "甬编办〔2026〕12号", "document_date": "2026-08-31"}
    issued = dv.post(f"/api/v1/devolutions/{devolution_id}/issuance", json=issuance, headers=auth("bb.clerk"))
    assert issued.status_code == 200, issued.json
    suite.pump()
    return devolution_id


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_leader_opens_a_departments_awaited_half_year_reports_from_the_dashboard(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake", "devolution")
    _issued(suite)

    leader = person(viewport)
    leader.login(suite.address, "王建国")
    page = leader.page
    page.get_by_role("link", name="监督统计").first.click()
    page.get_by_label("起始日期").fill("2026-01-01")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name="各部门职责下放情况")).to_be_visible()
    chart = page.get_by_role("img", name="各部门半年运行情况专项报告（第三十五条）")
    expect(chart).to_be_visible()
    expect(page.get_by_role("img", name="各部门本期正式下放职责（第三十四条）")).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 640
    table = page.get_by_role("table", name="各部门职责下放情况")
    table.scroll_into_view_if_needed()
    leader.check("dashboard-devolution")

    awaited = table.get_by_role("link", name="宁波市市场监督管理局：半年报告待报送（当前，未到期） 1")
    expect(awaited).to_be_visible()
    awaited.click()
    expect(page.get_by_role("heading", name="半年报告待报送（当前，未到期）（第三十五条）")).to_be_visible()
    expect(page.get_by_text("共 1 份，涉及 1 项职责下放")).to_be_visible()
    expect(page.get_by_text("下放部门：宁波市市场监督管理局").first).to_be_visible()
    leader.check("devolutions-behind-a-figure")

    page.get_by_role("link", name="关于下放“食品小作坊登记”职责的申请").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("食品小作坊登记")
    leader.check("the-devolution")
