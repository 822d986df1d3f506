"""第20条 as 海曙区 adopts it (第39条), in the browser: 梁宇, 海曙区编办's admin, registers on
本辖区执行的办理期限 a usual reply range of 7 to 15 working days with its local document — refused first
with the range upside down, beside the field, what he typed kept; then 林晓, the district office's
handler, sees that range on a 海曙区 coordination case's 书面征求意见 form, sets a reply period of 6
working days and is refused, naming the range and the document, and sends it with 12 (outside the
city's 5–10, inside the district's) without a reason. At 390 px and at 1280 px; screenshots under
test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from services.intake.app import create_app as create_intake
from services.intake.usecases import directory

pytestmark = pytest.mark.browser
SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第二十条"
TITLE = "关于农贸市场活禽交易监管职责分工的协调申请"


def _suite(suite_of: Any) -> Any:
    suite = suite_of("intake", "deadlines")
    intake = suite.runtimes["intake"]
    urls = {**intake.settings.service_urls, "deadlines": suite.address}  # the calendar through the address
    intake.settings = intake.settings.with_overrides(service_urls=urls)
    return suite


def _accepted_haishu_case(suite: Any) -> str:
    """A 海曙区 coordination application, accepted (what 宋佳 and 黄波 did on their pages before)."""
    intake = suite.runtimes["intake"]
    api = create_intake(runtime=intake).test_client()

    def call(user: str, path: str, body: dict[str, Any]) -> Any:
        token = directory.development_token(intake, user)
        response = api.post(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 201), response.json
        return response.json

    case = call(
        "hs.scjg.clerk",
        "/cases/coordination-applications",
        {
            "title": TITLE,
            "host_department": "hs-scjg",
            "other_parties": ["hs-bb"],
            "disputed_items": "农贸市场活禽交易环节的日常监管",
            "consultation_failed": True,
            "consultation_history": "两次协商会，未达成一致。",
            "collective_decision": {
                "meeting_date": "2026-11-18",
                "minutes_summary": "局党组会议研究同意申请协调",
            },
            "leaning_opinion": "交易环节由市场监管局监管。",
            "reasons": "职责交叉，基层无所适从。",
            "legal_bases": [{"type": "sanding", "name": "海曙区市场监督管理局三定规定"}],
        },
    )
    call("hs.bb.leader", f"/cases/{case['id']}/accept", {"note": "材料齐全"})
    suite.pump()
    return str(case["id"])


def _action(page: Any, label: str) -> Any:
    details = page.locator("details.action").filter(
        has=page.locator("summary", has_text=re.compile(f"^{re.escape(label)}$"))
    )
    expect(details).to_have_count(1)
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.get_by_role("form", name=label)


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_county_admin_sets_a_reply_range_and_a_handler_is_refused_outside_it_第二十条_第三十九条(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = _suite(suite_of)
    case_id = _accepted_haishu_case(suite)

    admin: Any = person(viewport)
    admin.login(suite.address, "梁宇", then="/admin/periods")
    page = admin.page
    expect(page.get_by_role("heading", name="海曙区执行的办理期限")).to_be_visible()
    expect(page.get_by_role("cell", name="书面征求意见答复期限（第二十条）")).to_be_visible()
    form = page.get_by_role("form", name="登记书面征求意见答复期限")
    form.get_by_label("答复期限下限（工作日）").fill("15")
    form.get_by_label("答复期限上限（工作日）").fill("7")
    form.get_by_label("依据的本地文件（名称及文号）").fill(SOURCE)
    admin.check("reply-range")
    form.get_by_role("button", name="保存书面征求意见答复期限").click()
    form = page.get_by_role("form", name="登记书面征求意见答复期限")
    expect(form.get_by_text("“答复期限上限（工作日）”不能小于下限").first).to_be_visible()
    assert form.get_by_label("答复期限下限（工作日）").input_value() == "15"
    admin.check("reply-range-refused")
    form.get_by_label("答复期限下限（工作日）").fill("7")
    form.get_by_label("答复期限上限（工作日）").fill("15")
    form.get_by_role("button", name="保存书面征求意见答复期限").click()
    expect(page.get_by_role("status")).to_contain_text("已将书面征求意见答复期限设为7至15个工作日")
    expect(page.get_by_text("书面征求意见答复期限：办法规定 → 7至15个工作日")).to_be_visible()
    admin.check("reply-range-saved")
    suite.pump()  # intake hears of it (local_rules.changed)

    handler: Any = person(viewport)
    handler.login(suite.address, "林晓", then=f"/cases/{case_id}")
    page = handler.page
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    form = _action(page, "书面征求意见")
    form.get_by_role("group", name="征求意见的部门").get_by_label("海曙区市场监督管理局").check()
    form.get_by_label("征求意见的事项").fill("请对农贸市场活禽交易环节监管分工提出意见")
    expect(form.get_by_text("一般为7至15个工作日（第二十条；本地规定：").first).to_be_visible()
    expect(form.get_by_label("答复期限超出7至15个工作日的理由")).to_be_visible()
    form.get_by_label("答复期限（工作日）").fill("6")
    form.get_by_role("button", name="书面征求意见").click()
    expect(page.get_by_text(re.compile("答复期限一般为7至15个工作日.*本地规定")).first).to_be_visible()
    handler.check("solicit-refused")

    form = _action(page, "书面征求意见")
    assert form.get_by_label("答复期限（工作日）").input_value() == "6"
    form.get_by_label("答复期限（工作日）").fill("12")
    form.get_by_role("button", name="书面征求意见").click()
    expect(page.get_by_role("status")).to_contain_text("已办理")
    handler.check("solicit-sent")
