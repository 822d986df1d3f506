"""The office admin, in the browser through the one address, finds their own log-in and the credential they
just issued in 审计日志, filters by the kind of act, exports it to Excel, and 校验 says 完整 — until someone
with the database owner's rights changes an entry, when it names that entry — at a phone's 390 px and the
浙政钉 PC client's 1280 px (等保 2.0 安全审计)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import text, update

from services.intake.tables import AuditEntry
from shared import audit

pytestmark = pytest.mark.browser
TABLE = AuditEntry.__table__  # type: ignore[attr-defined]


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_admin_reads_filters_exports_and_verifies_the_trail(suite_of, person, viewport) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake")
    admin = person(viewport)
    admin.login(suite.address, "赵磊")
    page = admin.page

    page.goto(suite.address + "/admin/credentials")
    page.get_by_label("使用系统").fill("12345 政务服务热线")
    page.get_by_role("button", name="签发凭证").click()
    expect(page.get_by_role("heading", name="已签发：12345 政务服务热线")).to_be_visible()

    page.goto(suite.address + "/")
    if viewport == "phone" and page.get_by_role("button", name="菜单").count():
        page.get_by_role("button", name="菜单").click()
    page.get_by_role("link", name="审计日志").first.click()
    expect(page.get_by_role("heading", name="审计日志", level=1)).to_be_visible()
    expect(page.get_by_text("登录成功（浙政钉免登）")).to_be_visible()
    expect(page.get_by_text("签发接口凭证：12345 政务服务热线（只读，编办经办人）")).to_be_visible()
    expect(page.get_by_text("127.0.0.1").first).to_be_visible()  # the address the gateway saw
    admin.check("audit-list")

    page.get_by_label("操作类型").select_option(label="签发接口凭证")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="共 1 条记录")).to_be_visible()
    admin.check("audit-filtered")

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet["A2"].value == "筛选条件：操作：签发接口凭证"
    assert [r[6] for r in sheet.iter_rows(min_row=6, values_only=True)] == ["签发接口凭证"]

    page.get_by_role("button", name="校验").click()
    expect(page.get_by_role("status")).to_contain_text("完整")
    expect(page.get_by_role("status")).not_to_contain_text("不完整")
    admin.check("audit-intact")

    with suite.runtimes["intake"].db.engine.begin() as conn:
        for sql in audit.drop_append_only_triggers(conn.dialect.name):
            conn.execute(text(sql))
        conn.execute(update(TABLE).where(TABLE.c.seq == 1).values(client_address="10.9.9.9"))
        for sql in audit.append_only_triggers(conn.dialect.name):  # PostgreSQL's database outlives the test
            conn.execute(text(sql))
    page.get_by_role("button", name="校验").click()
    expect(page.get_by_role("status")).to_contain_text("不完整：第 1 条记录的内容与其哈希不符")
    admin.check("audit-broken")
