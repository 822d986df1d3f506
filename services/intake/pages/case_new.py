"""New submissions as forms. For a department's people: 协商纪要备案 (第十五条), 职责分工协调申请
(第十六条), 主要职责配置和调整方案 (第八条至第十一条), 议事协调机构成员单位职责分工 (第二十九条),
书面反映 (第二十六条第四款). For the office: what it takes up itself and its evaluations (第二十六条),
rectification orders (第三十七条).

Each form is generated from the schema the API loads the submission with (:mod:`.case_forms`): the same
labels, the same checks, the same command; nested items (seals, legal bases, main duties) are rows of the
same fields. Files are uploaded with the form (the limit shown before upload) and their ids go into the
command; on a refusal every typed value stays, the uploaded files too, and each message sits beside its field.

A submission opens the case and starts its statutory clock at once, so a case has no draft state: 保存草稿
keeps the typed values (the uploaded files' ids too) as the department's draft (:mod:`..usecases.drafts`),
listed in 我的办件 and opened here again (``?draft=<id>``); it checks only what no field could take (too
long, not one of its choices), and the draft is gone once submitted. ``/cases/drafts/<id>/delete`` asks
before it deletes one. Lists of rows grow by 添加一行 (dm.js; without it, the button posts the form back
with one row more).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from services.intake.api import case_schemas as s
from services.intake.pages import case_forms
from services.intake.pages.case import _departments, build, uploads
from services.intake.tables import IdempotentRequest
from services.intake.usecases import cases as casework
from services.intake.usecases import drafts
from shared import idempotency
from shared.auth import current_principal
from shared.errors import AppError, NotFound
from shared.http import accepts_upload
from shared.idempotency import IdempotencyClaim
from shared.identity import DEPARTMENT_ROLES
from shared.service import current_runtime
from shared.web import pages
from shared.web.formatting import chinese_datetime
from shared.web.forms import Form

#: who in the office opens what the office takes up itself (第二十六条)
OFFICE_HANDLERS: tuple[str, ...] = ("office_clerk", "office_division_head", "office_leader")

new_case_pages = Blueprint("intake_new_case_pages", __name__, template_folder="templates")
signed_in = pages.login_required()
#: the hidden field carrying the form's idempotency key (the API's Idempotency-Key)
KEY_FIELD = "submission_key"
#: the hidden field naming the draft the form was opened from
DRAFT_FIELD = "draft_id"
#: what a draft does not keep: the CSRF token, the button pressed, the draft's own id
NOT_KEPT = frozenset({"csrf_token", "intent", DRAFT_FIELD})


@dataclass(frozen=True)
class NewSubmission:
    slug: str
    title: str
    article: str
    schema: type[Any]
    submit: Callable[..., str]
    intro: str
    button: str
    roles: tuple[str, ...] = tuple(DEPARTMENT_ROLES)


SUBMISSIONS = {
    n.slug: n
    for n in (
        NewSubmission(
            "filing",
            "报送协商纪要备案",
            "第十五条",
            s.FilingSchema,
            casework.submit_filing,
            "主办部门与协办部门协商一致后，将加盖各方党组（党委）印章的协商纪要报编办备案；"
            "编办在5个工作日内反馈备案意见（第十五条）。",
            "提交备案",
        ),
        NewSubmission(
            "coordination",
            "申请职责分工协调",
            "第十六条",
            s.ApplicationSchema,
            casework.apply_for_coordination,
            "经协商未达成一致的，主办部门经党组（党委）集体研究后提出书面申请，写明分歧事项、协商情况、"
            "倾向性意见及理由、政策法规依据；编办在5个工作日内决定是否受理（第十六条、第十七条）。",
            "提交协调申请",
        ),
        NewSubmission(
            "duty-plan",
            "报送主要职责配置和调整方案",
            "第八条至第十一条",
            s.DutyPlanSchema,
            casework.submit_duty_plan,
            "部门主要职责配置方案（“三定”规定草案）或调整方案：每项职责写明依据并细化到内设机构"
            "（第八条至第十条）；编办按第十一条审核。",
            "提交方案",
        ),
        NewSubmission(
            "deliberation-division",
            "抄送议事协调机构成员单位职责分工",
            "第二十九条",
            s.DivisionSchema,
            casework.file_division,
            "议事协调机构牵头单位制定工作协同机制，明确成员单位细化任务分工并承担兜底责任；"
            "成员单位职责分工（及其调整）及时抄送市委编办，每项任务注明衔接的“三定”规定条款（第二十九条）。",
            "抄送编办",
        ),
        NewSubmission(
            "reflection",
            "登记书面反映",
            "第二十六条第四款",
            s.ReflectionSchema,
            casework.record_reflection,
            "企业、群众或社会团体就部门职责分工书面反映问题的，收到反映的部门或编办登记后研究办理，"
            "需要协调的提请协调，并将结果告知反映人（第二十六条第四款）。",
            "登记书面反映",
            (*DEPARTMENT_ROLES, *OFFICE_HANDLERS),
        ),
        NewSubmission(
            "office-coordination",
            "编办启动职责分工协调",
            "第二十六条",
            s.OfficeCaseSchema,
            casework.open_coordination,
            "市委、市政府和市委编委交办的事项，“三定”规定执行情况评估、新业态新领域管理、"
            "“三定”规定理解不一致等情形，由编办直接启动协调（第二十六条）；受理之日起计算协调期限。",
            "启动协调",
            OFFICE_HANDLERS,
        ),
        NewSubmission(
            "evaluation",
            "登记“三定”规定执行情况评估",
            "第二十六条第二款",
            s.EvaluationSchema,
            casework.record_evaluation,
            "编办对部门“三定”规定执行情况进行评估；发现需要理顺的职责分工问题的，写明涉及的部门，"
            "并转入协调（第二十六条第二款）。",
            "登记评估结果",
            OFFICE_HANDLERS,
        ),
        NewSubmission(
            "rectification",
            "责令限期纠正",
            "第三十七条",
            s.RectificationSchema,
            casework.order_rectification,
            "部门未按已明确的职责分工履职、未执行协调意见或认定意见，未经审批擅自下放职责或经批准下放后"
            "未落实保障措施等，由编办责令限期纠正（第三十七条）；部门按期报告纠正情况。",
            "责令限期纠正",
            ("office_division_head", "office_leader"),
        ),
    )
}


def _page(
    kind: NewSubmission, form: Form, status: int = 200, notice: str | None = None
) -> ResponseReturnValue:
    me = current_principal()
    departments = _departments(me.jurisdiction)
    choices = [
        (code, row.name)
        for code, row in departments.items()
        if row.jurisdiction_code == me.jurisdiction and row.active and row.function != "establishment_office"
    ]
    specs = case_forms.grown(case_forms.schema_fields(kind.schema()), form)
    return pages.render_page(
        "intake/new_case.html",
        status=status,
        kind=kind,
        a={"action": f"new-{kind.slug}", "form": form},
        specs=specs,
        draft_id=form.value(DRAFT_FIELD),
        notice=notice,
        drafts_page=_drafts_page(),
        ctx=SimpleNamespace(
            picker=choices,
            departments=choices,
            max_upload=current_runtime().settings.max_upload_bytes,
            pick_options=lambda name: [],
        ),
    )


def _kind(slug: str) -> NewSubmission | ResponseReturnValue:
    kind = SUBMISSIONS.get(slug)
    if kind is None:
        return pages.error_page(404, "未找到", "没有这类申请。", back="/")
    if not current_principal().has_any(kind.roles):
        return pages.error_page(403, "无权访问", f"您的角色不能{kind.title}。", back="/")
    return kind


@new_case_pages.get("/cases/new/<slug>")
@signed_in
def new_submission(slug: str) -> ResponseReturnValue:
    kind = _kind(slug)
    if not isinstance(kind, NewSubmission):
        return kind
    specs = case_forms.schema_fields(kind.schema())
    me = current_principal()
    if request.args.get("draft"):
        return _draft_page(kind, specs, request.args["draft"])
    start: dict[str, str | None] = {}
    if me.is_department_user:
        start = {
            "host_department": me.department,
            "department": me.department,
            "lead_department": me.department,
        }
    prefilled = (
        "department",
        "coordination_case_id",
        "devolution_id",
        "evaluation_case_id",
        "ground",
        "title",
        "basis",
    )
    start |= {k: v for k, v in request.args.items() if k in prefilled}
    values = {k: v for k, v in start.items() if k in kind.schema().fields}
    values[KEY_FIELD] = f"web-{uuid.uuid4().hex}"  # a second tap on the button submits nothing twice
    return _page(kind, Form.of(values, case_forms.labels(specs)))


@new_case_pages.post("/cases/new/<slug>")
@accepts_upload
@signed_in
def create_submission(slug: str) -> ResponseReturnValue:
    kind = _kind(slug)
    if not isinstance(kind, NewSubmission):
        return kind
    specs = case_forms.schema_fields(kind.schema())
    form = Form.posted(case_forms.labels(specs))
    runtime, me = current_runtime(), current_principal()
    if case_forms.adds_row(form):  # 添加一行 without JavaScript: the form again, one row more
        return _page(kind, form)
    if form.value("intent") == "draft":
        return _save_draft(kind, specs, form)
    key = idempotency.parse_key(form.value(KEY_FIELD) or None)
    claim = IdempotencyClaim(me.user_id, key, request.path, "") if key else None
    try:
        command = build(kind.schema(), specs, form)
        case_id, _replayed = idempotency.run_once(
            runtime.db,
            IdempotentRequest,
            claim,
            lambda c: kind.submit(runtime, me, command, c),
            checked_by_act=True,  # the opening asks in its own transaction (case_opening.open_new_case)
        )
    except AppError as refused:
        return _page(kind, form.with_error(refused), status=refused.status)
    if form.value(DRAFT_FIELD):
        drafts.discard_submitted(runtime, me, form.value(DRAFT_FIELD))
    return pages.redirect_to(f"/cases/{case_id}?done=submitted")


# --- drafts (草稿) ------------------------------------------------------------------------------------------


def _drafts_page() -> str:
    """Where the caller finds the drafts: the office in its 待办, a department in 我的办件."""
    return "待办" if current_principal().is_office else "我的办件"


def _draft_not_found() -> ResponseReturnValue:
    return pages.error_page(404, "未找到草稿", "未找到该草稿：它已提交或已删除，或不属于本部门。", back="/my")


def _draft_page(kind: NewSubmission, specs: list[case_forms.FieldSpec], draft_id: str) -> ResponseReturnValue:
    try:
        draft = drafts.get(current_runtime(), current_principal(), draft_id)
    except NotFound:
        return _draft_not_found()
    if draft.form_kind != kind.slug:
        return pages.redirect_to(f"/cases/new/{draft.form_kind}?draft={draft.id}")
    values = list(draft.values)
    if not any(k == KEY_FIELD for k, _ in values):
        values.append((KEY_FIELD, f"web-{uuid.uuid4().hex}"))
    values.append((DRAFT_FIELD, draft.id))
    form = Form.of(values, case_forms.labels(specs))
    notice = None
    if request.args.get("saved"):
        notice = (
            f"草稿已保存（{chinese_datetime(draft.saved_at)}）。"
            f"可以继续填写，完成后再提交；草稿在“{_drafts_page()}”中。"
        )
    return _page(kind, form, notice=notice)


def _kept_files(form: Form) -> list[str]:
    return [v for k, v in form.values.items(multi=True) if k.endswith(".kept") and v]


def _draft_title(kind: NewSubmission, form: Form) -> str:
    for name in ("title", "subject", "name", "matter"):
        typed = form.value(name).strip()
        if typed:
            return typed[:200]
    return ""


def _save_draft(kind: NewSubmission, specs: list[case_forms.FieldSpec], form: Form) -> ResponseReturnValue:
    """保存草稿: files stored and kept, each value checked by its field, nothing the measures require."""
    runtime, me = current_runtime(), current_principal()
    try:
        uploads(case_forms.grown(specs, form), form)
        case_forms.draft_check(kind.schema(), specs, form)
        values = [(k, v) for k, v in form.values.items(multi=True) if k not in NOT_KEPT]
        saved = drafts.save(
            runtime,
            me,
            form_kind=kind.slug,
            title=_draft_title(kind, form),
            values=values,
            attachment_ids=_kept_files(form),
            draft_id=form.value(DRAFT_FIELD) or None,
            form_key=form.value(KEY_FIELD) or None,
        )
    except NotFound:
        return _draft_not_found()
    except AppError as refused:
        return _page(kind, form.with_error(refused), status=refused.status)
    return pages.redirect_to(f"/cases/new/{kind.slug}?draft={saved.id}&saved=1")


@new_case_pages.get("/cases/drafts/<draft_id>/delete")
@signed_in
def confirm_delete_draft(draft_id: str) -> ResponseReturnValue:
    try:
        draft = drafts.get(current_runtime(), current_principal(), draft_id)
    except NotFound:
        return _draft_not_found()
    kind = SUBMISSIONS.get(draft.form_kind)
    return pages.render_page(
        "intake/draft_delete.html",
        draft=draft,
        kind_title=kind.title if kind else "申请",
        saved_at=draft.saved_at,
    )


@new_case_pages.post("/cases/drafts/<draft_id>/delete")
@signed_in
def delete_draft(draft_id: str) -> ResponseReturnValue:
    try:
        drafts.delete(current_runtime(), current_principal(), draft_id)
    except NotFound:
        return _draft_not_found()
    back = "/worklist" if current_principal().is_office else "/my"
    return pages.redirect_to(f"{back}?done=draft-deleted")
