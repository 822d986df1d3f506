"""第39条 in the browser: 梁宇, 海曙区编办's admin, opens 本辖区执行的办理期限 from the calendar page, sees
each fixed working-day limit of the measures, registers the local period of 受理决定 — refused first without
the local document, what he typed kept — and reads the change with his name in 变更记录. At 390 px and at
1280 px; screenshots under test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第十七条"


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_a_county_admin_registers_a_local_period_with_its_document_第三十九条(
    suite_of, person, viewport
) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake", "deadlines")
    admin: Any = person(viewport)
    admin.login(suite.address, "梁宇", then="/admin/calendar")
    page = admin.page
    expect(page.get_by_role("heading", name="工作日历")).to_be_visible()
    page.get_by_role("link", name="本辖区执行的办理期限（第三十九条）").click()
    expect(page.get_by_role("heading", name="海曙区执行的办理期限")).to_be_visible()
    expect(page.get_by_role("cell", name="受理决定（第十七条）")).to_be_visible()
    admin.check("periods")

    rule = page.get_by_role("combobox", name="期限（必填）")
    rule.select_option(label="受理决定（第十七条，办法规定5个工作日）")
    page.get_by_label("本地期限（工作日）").fill("3")
    page.get_by_role("button", name="保存本地期限").click()
    expect(page.get_by_text("应写明规定该期限的本地文件名称及文号（第三十九条）").first).to_be_visible()
    assert page.get_by_label("本地期限（工作日）").input_value() == "3"
    admin.check("periods-refused")

    page.get_by_label("本地文件名称及文号").fill(SOURCE)
    page.get_by_role("button", name="保存本地期限").click()
    expect(page.get_by_role("status")).to_contain_text("已将受理决定期限设为3个工作日")
    expect(page.get_by_text("受理决定：办法规定 → 3个工作日")).to_be_visible()
    expect(page.get_by_text(SOURCE).first).to_be_visible()
    expect(page.get_by_text("梁宇").first).to_be_visible()
    admin.check("periods-saved")
