"""The office's division head in the browser, at a phone's 390 px and the PC client's 1280 px (第三十七条):
the dashboard's 限期纠正 card says 本期无数据 while no order was made; from 各部门限期纠正情况 the head
records a finding on a department (a missing field is named beside it), sees the department's findings and
their state, and the dashboard's 限期纠正 figure opens the finding behind it."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from services.intake.app import create_app
from services.intake.usecases import directory
from shared.localtime import today

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
TITLE = "关于市交通运输局未按三定规定履行网约车监管职责的限期纠正"


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_head_records_a_finding_and_follows_it_from_the_dashboard_第三十七条(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake")
    runtime = suite.runtimes["intake"]
    client = create_app(runtime=runtime).test_client()
    token = directory.development_token(runtime, "zhzf.clerk")
    created = client.post(
        "/api/v1/cases/coordination-applications",
        json=APPLICATION,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.json

    head = person(viewport)
    head.login(suite.address, "李强")
    page = head.page
    page.get_by_role("link", name="监督统计").first.click()
    expect(page.get_by_role("heading", name="监督统计", level=1)).to_be_visible()
    card = page.locator(".card", has=page.get_by_role("heading", name="限期纠正（第三十七条）"))
    expect(card.get_by_text("本期无数据。")).to_be_visible()  # no bare zeros, no chart of nothing
    expect(card.get_by_role("img")).to_have_count(0)
    head.check("dashboard-without-rectifications")

    card.get_by_role("link", name="各部门限期纠正情况").click()
    expect(page.get_by_role("heading", name="限期纠正（第三十七条）", level=1)).to_be_visible()
    expect(page.get_by_text("没有符合条件的限期纠正事项。")).to_be_visible()
    head.check("findings-empty")

    page.get_by_role("link", name="记录发现的问题（责令限期纠正）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("责令限期纠正")
    page.get_by_label("标题").fill(TITLE)
    page.get_by_label("责令纠正的部门").select_option(label="宁波市交通运输局")
    page.get_by_label("情形（第三十七条）").select_option(
        label="（一）未按党内法规、法律法规、机构改革方案和“三定”规定等已经明确的职责分工履职"
    )
    page.get_by_label("纠正期限").fill(date(today().year + 1, 1, 29).isoformat())
    page.get_by_role("button", name="责令限期纠正").click()  # 发现的问题 left empty
    expect(page.locator(".field-error").filter(has_text="发现的问题")).to_be_visible()
    head.check("finding-refused-naming-the-field")

    page.get_by_label("发现的问题").fill("网约车平台日常监管未落实，群众投诉无人受理。")
    page.get_by_role("button", name="责令限期纠正").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("网约车")
    head.check("finding-recorded")

    page.goto(suite.address + "/supervision/findings")
    page.get_by_label("部门").select_option(label="宁波市交通运输局")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name="发现的问题（1）")).to_be_visible()
    expect(page.get_by_text("已责令限期纠正", exact=True)).to_be_visible()
    expect(page.get_by_text("李强 记录于")).to_be_visible()
    head.check("a-departments-findings")

    page.goto(suite.address + "/supervision")
    card = page.locator(".card", has=page.get_by_role("heading", name="限期纠正（第三十七条）"))
    expect(card.get_by_role("img", name="限期纠正（第三十七条）")).to_be_visible()
    card.locator("li", has_text="未整改完成").get_by_role("link", name="1", exact=True).click()
    expect(page.get_by_role("heading", name="发现的问题（1）")).to_be_visible()
    head.check("the-finding-behind-a-figure")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("网约车")
