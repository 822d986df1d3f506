"""待办 (the office's worklist) and 我的办件 (a department's): pages over the worklist read model.

``GET /worklist`` — office handlers: everything waiting for the office across services, most urgent statutory
date first, with filters (kind, status, department, jurisdiction, overdue only) and a search (title,
department, document number). ``GET /my`` — a department's people: what waits for their department, and
where to start a new application.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from services.intake.adapters.deadlines_calendar import calendar_for
from services.intake.domain.approvals.workdays import WorkingDayCounter
from services.intake.usecases import audit_log, drafts, worklist
from shared.auth import current_principal
from shared.identity import DEPARTMENT_ROLES, OFFICE_ROLES, Role
from shared.jurisdictions import jurisdiction_name
from shared.service import current_runtime
from shared.web import ledger, pages
from shared.web.forms import Form

worklist_pages = Blueprint("intake_worklist", __name__, template_folder="templates")
COUNTER_KEY = "intake.worklist_counter"

STATUS_OPTIONS = [("open", "未办结"), ("closed", "已办结"), ("all", "全部")]
CASE_STATUS_OPTIONS = [("open", "办理中"), ("closed", "已办结"), ("all", "全部")]
LABELS = {
    "kind": "事项类别",
    "status": "办理状态",
    "department": "部门",
    "jurisdiction": "行政区划",
    "overdue": "只看已逾期",
    "q": "搜索",
}


def _counter() -> WorkingDayCounter:
    """The fallback for tasks without their clock's calendar window (the deadlines calendar API)."""
    from flask import current_app

    fixed = current_app.extensions.get(COUNTER_KEY)
    return fixed or calendar_for(current_runtime().settings, current_principal().jurisdiction)


def _filters() -> tuple[worklist.Filters, Form]:
    args = request.args
    status = args.get("status") or "open"
    filters = worklist.Filters(
        kind=args.get("kind", ""),
        status=status if status in {"open", "closed", "all"} else "open",
        department=args.get("department", ""),
        jurisdiction=args.get("jurisdiction", ""),
        overdue_only=args.get("overdue") == "on",
        search=args.get("q", "")[:100],
    )
    values = {k: args.get(k, "") for k in LABELS} | {"status": filters.status}
    return filters, Form.of(values, LABELS)


@worklist_pages.get("/worklist")
@pages.login_required(*OFFICE_ROLES)
def office_worklist() -> ResponseReturnValue:
    filters, form = _filters()
    runtime, me = current_runtime(), current_principal()
    tasks = worklist.office_worklist(runtime, me, filters, counter=_counter())
    return pages.render_page(
        "intake/worklist.html",
        tasks=tasks,
        drafts=_drafts(runtime, me),
        done={"draft-deleted": "草稿已删除。"}.get(request.args.get("done", "")),
        form=form,
        options=worklist.filter_options(runtime, me),
        statuses=STATUS_OPTIONS,
        filtered=any(request.args.get(k) for k in LABELS if k != "status") or filters.status != "open",
        office_openings=OFFICE_OPENINGS,
        export="/worklist.xlsx?" + request.query_string.decode(),
    )


def _chosen(value: str, options: list[tuple[str, str]], label: str) -> list[str]:
    names = dict(options)
    return [f"{label}：{names.get(value, '全部')}"] if value else []


def _filter_lines(filters: worklist.Filters, options: dict[str, list[tuple[str, str]]]) -> list[str]:
    """The filters as the ledger's head writes them, by name."""
    lines = [f"办理状态：{dict(STATUS_OPTIONS)[filters.status]}"]
    lines += _chosen(filters.kind, options.get("kinds", []), LABELS["kind"])
    lines += _chosen(filters.department, options.get("departments", []), LABELS["department"])
    lines += _chosen(filters.jurisdiction, options.get("jurisdictions", []), LABELS["jurisdiction"])
    if filters.overdue_only:
        lines.append("只看已逾期")
    if filters.search.strip():
        lines.append(f"搜索：{filters.search.strip()}")
    return lines


def _due(task: worklist.TaskView) -> str:
    return "（暂定）" if task.provisional and task.due_date else ""


@worklist_pages.get("/worklist.xlsx")
@pages.login_required(*OFFICE_ROLES)
def office_worklist_xlsx() -> ResponseReturnValue:
    """待办 as a ledger (台账), with the filters of the page it was exported from."""
    filters, _form = _filters()
    runtime, me = current_runtime(), current_principal()
    tasks = worklist.office_worklist(runtime, me, filters, counter=_counter())
    options = worklist.filter_options(runtime, me)
    audit_log.exported(runtime, me, "编办待办事项台账", _filter_lines(filters, options), len(tasks))
    return ledger.ledger(
        "待办",
        f"{jurisdiction_name(me.jurisdiction)}编办待办事项台账",
        _filter_lines(filters, options),
        ["事项", "类别", "办理环节", "条款", "部门", "文号", "法定期限", "剩余时间", "办理状态"],
        (
            [
                t.case_title,
                t.kind_name,
                t.step_name,
                t.article or "",
                t.department_name,
                t.document_number or "",
                t.due_date,
                t.badge + _due(t),
                "未办结" if t.state == "open" else "已办结",
            ]
            for t in tasks
        ),
    )


def _drafts(runtime: Any, me: Any) -> list[dict[str, Any]]:
    """The department's drafts (草稿), intake's and other services', the last saved first."""
    from services.intake.pages.case_new import SUBMISSIONS

    saved: list[dict[str, Any]] = [
        {
            "title": d.title or SUBMISSIONS[d.form_kind].title,
            "kind": SUBMISSIONS[d.form_kind].title,
            "article": SUBMISSIONS[d.form_kind].article,
            "saved_at": d.saved_at,
            "saved_by": d.saved_by_name,
            "href": f"/cases/new/{d.form_kind}?draft={d.id}",
            "delete": f"/cases/drafts/{d.id}/delete",
        }
        for d in drafts.of_department(runtime, me)
        if d.form_kind in SUBMISSIONS
    ] + [  # other services' drafts (devolution's, 第三十三条), as their task events described them
        {
            "title": d.title,
            "kind": NEW_KIND_NAMES.get(d.kind_name, d.kind_name),
            "article": d.article or "",
            "saved_at": d.saved_at,
            "saved_by": "",
            "href": d.url,
            "delete": None,
        }
        for d in worklist.department_drafts(runtime, me)
    ]
    saved.sort(key=lambda d: d["saved_at"], reverse=True)
    return saved


#: what the office starts itself (第二十六条) — linked from its 待办
OFFICE_OPENINGS = [
    (
        "/cases/new/office-coordination",
        "编办启动协调",
        "第二十六条：交办事项、评估发现、新业态、“三定”理解不一致",
    ),
    ("/cases/new/evaluation", "“三定”规定执行情况评估", "第二十六条第二款：评估结果，需要理顺的转入协调"),
    ("/cases/new/reflection", "登记书面反映", "第二十六条第四款：企业、群众或社会团体的书面反映"),
    (
        "/deliberation-bodies",
        "议事协调机构名册",
        "第二十九条：各机构的牵头单位、成员单位、现行分工和历次抄送",
    ),
]


#: how a draft of another service names its kind (the read model's kind names are the cases')
NEW_KIND_NAMES = {"职责下放": "职责下放申请"}

NEW_APPLICATIONS = [
    ("/cases/new/filing", "协商纪要备案", "第十五条：加盖各方党组（党委）印章的协商纪要、协办部门"),
    ("/cases/new/coordination", "职责分工协调申请", "第十六条：分歧事项、协商情况、党组集体研究、依据"),
    ("/cases/new/duty-plan", "主要职责配置和调整方案", "第八条至第十一条：每项职责及其依据、内设机构职责"),
    (
        "/cases/new/deliberation-division",
        "议事协调机构成员单位职责分工",
        "第二十九条：牵头单位抄送成员单位分工及其调整，注明衔接的“三定”规定",
    ),
    ("/cases/new/reflection", "书面反映", "第二十六条第四款：登记企业、群众或社会团体的书面反映"),
    ("/devolution/new", "职责下放申请", "第三十三条：职责名称和依据、理由、履职方式、保障措施、书面反馈意见"),
]


@worklist_pages.get("/my")
@pages.login_required(*DEPARTMENT_ROLES, Role.ORG_REVIEWER)
def my_work() -> ResponseReturnValue:
    filters, form = _filters()
    runtime, me, counter = current_runtime(), current_principal(), _counter()
    waiting = worklist.department_tasks(runtime, me, worklist.Filters(), counter=counter)
    cases = worklist.department_cases(runtime, me, filters, counter=counter)
    saved = _drafts(runtime, me)
    done = {"draft-deleted": "草稿已删除。"}.get(request.args.get("done", ""))
    return pages.render_page(
        "intake/my.html",
        tasks=waiting,
        cases=cases,
        form=form,
        kinds=worklist.case_kinds(runtime, me),
        statuses=CASE_STATUS_OPTIONS,
        filtered=any(request.args.get(k) for k in ("q", "kind")) or filters.status != "open",
        new_applications=NEW_APPLICATIONS,
        drafts=saved,
        done=done,
        export="/my.xlsx?" + request.query_string.decode(),
    )


@worklist_pages.get("/my.xlsx")
@pages.login_required(*DEPARTMENT_ROLES, Role.ORG_REVIEWER)
def my_work_xlsx() -> ResponseReturnValue:
    """我的办件 as a ledger (台账), with the filters of the page it was exported from."""
    filters, _form = _filters()
    runtime, me, counter = current_runtime(), current_principal(), _counter()
    cases = worklist.department_cases(runtime, me, filters, counter=counter)
    kinds = worklist.case_kinds(runtime, me)
    lines = [f"办理状态：{dict(CASE_STATUS_OPTIONS)[filters.status]}"]
    lines += _chosen(filters.kind, kinds, LABELS["kind"])
    lines += [f"搜索：{filters.search.strip()}"] if filters.search.strip() else []
    department = worklist.department_name(runtime, me.department)
    audit_log.exported(runtime, me, "办件台账", lines, len(cases))
    return ledger.ledger(
        "我的办件",
        f"{department}办件台账",
        lines,
        ["事项", "类别", "当前环节", "由谁办理", "条款", "法定期限", "剩余时间", "办理状态"],
        (
            [
                t.case_title,
                t.kind_name,
                t.step_name,
                t.assignee_name if t.state == "open" else "",
                t.article or "",
                t.due_date,
                t.badge + _due(t),
                "办理中" if t.state == "open" else "已办结",
            ]
            for t in cases
        ),
    )
