"""第39条 on the county admin's page (/admin/periods): 海曙区's admin registers the usual reply range
(第二十条), the extension (第二十二条) and the reminder plan, each with its local document — a wrong entry
is refused beside its field, in Chinese, what was typed kept — reads each change with his name in 变更记录,
and goes back to the measures' with the document that says so; intake is told each time. The city's admin
sees the city's and has no form; a clerk does not reach the page."""

from __future__ import annotations

import re
from typing import Any

from deadlines_support import page_client

from shared.contracts import LOCAL_RULES_CHANGED

HAISHU, NINGBO = "330203", "330200"
SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第二十条"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" （", "（").replace(" ：", "：")


def _told(sent: Any) -> list[dict[str, Any]]:
    return [env["payload"]["rules"] for env in sent.of_type(LOCAL_RULES_CHANGED)]


def test_a_county_admin_registers_a_reply_range_refused_first_beside_its_field_第二十条_第三十九条(
    deadlines, sent
):
    admin = page_client(deadlines, "hs.bb.admin", "梁宇", HAISHU)
    page = _text(admin.get("/admin/periods").get_data(as_text=True))
    assert "其他本地规定" in page and "书面征求意见答复期限（第二十条）" in page and "5至10个工作日" in page
    assert "协调意见延长期限（第二十二条）" in page and "可延长一次30个工作日" in page

    form = {
        "csrf_token": admin.csrf,
        "reply_range.min_working_days": "12",
        "reply_range.max_working_days": "8",
    }
    refused = admin.post("/admin/periods/settings/reply_range", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "答复期限上限（工作日）：“答复期限上限（工作日）”不能小于下限" in _text(html)
    assert "应写明规定这一事项的本地文件名称及文号（第三十九条）" in html
    assert 'value="12"' in html and 'value="8"' in html
    assert _told(sent) == []

    nothing = admin.post(
        "/admin/periods/settings/reply_range", data={**form, "reply_range.max_working_days": "x"}
    )
    assert nothing.status_code == 422
    assert "请填写“答复期限上限（工作日）”（整数）" in nothing.get_data(as_text=True)

    saved = admin.post(
        "/admin/periods/settings/reply_range",
        data={
            **form,
            "reply_range.min_working_days": "7",
            "reply_range.max_working_days": "15",
            "reply_range.source": SOURCE,
        },
    )
    assert saved.status_code in (302, 303)
    html = _text(admin.get(saved.headers["Location"]).get_data(as_text=True))
    assert "已将书面征求意见答复期限设为7至15个工作日" in html
    assert "书面征求意见答复期限：办法规定 → 7至15个工作日" in html and SOURCE in html and "梁宇" in html
    assert _told(sent)[-1]["reply_range"] == {"min_working_days": 7, "max_working_days": 15, "source": SOURCE}

    back = admin.post(
        "/admin/periods/settings/reply_range/withdraw",
        data={"csrf_token": admin.csrf, "source": "海编委〔2026〕9号"},
    )
    html = _text(admin.get(back.headers["Location"]).get_data(as_text=True))
    assert "书面征求意见答复期限已恢复执行办法的规定" in html
    assert "书面征求意见答复期限：7至15个工作日 → 办法规定" in html and "海编委〔2026〕9号" in html
    assert _told(sent)[-1] == {}


def test_the_extension_and_the_reminder_plan_are_set_the_same_way_第二十二条_第三十九条(deadlines, sent):
    admin = page_client(deadlines, "hs.bb.admin", "梁宇", HAISHU)
    extension = admin.post(
        "/admin/periods/settings/extension",
        data={"csrf_token": admin.csrf, "extension.working_days": "15", "extension.source": SOURCE},
    )
    assert extension.status_code in (302, 303)
    plan = {
        "csrf_token": admin.csrf,
        "reminders.due_soon_working_days_before": "3",
        "reminders.overdue_every_working_days": "1",
        "reminders.escalate_after_overdue_working_days": "0",
        "reminders.source": SOURCE,
    }
    refused = admin.post("/admin/periods/settings/reminders", data=plan)
    assert refused.status_code == 422
    assert "“逾期几个工作日后报上一级领导”应为 1 至 250 之间的整数" in refused.get_data(as_text=True)
    admin.post(
        "/admin/periods/settings/reminders",
        data={**plan, "reminders.escalate_after_overdue_working_days": "2"},
    )
    html = _text(admin.get("/admin/periods").get_data(as_text=True))
    assert "可延长一次15个工作日" in html
    assert "到期前3个工作日提醒，逾期后每1个工作日提醒，逾期2个工作日报上一级领导" in html
    assert set(_told(sent)[-1]) == {"extension", "reminders"}


def test_the_city_admin_sees_the_citys_and_a_clerk_does_not_reach_the_page_第三十九条(deadlines):
    city = page_client(deadlines, "bb.admin", "赵磊", NINGBO)
    html = city.get("/admin/periods").get_data(as_text=True)
    assert "其他本地规定" in html and '/admin/periods/settings/reply_range"' not in html
    refused = city.post(
        "/admin/periods/settings/extension",
        data={"csrf_token": city.csrf, "extension.working_days": "20", "extension.source": "x"},
    )
    assert refused.status_code == 422 and "市级执行本办法的规定" in refused.get_data(as_text=True)
    clerk = page_client(deadlines, "hs.bb.clerk", "林晓", HAISHU, role="office_clerk")
    assert clerk.post("/admin/periods/settings/extension", data={"csrf_token": clerk.csrf}).status_code == 403
