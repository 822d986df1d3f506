"""第三十七条: the office's findings on departments — which failing, the evidence (the coordination not
followed, the 三定执行情况评估, the devolution without approval or without its support), who recorded it and
when, the order's date and where it stands — per department and in a list behind each 限期纠正 figure of the
dashboard, and as an Excel ledger with Chinese headers, dates as dates and the filters at the top."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from html import unescape
from typing import Any

import pytest
from casework_support import Desk, accepted_application
from openpyxl import load_workbook

from services.intake.pages.login import session_user
from services.intake.tables import CaseRecord
from services.intake.usecases import directory, rectification
from shared.contracts import case_ref, party
from shared.localtime import today
from shared.web import session

DUE = date(today().year + 1, 1, 29)


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _log_in(desk: Desk, user: str) -> None:
    person = session_user(desk.runtime, directory.find_person(desk.runtime, user))
    cookie = session.dump(session.new_session(desk.runtime.settings, person), desk.runtime.settings)
    desk.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)


def _order(desk: Desk, department: str, ground: str, **evidence: str) -> str:
    body = {
        "title": f"关于{department}的限期纠正（{ground}）",
        "department": department,
        "ground": ground,
        "facts": f"{ground} 的事实",
        "due_date": DUE.isoformat(),
        **evidence,
    }
    made = desk.post("bb.head", "/cases/rectifications", body)
    assert made.status_code == 201, made.json
    return str(made.json["id"])


def _devolution(desk: Desk, devolution_id: str) -> None:
    """Devolution published a task for the application (so intake knows its title and department)."""
    desk.deliver(
        "task.opened",
        {
            "task_id": f"devolution:{devolution_id}:review",
            "case": case_ref(
                service="devolution",
                kind="devolution",
                id=devolution_id,
                title="关于下放农机登记职责的申请",
                jurisdiction="330200",
            ),
            "step": "review",
            "step_name": "审核论证",
            "article": "第三十四条",
            "assignee": party("role", "office_clerk", "330200"),
            "due_date": (today() + timedelta(days=10)).isoformat(),
            "opened_at": f"{today().isoformat()}T09:00:00+08:00",
            "url": f"/devolution/{devolution_id}",
            "department": "nb-nyj",
        },
        "devolution",
    )


def _findings(desk: Desk) -> dict[str, str]:
    coordination = accepted_application(desk)
    evaluation = desk.post(
        "bb.clerk",
        "/cases/evaluations",
        {
            "department": "nb-scjg",
            "period": "2026年度",
            "findings": "网络餐饮服务监管职责未落实到位。",
            "conclusion": "needs_sorting_out",
            "departments_concerned": ["nb-scjg"],
        },
    ).json["id"]
    _devolution(desk, "dv-nj")
    return {
        "coordination": coordination,
        "not_as_defined": _order(desk, "nb-jtj", "not_as_defined"),
        "not_as_coordinated": _order(
            desk, "nb-sthj", "not_as_coordinated", coordination_case_id=coordination
        ),
        "poor_performance": _order(desk, "nb-scjg", "poor_performance", evaluation_case_id=evaluation),
        "devolved_without_approval": _order(
            desk, "nb-nyj", "devolved_without_approval", devolution_id="dv-nj"
        ),
        "other": _order(desk, "nb-jtj", "other"),
    }


def _past_its_date(desk: Desk, case_id: str) -> None:
    """The order's date has passed since it was made (an order's date is always ahead when made)."""
    with desk.runtime.db.transaction() as session:
        record = session.get_one(CaseRecord, case_id)
        record.content = {**record.content, "due_date": (today() - timedelta(days=1)).isoformat()}


def _page(desk: Desk, query: str) -> str:
    response = desk.client.get(f"/supervision/findings?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_each_finding_shows_its_failing_evidence_recorder_date_and_state_第三十七条(desk) -> None:
    made = _findings(desk)
    desk.act(
        "nb-sthj" and "sthj.clerk", made["not_as_coordinated"], "report-correction", {"report": "已落实"}
    )
    desk.act("bb.head", made["not_as_coordinated"], "confirm-correction", {"note": "已核实"})
    rectification.refer_the_uncorrected(desk.runtime, on=DUE + timedelta(days=1))  # the rest: not in time
    _log_in(desk, "bb.head")

    html = _page(desk, "")
    assert "<h1>限期纠正（第三十七条）</h1>" in html and "发现的问题（5）" in html
    for text in (
        "（一）未按党内法规",
        "（二）未按协调后确定的职责分工履职",
        "（三）经职责履行评估发现存在履职不到位情况",
        "（四）未经审批擅自下放职责",
        "（五）存在其他需要限期纠正情形",
        "证据：未执行的协调事项",
        "证据：“三定”执行情况评估",
        "证据：职责下放事项",
        "关于下放农机登记职责的申请",
        "李强 记录于",
        f"纠正期限 {DUE.year}年{DUE.month}月{DUE.day}日",
        "已纠正（按期纠正）",
        "未按要求纠正，按监督检查规定处理（逾期未纠正，系统自动移交）",
        'href="/cases/new/rectification"',
    ):
        assert text in html, text
    assert f'href="/cases/{made["coordination"]}"' in html and 'href="/devolution/dv-nj"' in html

    transport = _page(desk, "department=nb-jtj")  # one department's findings, and their state
    assert "发现的问题（2）" in transport and made["not_as_defined"] in transport
    assert made["poor_performance"] not in transport
    assert 'value="nb-jtj" selected' in transport
    corrected = _page(desk, "state=corrected_in_time")
    assert made["not_as_coordinated"] in corrected and made["other"] not in corrected


def test_the_summary_counts_each_department_and_each_number_opens_its_findings_第三十七条(desk) -> None:
    made = _findings(desk)
    _log_in(desk, "bb.leader")
    html = _page(desk, "")
    links = [unescape(h) for h in re.findall(r'href="(/supervision/findings\?[^"]+)"', html)]
    open_transport = next(
        h for h in links if "department=nb-jtj" in h and "state=open" in h and "late" not in h
    )
    listed = desk.client.get(open_transport).get_data(as_text=True)
    assert "发现的问题（2）" in listed and made["other"] in listed and made["poor_performance"] not in listed
    assert (
        "record" not in listed or "记录发现的问题" not in listed
    )  # a leader may; a clerk is offered nothing
    _log_in(desk, "bb.clerk")
    assert "记录发现的问题" not in _page(desk, "")


def test_the_dashboards_rectification_figures_open_the_findings_behind_them_第三十七条(desk) -> None:
    made = _findings(desk)
    desk.act("sthj.clerk", made["not_as_coordinated"], "report-correction", {"report": "已落实"})
    desk.act("bb.head", made["not_as_coordinated"], "confirm-correction", {"note": "已核实"})
    _past_its_date(desk, made["other"])
    desk.act("jtj.clerk", made["other"], "report-correction", {"report": "逾期后才落实"})
    desk.act("bb.head", made["other"], "confirm-correction", {"note": "已核实"})
    _log_in(desk, "bb.leader")
    start = date(today().year, 1, 1).isoformat()
    html = desk.client.get(f"/supervision?from={start}").get_data(as_text=True)
    card = html[html.index("<h2>限期纠正（第三十七条）</h2>") :].split("</div>")[0]
    figures = {
        unescape(href): int(count)
        for href, count in re.findall(r'<a href="(/supervision/findings\?[^"]+)">(\d+)</a> 件', card)
    }
    assert len(figures) == 5
    for href, count in figures.items():
        listed = desk.client.get(href).get_data(as_text=True)
        assert f"发现的问题（{count}）" in listed, href
    by_state = {re.search(r"state=(\w+)", h).group(1): n for h, n in figures.items()}  # type: ignore[union-attr]
    assert by_state == {"open": 3, "open_late": 0, "corrected_in_time": 1, "corrected_late": 1, "referred": 0}
    late = desk.client.get(next(h for h in figures if "corrected_late" in h)).get_data(as_text=True)
    assert made["other"] in late and "已纠正（逾期后纠正）" in late


def test_a_filter_that_names_nothing_is_refused_beside_its_field_第三十七条(desk) -> None:
    _log_in(desk, "bb.head")
    refused = desk.client.get("/supervision/findings?ground=devolution&department=nb-nowhere")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "部门：本地区没有这个部门" in html  # the first field refused, named beside it
    bad_state = desk.client.get("/supervision/findings?state=lost").get_data(as_text=True)
    assert "办理情况：没有这种办理情况" in bad_state
    bad_date = desk.client.get("/supervision/findings?from=2026-13-01").get_data(as_text=True)
    assert "起始日期：起始日期格式应为 YYYY-MM-DD" in bad_date
    _log_in(desk, "sthj.clerk")
    assert desk.client.get("/supervision/findings").status_code in (302, 403)


def test_the_ledger_has_chinese_headers_dates_as_dates_and_the_filters_at_the_top_第三十七条(desk) -> None:
    made = _findings(desk)
    _log_in(desk, "bb.head")
    response = desk.client.get("/supervision/findings.xlsx?department=nb-jtj&ground=other")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "限期纠正" and sheet["A1"].value == "限期纠正台账（第三十七条）"
    filters = str(sheet["A2"].value)
    assert "行政区划：宁波市" in filters and "部门：宁波市交通运输局" in filters
    assert "情形：（五）存在其他需要限期纠正情形" in filters and "记录期间：" in filters
    headers: list[Any] = [c.value for c in sheet[4]]
    assert headers == [
        "事项编号",
        "标题",
        "部门",
        "情形（第三十七条）",
        "发现的问题",
        "证据",
        "记录人",
        "记录日期",
        "纠正期限",
        "办理情况",
    ]
    assert sheet["A5"].value == made["other"] and sheet["A6"].value is None
    assert (sheet["G5"].value, sheet["J5"].value) == ("李强", "已责令限期纠正")
    assert isinstance(sheet["H5"].value, date) and sheet["I5"].value.date() == DUE
    assert sheet["H5"].number_format == sheet["I5"].number_format == "yyyy-mm-dd"
    refused = desk.client.get("/supervision/findings.xlsx?state=lost")
    assert refused.status_code == 422 and "办理情况：没有这种办理情况" in refused.get_data(as_text=True)
