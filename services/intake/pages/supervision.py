"""监督统计 (第36–37条): the office's dashboard for its jurisdiction and a period, the case list behind every
figure, and both as an Excel ledger (台账).

``GET /supervision?from=&to=`` — the dashboard (server-side SVG charts, every bar and number a link);
``GET /supervision/cases?...`` — the cases behind a figure; ``.xlsx`` beside each for the ledger.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from services.intake.pages import charts
from services.intake.pages.charts import COLOURS, Row, Segment
from services.intake.pages.findings import findings_link
from services.intake.usecases import audit_log, devolution_figures, supervision
from shared import localtime
from shared.auth import current_principal
from shared.errors import ValidationFailed
from shared.identity import OFFICE_ROLES
from shared.jurisdictions import jurisdiction_name
from shared.service import current_runtime
from shared.web import pages
from shared.web.ledger import dated, sheet_header, workbook_response

supervision_pages = Blueprint("intake_supervision", __name__, template_folder="templates")
FILTER_NAMES = {
    "kind": "事项类别",
    "status": "办理状态",
    "department": "部门",
    "rule": "法定期限",
    "late": "只看逾期",
    "overdue": "已逾期",
    "devolution": "职责下放",
}


def _period() -> supervision.Period:
    return supervision.Period.parse(request.args.get("from"), request.args.get("to"), localtime.today())


def _link(period: supervision.Period, wanted: dict[str, Any]) -> str:
    query = {"from": period.start.isoformat(), "to": period.end.isoformat(), **wanted}
    return "/supervision/cases?" + urlencode(query)


def _devolution_charts(table: dict[str, Any]) -> dict[str, str]:
    """各部门职责下放情况 drawn: the duties each department devolved in the period (第三十四条), and its
    half-year reports (第三十五条) received, awaited and late — every bar a link to its devolutions."""
    rows = table["rows"]

    def cell(row: dict[str, Any], key: str, colour: str, name: str) -> Segment:
        return Segment(row["cells"][key]["count"], colour, row["cells"][key]["href"], name)

    reports = (
        ("report_received", COLOURS["on_time"], "本期已收"),
        ("report_due", COLOURS["main"], "待报送"),
        ("report_late", COLOURS["late"], "逾期未报送"),
    )
    return {
        "devolved": charts.bar_chart(
            "各部门本期正式下放职责（第三十四条）",
            [Row(r["name"], (cell(r, "devolved", COLOURS["main"], "正式下放"),)) for r in rows],
        ),
        "reports": charts.bar_chart(
            "各部门半年运行情况专项报告（第三十五条）",
            [Row(r["name"], tuple(cell(r, *report) for report in reports)) for r in rows],
            legend=[(name, colour) for _key, colour, name in reports],
        ),
    }


def _charts(data: dict[str, Any], period: supervision.Period) -> dict[str, str]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for row in data["by_kind_and_status"]:
        kinds.setdefault(row["kind_name"], []).append(row)
    palette = ["#1d5fa8", "#4f86c6", "#8fb3de", "#2e8b57", "#c0392b", "#e6a23c", "#7f8c8d"]
    by_kind = charts.bar_chart(
        "各类事项及办理阶段",
        [
            Row(
                name,
                tuple(
                    Segment(
                        r["count"], palette[i % len(palette)], _link(period, r["filter"]), r["status_name"]
                    )
                    for i, r in enumerate(rows)
                ),
            )
            for name, rows in kinds.items()
        ],
    )
    legend = [("按期", COLOURS["on_time"]), ("逾期", COLOURS["late"])]

    def on_time_late(rows: list[dict[str, Any]], label: str) -> list[Row]:
        return [
            Row(
                r[label],
                (
                    Segment(r["on_time"], COLOURS["on_time"], _link(period, r["filter"]), "按期"),
                    Segment(r["late"], COLOURS["late"], _link(period, {**r["filter"], "late": "1"}), "逾期"),
                ),
            )
            for r in rows
        ]

    rule_rows = [{**r, "label": f"{r['article']} {r['name'].split('（')[0]}"} for r in data["steps_per_rule"]]
    return {
        "by_kind": by_kind,
        "per_rule": charts.bar_chart(
            "法定步骤按期与逾期（按条款）", on_time_late(rule_rows, "label"), legend=legend
        ),
        "per_department": charts.bar_chart(
            "法定步骤按期与逾期（按部门）", on_time_late(data["steps_per_department"], "name"), legend=legend
        ),
        "silence": charts.bar_chart(
            "书面征求意见逾期未答复、视为没有不同意见（第二十条）",
            [
                Row(
                    f"{r['name']} {round(r['share'] * 100)}%",
                    (Segment(r["deemed"], COLOURS["late"], _link(period, r["filter"]), "视为无不同意见"),),
                )
                for r in data["deemed_no_objection"]
            ],
        ),
        "rectifications": charts.bar_chart(
            "限期纠正（第三十七条）",
            [
                Row(
                    r["name"],
                    (Segment(r["count"], COLOURS["main"], findings_link(period, r["filter"]), r["name"]),),
                )
                for r in data["rectifications"]
            ],
        ),
    }


@supervision_pages.get("/supervision")
@pages.login_required(*OFFICE_ROLES)
def dashboard() -> ResponseReturnValue:
    try:
        period = _period()
    except ValidationFailed as exc:
        return pages.error_page(422, "日期有误", exc.detail or "日期格式应为 YYYY-MM-DD")
    me, runtime, today = current_principal(), current_runtime(), localtime.today()
    data = supervision.dashboard(runtime, me, period, today)
    devolved = devolution_figures.per_department(runtime, me, period, today)
    return pages.render_page(
        "intake/supervision.html",
        data=data,
        devolved=devolved,
        period=period,
        jurisdiction=jurisdiction_name(me.jurisdiction),
        charts={**_charts(data, period), **_devolution_charts(devolved)},
        link=lambda wanted: _link(period, wanted),
        findings_link=lambda wanted: findings_link(period, wanted),
        devolution_note=DEVOLUTION_NOTE,
        export="/supervision.xlsx?"
        + urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()}),
    )


#: cases per page of a figure's list; the ledger (.xlsx) holds them all
PAGE_SIZE = 50
MAX_PAGE = 10_000


def _wanted() -> dict[str, str]:
    return {k: request.args[k] for k in FILTER_NAMES if k in request.args}


@supervision_pages.get("/supervision/cases")
@pages.login_required(*OFFICE_ROLES)
def case_list() -> ResponseReturnValue:
    try:
        period = _period()
    except ValidationFailed as exc:
        return pages.error_page(422, "日期有误", exc.detail or "日期格式应为 YYYY-MM-DD")
    wanted = _wanted()
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        return pages.error_page(422, "页码有误", f"页码应为 1 至 {MAX_PAGE} 之间的整数")
    runtime, me, number = current_runtime(), current_principal(), int(page)
    total = supervision.case_count(runtime, me, period, wanted)
    rows = supervision.case_list(
        runtime, me, period, wanted, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    pages_total = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    here = {k: v for k, v in request.args.items() if k != "page"}

    def page_link(n: int) -> str:
        return "/supervision/cases?" + urlencode({**here, "page": n})

    return pages.render_page(
        "intake/supervision_cases.html",
        rows=rows,
        total=total,
        page=number,
        pages_total=pages_total,
        previous=page_link(number - 1) if number > 1 else None,
        next=page_link(number + 1) if number < pages_total else None,
        period=period,
        filters=_filter_text(wanted),
        export="/supervision/cases.xlsx?" + urlencode(here),
        back="/supervision?" + urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()}),
    )


def _filter_text(wanted: dict[str, str]) -> list[str]:
    def shown(key: str, value: str) -> str:
        if key == "devolution" and value in supervision.DEVOLUTION_FIGURES:
            article, name = supervision.DEVOLUTION_FIGURES[value]
            return f"{name}（{article}）"
        return value or "（编办发起）"

    return [f"{FILTER_NAMES[k]}：{shown(k, v)}" for k, v in wanted.items()]


@supervision_pages.get("/supervision/cases.xlsx")
@pages.login_required(*OFFICE_ROLES)
def case_list_xlsx() -> ResponseReturnValue:
    from openpyxl import Workbook

    period = _period()
    wanted = _wanted()
    me = current_principal()
    rows = supervision.case_list(current_runtime(), me, period, wanted, limit=100_000)
    book = Workbook()
    sheet = book.active
    sheet.title = "事项台账"
    filters = [
        f"行政区划：{jurisdiction_name(me.jurisdiction)}",
        f"期间：{period.text}",
        *_filter_text(wanted),
    ]
    sheet_header(
        sheet,
        "职责管理事项台账",
        filters,
        ["事项编号", "标题", "类别", "办理状态", "部门", "收到日期", "期限", "是否逾期"],
    )
    for r in rows:
        sheet.append(
            [
                r["id"],
                r["title"],
                r["kind_name"],
                r["status_name"],
                r["department"],
                r["received_on"],
                r["due_date"],
                "是" if r["overdue"] else "否",
            ]
        )
    dated(sheet)
    audit_log.exported(current_runtime(), me, "职责管理事项台账", filters, len(rows))
    return workbook_response(book, f"事项台账-{period.start.isoformat()}-{period.end.isoformat()}.xlsx")


@supervision_pages.get("/supervision.xlsx")
@pages.login_required(*OFFICE_ROLES)
def dashboard_xlsx() -> ResponseReturnValue:
    from openpyxl import Workbook

    period = _period()
    me, today = current_principal(), localtime.today()
    data = supervision.dashboard(current_runtime(), me, period, today)
    filters = [f"行政区划：{jurisdiction_name(me.jurisdiction)}", f"期间：{period.text}"]
    book = Workbook()
    sheet = book.active
    sheet.title = "事项"
    sheet_header(sheet, "各类事项及办理阶段", filters, ["类别", "办理状态", "件数"])
    for r in data["by_kind_and_status"]:
        sheet.append([r["kind_name"], r["status_name"], r["count"]])
    steps = book.create_sheet("法定期限")
    sheet_header(steps, "法定步骤按期与逾期", filters, ["条款", "步骤", "按期", "逾期"])
    for r in data["steps_per_rule"]:
        steps.append([r["article"], r["name"], r["on_time"], r["late"]])
    departments = book.create_sheet("部门")
    sheet_header(departments, "各部门法定步骤按期与逾期", filters, ["部门", "按期", "逾期"])
    for r in data["steps_per_department"]:
        departments.append([r["name"], r["on_time"], r["late"]])
    overdue = book.create_sheet("当前逾期")
    sheet_header(
        overdue,
        "当前逾期事项（最早到期在前）",
        filters,
        ["事项编号", "标题", "期限", "到期日", "逾期天数", "部门"],
    )
    for r in data["overdue_now"]:
        overdue.append(
            [r["case_id"], r["title"], r["rule_name"], r["due_date"], r["days_late"], r["department"]]
        )
    dated(overdue)
    silence = book.create_sheet("视为无不同意见")
    sheet_header(
        silence,
        "书面征求意见视为没有不同意见（第二十条）",
        filters,
        ["部门", "征求次数", "视为无不同意见", "占比"],
    )
    for r in data["deemed_no_objection"]:
        silence.append([r["name"], r["asked"], r["deemed"], r["share"]])
        silence.cell(row=silence.max_row, column=4).number_format = "0.0%"
    timing = book.create_sheet("办理时长")
    sheet_header(timing, "办理时长（工作日）", filters, ["环节", "件数", "中位数", "第90百分位"])
    for r in data["durations"].values():
        timing.append([r["label"], r["count"], r["median"], r["p90"]])
    rect = book.create_sheet("限期纠正")
    sheet_header(rect, "限期纠正（第三十七条）", filters, ["情况", "件数"])
    for r in data["rectifications"]:
        rect.append([r["name"], r["count"]])
    devolved = book.create_sheet("职责下放")
    sheet_header(devolved, "职责下放审核论证（第三十四条）", filters, ["条款", "情况", "件数"])
    for r in data["devolution"]:
        devolved.append([r["article"], r["name"], r["count"]])
    _devolution_sheet(book, filters, devolution_figures.per_department(current_runtime(), me, period, today))
    audit_log.exported(current_runtime(), me, "监督统计", filters, data["total"])
    return workbook_response(book, f"监督统计-{period.start.isoformat()}-{period.end.isoformat()}.xlsx")


def _devolution_sheet(book: Any, filters: list[str], table: dict[str, Any]) -> None:
    """各部门职责下放情况 as the dashboard shows it: one row per devolving department, then the total."""
    sheet = book.create_sheet("各部门职责下放")
    columns = table["columns"]
    heads = [f"{c['name']}（{c['article']}）" for c in columns]
    title = "各部门职责下放情况（第三十三条至第三十五条、第三十七条第四项）"
    sheet_header(sheet, title, filters, ["下放部门", *heads])
    for row in [*table["rows"], table["total"]]:
        sheet.append([row["name"], *(row["cells"][c["key"]]["count"] for c in columns)])
    sheet.append([])
    sheet.append([f"说明：{DEVOLUTION_NOTE}"])


#: how the 各部门职责下放情况 figures are counted, as the page and the ledger say it
DEVOLUTION_NOTE = (
    "申请、正式下放、收到半年报告和限期纠正按本期内发生的统计；保障措施逾期未落实、半年报告待报送和逾期未报送"
    "为截至今天的情况（与所选期间无关）；部门为下放部门"
)
