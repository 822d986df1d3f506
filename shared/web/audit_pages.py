"""The office admin's reading of a service's audit trail (:mod:`shared.audit`): ``/admin/audit/<service>``.

Every service that keeps an ``audit_entry`` table serves this page for its own entries (``make_app``
registers it; ``shared/routing.py`` sends ``/admin/audit/<service>`` to that service), so no service reads
another's table. The page lists the admin's jurisdiction's entries newest first, filtered by dates (Beijing
time), actor and action, 50 a page; ``.xlsx`` exports what the filters select (with the filters and the
chain's head hash at the top); 校验 walks the whole chain and says 完整 or names the first broken entry.
An export and a verification are themselves recorded.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from string import ascii_uppercase
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, request, send_file
from flask.typing import ResponseReturnValue
from sqlalchemy import Table

from shared import audit, localtime
from shared.api_credentials import SCOPE_ROLE_NAMES
from shared.auth import current_principal
from shared.identity import ROLE_NAMES, Role
from shared.jurisdictions import jurisdiction_name
from shared.web import pages
from shared.web.formatting import chinese_date

PER_PAGE = 50
EXPORT_LIMIT = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PATH = "/admin/audit"


def role_names(roles: list[str]) -> str:
    known = Role._value2member_map_
    return "、".join(ROLE_NAMES[Role(r)] if r in known else SCOPE_ROLE_NAMES.get(r, r) for r in roles)


def when(instant: datetime) -> str:
    """``2026年12月3日（星期四）18:40:12``, Beijing time (an audit trail wants the seconds)."""
    local = instant.astimezone(localtime.zone())
    return f"{chinese_date(local)}{local:%H:%M:%S}"


def _day(name: str) -> tuple[date | None, str | None]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        return date.fromisoformat(raw), None
    except ValueError:
        return None, "日期格式应为 年-月-日"


def _filters() -> tuple[audit.Filters, dict[str, str], dict[str, str]]:
    """The filters asked for, the values as typed, and what is wrong with them (by field)."""
    typed = {k: (request.args.get(k) or "").strip()[:120] for k in ("from", "to", "actor", "action")}
    errors: dict[str, str] = {}
    start, problem = _day("from")
    if problem:
        errors["from"] = problem
    end, problem = _day("to")
    if problem:
        errors["to"] = problem
    if start and end and end < start:
        errors["to"] = "截止日期不能早于起始日期"
    filters = audit.Filters(
        start=localtime.start_of_day(start) if start and not errors else None,
        end=localtime.end_of_day(end) if end and not errors else None,
        actor=typed["actor"],
        action=typed["action"],
    )
    return filters, typed, errors


def _filter_text(typed: dict[str, str]) -> list[str]:
    parts = []
    if typed["from"] or typed["to"]:
        parts.append(f"日期：{typed['from'] or '不限'} 至 {typed['to'] or '不限'}")
    if typed["actor"]:
        parts.append(f"操作人：{typed['actor']}")
    if typed["action"]:
        parts.append(f"操作：{audit.action_name(typed['action'])}")
    return parts


def _page_number() -> int:
    raw = request.args.get("page") or "1"
    return min(max(int(raw), 1), 1_000_000) if raw.isdigit() and len(raw) < 8 else 1


def _row(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as the page and the export show it: every code by its name."""
    return {
        **entry,
        "when": when(entry["at"]),
        "account": audit.actor_account(entry["actor_id"], entry["actor_name"]),
        "action_name": audit.action_name(entry["action"]),
        "object_text": audit.object_text(entry["object_type"], entry["object_id"]),
        "role_names": role_names(list(entry["actor_roles"] or [])),
    }


def blueprint(service: str, table: Table, runtime_of: Any) -> Blueprint:
    """The pages for ``service``'s trail; ``runtime_of()`` is the serving app's runtime."""
    pages_bp = Blueprint(f"{service}_audit", __name__)
    base = f"{PATH}/{service}"

    def record(action: str, summary: str, details: dict[str, Any]) -> None:
        actor = current_principal()
        audit.record(
            runtime_of(),
            action,
            actor=actor,
            object_type="audit_log",
            object_id=service,
            summary=summary,
            details=details,
        )

    def render(check: audit.ChainCheck | None = None, status: int = 200) -> ResponseReturnValue:
        me = current_principal()
        filters, typed, errors = _filters()
        page = _page_number()
        with runtime_of().db.transaction() as session:
            total, entries = audit.search(
                session, table, me.jurisdiction, filters, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
            )
            actions = audit.actions_in(session, table, me.jurisdiction)
        pages_count = max(1, -(-total // PER_PAGE))
        query = {k: v for k, v in typed.items() if v}
        return pages.render_page(
            "web/audit.html",
            status=400 if errors else status,
            service=service,
            service_name=audit.SERVICE_NAMES.get(service, service),
            services=list(audit.SERVICE_NAMES.items()),
            jurisdiction=jurisdiction_name(me.jurisdiction),
            base=base,
            typed=typed,
            errors=errors,
            actions=[(code, audit.action_name(code)) for code in actions],
            entries=[_row(e) for e in entries],
            total=total,
            page=page,
            pages_count=pages_count,
            previous=f"{base}?{urlencode({**query, 'page': page - 1})}" if page > 1 else None,
            following=f"{base}?{urlencode({**query, 'page': page + 1})}" if page < pages_count else None,
            export=f"{base}.xlsx?{urlencode(query)}",
            check=check,
            algorithm=audit.ALGORITHM,
        )

    @pages_bp.get(base)
    @pages.login_required(Role.OFFICE_ADMIN)
    def audit_list() -> ResponseReturnValue:
        return render()

    @pages_bp.post(f"{base}/verify")
    @pages.login_required(Role.OFFICE_ADMIN)
    def audit_verify() -> ResponseReturnValue:
        me = current_principal()
        with runtime_of().db.transaction() as session:
            check = audit.verify(session, table, service, me.jurisdiction)
        record(
            "audit.verify",
            f"校验审计日志：{check.message}",
            {
                "intact": check.intact,
                "count": check.count,
                "broken_seq": check.broken_seq,
                "head": check.last_hash,
            },
        )
        return render(check)

    @pages_bp.get(f"{base}.xlsx")
    @pages.login_required(Role.OFFICE_ADMIN)
    def audit_export() -> ResponseReturnValue:
        me = current_principal()
        filters, typed, errors = _filters()
        if errors:
            return render()
        with runtime_of().db.transaction() as session:
            total, entries = audit.search(session, table, me.jurisdiction, filters, limit=EXPORT_LIMIT)
            head = audit.verify(session, table, service, me.jurisdiction)
        filter_text = _filter_text(typed)
        record(
            "audit.export",
            f"导出审计日志 {len(entries)} 条（{'；'.join(filter_text) or '全部'}）",
            {"filters": {k: v for k, v in typed.items() if v}, "count": len(entries), "head": head.last_hash},
        )
        book = _workbook(service, jurisdiction_name(me.jurisdiction), filter_text, entries, head, total)
        out = io.BytesIO()
        book.save(out)
        out.seek(0)
        name = f"审计日志-{audit.SERVICE_NAMES.get(service, service)}-{localtime.today().isoformat()}.xlsx"
        return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)

    if service == "intake":

        @pages_bp.get(PATH)
        @pages.login_required(Role.OFFICE_ADMIN)
        def audit_home() -> ResponseReturnValue:
            return redirect(base, code=303)

    return pages_bp


#: the columns people read (as the page shows each entry), then the hashes, then the record as stored (the
#: codes the entry was written with, kept so that the export holds the whole record)
HEADERS = [
    "序号",
    "时间（北京时间）",
    "操作人",
    "操作人账号",
    "角色",
    "来源地址",
    "操作",
    "对象",
    "内容摘要",
    "前一条哈希",
    "本条哈希",
    "操作代码（原始记录）",
    "对象类型代码（原始记录）",
    "对象编号（原始记录）",
    "详情（原始记录）",
]
WIDTHS = (8, 20, 12, 14, 16, 16, 16, 24, 50, 20, 20, 20, 16, 20, 40)


def _workbook(
    service: str,
    jurisdiction: str,
    filters: list[str],
    entries: list[dict[str, Any]],
    head: audit.ChainCheck,
    total: int,
) -> Any:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "审计日志"
    sheet.append([f"审计日志（{jurisdiction} · {audit.SERVICE_NAMES.get(service, service)}）"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["筛选条件：" + ("；".join(filters) if filters else "无")])
    sheet.append(["导出时间：" + when(localtime.now_utc()) + f"；共 {total} 条"])
    sheet.append([f"哈希链（{audit.ALGORITHM}）：{head.message} 链头哈希 {head.last_hash}"])
    sheet.append(HEADERS)
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A6"
    zone = localtime.zone()
    for e in map(_row, entries):
        sheet.append(
            [
                e["seq"],
                e["at"].astimezone(zone).replace(tzinfo=None),
                e["actor_name"],
                e["account"],
                e["role_names"],
                e["client_address"] or "",
                e["action_name"],
                e["object_text"],
                e["summary"],
                e["prev_hash"],
                e["hash"],
                e["action"],
                e["object_type"],
                e["object_id"],
                json.dumps(e["details"], ensure_ascii=False) if e["details"] else "",
            ]
        )
    for row in sheet.iter_rows(min_row=6, min_col=2, max_col=2):
        for cell in row:
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
    for column, width in zip(ascii_uppercase, WIDTHS, strict=False):
        sheet.column_dimensions[column].width = width
    return book
