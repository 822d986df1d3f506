"""The office's 待办: one read model fed by every service's task.* events (shared/contracts.py), one row per
task, most urgent statutory date first (overdue, due today, due soon), with filters and search — and a
department's 我的办件 showing what waits for it (第十七条, 第二十条, 第三十四条, 第三十五条)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.intake.app import create_app
from services.intake.domain.approvals.workdays import weekdays_between
from services.intake.pages.login import session_user
from services.intake.pages.worklist import COUNTER_KEY
from services.intake.tables import WorklistTask
from services.intake.usecases import directory, worklist
from shared import demo
from shared.contracts import TASK_CLOSED, TASK_OPENED, TASK_REASSIGNED, case_ref, party
from shared.messaging import Envelope
from shared.web import session as web_session

TODAY = date(2026, 12, 9)  # a Wednesday


class Weekdays:
    def count(self, after: date, through: date) -> tuple[int, bool]:
        return weekdays_between(after, through), False


@pytest.fixture
def intake(make_runtime):  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    directory.load_directory(runtime, demo.demo_directory())
    return runtime


def _send(runtime: Any, message_type: str, payload: dict[str, Any], source: str = "devolution") -> None:
    runtime.bus.handle(Envelope(type=message_type, payload=payload, source=source).to_dict())


def opened(
    task_id: str,
    *,
    title: str = "关于下放“食品小作坊登记”职责的申请",
    kind: str = "devolution",
    due: date | None = None,
    assignee: dict[str, str] | None = None,
    department: str = "nb-scjg",
    at: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    case_id = task_id.split(":")[1]
    return {
        "task_id": task_id,
        "case": case_ref(service="devolution", kind=kind, id=case_id, title=title, jurisdiction=demo.NINGBO),
        "step": "devolution_review",
        "step_name": "审核论证",
        "article": "第三十四条",
        "assignee": assignee or party("role", "office_clerk", demo.NINGBO),
        "due_date": due.isoformat() if due else None,
        "opened_at": (at or datetime(2026, 12, 1, 9, 0)).isoformat() + "+08:00",
        "url": f"/devolution/{case_id}",
        "department": department,
        **extra,
    }


def _office(runtime: Any, **filters: Any) -> list[worklist.TaskView]:
    me = directory.principal_of(directory.find_person(runtime, "bb.clerk"))
    return worklist.office_worklist(runtime, me, worklist.Filters(**filters), counter=Weekdays(), today=TODAY)


def test_one_row_per_task_and_the_most_urgent_date_first_第三十四条(intake) -> None:
    _send(intake, TASK_OPENED, opened("devolution:dv-later:review", due=TODAY + timedelta(days=14)))
    _send(intake, TASK_OPENED, opened("devolution:dv-none:issuance"))
    _send(intake, TASK_OPENED, opened("devolution:dv-late:review", due=TODAY - timedelta(days=2)))
    _send(intake, TASK_OPENED, opened("devolution:dv-today:review", due=TODAY))
    _send(intake, TASK_OPENED, opened("devolution:dv-soon:review", due=TODAY + timedelta(days=1)))
    # opening again updates the one task: a moved date, never a second row
    _send(
        intake,
        TASK_OPENED,
        opened("devolution:dv-soon:review", due=TODAY + timedelta(days=2), provisional=True),
    )
    tasks = _office(intake)
    assert [t.task_id.split(":")[1] for t in tasks] == [
        "dv-late",
        "dv-today",
        "dv-soon",
        "dv-later",
        "dv-none",
    ]
    assert [t.urgency for t in tasks] == ["overdue", "today", "soon", "later", "none"]
    assert [t.badge for t in tasks] == [
        "已超期 2 个工作日", "今天到期", "剩余 2 个工作日（暂定）", "剩余 10 个工作日", "无法定期限",
    ]  # fmt: skip
    assert tasks[0].department_name == "宁波市市场监督管理局" and tasks[0].kind_name == "职责下放"


def test_filters_and_search_by_title_department_and_document_number(intake) -> None:
    _send(intake, TASK_OPENED, opened("devolution:dv-1:review", due=TODAY - timedelta(days=1)))
    issuance = opened("devolution:dv-2:issuance", title="关于下放“农机登记”职责的申请", department="nb-nyj")
    _send(intake, TASK_OPENED, {**issuance, "document_number": "甬编办〔2026〕12号"})
    coordination = opened("intake:c-3:acceptance", kind="coordination", title="餐厨垃圾监管职责协调")
    _send(intake, TASK_OPENED, {**coordination, "department": "nb-zhzf", "due_date": "2026-12-14"})
    assert [t.task_id for t in _office(intake, kind="coordination")] == ["intake:c-3:acceptance"]
    assert [t.task_id for t in _office(intake, department="nb-nyj")] == ["devolution:dv-2:issuance"]
    assert [t.task_id for t in _office(intake, overdue_only=True)] == ["devolution:dv-1:review"]
    assert [t.task_id for t in _office(intake, search="农业农村")] == [
        "devolution:dv-2:issuance"
    ]  # department name
    assert [t.task_id for t in _office(intake, search="〔2026〕12")] == ["devolution:dv-2:issuance"]
    assert [t.task_id for t in _office(intake, search="餐厨")] == ["intake:c-3:acceptance"]
    options = worklist.filter_options(
        intake, directory.principal_of(directory.find_person(intake, "bb.clerk"))
    )
    assert ("nb-nyj", "宁波市农业农村局") in options["departments"] and ("devolution", "职责下放") in options[
        "kinds"
    ]


def test_only_what_waits_for_this_jurisdictions_office_is_on_its_list(intake) -> None:
    _send(intake, TASK_OPENED, opened("devolution:dv-1:review"))
    _send(
        intake,
        TASK_OPENED,
        opened("devolution:dv-2:review", assignee=party("role", "office_clerk", demo.HAISHU)),
    )
    _send(
        intake,
        TASK_OPENED,
        opened("devolution:dv-3:report", assignee=party("department", "hs-scjg", demo.HAISHU)),
    )
    _send(intake, TASK_OPENED, opened("devolution:dv-4:x", assignee=party("person", "bb.head", demo.NINGBO)))
    _send(
        intake, TASK_OPENED, opened("devolution:dv-5:y", assignee=party("department", "nb-bb", demo.NINGBO))
    )
    assert sorted(t.task_id for t in _office(intake)) == [
        "devolution:dv-1:review", "devolution:dv-4:x", "devolution:dv-5:y",
    ]  # fmt: skip
    haishu = directory.principal_of(directory.find_person(intake, "hs.scjg.clerk"))
    mine = worklist.department_tasks(intake, haishu, worklist.Filters(), counter=Weekdays(), today=TODAY)
    assert [t.task_id for t in mine] == ["devolution:dv-3:report"] and mine[
        0
    ].assignee_name == "海曙区市场监督管理局"


def test_closing_and_reassigning_and_events_arriving_late(intake) -> None:
    _send(intake, TASK_OPENED, opened("devolution:dv-1:review", at=datetime(2026, 12, 1, 9)))
    _send(intake, TASK_REASSIGNED, {"task_id": "devolution:dv-1:review", "at": "2026-12-02T09:00:00+08:00",
                                    "assignee": party("person", "bb.head", demo.NINGBO)})  # fmt: skip
    assert _office(intake)[0].assignee_name == "李强"
    _send(
        intake,
        TASK_CLOSED,
        {"task_id": "devolution:dv-1:review", "outcome": "done", "at": "2026-12-03T10:00:00+08:00"},
    )
    assert _office(intake) == []
    [done] = _office(intake, status="closed")
    assert done.badge == "已办结"
    # an older opening delivered late changes nothing; a newer one reopens the step
    _send(intake, TASK_OPENED, opened("devolution:dv-1:review", at=datetime(2026, 12, 2, 12)))
    assert _office(intake) == []
    _send(intake, TASK_OPENED, opened("devolution:dv-1:review", at=datetime(2026, 12, 4, 9)))
    assert len(_office(intake)) == 1
    # a closing that overtakes its opening: the opening, when it comes, does not bring the task back
    _send(
        intake,
        TASK_CLOSED,
        {"task_id": "devolution:dv-9:review", "outcome": "cancelled", "at": "2026-12-05T10:00:00+08:00"},
    )
    _send(intake, TASK_OPENED, opened("devolution:dv-9:review", at=datetime(2026, 12, 5, 9)))
    assert [t.task_id for t in _office(intake)] == ["devolution:dv-1:review"]
    with intake.db.transaction() as session:
        assert session.query(WorklistTask).count() == 2


def test_a_redelivered_event_changes_nothing_twice(intake) -> None:
    envelope = Envelope(
        type=TASK_OPENED, payload=opened("devolution:dv-1:review"), source="devolution"
    ).to_dict()
    assert intake.bus.handle(envelope) is True
    assert intake.bus.handle(envelope) is False


def _client(intake: Any, user_id: str) -> Any:
    app = create_app(runtime=intake)
    app.extensions[COUNTER_KEY] = Weekdays()
    client = app.test_client()
    user = session_user(intake, directory.find_person(intake, user_id))
    started = web_session.new_session(intake.settings, user)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, intake.settings), path="/")
    return client


def test_the_worklist_page_names_departments_and_dates_in_chinese(intake) -> None:
    due = date.today() + timedelta(days=30)
    _send(intake, TASK_OPENED, opened(f"devolution:dv-{uuid.uuid4().hex[:6]}:review", due=due))
    page = _client(intake, "bb.clerk").get("/worklist?q=&status=open")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count("<h1>") == 1
    text = re.sub(r"<[^>]+>", " ", html)  # what a person reads: option values and links are not shown
    assert "宁波市市场监督管理局" in text and "nb-scjg" not in text
    assert f"{due.year}年{due.month}月{due.day}日（星期" in html and "第三十四条" in html
    for label in ("搜索", "事项类别", "办理状态", "部门", "只看已逾期"):
        assert re.search(rf"<label[^>]*>(<input[^>]*>)?\s*{label}", html), label
    assert _client(intake, "scjg.clerk").get("/worklist").status_code == 403


def test_a_department_sees_what_waits_for_it_on_我的办件(intake) -> None:
    _send(
        intake,
        TASK_OPENED,
        opened("devolution:dv-1:supplement", assignee=party("department", "nb-scjg", demo.NINGBO)),
    )
    html = _client(intake, "scjg.clerk").get("/my").get_data(as_text=True)
    assert "关于下放“食品小作坊登记”职责的申请" in html and "职责下放申请" in html
    assert "关于下放" not in _client(intake, "nyj.clerk").get("/my").get_data(as_text=True)


def test_home_sends_each_person_to_their_work(intake) -> None:
    for user_id, target in [("bb.clerk", "/worklist"), ("bb.leader", "/m/approvals"), ("scjg.clerk", "/my")]:
        response = _client(intake, user_id).get("/")
        assert response.status_code == 303 and response.headers["Location"] == target
    admin = _client(intake, "bb.admin").get("/").get_data(as_text=True)
    assert "工作日历" in admin and "组织目录" in admin


def test_the_admin_reads_the_directory_by_name_with_roles_and_浙政钉_accounts(intake) -> None:
    html = _client(intake, "bb.admin").get("/admin/directory").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "宁波市市场监督管理局" in text and "周婷" in text and "部门经办人" in text and "100007" in text
    assert "nb-scjg" not in text and "dept_clerk" not in text and "海曙区市场监督管理局" not in text
    found = _client(intake, "bb.admin").get("/admin/directory?q=周婷").get_data(as_text=True)
    assert "周婷" in found and "郑洁" not in found
    assert _client(intake, "bb.clerk").get("/admin/directory").status_code == 403


def test_我的办件_lists_every_case_of_the_department_newest_activity_first_with_filters_第三十三条(
    intake,
) -> None:
    _send(
        intake,
        TASK_OPENED,
        opened("devolution:dv-old:review", title="旧的下放申请", at=datetime(2026, 11, 2, 9)),
    )
    _send(
        intake,
        TASK_OPENED,
        opened("devolution:dv-new:review", title="新的下放申请", due=TODAY, at=datetime(2026, 12, 8, 9)),
    )
    _send(
        intake,
        TASK_CLOSED,
        {"task_id": "devolution:dv-old:review", "outcome": "done", "at": "2026-11-20T09:00:00+08:00"},
    )
    clerk = _client(intake, "scjg.clerk")
    html = clerk.get("/my").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "新的下放申请" in text and "旧的下放申请" not in text  # 办理中 by default: an open step
    assert "待编办经办人办理" in text and "法定期限 " in text  # who must act next, the next statutory date
    everything = re.sub(r"<[^>]+>", " ", clerk.get("/my?status=all").get_data(as_text=True))
    assert everything.index("新的下放申请") < everything.index("旧的下放申请")  # newest activity first
    assert "已办结" in everything and "nb-scjg" not in everything
    assert "新的下放申请" not in clerk.get("/my?status=closed").get_data(as_text=True)
    assert "新的下放申请" not in clerk.get("/my?status=all&q=旧的").get_data(as_text=True)
    assert "新的下放申请" not in clerk.get("/my?kind=coordination").get_data(as_text=True)
    for label in ("搜索", "事项类别", "办理状态"):
        assert re.search(rf"<label[^>]*>(<input[^>]*>)?\s*{label}", html), label
    assert "新的下放申请" not in _client(intake, "nyj.clerk").get("/my?status=all").get_data(as_text=True)


def test_the_office_filters_its_worklist_by_jurisdiction_by_name_第三十八条(intake) -> None:
    _send(intake, TASK_OPENED, opened("devolution:dv-j:review", due=TODAY))
    html = _client(intake, "bb.clerk").get("/worklist").get_data(as_text=True)
    assert re.search(r"<label[^>]*>\s*行政区划", html) and "宁波市" in re.sub(r"<[^>]+>", " ", html)
    other = _client(intake, "bb.clerk").get("/worklist?jurisdiction=330203").get_data(as_text=True)
    assert "关于下放" not in re.sub(r"<[^>]+>", " ", other.split("</form>")[-1])
