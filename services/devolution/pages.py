"""Devolution's pages (职责下放), on the shared layout and login session: every party on its own page.

- ``/devolution/`` — the list (a department: its own and those it receives; the office: its jurisdiction's).
- ``/devolution/new``, ``/devolution/<id>/edit`` — the application of 第三十三条, all five items and the
  written feedback; 保存草稿 keeps it unfinished (no clock runs), 提交审核 submits it complete.
- ``/devolution/<id>`` — the case: status, who must act next and by when, the application, the review, the
  handover checklist, the half-year reports and the history; and the form for whatever the person looking at
  it may do now: the office's review within 10 working days and its written "not ready" notice (第三十四条),
  returning it for supplements, issuance; the devolving department's handover checklist and its
  acknowledgement of the reports; a receiving department's half-year operation report (第三十五条).
- ``/devolution/figures?figure=&department=&from=&to=`` — the office's list of the devolutions behind a
  figure of 监督统计's 各部门职责下放情况 (``figures.py``), and ``/devolution/figures.xlsx`` its ledger.
- ``/devolution/rectifications/<id>`` — the old address of a rectification order: 限期纠正 (第三十七条, 第四项
  too) is intake's casework, so it sends the browser to ``/cases/<id>`` (the finding kept its id there).

Every link devolution sends (notices, tasks) opens one of these.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, request, send_file
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from services.devolution import figures, page_forms, queries, usecases
from services.devolution.domain import aftercare, review
from services.devolution.domain.application import (
    BASIS_NAMES,
    REASON_ASPECTS,
    SUPPORT_NAMES,
    BasisKind,
    SupportKind,
)
from services.devolution.domain.lifecycle import Party, State, plays
from services.devolution.tables import DepartmentReplica
from shared import attachment_store, localtime, uploads
from shared.attachment_store import AttachmentStore
from shared.auth import current_principal
from shared.errors import AppError, NotFound, ValidationFailed
from shared.http import accepts_upload
from shared.identity import DEPARTMENT_ROLES, OFFICE_ROLES
from shared.jurisdictions import jurisdiction_name
from shared.service import current_runtime
from shared.uploads import base_name
from shared.web import pages
from shared.web.forms import Form
from shared.web.ledger import ledger

devolution_pages = Blueprint(
    "devolution_pages", __name__, url_prefix="/devolution", template_folder="templates"
)
anyone = pages.login_required(*DEPARTMENT_ROLES, *OFFICE_ROLES)
department_only = pages.login_required(*DEPARTMENT_ROLES)

REVIEW_LABELS = {
    "checklist": "审核清单",
    **{f"checklist.{item}": label for item, label in review.CHECKLIST_ITEMS.items()},
    "notes": "审核论证意见",
    "conclusion": "审核结论",
    "reasons": "暂不具备下放条件的理由",
    "power_list_entries": "权责清单事项",
    "power_list_entries[].code": "权责事项编码",
    "power_list_entries[].name": "权责事项名称",
    "power_list_entries[].to_level": "下放层级",
}
RETURN_LABELS = {"reasons": "需要补正的内容"}
ISSUE_LABELS = {"document_number": "发文文号", "document_date": "发文日期"}
REPORT_LABELS = {
    "public_service_effects": "便民服务方面的实效",
    "enterprise_service_effects": "利企服务方面的实效",
    "efficiency_effects": "提高工作效率方面的实效",
    "problems_found": "运行中发现的问题",
    "suggestions": "意见建议",
    "interim": "中期报告",
}
HANDOVER_LABELS = {"due_date": "计划完成日期", "done_on": "完成日期", "description": "衔接情况"}
CONCLUSIONS = [(review.Conclusion.READY.value, "具备下放条件，报编办领导审批"),
               (review.Conclusion.NOT_READY.value, "暂不具备下放条件，书面告知申请部门")]  # fmt: skip
LEVELS = list(review.LEVEL_NAMES.items())


# --- names, never codes -------------------------------------------------------------------------------


def _departments() -> dict[str, DepartmentReplica]:
    with current_runtime().db.transaction() as session:
        rows = session.scalars(select(DepartmentReplica).order_by(DepartmentReplica.code)).all()
        for row in rows:
            session.expunge(row)
        return {row.code: row for row in rows}


def _name(departments: dict[str, DepartmentReplica], code: str | None) -> str:
    row = departments.get(code or "")
    return row.name if row else "（未知部门）"


def _choices(departments: dict[str, DepartmentReplica], me: Any) -> list[dict[str, Any]]:
    """Departments that may receive or be consulted, grouped by jurisdiction; never the applicant itself."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, row in departments.items():
        if row.active and code != me.department and row.function != "establishment_office":
            groups.setdefault(row.jurisdiction, []).append((code, row.name))
    order = sorted(groups, key=lambda j: (j != me.jurisdiction, j))
    return [{"jurisdiction": jurisdiction_name(j), "departments": groups[j]} for j in order]


# --- the list ------------------------------------------------------------------------------------------


@devolution_pages.get("/")
@devolution_pages.get("")
@anyone
def list_page() -> ResponseReturnValue:
    me = current_principal()
    rows = queries.list_devolutions(current_runtime(), me)
    departments = _departments()
    for row in rows:
        row["applicant_name"] = _name(departments, row["applicant_department"])
        row["receiver_names"] = "、".join(_name(departments, c) for c in row["receiving_departments"])
        row["next_clock"] = next((c for c in row["clocks"] if c["state"] in queries.OPEN_CLOCK_STATES), None)
    return pages.render_page(
        "devolution/list.html",
        rows=rows,
        can_apply=me.is_department_user,
        review_period=review.review_period(me.jurisdiction),
    )


# --- the devolutions behind a figure of 监督统计 (第三十三至三十五条) ---------------------------------

FIGURE_PAGE = 50
FACT_NAMES = {"applied": "提交申请", "devolved": "正式发文", "support_open": "最早一项工作衔接计划完成",
              "report_awaited": "半年报告应报送", "report_received": "半年报告报送"}  # fmt: skip


def _figure_filter() -> figures.FigureFilter:
    return figures.FigureFilter.parse(request.args.to_dict(), localtime.today())


def _figure_words(wanted: figures.FigureFilter, departments: dict[str, DepartmentReplica]) -> list[str]:
    shown = wanted.shown
    words = [f"行政区划：{jurisdiction_name(current_principal().jurisdiction)}",
             f"统计项：{shown.name}（{shown.article}）"]  # fmt: skip
    if shown.when == "period":
        words.append(f"期间：{_cn(wanted.start)}至{_cn(wanted.end)}")
    else:
        words.append(f"截至：{_cn(wanted.today)}")
    if wanted.department:
        words.append(f"下放部门：{_name(departments, wanted.department)}")
    return words


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _figure_rows(
    wanted: figures.FigureFilter, departments: dict[str, DepartmentReplica], *, limit: int, offset: int
) -> tuple[int, int, list[dict[str, Any]]]:
    facts, total, page = figures.behind(current_runtime(), current_principal(), wanted, limit=limit,
                                        offset=offset)  # fmt: skip
    details = {row["id"]: row for row in queries.summaries(current_runtime(), [i for i, _ in page])}
    rows = []
    for devolution_id, found in page:
        row = details[devolution_id]
        row["applicant_name"] = _name(departments, row["applicant_department"])
        row["receiver_names"] = "、".join(_name(departments, c) for c in row["receiving_departments"])
        row["facts"] = [
            {"name": FACT_NAMES.get(f.fact, f.fact), "day": f.day,
             "subject": _name(departments, f.subject) if f.subject else "",
             "late": f.day < wanted.today and wanted.shown.when != "period"}
            for f in found
        ]  # fmt: skip
        rows.append(row)
    return facts, total, rows


@devolution_pages.get("/figures")
@pages.login_required(*OFFICE_ROLES)
def figure_page() -> ResponseReturnValue:
    try:
        wanted = _figure_filter()
        number = int(request.args.get("page", "1"))
    except (ValidationFailed, ValueError) as exc:
        detail = exc.detail if isinstance(exc, ValidationFailed) else "页码应为整数"
        return pages.error_page(422, "筛选条件有误", detail or "筛选条件有误", back="/supervision")
    departments = _departments()
    number = max(number, 1)
    facts, total, rows = _figure_rows(wanted, departments, limit=FIGURE_PAGE,
                                      offset=(number - 1) * FIGURE_PAGE)  # fmt: skip
    here = {k: v for k, v in request.args.items() if k != "page"}
    pages_total = max((total + FIGURE_PAGE - 1) // FIGURE_PAGE, 1)

    def page_link(n: int) -> str:
        return "/devolution/figures?" + urlencode({**here, "page": n})

    back = {"from": wanted.start.isoformat(), "to": wanted.end.isoformat()}
    return pages.render_page(
        "devolution/figures.html",
        wanted=wanted,
        figure=wanted.shown,
        filters=_figure_words(wanted, departments),
        facts=facts,
        total=total,
        rows=rows,
        page=number,
        pages_total=pages_total,
        previous=page_link(number - 1) if number > 1 else None,
        next=page_link(number + 1) if number < pages_total else None,
        export="/devolution/figures.xlsx?" + urlencode(here),
        back="/supervision?" + urlencode(back),
    )


@devolution_pages.get("/figures.xlsx")
@pages.login_required(*OFFICE_ROLES)
def figure_ledger() -> ResponseReturnValue:
    try:
        wanted = _figure_filter()
    except ValidationFailed as exc:
        return pages.error_page(422, "筛选条件有误", exc.detail or "筛选条件有误", back="/supervision")
    departments = _departments()
    rows: list[dict[str, Any]] = []
    while True:  # in pages, so that no query names more devolutions than a database takes parameters
        _facts, _total, more = _figure_rows(wanted, departments, limit=FIGURE_PAGE * 10, offset=len(rows))
        rows += more
        if len(more) < FIGURE_PAGE * 10:
            break
    filters = _figure_words(wanted, departments)
    lines = [
        [r["id"], f"关于下放“{r['duty_name']}”职责的申请", r["applicant_name"], r["receiver_names"],
         r["state_label"], r["document_number"] or "", r["document_date"],
         fact["name"], fact["subject"], fact["day"], "是" if fact["late"] else "否"]
        for r in rows for fact in r["facts"]
    ]  # fmt: skip
    headers = ["事项编号", "标题", "下放部门", "承接部门", "办理状态", "发文文号", "发文日期",
               "统计依据", "承接部门（报告）", "日期", "是否逾期"]  # fmt: skip
    usecases.exported(current_runtime(), current_principal(), "职责下放统计台账", filters, len(lines))
    return ledger("职责下放", "职责下放统计台账", filters, headers, lines)


# --- the application -----------------------------------------------------------------------------------


def _application_page(
    form: Form, *, devolution_id: str | None = None, status: int = 200, **extra: Any
) -> ResponseReturnValue:
    me = current_principal()
    departments = _departments()
    receiving = form.all("receiving_departments")
    related = [c for c in form.all("related_departments") if c not in receiving]
    feedback = [
        {"index": i, "department": code, "role": role, "name": _name(departments, code),
         "role_name": "承接部门" if role == "receiving" else "关联部门"}
        for i, (code, role) in enumerate(page_forms.feedback_rows(receiving, related))
    ]  # fmt: skip
    basis_rows = max(page_forms.BASIS_ROWS, _count_rows(form, "legal_bases") + 1)
    return pages.render_page(
        "devolution/application.html",
        status=status,
        form=form,
        devolution_id=devolution_id,
        choices=_choices(departments, me),
        feedback=feedback,
        basis_rows=range(basis_rows),
        bases=page_forms.ALLOWED_BASES,
        forbidden=[BASIS_NAMES[k] for k in BasisKind if k.value not in dict(page_forms.ALLOWED_BASES)],
        reasons=list(REASON_ASPECTS.items()),
        measures=[(i, SUPPORT_NAMES[k]) for i, k in enumerate(SupportKind)],
        positions=list(page_forms.POSITION_NAMES.items()),
        max_upload=current_runtime().settings.max_upload_bytes,
        accept=uploads.accept_attribute(),
        formats=uploads.type_names(),
        documents=_documents(devolution_id),
        **extra,
    )


def _count_rows(form: Form, name: str) -> int:
    count = 0
    while f"{name}[{count}].name" in form.values or f"{name}[{count}].type" in form.values:
        count += 1
    return count


@devolution_pages.get("/new")
@department_only
def new_application() -> ResponseReturnValue:
    return _application_page(Form(labels=page_forms.LABELS))


@devolution_pages.post("/new")
@accepts_upload
@department_only
def create_application() -> ResponseReturnValue:
    form = Form.posted(page_forms.LABELS)
    runtime, me = current_runtime(), current_principal()
    try:
        content = page_forms.form_to_content(form)
        devolution_id = usecases.create_draft(runtime, me, content)
    except AppError as refused:
        return _application_page(form.with_error(refused), status=refused.status)
    refused_upload = _attach_uploads(devolution_id, form)
    if refused_upload is not None:
        return refused_upload
    if request.form.get("action") == "submit":
        return _submit(devolution_id, form)
    return pages.redirect_to(f"/devolution/{devolution_id}/edit?saved=1")


@devolution_pages.get("/<devolution_id>/edit")
@department_only
def edit_application(devolution_id: str) -> ResponseReturnValue:
    try:
        shown = queries.detail(current_runtime(), current_principal(), devolution_id)
    except NotFound:
        return _not_found()
    form = page_forms.content_to_form(shown["application"])
    notice = "草稿已保存。可以继续填写，完成后提交审核。" if request.args.get("saved") else None
    return _application_page(
        form,
        devolution_id=devolution_id,
        notice=notice,
        state_label=shown["state_label"],
        is_draft=shown["state"] == State.DRAFT,
    )


@devolution_pages.get("/<devolution_id>/delete")
@department_only
def confirm_delete_draft(devolution_id: str) -> ResponseReturnValue:
    try:
        shown = queries.detail(current_runtime(), current_principal(), devolution_id)
    except NotFound:
        return _not_found()
    if shown["state"] != State.DRAFT:
        back = f"/devolution/{devolution_id}"
        return pages.error_page(409, "不能删除", "申请已提交，不能删除。", back=back)
    return pages.render_page(
        "devolution/draft_delete.html",
        devolution_id=devolution_id,
        duty_name=shown["duty_name"],
    )


@devolution_pages.post("/<devolution_id>/delete")
@department_only
def delete_draft(devolution_id: str) -> ResponseReturnValue:
    try:
        usecases.delete_draft(current_runtime(), current_principal(), devolution_id)
    except NotFound:
        return _not_found()
    except AppError as refused:
        back = f"/devolution/{devolution_id}"
        return pages.error_page(refused.status, refused.title, refused.detail or "", back=back)
    return pages.redirect_to("/my?done=draft-deleted")


def _documents(devolution_id: str | None) -> dict[str, dict[str, Any]]:
    """The uploaded scans by "department:role", for the feedback rows."""
    if not devolution_id:
        return {}
    try:
        shown = queries.detail(current_runtime(), current_principal(), devolution_id)
    except NotFound:
        return {}
    return {f"{d['department']}:{d['role']}": d for d in shown["feedback_documents"]}


@devolution_pages.post("/<devolution_id>/edit")
@accepts_upload
@department_only
def save_application(devolution_id: str) -> ResponseReturnValue:
    form = Form.posted(page_forms.LABELS)
    try:
        content = page_forms.form_to_content(form)
        usecases.edit(current_runtime(), current_principal(), devolution_id, content)
    except NotFound:
        return _not_found()
    except AppError as refused:
        return _application_page(form.with_error(refused), devolution_id=devolution_id, status=refused.status)
    refused_upload = _attach_uploads(devolution_id, form)
    if refused_upload is not None:
        return refused_upload
    if request.form.get("action") == "submit":
        return _submit(devolution_id, form)
    return pages.redirect_to(f"/devolution/{devolution_id}/edit?saved=1")


def _store() -> AttachmentStore:
    return attachment_store.plugged_or_default(current_app.extensions, current_runtime().settings)


def _attach_uploads(devolution_id: str, form: Form) -> ResponseReturnValue | None:
    """Store the scans chosen on the feedback rows; a refused one: the form again, the message beside it."""
    runtime, me = current_runtime(), current_principal()
    for index, key in enumerate(form.all("feedback_departments")):
        upload = request.files.get(f"feedback[{index}].file")
        if upload is None or not upload.filename:
            continue
        department, _, role = key.partition(":")
        try:
            usecases.attach_feedback(
                runtime, me, devolution_id, department=department, role=role, filename=upload.filename,
                data=upload.read(), field=f"feedback[{index}].file", store=_store(),
            )  # fmt: skip
        except AppError as refused:
            message = "申请内容已保存；文件未能上传，请重新选择后保存。"
            return _application_page(
                form.with_error(refused), devolution_id=devolution_id, status=refused.status, notice=message
            )
    return None


@devolution_pages.get("/<devolution_id>/feedback/<document_id>")
@anyone
def feedback_file(devolution_id: str, document_id: str) -> ResponseReturnValue:
    """The scan of a department's written feedback, to whoever may see the devolution."""
    try:
        document = usecases.feedback_document(
            current_runtime(), current_principal(), devolution_id, document_id
        )
    except NotFound:
        return pages.error_page(
            404, "未找到", "未找到该文件，或您无权查看。", back=f"/devolution/{devolution_id}"
        )
    try:
        stream = _store().open(document.sha256)
    except KeyError:
        return pages.error_page(
            404, "未找到", "该文件已不在附件存储中，请联系系统管理员。", back=f"/devolution/{devolution_id}"
        )
    response = send_file(stream, mimetype=document.content_type, download_name=base_name(document.filename))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@devolution_pages.get("/<devolution_id>/documents/<document_id>/<fmt>")
@anyone
def document_file(devolution_id: str, document_id: str, fmt: str) -> ResponseReturnValue:
    """A written document (第三十四条) as PDF or .docx, to whoever may see the devolution."""
    back = f"/devolution/{devolution_id}"
    if fmt not in usecases.DOCUMENT_TYPES:
        return pages.error_page(404, "未找到", "未找到该文书，或您无权查看。", back=back)
    try:
        document = usecases.issued_document(
            current_runtime(), current_principal(), devolution_id, document_id
        )
    except NotFound:
        return pages.error_page(404, "未找到", "未找到该文书，或您无权查看。", back=back)
    try:
        stream = _store().open((document.pdf_sha256 if fmt == "pdf" else document.docx_sha256) or "")
    except KeyError:
        return pages.error_page(404, "未找到", "该文书已不在附件存储中，请联系系统管理员。", back=back)
    name = base_name(f"{document.number}{document.title}.{fmt}")
    response = send_file(stream, mimetype=usecases.DOCUMENT_TYPES[fmt], download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@devolution_pages.post("/<devolution_id>/documents/<document_id>/render")
@pages.login_required(*OFFICE_ROLES)
def rerender_document(devolution_id: str, document_id: str) -> ResponseReturnValue:
    """The office's 重新生成 of a document that failed to render."""
    try:
        done = usecases.rerender_document(
            current_runtime(), current_principal(), devolution_id, document_id, _store()
        )
    except NotFound:
        return _not_found()
    return pages.redirect_to(
        f"/devolution/{devolution_id}?done={'rendered' if done else 'render_failed'}#documents"
    )


def _submit(devolution_id: str, form: Form) -> ResponseReturnValue:
    try:
        usecases.submit(current_runtime(), current_principal(), devolution_id)
    except AppError as refused:
        message = "草稿已保存，但申请尚不完整，补齐下列内容后再提交审核（第三十三条）。"
        return _application_page(
            form.with_error(refused), devolution_id=devolution_id, status=refused.status, notice=message
        )
    return pages.redirect_to(f"/devolution/{devolution_id}?done=submitted")


# --- the case ------------------------------------------------------------------------------------------

DONE = {
    "submitted": "已提交审核。编办将在{review_period}内完成审核论证（第三十四条）。",
    "returned": "已退回申请部门补正；补正期间审核期限暂停计算。",
    "reviewed": "审核论证结论已保存。",
    "issued": "已登记正式发文：自此由承接部门负责，运行半年专项报告期限开始计算（第三十五条）。",
    "handover": "工作衔接清单已更新。",
    "reported": "运行情况专项报告已提交，下放部门将确认（第三十五条）。",
    "interim_reported": "中期报告已提交。运行满半年后仍须报送半年运行情况报告（第三十五条）。",
    "acknowledged": "已确认收到专项报告。",
    "rendered": "书面文书已生成，并已通知申请部门。",
    "render_failed": "书面文书仍未能生成（将自动重试）；如未安装中文字体，请联系系统管理员。",
}


def _not_found() -> ResponseReturnValue:
    return pages.error_page(404, "未找到", "未找到该职责下放事项，或您无权查看。", back="/devolution/")


def _case_page(
    devolution_id: str, *, status: int = 200, forms: dict[str, Form] | None = None
) -> ResponseReturnValue:
    runtime, me = current_runtime(), current_principal()
    try:
        shown = queries.detail(runtime, me, devolution_id)
    except NotFound:
        return _not_found()
    departments = _departments()
    state = State(shown["state"])
    from services.devolution.domain.lifecycle import Parties

    receivers = tuple(
        (code, departments[code].jurisdiction if code in departments else "")
        for code in shown["receiving_departments"]
    )
    parties = Parties(shown["jurisdiction"], shown["applicant_department"], receivers)
    office, applicant = plays(me, Party.OFFICE, parties), plays(me, Party.APPLICANT, parties)
    my_report = next(
        (r for r in shown["reports"] if r["department"] == me.department and r["state"] == "awaiting"), None
    )
    forms = forms or {}
    return pages.render_page(
        "devolution/case.html",
        status=status,
        d=shown,
        names=lambda code: _name(departments, code),
        application=_readable_application(shown["application"], departments),
        review_view=_readable_review(shown.get("review")),
        can_edit=applicant and state in (State.DRAFT, State.RETURNED),
        can_review=office and state == State.UNDER_REVIEW,
        can_issue=office and state == State.APPROVED,
        can_handover=applicant and state in (State.ISSUED, State.OPERATION_REPORTED),
        can_acknowledge=applicant and state == State.ISSUED,
        rectification_link=rectification_order_link(shown, state)
        if office and state != State.DRAFT and me.has_any(("office_division_head", "office_leader"))
        else None,
        my_report=my_report if state == State.ISSUED else None,
        report_early=bool(
            my_report and my_report["acceptable_from"] and localtime.today() < my_report["acceptable_from"]
        ),
        review_form=forms.get("review") or _review_defaults(shown),
        return_form=forms.get("return") or Form(labels=RETURN_LABELS),
        issue_form=forms.get("issue") or Form.of({"document_date": date.today().isoformat()}, ISSUE_LABELS),
        report_form=forms.get("report") or Form(labels=REPORT_LABELS),
        handover_forms={
            i["kind"]: forms.get(f"handover:{i['kind']}")
            or Form.of(
                {"due_date": i["due_date"], "done_on": i["done_on"], "description": i["description"]},
                HANDOVER_LABELS,
            )
            for i in shown["handover"]
        },
        checklist=list(review.CHECKLIST_ITEMS.items()),
        conclusions=CONCLUSIONS,
        levels=LEVELS,
        done=_done(request.args.get("done", ""), shown["jurisdiction"]),
        office_view=me.is_office,
    )


def _done(what: str, jurisdiction: str) -> str | None:
    """What the step just taken did, in words (the review's period as the jurisdiction counts it)."""
    text = DONE.get(what)
    return text.format(review_period=review.review_period(jurisdiction)) if text else None


def _readable_application(
    content: dict[str, Any], departments: dict[str, DepartmentReplica]
) -> dict[str, Any]:
    def basis(b: dict[str, Any]) -> str:
        kind = (
            BASIS_NAMES.get(BasisKind(b["type"]), "") if b.get("type") in BasisKind._value2member_map_ else ""
        )
        return f"{kind}：{b.get('name', '')}{' ' + b['provision'] if b.get('provision') else ''}"

    measures: list[tuple[str, str, str | None]] = []
    for m in content.get("support_measures") or []:
        name = SUPPORT_NAMES.get(SupportKind(m["kind"]), m["kind"])
        if m.get("not_applicable"):
            measures.append((name, f"不涉及：{m.get('description', '')}", None))
        elif m.get("description") or m.get("amount") is not None:
            amount = page_forms.as_text(m.get("amount"))
            measures.append(
                (name, f"{m.get('description', '')} {amount}{m.get('unit', '')}".strip(), m.get("due_date"))
            )
    return {
        "duty_name": content.get("duty_name", ""),
        "bases": [basis(b) for b in content.get("legal_bases") or []],
        "reasons": [
            (name, (content.get("reasons") or {}).get(key, "")) for key, name in REASON_ASPECTS.items()
        ],
        "county": (content.get("performance") or {}).get("county_level", ""),
        "township": (content.get("performance") or {}).get("township_level", ""),
        "measures": measures,
        "feedback": [
            {
                "department": _name(departments, f["department"]),
                "role": "承接部门" if f["role"] == "receiving" else "关联部门",
                "title": f.get("document_title", ""),
                "date": f.get("document_date"),
                "position": page_forms.POSITION_NAMES.get(f.get("position", ""), ""),
                "summary": f.get("summary", ""),
            }
            for f in content.get("feedback") or []
        ],
        "related": [_name(departments, c) for c in content.get("related_departments") or []],
    }


def _readable_review(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    if not stored:
        return None
    return {
        "checklist": [
            (review.CHECKLIST_ITEMS.get(e["item"], e["item"]), e["satisfied"], e.get("note", ""))
            for e in stored["checklist"]
        ],
        "notes": stored.get("notes", ""),
        "ready": stored.get("conclusion") == review.Conclusion.READY.value,
        "reasons": stored.get("reasons", ""),
        "by": (stored.get("reviewed_by") or {}).get("name", ""),
        "at": stored.get("reviewed_at"),
    }


def _review_defaults(shown: dict[str, Any]) -> Form:
    values: list[tuple[str, str]] = [(f"checklist.{item}", "yes") for item in review.CHECKLIST_ITEMS]
    values.append(("power_list_entries[0].name", shown["duty_name"]))
    return Form.of(values, REVIEW_LABELS)


@devolution_pages.get("/<devolution_id>")
@anyone
def case_page(devolution_id: str) -> ResponseReturnValue:
    return _case_page(devolution_id)


def _act(devolution_id: str, key: str, form: Form, action: Any, done: str) -> ResponseReturnValue:
    """Run one use case for the page; on a refusal the same page, the typed values and the message kept."""
    try:
        action()
    except NotFound:
        return _not_found()
    except AppError as refused:
        return _case_page(devolution_id, status=refused.status, forms={key: form.with_error(refused)})
    return pages.redirect_to(f"/devolution/{devolution_id}?done={done}")


@devolution_pages.post("/<devolution_id>/return")
@pages.login_required(*OFFICE_ROLES)
def return_for_supplements(devolution_id: str) -> ResponseReturnValue:
    form = Form.posted(RETURN_LABELS)
    runtime, me = current_runtime(), current_principal()
    return _act(devolution_id, "return", form,
                lambda: usecases.return_for_supplements(
                    runtime, me, devolution_id, form.value("reasons").strip(), []
                ),
                "returned")  # fmt: skip


@devolution_pages.post("/<devolution_id>/review")
@pages.login_required(*OFFICE_ROLES)
def conclude_review(devolution_id: str) -> ResponseReturnValue:
    form = Form.posted(REVIEW_LABELS)
    runtime, me = current_runtime(), current_principal()

    def conclude() -> None:
        conclusion = form.value("conclusion")
        if conclusion not in review.Conclusion._value2member_map_:
            raise ValidationFailed.for_field("conclusion", "请选择审核结论", code="conclusion_required")
        result = review.Review(
            checklist=tuple(
                review.ChecklistEntry(
                    item, form.value(f"checklist.{item}") == "yes", form.value(f"checklist.{item}.note")
                )
                for item in review.CHECKLIST_ITEMS
            ),
            notes=form.value("notes").strip(),
            conclusion=review.Conclusion(conclusion),
            reasons=form.value("reasons").strip(),
            power_list_entries=_entries(form, runtime, me, devolution_id) if conclusion == "ready" else (),
        )
        usecases.conclude_review(runtime, me, devolution_id, result, _store())

    return _act(devolution_id, "review", form, conclude, "reviewed")


def _entries(form: Form, runtime: Any, me: Any, devolution_id: str) -> tuple[review.PowerListEntry, ...]:
    applicant = queries.detail(runtime, me, devolution_id)["applicant_department"]
    entries = []
    for index in range(3):
        code = form.value(f"power_list_entries[{index}].code").strip()
        name = form.value(f"power_list_entries[{index}].name").strip()
        level = form.value(f"power_list_entries[{index}].to_level") or review.ReceivingLevel.COUNTY.value
        if code and name:
            entries.append(review.PowerListEntry(code, name, applicant, review.ReceivingLevel(level)))
        elif code and not name:
            raise ValidationFailed.for_field(f"power_list_entries[{index}].name", "请填写权责事项名称")
    return tuple(entries)


@devolution_pages.post("/<devolution_id>/issuance")
@pages.login_required(*OFFICE_ROLES)
def issue(devolution_id: str) -> ResponseReturnValue:
    form = Form.posted(ISSUE_LABELS)
    runtime, me = current_runtime(), current_principal()

    def register() -> None:
        try:
            issued_on = date.fromisoformat(form.value("document_date"))
        except ValueError:
            raise ValidationFailed.for_field("document_date", "请填写发文日期") from None
        usecases.issue(runtime, me, devolution_id, form.value("document_number").strip(), issued_on)

    return _act(devolution_id, "issue", form, register, "issued")


@devolution_pages.post("/<devolution_id>/handover/<kind>")
@department_only
def update_handover(devolution_id: str, kind: str) -> ResponseReturnValue:
    form = Form.posted(HANDOVER_LABELS)
    runtime, me = current_runtime(), current_principal()

    def update() -> None:
        if kind not in aftercare.HandoverKind._value2member_map_:
            raise NotFound("未找到该衔接事项")
        changes: dict[str, Any] = {"description": form.value("description").strip()}
        for name in ("due_date", "done_on"):
            text = form.value(name).strip()
            try:
                changes[name] = date.fromisoformat(text) if text else None
            except ValueError:
                raise ValidationFailed.for_field(name, "请填写有效的日期") from None
        usecases.update_handover(runtime, me, devolution_id, kind, changes)

    return _act(devolution_id, f"handover:{kind}", form, update, "handover")


@devolution_pages.post("/<devolution_id>/report")
@department_only
def submit_report(devolution_id: str) -> ResponseReturnValue:
    form = Form.posted(REPORT_LABELS)
    runtime, me = current_runtime(), current_principal()
    texts = {name: form.value(name).strip() for name in REPORT_LABELS if name != "interim"}
    report, interim = aftercare.OperationReport(**texts), form.checked("interim")
    return _act(devolution_id, "report", form,
                lambda: usecases.submit_report(
                    runtime, me, devolution_id, me.department or "", report, interim=interim
                ),
                "interim_reported" if interim else "reported")  # fmt: skip


@devolution_pages.post("/<devolution_id>/reports/<department>/acknowledgement")
@department_only
def acknowledge(devolution_id: str, department: str) -> ResponseReturnValue:
    form = Form.posted({"note": "确认意见"})
    runtime, me = current_runtime(), current_principal()
    return _act(devolution_id, "acknowledge", form,
                lambda: usecases.acknowledge_report(
                    runtime, me, devolution_id, department, form.value("note").strip()
                ),
                "acknowledged")  # fmt: skip


# --- rectification (第三十七条): intake's casework; the old page's address leads there ------------------


@devolution_pages.get("/rectifications/<rectification_id>")
def rectification_page(rectification_id: str) -> ResponseReturnValue:
    """Notices sent before the move link here: the finding is an intake case under the same id now."""
    return redirect(f"/cases/{rectification_id}", code=301)


def rectification_order_link(shown: dict[str, Any], state: State) -> str:
    """Intake's 责令限期纠正 form, filled in for this devolution (第三十七条第四项): undelivered support
    for an approved one, devolving without approval otherwise."""
    approved = state in (State.APPROVED, State.ISSUED, State.OPERATION_REPORTED)
    ground = "support_not_delivered" if approved else "devolved_without_approval"
    query = urlencode(
        {
            "devolution_id": shown["id"],
            "department": shown["applicant_department"],
            "ground": ground,
            "title": f"关于“{shown['duty_name']}”职责下放的限期纠正",
        }
    )
    return f"/cases/new/rectification?{query}"
