"""限期纠正 findings (第三十七条) for the office: per department and in a list, each with its failing, its
evidence, who recorded it and when, the order's date and where it stands; the lists behind the dashboard's
限期纠正 figures, and the ledger (台账) of any of them.

``GET /supervision/findings?from=&to=&department=&ground=&state=`` — the page; ``.xlsx`` beside it.
A finding is recorded with the 责令限期纠正 form (``/cases/new/rectification``), linked from here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from services.intake.domain.rectification import RECTIFICATION_GROUND_NAMES
from services.intake.usecases import audit_log, findings, supervision
from shared import localtime
from shared.auth import current_principal
from shared.errors import ValidationFailed
from shared.identity import OFFICE_ROLES
from shared.jurisdictions import jurisdiction_name
from shared.service import current_runtime
from shared.web import pages
from shared.web.forms import Form
from shared.web.ledger import ledger

findings_pages = Blueprint("intake_findings", __name__, template_folder="templates")
FIELDS = ("from", "to", "department", "ground", "state")
LABELS = {"from": "起始日期", "to": "截止日期", "department": "部门", "ground": "情形", "state": "办理情况"}
#: findings per page; the ledger holds them all
PAGE_SIZE = 50
#: who may order a correction (第三十七条), so the page offers the form to them
DECIDERS = ("office_division_head", "office_leader")
HEADERS = (
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
)


def findings_link(period: supervision.Period, wanted: dict[str, str]) -> str:
    """The list of findings behind a figure of ``period``."""
    query = {"from": period.start.isoformat(), "to": period.end.isoformat(), **wanted}
    return "/supervision/findings?" + urlencode(query)


def _typed() -> dict[str, str]:
    return {name: request.args.get(name, "") for name in FIELDS}


def _wanted(departments: dict[str, str]) -> findings.FindingFilter:
    period = supervision.Period.parse(request.args.get("from"), request.args.get("to"), localtime.today())
    return findings.FindingFilter.parse(period, {k: request.args.get(k, "") for k in FIELDS}, departments)


@findings_pages.get("/supervision/findings")
@pages.login_required(*OFFICE_ROLES)
def finding_list() -> ResponseReturnValue:
    runtime, me = current_runtime(), current_principal()
    departments = findings.department_names(runtime, me)
    typed = _typed()
    try:
        wanted = _wanted(departments)
    except ValidationFailed as exc:
        return _page(Form.of(typed, LABELS).with_error(exc, FIELDS), departments, status=422)
    shown = {**typed, "from": wanted.period.start.isoformat(), "to": wanted.period.end.isoformat()}
    form = Form.of(shown, LABELS)
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 1 <= int(page) <= 10_000 else 1
    total = findings.count(runtime, me, wanted)
    rows = findings.listed(runtime, me, wanted, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    here = {k: v for k, v in request.args.items() if k != "page"}
    pages_total = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)

    def page_link(n: int) -> str:
        return "/supervision/findings?" + urlencode({**here, "page": n})

    return _page(
        form,
        departments,
        wanted=wanted,
        rows=rows,
        total=total,
        summary=findings.per_department(runtime, me, wanted),
        link=lambda extra: findings_link(wanted.period, _kept(wanted, extra)),
        filters=wanted.described(departments),
        export="/supervision/findings.xlsx?" + urlencode(here),
        page=number,
        pages_total=pages_total,
        previous=page_link(number - 1) if number > 1 else None,
        next=page_link(number + 1) if number < pages_total else None,
    )


def _kept(wanted: findings.FindingFilter, extra: dict[str, str]) -> dict[str, str]:
    """The filter's ground with a department and a state from a number of the summary."""
    return {k: v for k, v in {"ground": wanted.ground or "", **extra}.items() if v}


def _page(form: Form, departments: dict[str, str], status: int = 200, **context: Any) -> ResponseReturnValue:
    me = current_principal()
    new = "/cases/new/rectification"
    return pages.render_page(
        "intake/findings.html",
        status=status,
        form=form,
        jurisdiction=jurisdiction_name(me.jurisdiction),
        departments=sorted(departments.items(), key=lambda item: item[1]),
        grounds=[
            *((str(g), name) for g, name in RECTIFICATION_GROUND_NAMES.items()),
            (findings.DEVOLUTION, findings.DEVOLUTION_NAME),
        ],
        states=[(key, state.name) for key, state in findings.STATES.items()],
        columns=[(key, state.short) for key, state in findings.STATES.items()],
        record=new + (f"?department={form.value('department')}" if form.value("department") else ""),
        may_record=any(role in me.roles for role in DECIDERS),
        back="/supervision",
        **context,
    )


@findings_pages.get("/supervision/findings.xlsx")
@pages.login_required(*OFFICE_ROLES)
def finding_ledger() -> ResponseReturnValue:
    runtime, me = current_runtime(), current_principal()
    departments = findings.department_names(runtime, me)
    try:
        wanted = _wanted(departments)
    except ValidationFailed as exc:
        return pages.error_page(422, "筛选条件有误", _named(exc))
    filters = [f"行政区划：{jurisdiction_name(me.jurisdiction)}", *wanted.described(departments)]
    rows = findings.listed(runtime, me, wanted)
    audit_log.exported(runtime, me, "限期纠正台账", filters, len(rows))
    return ledger("限期纠正", "限期纠正台账（第三十七条）", filters, HEADERS, (_cells(r) for r in rows))


def _named(error: ValidationFailed) -> str:
    return "；".join(f"{LABELS.get(f, f)}：{'，'.join(m)}" for f, m in error.fields.items()) or error.detail


def _cells(row: dict[str, Any]) -> list[Any]:
    evidence = "；".join(f"{e['label']}：{e['text']}" for e in row["evidence"])
    return [
        row["id"],
        row["title"],
        row["department"],
        row["ground_name"],
        row["facts"],
        evidence,
        row["recorded_by"],
        row["recorded_on"],
        row["due_date"],
        row["status_name"],
    ]
