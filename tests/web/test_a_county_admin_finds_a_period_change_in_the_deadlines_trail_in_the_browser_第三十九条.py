"""等保 2.0 安全审计 across the services, in the browser through the one address: 梁宇, 海曙区编办's admin,
registers a local period (第三十九条) on the deadlines service's page, opens 审计日志 from the menu (intake's
trail), goes to 期限服务's — served by deadlines itself — and finds the change with his name, the address
the gateway saw and the local document; he filters it, exports it to Excel and 校验 says 完整. At 390 px and
at 1280 px; screenshots under test-artifacts/."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第十七条"


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_county_admin_finds_his_period_change_in_the_deadlines_trail_第三十九条(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake", "deadlines")
    admin: Any = person(viewport)
    admin.login(suite.address, "梁宇", then="/admin/periods")
    page = admin.page
    page.get_by_role("combobox", name="期限（必填）").select_option(
        label="受理决定（第十七条，办法规定5个工作日）"
    )
    page.get_by_label("本地期限（工作日）").fill("3")
    page.get_by_label("本地文件名称及文号").fill(SOURCE)
    page.get_by_role("button", name="保存本地期限").click()
    expect(page.get_by_role("status")).to_contain_text("已将受理决定期限设为3个工作日")

    page.goto(suite.address + "/")
    if viewport == "phone" and page.get_by_role("button", name="菜单").count():
        page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="审计日志").first.click()
    expect(page.get_by_role("heading", name="审计日志", level=1)).to_be_visible()
    page.get_by_role("link", name="期限服务").click()
    expect(page.get_by_text("海曙区 · 期限服务")).to_be_visible()
    expect(page.get_by_text("海曙区将受理决定（第十七条）期限设为3个工作日")).to_be_visible()
    expect(page.get_by_text(SOURCE).first).to_be_visible()
    expect(page.get_by_text("梁宇").first).to_be_visible()
    expect(page.get_by_text("127.0.0.1").first).to_be_visible()  # the address the gateway saw
    admin.check("deadlines-trail")

    page.get_by_label("操作类型").select_option(label="设定本地办理期限")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="共 1 条记录")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet["A1"].value.startswith("审计日志（海曙区 · 期限服务）")
    assert [r[6] for r in sheet.iter_rows(min_row=6, values_only=True)] == ["设定本地办理期限"]

    page.get_by_role("button", name="校验").click()
    expect(page.get_by_role("status")).to_contain_text("完整")
    expect(page.get_by_role("status")).not_to_contain_text("不完整")
    admin.check("deadlines-trail-intact")
