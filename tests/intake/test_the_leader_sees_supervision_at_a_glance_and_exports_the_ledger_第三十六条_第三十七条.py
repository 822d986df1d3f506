"""The office's leader opens one page and sees the state of supervision of the jurisdiction for a period
(第三十六条、第三十七条): cases by kind and stage, statutory steps on time and late per article and per
department, what is overdue now (oldest first), the working days to acceptance and to opinion, the share of
written replies deemed no objection (第二十条), rectifications open, corrected, referred; every figure opens
its cases, and both the figures and any list export to Excel with Chinese headers, dates as dates and the
filters written at the top."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape

from casework_support import Desk, accepted_application, filing_body
from openpyxl import load_workbook

from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared.localtime import today
from shared.web import session


def _log_in(desk: Desk, user: str) -> None:
    person = session_user(desk.runtime, directory.find_person(desk.runtime, user))
    cookie = session.dump(session.new_session(desk.runtime.settings, person), desk.runtime.settings)
    desk.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)


def _cases(desk: Desk) -> dict[str, str]:
    late = accepted_application(desk)
    solicited = desk.act(
        "bb.clerk",
        late,
        "solicitations",
        {
            "departments": ["nb-zjj"],
            "question": "请对收运环节分工提出意见",
            "reply_working_days": 5,
        },
    ).json
    mine = solicited["solicitations"][-1]
    desk.delivered(late, mine)
    desk.deliver(
        "clock.expired", {"clock_id": mine["clock_id"], "rule": "written_reply", "due_date": "2026-12-07"}
    )
    opinion_clock = f"{late}:coordination_opinion"
    desk.deliver(
        "clock.scheduled",
        {
            "clock_id": opinion_clock,
            "rule": "coordination_opinion",
            "state": "running",
            "due_date": "2026-11-20",
            "provisional": False,
            "remaining_working_days": 0,
            "reason": "started",
        },
    )
    desk.deliver(
        "clock.overdue",
        {
            "clock_id": opinion_clock,
            "rule": "coordination_opinion",
            "due_date": "2026-11-20",
            "overdue_working_days": 8,
            "escalated": False,
        },
    )
    minutes = desk.upload("scjg.clerk").json["id"]
    filing = desk.post("scjg.clerk", "/cases/filings", filing_body(minutes)).json["id"]
    desk.act("bb.head", filing, "file", {"opinion": "同意备案"})
    rectification = desk.post(
        "bb.head",
        "/cases/rectifications",
        {
            "title": "关于市交通运输局未按三定规定履职的限期纠正",
            "department": "nb-jtj",
            "ground": "not_as_defined",
            "facts": "网约车监管职责未落实",
            "due_date": date(today().year + 1, 1, 29).isoformat(),
        },
    ).json["id"]
    return {"late": late, "filing": filing, "rectification": rectification}


def test_one_page_shows_the_figures_and_every_figure_opens_its_cases_第三十六条_第三十七条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    made = _cases(desk)
    _log_in(desk, "bb.leader")
    start = date(today().year, 1, 1).isoformat()
    page = desk.client.get(f"/supervision?from={start}&to={today().isoformat()}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>监督统计</h1>" in html and "<svg" in html and "http" not in re.sub(r'xmlns="[^"]+"', "", html)
    for text in (
        "各类事项及办理阶段",
        "第二十二条",
        "第十五条",
        "当前逾期",
        "收到申请至受理（第十七条）",
        "视为没有不同意见",
        "限期纠正（第三十七条）",
        "宁波市住房和城乡建设局 100%",
    ):
        assert text in html, text
    overdue = html.index("当前逾期")
    assert f'href="/cases/{made["late"]}"' in html[overdue:]  # the overdue case, linked

    links = {unescape(h) for h in re.findall(r'href="(/supervision/cases\?[^"]+)"', html)}
    late_link = next(h for h in links if "rule=coordination_opinion" in h and "late=1" in h)
    listed = desk.client.get(late_link).get_data(as_text=True)
    assert f"/cases/{made['late']}" in listed and made["filing"] not in listed
    rect_link = next(h for h in links if "ordered" in h and "overdue" not in h)
    assert f"/cases/{made['rectification']}" in desk.client.get(rect_link).get_data(as_text=True)
    late_rect = next(h for h in links if "ordered" in h and "overdue=1" in h)  # 未按要求及时纠正
    assert made["rectification"] not in desk.client.get(late_rect).get_data(as_text=True)
    assert "逾期未纠正（未按要求及时纠正，待移交监督检查）" in html

    ledger = desk.client.get(late_link.replace("/supervision/cases?", "/supervision/cases.xlsx?"))
    sheet = load_workbook(io.BytesIO(ledger.data)).active
    assert sheet["A1"].value == "职责管理事项台账"
    assert "法定期限：coordination_opinion" in sheet["A2"].value and "宁波市" in sheet["A2"].value
    assert [c.value for c in sheet[4]][:6] == ["事项编号", "标题", "类别", "办理状态", "部门", "收到日期"]
    assert sheet["A5"].value == made["late"] and isinstance(sheet["F5"].value, date)
    assert sheet["F5"].number_format == "yyyy-mm-dd"

    stats = load_workbook(io.BytesIO(desk.client.get(f"/supervision.xlsx?from={start}").data))
    assert {"事项", "法定期限", "部门", "当前逾期", "视为无不同意见", "办理时长", "限期纠正"} <= set(
        stats.sheetnames
    )
    overdue_sheet = stats["当前逾期"]
    assert overdue_sheet["A5"].value == made["late"] and isinstance(overdue_sheet["D5"].value, date)
    silence = stats["视为无不同意见"]
    assert (silence["A5"].value, silence["D5"].value) == ("宁波市住房和城乡建设局", 1.0)


def test_departments_do_not_see_the_dashboard_and_a_bad_date_is_named_第三十六条(make_runtime) -> None:
    desk = Desk(make_runtime("intake"))
    _log_in(desk, "scjg.clerk")
    assert desk.client.get("/supervision").status_code in (302, 403)
    _log_in(desk, "bb.clerk")
    bad = desk.client.get("/supervision?from=2026-13-01")
    assert bad.status_code == 422 and "起始日期" in bad.get_data(as_text=True)
