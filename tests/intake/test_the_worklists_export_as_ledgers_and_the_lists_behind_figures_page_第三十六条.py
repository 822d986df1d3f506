"""待办 and 我的办件 export as Excel ledgers (台账) — Chinese headers, dates as dates, the filters written at
the top — as the supervision figures do; and the list behind a figure comes a page at a time, however many
cases it holds, while its ledger holds them all (第三十六条)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

from casework_support import Desk, application_body
from openpyxl import load_workbook

from services.intake.app import create_app
from services.intake.domain.approvals.workdays import weekdays_between
from services.intake.pages.login import session_user
from services.intake.pages.worklist import COUNTER_KEY
from services.intake.usecases import directory
from shared import demo
from shared.contracts import TASK_OPENED, case_ref, party
from shared.messaging import Envelope
from shared.web import session as web_session


class Weekdays:
    def count(self, after: date, through: date) -> tuple[int, bool]:
        return weekdays_between(after, through), False


def _client(runtime: Any, user_id: str) -> Any:
    app = create_app(runtime=runtime)
    app.extensions[COUNTER_KEY] = Weekdays()
    client = app.test_client()
    user = session_user(runtime, directory.find_person(runtime, user_id))
    started = web_session.new_session(runtime.settings, user)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, runtime.settings), path="/")
    return client


def _task(number: int, due: date, department: str = "nb-scjg") -> dict[str, Any]:
    case_id = f"dv-{number}"
    return {
        "task_id": f"devolution:{case_id}:review",
        "case": case_ref(
            service="devolution",
            kind="devolution",
            id=case_id,
            title=f"关于下放第{number}项职责的申请",
            jurisdiction=demo.NINGBO,
        ),
        "step": "devolution_review",
        "step_name": "审核论证",
        "article": "第三十四条",
        "assignee": party("role", "office_clerk", demo.NINGBO),
        "due_date": due.isoformat(),
        "opened_at": datetime(2026, 12, 1, 9, 0).isoformat() + "+08:00",
        "url": f"/devolution/{case_id}",
        "department": department,
    }


def _sheet(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))


def test_the_offices_worklist_exports_with_its_filters_and_dates_as_dates_第三十四条(make_runtime) -> None:
    runtime = make_runtime("intake")
    directory.load_directory(runtime, demo.demo_directory())
    due = date.today() + timedelta(days=20)
    for number, department in ((1, "nb-scjg"), (2, "nb-nyj"), (3, "nb-scjg")):
        envelope = Envelope(
            type=TASK_OPENED,
            payload=_task(number, due + timedelta(days=number), department),
            source="devolution",
        )
        runtime.bus.handle(envelope.to_dict())
    office = _client(runtime, "bb.clerk")

    page = office.get("/worklist?department=nb-scjg").get_data(as_text=True)
    assert 'href="/worklist.xlsx?department=nb-scjg"' in page and "导出台账（Excel）" in page
    rows = _sheet(office.get("/worklist.xlsx?department=nb-scjg"))
    assert rows[0][0] == "宁波市编办待办事项台账"
    assert "部门：宁波市市场监督管理局" in str(rows[1][0]) and "办理状态：未办结" in str(rows[1][0])
    assert rows[3][:4] == ("事项", "类别", "办理环节", "条款")
    data = rows[4:]
    assert [r[0] for r in data] == ["关于下放第1项职责的申请", "关于下放第3项职责的申请"]
    assert data[0][4] == "宁波市市场监督管理局" and data[0][3] == "第三十四条"
    assert isinstance(data[0][6], datetime) and data[0][6].date() == due + timedelta(days=1)
    assert all("nb-" not in str(cell) for row in rows for cell in row)
    assert _client(runtime, "scjg.clerk").get("/worklist.xlsx").status_code == 403


def test_a_departments_cases_export_as_its_ledger_第十六条(make_runtime) -> None:
    desk = Desk(make_runtime("intake"))
    created = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body())
    assert created.status_code == 201, created.json
    rows = _sheet(_client(desk.runtime, "zhzf.clerk").get("/my.xlsx?status=all"))
    assert rows[0][0] == "宁波市综合行政执法局办件台账"
    assert "办理状态：全部" in str(rows[1][0])
    assert rows[3] == ("事项", "类别", "当前环节", "由谁办理", "条款", "法定期限", "剩余时间", "办理状态")
    assert [r[0] for r in rows[4:]] == [application_body()["title"]]
    assert _client(desk.runtime, "bb.clerk").get("/my.xlsx").status_code == 403


def test_the_list_behind_a_figure_pages_fifty_at_a_time_and_its_ledger_holds_all_第三十六条(
    make_runtime,
) -> None:
    desk = Desk(make_runtime("intake"))
    for number in range(55):
        body = application_body(title=f"关于第{number}项监管职责分工的协调申请")
        assert desk.post("zhzf.clerk", "/cases/coordination-applications", body).status_code == 201
    office = _client(desk.runtime, "bb.leader")
    year = date.today().year
    query = f"from={year}-01-01&to={year}-12-31&kind=coordination"
    first = office.get(f"/supervision/cases?{query}").get_data(as_text=True)
    assert "监督统计 · 事项（55）" in first and "第 1 页，共 2 页" in first
    assert first.count('<li class="card">') == 50 and "下一页" in first and "上一页" not in first
    second = office.get(f"/supervision/cases?{query}&page=2").get_data(as_text=True)
    assert second.count('<li class="card">') == 5 and "上一页" in second and "下一页" not in second
    assert "关于第0项监管职责分工的协调申请" in second  # the oldest, last
    refused = office.get(f"/supervision/cases?{query}&page=0")
    assert refused.status_code == 422 and "页码" in refused.get_data(as_text=True)
    rows = _sheet(office.get(f"/supervision/cases.xlsx?{query}"))
    assert len(rows) - 4 == 55
