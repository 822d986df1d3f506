"""The office's leader opens one page and sees the state of supervision of the jurisdiction for a period
(第三十六条、第三十七条): cases by kind and stage, statutory steps on time and late per article and per
department, what is overdue now (oldest first), the working days to acceptance and to opinion, the share of
written replies deemed no objection (第二十条), rectifications open, corrected, referred; every figure opens
its cases, and both the figures and any list export to Excel with Chinese headers, dates as dates and the
filters written at the top."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from html import unescape
from typing import Any

from casework_support import Desk, accepted_application, filing_body
from openpyxl import load_workbook

from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared.contracts import case_ref, party
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
    findings = {unescape(h) for h in re.findall(r'href="(/supervision/findings\?[^"]+)"', html)}
    rect_link = next(h for h in findings if "state=open" in h and "late" not in h)
    assert f"/cases/{made['rectification']}" in desk.client.get(rect_link).get_data(as_text=True)
    late_rect = next(h for h in findings if "state=open_late" in h)  # 未按要求及时纠正
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


def _devolution_task(
    task_id: str, due: date | None, jurisdiction: str = "330200", **extra: Any
) -> dict[str, Any]:
    _service, case_id, step, *subject = task_id.split(":")
    return {
        "task_id": task_id,
        "case": case_ref(
            service="devolution",
            kind="devolution",
            id=case_id,
            title=f"关于下放职责的申请（{case_id}）",
            jurisdiction=jurisdiction,
        ),
        "step": step,
        "step_name": "审核论证" if step == "review" else "运行情况专项报告",
        "article": "第三十四条" if step == "review" else "第三十五条",
        "assignee": party("department", subject[0], "330203")
        if subject
        else party("role", "office_clerk", jurisdiction),
        "due_date": due.isoformat() if due else None,
        "opened_at": f"{(today() - timedelta(days=40)).isoformat()}T09:00:00+08:00",
        "url": f"/devolution/{case_id}",
        "department": "nb-scjg",
        **extra,
    }


def _closed(desk: Desk, task_id: str, on: date) -> None:
    desk.deliver(
        "task.closed",
        {"task_id": task_id, "outcome": "done", "at": f"{on.isoformat()}T12:00:00+08:00"},
        "devolution",
    )


def test_devolution_reviews_on_time_and_late_each_open_their_devolutions_第三十四条(make_runtime) -> None:
    """From devolution's task events kept in intake's worklist (no devolution import): 审核论证 on time or
    late (第三十四条), each figure a link to its devolutions, all in the ledger. (The figures per devolving
    department, 第三十五条 included, come from devolution's own events: tests/devolution.)"""
    desk = Desk(make_runtime("intake"))
    t = today()
    sent = {
        "devolution:dv-a:review": t - timedelta(days=5),  # closed before its date: on time
        "devolution:dv-b:review": t - timedelta(days=5),  # closed after it: late
        "devolution:dv-c:review": t - timedelta(days=1),  # still open, its date passed: late
        "devolution:dv-d:review": t + timedelta(days=3),  # its date after the period
        "devolution:dv-e:half_year_report:hs-scjg": t - timedelta(days=3),  # not a review
        "devolution:dv-z:review": t - timedelta(days=5),  # another jurisdiction's
    }
    for task_id, due in sent.items():
        where = "330300" if "dv-z" in task_id else "330200"
        desk.deliver("task.opened", _devolution_task(task_id, due, where), "devolution")
    _closed(desk, "devolution:dv-a:review", t - timedelta(days=7))
    _closed(desk, "devolution:dv-b:review", t - timedelta(days=2))
    _closed(desk, "devolution:dv-z:review", t - timedelta(days=1))

    _log_in(desk, "bb.leader")
    start = (t - timedelta(days=60)).isoformat()
    html = desk.client.get(f"/supervision?from={start}&to={t.isoformat()}").get_data(as_text=True)
    assert "职责下放（第三十三条至第三十五条）" in html
    card = html[html.index("职责下放（第三十三条至第三十五条）") :]
    counts = dict(re.findall(r"<td>([^<]+)</td><td><a href=\"[^\"]+\">(\d+)</a>", card))
    assert counts == {"审核论证按期办结": "1", "审核论证逾期（逾期办结或已过期限未办结）": "2"}
    links = {unescape(h) for h in re.findall(r'href="(/supervision/cases\?[^"]+devolution=[^"]+)"', card)}
    late_reviews = desk.client.get(next(h for h in links if "review_late" in h)).get_data(as_text=True)
    assert 'href="/devolution/dv-b"' in late_reviews and 'href="/devolution/dv-c"' in late_reviews
    assert (
        "dv-a" not in late_reviews and "dv-z" not in late_reviews and "审核论证（第三十四条）" in late_reviews
    )
    assert "监督统计 · 事项（2）" in late_reviews

    ledger = desk.client.get(next(h for h in links if "review_late" in h).replace("cases?", "cases.xlsx?"))
    sheet = load_workbook(io.BytesIO(ledger.data)).active
    assert "职责下放：审核论证逾期（逾期办结或已过期限未办结）（第三十四条）" in sheet["A2"].value
    assert {sheet["A5"].value, sheet["A6"].value} == {"dv-b", "dv-c"} and isinstance(sheet["G5"].value, date)
    stats = load_workbook(io.BytesIO(desk.client.get(f"/supervision.xlsx?from={start}").data))["职责下放"]
    assert [c.value for c in stats[4]] == ["条款", "情况", "件数"]
    assert [(r[0].value, r[2].value) for r in stats.iter_rows(min_row=5)] == [
        ("第三十四条", 1),
        ("第三十四条", 2),
    ]
