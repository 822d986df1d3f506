"""The office admin, in the browser through the one address, sees that next year's holidays are not loaded,
pastes the State Council notice, sees every open deadline that will move and to what, confirms, and records
a typhoon closure with its reason — at a phone's 390 px and the 浙政钉 PC client's 1280 px (第二十二条: a
period reaching an unloaded year is provisional until the year is loaded)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shared.contracts import CLOCK_START, case_ref, party
from shared.messaging import Envelope

pytestmark = pytest.mark.browser

NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（周五）至11日（周四）放假调休，共7天。2月13日（周六）上班。"""


@pytest.mark.parametrize("viewport", ["phone", "desk"])
def test_the_admin_loads_2027_and_sees_the_preview_before_confirming(suite_of, person, viewport) -> None:  # type: ignore[no-untyped-def]
    suite = suite_of("intake", "deadlines")
    title = "关于餐厨垃圾收运监管职责分工的协调申请"
    case = case_ref(service="intake", kind="coordination", id="c-9", title=title, jurisdiction="330200")
    start = {"clock_id": "intake:c-9:opinion", "rule": "coordination_opinion", "case": case,
             "owner_service": "intake", "start_at": "2026-12-10T02:00:00+00:00",
             "responsible": [party("role", "office_clerk", "330200")]}  # fmt: skip
    suite.runtimes["deadlines"].bus.handle(
        Envelope(type=CLOCK_START, payload=start, source="intake").to_dict()
    )

    admin = person(viewport)
    admin.login(suite.address, "赵磊")
    page = admin.page
    page.get_by_role("link", name="工作日历").first.click()
    expect(page.get_by_role("heading", name="工作日历", level=1)).to_be_visible()
    expect(page.get_by_text("2027年的节假日安排尚未载入")).to_be_visible()
    admin.check("calendar-missing-year")

    page.get_by_role("link", name="载入2027年节假日安排").click()
    page.get_by_label("通知中的放假和调休安排").fill("明年另行通知")
    page.get_by_role("button", name="预览将受影响的期限").click()
    # beside the field, as labelled
    expect(page.get_by_text("没有识别出任何放假或上班日期").first).to_be_visible()
    assert page.get_by_label("通知中的放假和调休安排").input_value() == "明年另行通知"  # kept as typed
    admin.check("load-refused")

    page.get_by_label("通知中的放假和调休安排").fill(NOTICE_2027)
    page.get_by_role("button", name="预览将受影响的期限").click()
    expect(page.get_by_role("heading", name="预览：2027年节假日安排")).to_be_visible()
    row = page.get_by_role("row", name="关于餐厨垃圾收运监管职责分工的协调申请")
    assert (
        "2027年1月21日（星期四）（暂定）" in row.inner_text()
        and "2027年1月22日（星期五）" in row.inner_text()
    )
    admin.check("preview")

    page.get_by_role("button", name="确认载入2027年节假日安排").click()
    assert (
        page.get_by_role("status")
        .inner_text()
        .startswith("已载入2027年节假日安排；重新计算 1 项计时，其中 1 项到期日有变化")
    )
    expect(page.get_by_role("cell", name="国务院办公厅关于2027年部分节假日安排的通知")).to_be_visible()
    expect(page.get_by_text("2027年的节假日安排尚未载入")).not_to_be_visible()
    admin.check("loaded")

    page.get_by_label("日期").fill("2026-12-21")
    page.get_by_label("停止办公（不计工作日）").check()
    page.get_by_label("原因").fill("台风“梅花”登陆，市政府决定全市停止办公")
    page.get_by_role("button", name="保存本地调整").click()
    expect(page.get_by_text("原因：台风“梅花”登陆，市政府决定全市停止办公")).to_be_visible()
    expect(page.get_by_text("2026年12月21日（星期一） · 停止办公（不计工作日）")).to_be_visible()
    admin.check("typhoon-closure")
