"""The intake case page for people (协商纪要备案、职责分工协调、书面反映、限期纠正、主要职责方案): every party
on its own page, at the one address, behind the one login session.

``GET /cases/<id>`` shows what was applied for (content, parties by name, materials to download), the status
in Chinese, who must act next, every statutory date with the working days left (provisional ones 暂定), the
history in Beijing time and what was decided or issued — and a form for every action the person looking at it
may take now. The forms are not written per action: each is generated from the action's one declaration and
the schema that builds its command (:mod:`services.intake.pages.case_forms`), so the page, the API and the
state machine agree. ``POST /cases/<id>/actions/<action>`` carries it out; on a refusal the page comes back
with every value as typed and the message beside its field.

``GET /cases/<id>/reply-due?working_days=N`` previews, from the deadlines calendar, the due date of a written
solicitation sent today (第二十条), for the solicitation form's live preview.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from services.intake import queries
from services.intake.adapters import attachment_store
from services.intake.adapters.deadlines_calendar import calendar_for
from services.intake.api import case_schemas as s
from services.intake.api.case_schemas import schema_for
from services.intake.domain.coordination import REPLY_OPEN
from services.intake.messages.cases import KIND_NAMES
from services.intake.pages import case_forms
from services.intake.pages.case_forms import FieldSpec
from services.intake.tables import Department
from services.intake.usecases import attachments
from services.intake.usecases import cases as casework
from services.intake.usecases import documents as written
from services.intake.usecases.case_actions import CaseAction
from shared import localtime
from shared.auth import current_principal
from shared.errors import AppError, NotFound, ValidationFailed
from shared.http import accepts_upload
from shared.measures import RULES, Rule
from shared.service import current_runtime
from shared.web import pages
from shared.web.formatting import chinese_date, chinese_datetime
from shared.web.forms import Form

case_pages = Blueprint("intake_case_pages", __name__, template_folder="templates")
anyone = pages.login_required()
REPLY = RULES["written_reply"]

#: the form each kind's content was submitted with (its labels name the content on the page)
#: an office-opened coordination (第26条) was opened with the office's form
OfficeCaseSchema = s.OfficeCaseSchema
CONTENT_SCHEMAS: dict[str, type[Any]] = {
    "filing": s.FilingSchema,
    "coordination": s.ApplicationSchema,
    "reflection": s.ReflectionSchema,
    "rectification": s.RectificationSchema,
    "duty_plan": s.DutyPlanSchema,
    "deliberation": s.DivisionSchema,
    "evaluation": s.EvaluationSchema,
}
PROGRESS_NAMES = {
    "acceptance": "受理",
    "rejection": "不予受理",
    "supplement_request": "补正要求",
    "agreement": "一致意见",
    "opinion": "协调意见",
    "coordination_opinion": "协调意见",
    "filing_opinion": "备案意见（需发文明确）",
    "determination": "认定建议",
    "duty_plan_review": "正式审核意见",
    "interpretation": "“三定”规定书面解释",
    "determination_reasons": "认定理由",
    "hearing": "论证会",
    "org_review": "组织部门审议",
    "committee_decision": "编委决定",
    "suspension": "中止",
    "issued": "正式发文",
    "interim_measures": "临时处置措施",
    "conflicts": "与“三定”规定不衔接",
    "registered": "登记",
}
PROGRESS_KEYS = {
    "summary": "摘要",
    "text": "全文",
    "note": "说明",
    "reason": "理由",
    "reasons": "理由",
    "ground_name": "情形",
    "mechanism_name": "应采用的解决机制",
    "items": "需补正的材料",
    "opinion": "意见",
    "decision": "决定",
    "decided_on": "日期",
    "held_on": "日期",
    "experts": "专家和管理服务对象",
    "document_number": "文号",
    "issued_on": "发文日期",
    "measures": "措施",
    "special_explanation": "专门说明（第二十三条）",
    "disagreements_resolved": "不同意见如何解决",
    "accepted_by": "受理人",
    "recorded_by": "记录人",
    "by": "办理人",
    "member_name": "成员单位",
    "sanding_provision": "“三定”规定条款",
    "conflict": "不衔接之处",
}
BOOL_NAMES = {True: "是", False: "否"}


# --- names, never codes ----------------------------------------------------------------------------------


def _departments(jurisdiction: str) -> dict[str, Department]:
    with current_runtime().db.reading() as session:
        rows = session.scalars(select(Department).order_by(Department.code)).all()
        for row in rows:
            session.expunge(row)
    return {r.code: r for r in rows if r.jurisdiction_code == jurisdiction} | {
        r.code: r for r in rows if r.jurisdiction_code != jurisdiction
    }


def _namer(departments: dict[str, Department]) -> Any:
    def name(code: str | None) -> str:
        row = departments.get(code or "")
        return row.name if row is not None else "（未知部门）"

    return name


def _value_text(value: Any, field: Any, name_of: Any) -> Any:
    """A stored content value as a person reads it: codes as names, choices by their Chinese name."""
    names = field.metadata.get("names") if field is not None else None
    if isinstance(value, bool):
        return BOOL_NAMES[value]
    if names and isinstance(value, str):
        return names.get(value, value)
    return value


def _content_rows(
    kind: str, content: dict[str, Any], name_of: Any, attachments_by_id: dict[str, Any]
) -> list:
    """(label, text or list of texts or list of row dicts) for each submitted field, in the form's order."""
    schema = OfficeCaseSchema if kind == "coordination" and "source" in content else CONTENT_SCHEMAS.get(kind)
    if schema is None:
        return []
    rows: list[tuple[str, Any]] = []
    for key, f in schema().fields.items():
        value = content.get(key)
        if value in (None, "", [], {}):
            continue
        label = str(f.metadata.get("label") or key)
        if key == "devolution_id" and content.get("devolution_title"):  # 第三十七条第四项: name it
            rows.append((label, f"{content['devolution_title']}（{value}）"))
            continue
        if key == "evaluation_case_id" and content.get("evaluation_title"):  # the evaluation behind it
            rows.append((label, f"{content['evaluation_title']}（{value}）"))
            continue
        rows.append((label, _shown(key, value, f, name_of, attachments_by_id)))
    return rows


def _as_text(shown: Any) -> Any:
    """A value inside a row as one line: rows nested in a row (a main duty's bases, a member's tasks) read
    ``label：value，label：value；…`` instead of showing the structure."""
    if isinstance(shown, list) and shown and all(isinstance(r, list) for r in shown):
        return "；".join("，".join(f"{label}：{value}" for label, value in row) for row in shown)
    return shown


def _shown(key: str, value: Any, f: Any, name_of: Any, files: dict[str, Any]) -> Any:
    from marshmallow import fields as mf

    if key.endswith("attachment_id") and isinstance(value, str):
        return {"file": files.get(value) or {"id": value, "filename": "附件"}}
    if key == "attachment_ids":
        return [{"file": files.get(v) or {"id": v, "filename": "附件"}} for v in value]
    if key in case_forms.DEPARTMENT_LISTS or key in ("host_department", "department", "lead_department"):
        if isinstance(value, list):
            return "、".join(name_of(v) for v in value)
        return name_of(value)
    if isinstance(f, mf.List) and isinstance(f.inner, mf.Nested):
        inner = f.inner.schema
        return [
            [
                (
                    str(inner.fields[k].metadata.get("label") or k),
                    _as_text(_shown(k, v, inner.fields[k], name_of, files)),
                )
                for k, v in item.items()
                if k in inner.fields and v not in (None, "", [])
            ]
            for item in value
            if isinstance(item, dict)
        ]
    if isinstance(f, mf.Nested) and isinstance(value, dict):
        inner = f.schema
        return [
            [
                (
                    str(inner.fields[k].metadata.get("label") or k),
                    _shown(k, v, inner.fields[k], name_of, files),
                )
                for k, v in value.items()
                if k in inner.fields and v not in (None, "", [])
            ]
        ]
    if isinstance(f, mf.Date) and isinstance(value, str):
        return chinese_date(value)
    if isinstance(value, list):
        return "、".join(str(_value_text(v, f, name_of)) for v in value)
    return _value_text(value, f, name_of)


def _progress_rows(
    progress: dict[str, Any], files: dict[str, Any]
) -> list[tuple[str, list[tuple[str, Any]]]]:
    rows = []
    for key, title in PROGRESS_NAMES.items():
        value = progress.get(key)
        if not value:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                parts: list[tuple[str, Any]] = []
                for k, v in item.items():
                    if k == "attachment_ids" and v:
                        parts.append(
                            ("正式文件", [files.get(i) or {"id": i, "filename": "正式文件"} for i in v])
                        )
                        continue
                    if k not in PROGRESS_KEYS or v in (None, "", []):
                        continue
                    if k.endswith("_on"):
                        v = chinese_date(v)
                    elif isinstance(v, list):
                        v = "、".join(str(x) for x in v)
                    elif isinstance(v, bool):
                        v = BOOL_NAMES[v]
                    parts.append((PROGRESS_KEYS[k], str(v)))
                rows.append((title, parts))
            else:
                rows.append((title, [("", str(item))]))
    return rows


# --- the page ------------------------------------------------------------------------------------------

DONE = "已办理：{label}。"


def _picker(departments: dict[str, Department], me: Any, case: dict[str, Any]) -> list[tuple[str, str]]:
    """Departments a form may name: the case's parties first, then the jurisdiction's others."""
    party_codes = [p["department"] for p in case["parties"]]
    others = [
        c
        for c, row in departments.items()
        if row.jurisdiction_code == me.jurisdiction and row.function != "establishment_office" and row.active
    ]
    ordered = list(dict.fromkeys([*party_codes, *others]))
    return [(c, departments[c].name) for c in ordered if c in departments]


def _my_solicitations(case: dict[str, Any], me: Any) -> list[dict[str, Any]]:
    clocks = {c["clock_id"]: c for c in case["clocks"]}
    mine = []
    for sol in case["solicitations"]:
        if sol["status"] not in REPLY_OPEN:
            continue
        if me.department and sol["department"] != me.department:
            continue
        mine.append({**sol, "clock": clocks.get(sol["clock_id"])})
    return mine


def _pick_options(name: str, case: dict[str, Any], me: Any, name_of: Any) -> list[tuple[str, str]]:
    """The case's own records a form chooses among: open solicitations (mine, for a department), meetings
    without minutes."""
    if name == "solicitation_id":
        return [
            (sol["id"], f"第{sol['round']}轮 · {name_of(sol['department'])}")
            for sol in case["solicitations"]
            if sol["status"] in REPLY_OPEN and (me.is_office or sol["department"] == me.department)
        ]
    if name == "member_department":
        return [(p["department"], name_of(p["department"])) for p in case["parties"] if p["role"] == "member"]
    if name == "meeting_id":
        return [
            (m["id"], f"{chinese_datetime(m['starts_at'])} · {m['location']}")
            for m in case["meetings"]
            if not m["minutes"]
        ]
    return []


def _revises_content(declared: CaseAction[Any], kind: str) -> bool:
    content = CONTENT_SCHEMAS.get(kind)
    return content is not None and issubclass(schema_for(declared.command), content)


def _localised(specs: list[FieldSpec], reply: Rule) -> list[FieldSpec]:
    """第20条 as the case's jurisdiction counts it (第三十九条): the reply period's usual range in the hint
    and in the label of the reason a period outside it needs."""

    def shown(spec: FieldSpec) -> FieldSpec:
        if spec.name == "reply_working_days":
            return replace(spec, hint=f"答复期限（工作日），一般为{reply.period}（{reply.where}）")
        if spec.name == "reply_period_reason":
            return replace(spec, label=f"答复期限超出{reply.period}的理由")
        return spec

    return [shown(spec) for spec in specs]


def _forms_of(case: dict[str, Any], me: Any, posted: tuple[str, Form] | None) -> list[dict[str, Any]]:
    routed = case_forms.by_action()
    with current_runtime().db.reading() as session:
        reply = queries.local_rules_of(session, case["jurisdiction"]).written_reply()
    out = []
    for allowed in case["allowed_actions"]:
        declared = routed.get(allowed["action"])
        if declared is None:
            continue
        specs = _localised(case_forms.fields_of(declared), reply)
        labels = case_forms.labels(specs)
        if posted is not None and posted[0] == declared.action:
            form = posted[1]
        elif _revises_content(declared, case["kind"]):  # a revision starts from what was submitted
            form = Form.of(case_forms.values_from(specs, case["content"] or {}), labels)
        else:
            form = Form(labels=labels)
        out.append(
            {
                "action": declared.action,
                "label": allowed["label"],
                "summary": declared.summary,
                "specs": case_forms.grown(specs, form),
                "form": form,
                "open": posted is not None and posted[0] == declared.action,
                "supported": case_forms.supported(declared),
                "route": declared.route,
            }
        )
    return out


def _case_page(
    case_id: str, *, posted: tuple[str, Form] | None = None, status: int = 200, done: str | None = None
) -> ResponseReturnValue:
    runtime, me = current_runtime(), current_principal()
    try:
        case = casework.get_case(runtime, me, case_id)
        history = casework.case_history(runtime, me, case_id)
    except NotFound:
        return pages.error_page(404, "未找到", "未找到该事项，或您无权查看。", back="/")
    departments = _departments(me.jurisdiction)
    name_of = _namer(departments)
    files = {a["id"]: a for a in case["attachments"]}
    forms = _forms_of(case, me, posted)
    return pages.render_page(
        "intake/case.html",
        status=status,
        case=case,
        kind_name=KIND_NAMES.get(case["kind"], case["kind"]),
        history=list(reversed(history)),
        content_rows=_content_rows(case["kind"], case["content"] or {}, name_of, files),
        progress_rows=_progress_rows(case["progress"] or {}, files),
        parties=list(dict.fromkeys(name_of(p["department"]) for p in case["parties"])),
        # a written reply's clock is one department's (第二十条): say whose
        clock_subjects={s["clock_id"]: name_of(s["department"]) for s in case["solicitations"]},
        names=name_of,
        forms=forms,
        documents=written.list_documents(runtime, me, case_id),
        document_steps=written.available_steps(runtime, me, case_id),
        can_rerender=me.is_office,
        ctx=SimpleNamespace(
            picker=_picker(departments, me, case),
            departments=_picker(departments, me, case),
            max_upload=runtime.settings.max_upload_bytes,
            pick_options=lambda name: _pick_options(name, case, me, name_of),
        ),
        my_solicitations=_my_solicitations(case, me),
        reply_rule=REPLY,
        reply_preview=_reply_preview(REPLY.min_length or 5),
        max_upload=runtime.settings.max_upload_bytes,
        done=done,
        back="/worklist" if me.is_office else "/my",
        can_order_rectification=case["kind"] == "coordination"
        and case["status"] == "in_execution"
        and me.has_any(("office_division_head", "office_leader")),
    )


@case_pages.get("/cases/<case_id>")
@anyone
def case_page(case_id: str) -> ResponseReturnValue:
    done = request.args.get("done")
    if done == "submitted":
        return _case_page(
            case_id, done="已提交。编办将在法定期限内办理，办理进展会通知您，也可随时在此查看。"
        )
    label = next((a.summary for a in case_forms.by_action().values() if a.action == done), None)
    return _case_page(case_id, done=DONE.format(label=label) if label else None)


def uploads(specs: list[FieldSpec], form: Form) -> dict[str, list[str]]:
    """Store the files chosen on the form; their ids go into the command and stay on the form (a refusal
    after the upload does not ask for the file again). A refused file: its message beside its input."""
    runtime, me = current_runtime(), current_principal()
    store = attachment_store.plugged_or_default(current_app.extensions, runtime.settings)
    ids: dict[str, list[str]] = {}
    for name in case_forms.file_fields(specs):
        for upload in request.files.getlist(name):
            if not upload or not upload.filename:
                continue
            try:
                row = attachments.upload(
                    runtime, store, me, attachments.Upload(filename=upload.filename, stream=upload.stream)
                )
            except AppError as refused:
                raise ValidationFailed(
                    refused.detail, code=refused.code, fields={name: [refused.detail]}
                ) from None
            ids.setdefault(name, []).append(row["id"])
            form.values.add(f"{name}.kept", row["id"])
            form.values.add(f"{name}.kept_name", upload.filename)
    return ids


def build(schema: Any, specs: list[FieldSpec], form: Form) -> Any:
    """The command the form asks for: files stored, then what was typed loaded by the action's own schema."""
    uploaded = uploads(case_forms.grown(specs, form), form)  # every row shown, also those added
    return case_forms.load(schema, case_forms.to_data(specs, form, uploaded), form.labels)


@case_pages.post("/cases/<case_id>/actions/<action>")
@accepts_upload
@anyone
def act(case_id: str, action: str) -> ResponseReturnValue:
    declared: CaseAction[Any] | None = case_forms.by_action().get(action)
    if declared is None:
        return pages.error_page(404, "未找到", "没有这项操作。", back=f"/cases/{case_id}")
    specs = case_forms.fields_of(declared)
    labels = case_forms.labels(specs)
    form = Form.posted(labels)
    if case_forms.adds_row(form):  # 添加一行 without JavaScript: the form again, one row more
        return _case_page(case_id, posted=(action, form))
    try:
        command = build(schema_for(declared.command)(), specs, form)
        casework.perform(current_runtime(), current_principal(), case_id, command)
    except NotFound:
        return pages.error_page(404, "未找到", "未找到该事项，或您无权查看。", back="/")
    except AppError as refused:
        form.with_error(refused, shown=labels)
        return _case_page(case_id, posted=(action, form), status=refused.status)
    return pages.redirect_to(f"/cases/{case_id}?done={action}#top")


# --- the solicitation's due date, previewed from the calendar (第二十条) ------------------------------------


def _reply_preview(working_days: int) -> dict[str, Any]:
    """The due date of a written solicitation sent today with ``working_days`` to reply."""
    today = localtime.today()
    me = current_principal()
    fixed = current_app.extensions.get(PREVIEW_KEY)
    try:
        if fixed is not None:
            due, provisional = fixed(today, working_days)
        else:
            body = calendar_for(current_runtime().settings, me.jurisdiction)._due_date(today, working_days)
            due, provisional = date.fromisoformat(body["due_date"]), bool(body.get("provisional"))
    except Exception:  # the calendar is away: say so rather than guess
        return {"working_days": working_days, "due_date": None, "text": "暂时无法从工作日历计算答复截止日期"}
    text = f"如今天发出，答复截止：{chinese_date(due)} 24:00 前" + ("（暂定）" if provisional else "")
    return {
        "working_days": working_days,
        "due_date": due.isoformat(),
        "provisional": provisional,
        "text": text,
    }


#: tests put a ``(start, working_days) -> (due, provisional)`` here instead of the deadlines service
PREVIEW_KEY = "intake.reply_due_preview"


@case_pages.get("/cases/<case_id>/reply-due")
@anyone
def reply_due(case_id: str) -> ResponseReturnValue:
    try:
        days = int(request.args.get("working_days", ""))
    except ValueError:
        return jsonify({"text": "请填写答复期限（工作日）"}), 422
    if not 1 <= days <= 60:
        return jsonify({"text": "答复期限应为1至60个工作日"}), 422
    return jsonify(_reply_preview(days))
