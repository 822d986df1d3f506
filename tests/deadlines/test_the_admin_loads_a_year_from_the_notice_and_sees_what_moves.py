"""The office admin keeps the calendar in the browser: which years are loaded and from which notice, the
missing-year warning, loading a year from the State Council notice's own wording or holiday-cn's JSON with a
preview of every open clock whose due date would move (nothing stored until confirmed), and local closures
with their reason (第二十二条: a period reaching an unloaded year is provisional until it is loaded)."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from deadlines_support import NINGBO, shanghai
from freezegun import freeze_time

from services.deadlines.app import create_app
from services.deadlines.domain.chinesecalendar_source import year_data
from services.deadlines.domain.notice import NoticeUnreadable, parse_holiday_cn, parse_notice_text
from services.deadlines.tables import ClockRecord
from shared.contracts import NOTIFY_SEND
from shared.web import session as web_session

NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。"""

NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（周五）至11日（周四）放假调休，共7天。2月13日（周六）上班。"""

HOLIDAY_CN_2027 = {
    "year": 2027,
    "papers": ["https://www.gov.cn/zhengce/content/2026-11/01/content_0000000.htm"],
    "days": [
        {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
        *[{"name": "春节", "date": f"2027-02-{d:02d}", "isOffDay": True} for d in range(5, 12)],
        {"name": "春节", "date": "2027-02-13", "isOffDay": False},
    ],
}


def test_the_notices_own_wording_gives_the_same_days_as_the_holiday_packages() -> None:
    parsed = parse_notice_text(NOTICE_2025, 2025, source="国办发明电〔2024〕12号")
    known = year_data(2025)
    assert set(parsed.adjusted_workdays) == set(known.adjusted_workdays)
    assert set(parsed.holidays) - {d for d in parsed.holidays if d.weekday() >= 5} == {
        d for d in known.holidays if d.weekday() < 5
    }  # the working days the notice takes off are exactly the package's


def test_holiday_cn_json_and_iso_lines_are_read_too() -> None:
    data = parse_holiday_cn(json.dumps(HOLIDAY_CN_2027))
    assert (
        data.year == 2027 and len(data.holidays) == 8 and list(data.adjusted_workdays) == [date(2027, 2, 13)]
    )
    assert data.source.startswith("holiday-cn（https://www.gov.cn/")
    lines = parse_notice_text("2027-01-01 元旦 放假\n2027-02-13 春节 上班", 2027, source="x")
    assert list(lines.holidays) == [date(2027, 1, 1)] and list(lines.adjusted_workdays) == [date(2027, 2, 13)]
    with pytest.raises(NoticeUnreadable) as refused:
        parse_notice_text("随便写点什么", 2027, source="x")
    assert refused.value.fields == {"text": [refused.value.fields["text"][0]]}


ADMIN = web_session.SessionUser(
    "bb.admin",
    "赵磊",
    NINGBO,
    "nb-bb",
    frozenset({"office_admin"}),
    "中共宁波市委机构编制委员会办公室",
    "宁波市",
)


@pytest.fixture
def admin(deadlines) -> Any:  # type: ignore[no-untyped-def]
    client = create_app(runtime=deadlines).test_client()
    started = web_session.new_session(deadlines.settings, ADMIN)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, deadlines.settings), path="/")
    client.csrf = started.csrf_token  # type: ignore[attr-defined]
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_calendar_page_lists_the_years_and_warns_of_the_missing_one(admin) -> None:  # type: ignore[no-untyped-def]
    with freeze_time("2026-11-20 02:00:00"):
        page = admin.get("/admin/calendar")
    text = _text(page.get_data(as_text=True))
    assert page.status_code == 200
    assert "2027年的节假日安排尚未载入" in text and "国务院办公厅关于2026年部分节假日安排的通知" in text
    assert "宁波市的本地调整" in text and "bb.admin" not in text


def test_a_department_clerk_cannot_open_the_calendar_admin(deadlines) -> None:  # type: ignore[no-untyped-def]
    client = create_app(runtime=deadlines).test_client()
    clerk = web_session.SessionUser("scjg.clerk", "周婷", NINGBO, "nb-scjg", frozenset({"dept_clerk"}))
    client.set_cookie(
        web_session.COOKIE_NAME,
        web_session.dump(web_session.new_session(deadlines.settings, clerk), deadlines.settings),
    )
    assert client.get("/admin/calendar").status_code == 403
    assert client.get("/admin/calendar", headers={}).mimetype == "text/html"


def test_loading_a_year_previews_every_moving_clock_and_stores_nothing_until_confirmed(
    admin, deadlines, start_clock, sent
) -> None:  # type: ignore[no-untyped-def]
    start_clock(rule="coordination_opinion", at=shanghai(2026, 12, 10))  # 30 working days: into 2027
    form = {
        "csrf_token": admin.csrf,
        "year": "2027",
        "source": "国务院办公厅关于2027年部分节假日安排的通知",
        "text": NOTICE_2027,
    }
    preview = admin.post("/admin/calendar/load", data=form)
    text = _text(preview.get_data(as_text=True))
    assert preview.status_code == 200, text[:400]
    assert "关于海域使用监管职责分工的协调申请" in text and "协调意见（第二十二条）" in text
    assert "2027年1月21日（星期四）（暂定）" in text and "2027年1月22日（星期五） （确定）" in text
    with deadlines.db.transaction() as session:
        assert session.get(ClockRecord, "clk-1").due_date == date(2027, 1, 21)  # not yet
    assert sent.of_type(NOTIFY_SEND) == []
    payload = re.search(r'name="payload" value="([^"]+)"', preview.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    import html

    done = admin.post(
        "/admin/calendar/confirm", data={"csrf_token": admin.csrf, "payload": html.unescape(payload)}
    )
    assert done.status_code == 303
    page = _text(admin.get(done.headers["Location"]).get_data(as_text=True))
    assert "已载入2027年节假日安排；重新计算 1 项计时，其中 1 项到期日有变化" in page
    with deadlines.db.transaction() as session:
        assert session.get(ClockRecord, "clk-1").due_date == date(2027, 1, 22)
    assert [e["payload"]["template"] for e in sent.of_type(NOTIFY_SEND)] == ["due_date_changed"]


def test_an_unreadable_paste_keeps_what_was_typed_and_says_why_beside_the_field(admin) -> None:  # type: ignore[no-untyped-def]
    form = {
        "csrf_token": admin.csrf,
        "year": "2027",
        "source": "某通知",
        "text": "二〇二七年放假安排另行通知",
    }
    page = admin.post("/admin/calendar/load", data=form)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "二〇二七年放假安排另行通知</textarea>" in html and 'value="某通知"' in html
    assert re.search(r'class="field-error"[^>]*>通知中的放假和调休安排：没有识别出', html)


def test_holiday_cn_json_can_be_uploaded(admin) -> None:  # type: ignore[no-untyped-def]
    import io

    upload = (io.BytesIO(json.dumps(HOLIDAY_CN_2027, ensure_ascii=False).encode()), "2027.json")
    page = admin.post(
        "/admin/calendar/load",
        data={"csrf_token": admin.csrf, "year": "2027", "source": "", "text": "", "file": upload},
        content_type="multipart/form-data",
    )
    text = _text(page.get_data(as_text=True))
    assert page.status_code == 200 and "放假日（8 天）" in text and "2027年2月13日（星期六） · 春节" in text


def test_a_typhoon_closure_is_recorded_with_its_reason_for_the_jurisdiction(admin, deadlines) -> None:  # type: ignore[no-untyped-def]
    missing = admin.post(
        "/admin/calendar/overrides", data={"csrf_token": admin.csrf, "date": "2026-12-21", "kind": "closure"}
    )
    assert missing.status_code == 422 and 'value="2026-12-21"' in missing.get_data(as_text=True)
    form = {"csrf_token": admin.csrf, "date": "2026-12-21", "kind": "closure", "reason": "台风停止办公"}
    done = admin.post("/admin/calendar/overrides", data=form)
    page = _text(admin.get(done.headers["Location"]).get_data(as_text=True))
    assert "已保存宁波市的本地调整" in page and "2026年12月21日（星期一） · 停止办公（不计工作日）" in page
    assert "原因：台风停止办公" in page
    withdrawn = admin.post("/admin/calendar/overrides/2026-12-21/withdraw", data={"csrf_token": admin.csrf})
    assert "已撤销2026年12月21日（星期一）的本地调整" in _text(
        admin.get(withdrawn.headers["Location"]).get_data(as_text=True)
    )
