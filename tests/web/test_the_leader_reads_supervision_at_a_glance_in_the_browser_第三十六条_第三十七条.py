"""The office's leader opens 监督统计 in the browser at a phone's 390 px and the PC client's 1280 px, reads
the charts (server-side SVG, Chinese labels, nothing fetched), follows a figure to its cases and a case to its
page (第三十六条、第三十七条)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from services.intake.app import create_app
from services.intake.usecases import directory

pytestmark = pytest.mark.browser

APPLICATION = {
    "title": "关于餐厨垃圾收运监管职责分工的协调申请",
    "host_department": "nb-zhzf",
    "other_parties": ["nb-sthj"],
    "disputed_items": "餐厨垃圾收运环节的日常监管",
    "consultation_failed": True,
    "consultation_history": "两次协商会，未达成一致。",
    "collective_decision": {"meeting_date": "2026-11-18", "minutes_summary": "局党组会议研究同意申请协调"},
    "leaning_opinion": "收运环节由综合行政执法局监管。",
    "reasons": "职责交叉，基层无所适从。",
    "legal_bases": [{"type": "sanding", "name": "宁波市综合行政执法局三定规定"}],
}


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_leader_reads_the_dashboard_and_opens_the_cases_behind_a_figure(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake")
    runtime = suite.runtimes["intake"]
    client = create_app(runtime=runtime).test_client()

    def auth(user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {directory.development_token(runtime, user)}"}

    case_id = client.post(
        "/api/v1/cases/coordination-applications", json=APPLICATION, headers=auth("zhzf.clerk")
    ).json["id"]
    client.post(f"/api/v1/cases/{case_id}/accept", json={"note": "材料齐全"}, headers=auth("bb.head"))

    leader = person(viewport)
    leader.login(suite.address, "王建国")
    page = leader.page
    page.get_by_role("link", name="监督统计").first.click()  # in the menu of every page for the office
    expect(page.get_by_role("heading", name="监督统计", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="各类事项及办理阶段")).to_be_visible()
    expect(page.get_by_text("收到申请至受理（第十七条）")).to_be_visible()
    box = page.get_by_role("img", name="各类事项及办理阶段").bounding_box()
    # the chart scales down on a phone and stops at 440 px (labels ≤ 16 px)
    assert box is not None and box["width"] <= 440
    leader.check("dashboard")

    page.get_by_role("link", name="1", exact=True).first.click()
    expect(page.get_by_role("heading", name="监督统计 · 事项（1）")).to_be_visible()
    leader.check("cases-behind-a-figure")
    page.get_by_role("link", name=APPLICATION["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("餐厨垃圾")
