"""Devolution's HTTP entrypoint (``/api/v1``): schemas turn JSON into commands; use cases do the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import flask
from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from services.devolution import queries, usecases
from services.devolution.domain import aftercare, review
from services.devolution.domain.application import BasisKind, FeedbackPosition, FeedbackRole, SupportKind
from services.devolution.domain.lifecycle import Actor, State
from services.devolution.tables import IdempotentRequest
from shared import attachment_store, idempotency
from shared.auth import OFFICE_ROLES, Role, current_principal, require_roles
from shared.errors import AppError, NotFound
from shared.http import BEARER, problem_response, translate_message
from shared.http import ProblemSchema as BaseProblemSchema
from shared.idempotency import IdempotencyClaim
from shared.schemas import MAX_ID
from shared.service import current_runtime

blp = Blueprint(
    "devolution",
    __name__,
    url_prefix="/api/v1",
    description="职责下放：申请（第三十三条）、审核论证与报批（第三十四条）、正式下放后的衔接与运行半年专项报告"
    "（第三十五条）、限期纠正（第三十七条第四项）",
)
DEPARTMENT = (Role.DEPT_CLERK, Role.DEPT_LEADER)
SECURITY = BEARER


def _actor() -> Actor:
    return current_principal()  # the domain's actor is the caller's principal


def _choice(enum: Iterable[Any]) -> validate.OneOf:
    return validate.OneOf([str(e) for e in enum])


# --- input schemas: every field labelled in Chinese, so that a 422 names it ------------------------------

FIELD_LABELS = {
    # the application (第三十三条)
    "duty_name": "职责名称",
    "legal_bases": "职责依据",
    "type": "依据类型",
    "name": "依据名称",
    "provision": "条款",
    "reasons": "下放理由",
    "legality": "合法性",
    "rationality": "合理性",
    "necessity": "必要性",
    "coordination": "协同性",
    "support": "配套性",
    "performance": "履职方式",
    "county_level": "县级履职方式",
    "township_level": "乡镇（街道）履职方式",
    "support_measures": "保障措施",
    "kind": "保障措施类别",
    "amount": "数量或金额",
    "unit": "单位",
    "due_date": "计划落实日期",
    "not_applicable": "不涉及",
    "receiving_departments": "承接部门",
    "related_departments": "关联部门",
    "feedback": "书面反馈意见",
    "department": "部门",
    "role": "部门角色（承接/关联）",
    "document_title": "反馈文件名称",
    "document_date": "发文日期",
    "position": "意见",
    "summary": "意见摘要",
    # lists
    "state": "状态",
    "overdue": "是否逾期",
    "after": "上次看到的变更编号",
    "limit": "条数",
    # the office
    "items": "需要补正的项目",
    "checklist": "审核清单",
    "item": "审核项",
    "satisfied": "是否符合",
    "note": "意见",
    "notes": "审核意见",
    "conclusion": "审核结论",
    "power_list_entries": "权责清单事项",
    "code": "权责事项编码",
    "from_department": "原责任部门",
    "to_level": "下放层级",
    "document_number": "发文文号",
    # after issuance
    "description": "内容",
    "done_on": "完成日期",
    "public_service_effects": "便民服务方面的实效",
    "enterprise_service_effects": "利企服务方面的实效",
    "efficiency_effects": "提高工作效率方面的实效",
    "problems_found": "发现的问题",
    "suggestions": "意见建议",
    "interim": "中期报告",
}


class Labelled(Schema):
    """Prefixes each field's messages with its Chinese label (``labels``, else ``FIELD_LABELS``)."""

    labels: ClassVar[dict[str, str]] = {}

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        labelled: dict[Any, Any] = {}
        for name, value in messages.items():
            label = self.labels.get(str(name)) or FIELD_LABELS.get(str(name))
            if label and isinstance(value, list) and all(isinstance(m, str) for m in value):
                value = [f"{label}：{translate_message(m)}" for m in value]
            labelled[name] = value
        raise ValidationError(labelled)


# --- schemas: the application (第三十三条) ----------------------------------------------------------------


class BasisSchema(Labelled):
    type = fields.String(
        required=True,
        validate=_choice(BasisKind),
        metadata={
            "description": "party_regulation 党内法规 / law 法律法规 / sanding “三定”规定 / "
            "reform_plan 机构改革方案 / higher_document 上级文件。"
            "internal_document、meeting、leader_speech、responsibility_letter "
            "依第三十二条第二款不得作为依据，提交即被拒绝",
            "example": "law",
        },
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    provision = fields.String(load_default="", metadata={"description": "条款", "example": "第十二条"})


class ReasonsSchema(Labelled):
    legality = fields.String(load_default="", metadata={"description": "合法性"})
    rationality = fields.String(load_default="", metadata={"description": "合理性"})
    necessity = fields.String(load_default="", metadata={"description": "必要性"})
    coordination = fields.String(load_default="", metadata={"description": "协同性"})
    support = fields.String(load_default="", metadata={"description": "配套性"})


class PerformanceSchema(Labelled):
    county_level = fields.String(load_default="", metadata={"description": "县级履职方式"})
    township_level = fields.String(load_default="", metadata={"description": "乡镇（街道）履职方式"})


class SupportMeasureSchema(Labelled):
    labels: ClassVar[dict[str, str]] = {"description": "保障措施内容"}

    kind = fields.String(
        required=True,
        validate=_choice(SupportKind),
        metadata={
            "description": "staffing_posts 编制 / personnel 人员 / funds 经费 / training 培训 / guidance 指导"
        },
    )
    description = fields.String(load_default="")
    amount = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=1e12),
        allow_nan=False,
        metadata={"example": 30},
    )
    unit = fields.String(load_default="", metadata={"example": "万元"})
    due_date = fields.Date(load_default=None, allow_none=True, metadata={"description": "落实日期"})
    not_applicable = fields.Boolean(
        load_default=False, metadata={"description": "不涉及（须在内容中说明理由）"}
    )


class FeedbackSchema(Labelled):
    labels: ClassVar[dict[str, str]] = {"department": "反馈部门", "document_date": "反馈文件日期"}

    department = fields.String(required=True, metadata={"example": "hs-scjg"})
    role = fields.String(required=True, validate=_choice(FeedbackRole), metadata={"description": "承接/关联"})
    document_title = fields.String(load_default="")
    document_date = fields.Date(load_default=None, allow_none=True)
    position = fields.String(
        required=True,
        validate=_choice(FeedbackPosition),
        metadata={"description": "agree 同意 / agree_with_suggestions 原则同意有建议 / disagree 不同意"},
    )
    summary = fields.String(load_default="")


class ApplicationSchema(Labelled):
    """职责下放申请的五项内容；草稿可以不完整，提交审核时须完整。"""

    duty_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    legal_bases = fields.List(fields.Nested(BasisSchema), load_default=list)
    reasons = fields.Nested(ReasonsSchema, load_default=dict)
    performance = fields.Nested(PerformanceSchema, load_default=dict)
    support_measures = fields.List(fields.Nested(SupportMeasureSchema), load_default=list)
    receiving_departments = fields.List(fields.String(), load_default=list)
    related_departments = fields.List(fields.String(), load_default=list)
    feedback = fields.List(fields.Nested(FeedbackSchema), load_default=list)


APPLICATION_EXAMPLE = {
    "duty_name": "食品小作坊登记",
    "legal_bases": [{"type": "law", "name": "浙江省食品小作坊小餐饮店小食杂店和食品摊贩管理规定"}],
    "reasons": {
        "legality": "法规允许由县级市场监管部门登记",
        "rationality": "就近办理",
        "necessity": "基层管理迫切需要",
        "coordination": "与乡镇综合执法衔接",
        "support": "编制经费同步下沉",
    },
    "performance": {"county_level": "区县市场监管局负责登记", "township_level": "市场监管所受理初审"},
    "support_measures": [
        {"kind": "funds", "description": "专项经费", "amount": 30, "unit": "万元", "due_date": "2026-12-31"}
    ],
    "receiving_departments": ["hs-scjg"],
    "related_departments": ["nb-zhzf"],
    "feedback": [
        {
            "department": "hs-scjg",
            "role": "receiving",
            "document_title": "关于食品小作坊登记下放的反馈意见",
            "document_date": "2026-11-20",
            "position": "agree",
        }
    ],
}


# --- schemas: views ---------------------------------------------------------------------------------------


class ClockSchema(Schema):
    clock_id = fields.String()
    rule = fields.String(metadata={"description": "devolution_review / operation_report"})
    department = fields.String(allow_none=True)
    state = fields.String()
    due_date = fields.Date(allow_none=True)
    provisional = fields.Boolean()
    remaining_working_days = fields.Integer(allow_none=True)
    due_soon = fields.Boolean()
    overdue = fields.Boolean()
    overdue_working_days = fields.Integer(allow_none=True)


class DevolutionSummarySchema(Schema):
    id = fields.String()
    jurisdiction = fields.String()
    duty_name = fields.String()
    applicant_department = fields.String()
    receiving_departments = fields.List(fields.String())
    state = fields.String(metadata={"enum": [str(s) for s in State]})
    state_label = fields.String(metadata={"example": "已批准，尚未正式发文（原部门继续负责）"})
    in_force = fields.Boolean(metadata={"description": "是否已正式发文下放"})
    responsible_departments = fields.List(
        fields.String(), metadata={"description": "当前的责任部门：正式发文前为原部门（第三十四条第二款）"}
    )
    document_number = fields.String(allow_none=True)
    document_date = fields.Date(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    clocks = fields.List(fields.Nested(ClockSchema))
    overdue = fields.Boolean()


class HandoverItemSchema(Schema):
    kind = fields.String()
    label = fields.String()
    description = fields.String()
    due_date = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)
    overdue = fields.Boolean()


class InterimReportViewSchema(Schema):
    interim = fields.Boolean(metadata={"description": "恒为 true：中期报告，不作为第三十五条的专项报告"})
    kind = fields.String(metadata={"enum": [str(k) for k in aftercare.ReportKind]})
    kind_label = fields.String(metadata={"example": "中期报告"})
    content = fields.Dict()
    submitted_at = fields.DateTime()
    submitted_by = fields.String()


class ReportViewSchema(Schema):
    department = fields.String()
    department_jurisdiction = fields.String()
    interim = fields.Boolean(metadata={"description": "恒为 false：第三十五条的半年运行情况报告"})
    kind = fields.String(metadata={"enum": [str(k) for k in aftercare.ReportKind]})
    kind_label = fields.String(metadata={"example": "半年运行情况报告"})
    state = fields.String()
    state_label = fields.String()
    acceptable_from = fields.Date(
        allow_none=True, metadata={"description": "自该日起可报送半年运行情况报告（正式下放满半年）"}
    )
    due_date = fields.Date(allow_none=True)
    provisional = fields.Boolean()
    content = fields.Dict(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledgement_note = fields.String(allow_none=True)
    interim_reports = fields.List(
        fields.Nested(InterimReportViewSchema), metadata={"description": "此前报送的中期报告，按时间先后"}
    )


class EventSchema(Schema):
    at = fields.DateTime()
    actor = fields.Dict()
    action = fields.String()
    label = fields.String(metadata={"example": "提交申请"})
    from_state = fields.String()
    to_state = fields.String()
    detail = fields.Dict()


class IssuedDocumentSchema(Schema):
    id = fields.String()
    kind = fields.String()
    name = fields.String(metadata={"description": "文书名称"})
    number = fields.String(metadata={"example": "甬编办下放函〔2026〕1号"})
    title = fields.String()
    main_recipient = fields.String()
    dated = fields.Date()
    state = fields.String(
        metadata={"description": "pending 文书生成中（已编号）、issued 已制发、failed 生成失败（将自动重试）"}
    )
    state_text = fields.String(metadata={"description": "事项页面上显示的状态（已制发时为空）"})
    retried_automatically = fields.Boolean(metadata={"description": "尚未生成的文书是否还会自动重试"})
    state_name = fields.String(
        metadata={"description": "已弃用，请用 state_text：与之相同，已制发时为“已制发”", "deprecated": True}
    )
    pdf_url = fields.String(allow_none=True, metadata={"description": "PDF（登录后下载）"})
    docx_url = fields.String(allow_none=True, metadata={"description": "Word（登录后下载）"})


class DevolutionDetailSchema(DevolutionSummarySchema):
    application = fields.Dict(metadata={"description": "申请的五项内容（见 ApplicationSchema）"})
    missing_items = fields.Dict(metadata={"description": "尚缺的内容，按字段列出；为空表示申请完整"})
    review = fields.Dict(allow_none=True)
    power_list_entries = fields.List(fields.Dict())
    approval = fields.Dict(allow_none=True)
    handover = fields.List(fields.Nested(HandoverItemSchema))
    reports = fields.List(fields.Nested(ReportViewSchema))
    history = fields.List(fields.Nested(EventSchema))
    documents = fields.List(
        fields.Nested(IssuedDocumentSchema),
        metadata={"description": "书面文书（第三十四条暂不具备下放条件的函），GB/T 9704-2012"},
    )


class ListQuerySchema(Labelled):
    state = fields.List(fields.String(validate=_choice(State)), load_default=list)
    overdue = fields.Boolean(load_default=None, allow_none=True)


# --- schemas: office and after-issuance commands ----------------------------------------------------------


class ReturnSchema(Labelled):
    labels: ClassVar[dict[str, str]] = {"reasons": "需要补正的内容"}

    reasons = fields.String(required=True, metadata={"example": "请补充乡镇一级的经费保障安排"})
    items = fields.List(fields.String(), load_default=list, metadata={"example": ["support_measures"]})


class ChecklistEntrySchema(Labelled):
    item = fields.String(required=True, validate=validate.OneOf(list(review.CHECKLIST_ITEMS)))
    satisfied = fields.Boolean(required=True)
    note = fields.String(load_default="")


class PowerListEntrySchema(Labelled):
    labels: ClassVar[dict[str, str]] = {"name": "权责事项名称"}

    code = fields.String(required=True, metadata={"example": "330200-SCJG-XK-012"})
    name = fields.String(required=True, metadata={"example": "食品小作坊登记"})
    from_department = fields.String(required=True, metadata={"example": "nb-scjg"})
    to_level = fields.String(required=True, validate=_choice(review.ReceivingLevel))


class ReviewSchema(Labelled):
    labels: ClassVar[dict[str, str]] = {"reasons": "暂不具备下放条件的理由"}

    checklist = fields.List(fields.Nested(ChecklistEntrySchema), required=True)
    notes = fields.String(load_default="")
    conclusion = fields.String(required=True, validate=_choice(review.Conclusion))
    reasons = fields.String(load_default="", metadata={"description": "暂不具备下放条件的理由"})
    power_list_entries = fields.List(fields.Nested(PowerListEntrySchema), load_default=list)


class IssuanceSchema(Labelled):
    document_number = fields.String(
        required=True, validate=validate.Length(max=120), metadata={"example": "甬编办〔2026〕12号"}
    )
    document_date = fields.Date(required=True)


class HandoverUpdateSchema(Labelled):
    labels: ClassVar[dict[str, str]] = {"description": "衔接事项内容"}

    description = fields.String()
    due_date = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)


class ReportSchema(Labelled):
    public_service_effects = fields.String(required=True, metadata={"description": "便民服务方面的实效"})
    enterprise_service_effects = fields.String(required=True, metadata={"description": "利企服务方面的实效"})
    efficiency_effects = fields.String(load_default="", metadata={"description": "提高工作效率方面的实效"})
    problems_found = fields.String(required=True, metadata={"description": "发现的问题"})
    suggestions = fields.String(load_default="")
    interim = fields.Boolean(
        load_default=False,
        metadata={
            "description": "中期报告：运行未满半年时报送的须标明 true，不作为第三十五条的半年运行情况报告，"
            "半年报告仍须按期报送；运行满半年后报送的为半年运行情况报告（false）"
        },
    )


class AcknowledgementSchema(Labelled):
    note = fields.String(load_default="")


class PowerListQuerySchema(Labelled):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=MAX_ID),
        metadata={"description": "上次看到的最后一条变更的 id"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class PowerListChangeSchema(Schema):
    id = fields.Integer()
    type = fields.String(metadata={"example": "power_list.changed"})
    devolution_id = fields.String()
    change = fields.String(
        metadata={"description": "approved_not_in_force 已批准未发文 / in_force 已正式下放"}
    )
    in_force = fields.Boolean()
    responsible_departments = fields.List(fields.String(), metadata={"description": "责任部门"})
    entries = fields.List(fields.Nested(PowerListEntrySchema))
    document_number = fields.String(allow_none=True)
    document_date = fields.Date(allow_none=True)
    occurred_at = fields.DateTime()


# --- problems (RFC 9457), documented per endpoint ---------------------------------------------------------


class ProblemSchema(BaseProblemSchema):
    """The suite's problem document, with what a refused devolution step adds."""

    article = fields.String(metadata={"description": "所依据的条款（如第三十二条第二款）"})
    state = fields.String(metadata={"description": "409：事项当前状态"})


PROBLEM_EXAMPLES: dict[int, tuple[str, dict[str, Any] | None]] = {
    403: ("角色或部门不允许此操作", None),
    404: ("无此事项，或无权查看", None),
    409: (
        "当前状态不允许此操作",
        {
            "type": "https://errors.dm.local/illegal_transition",
            "title": "与当前状态冲突",
            "status": 409,
            "detail": "当前状态为“审核论证中”，不能修改申请",
            "code": "illegal_transition",
            "state": "under_review",
        },
    ),
    422: (
        "内容不完整、不合规或格式有误",
        {
            "type": "https://errors.dm.local/devolution_basis_forbidden",
            "title": "职责下放依据不合规（第三十二条第二款）",
            "status": 422,
            "detail": "不得以会议部署作为职责下放的依据：根据第三十二条第二款，部门不得以内部文件、会议部署、"
            "领导讲话、签订责任状等形式擅自下放职责",
            "code": "devolution_basis_forbidden",
            "article": "第三十二条第二款",
            "errors": [{"field": "legal_bases[0].type", "messages": ["不得以会议部署作为职责下放的依据……"]}],
        },
    ),
}


def _problems(*statuses: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document the problem responses an endpoint may answer with."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        for status in statuses:
            description, example = PROBLEM_EXAMPLES[status]
            options: dict[str, Any] = {"example": example} if example else {}
            view = blp.alt_response(status, schema=ProblemSchema, description=description, **options)(view)
        return view

    return decorate


# --- idempotent submissions -------------------------------------------------------------------------------

Submission = Callable[[IdempotencyClaim | None], str]


def _idempotent(status: int, submission: Submission) -> Any:
    """Run ``submission`` once per (user, Idempotency-Key); a repeat does nothing and shows the devolution."""
    runtime, actor = current_runtime(), _actor()
    view = lambda devolution_id: queries.detail(runtime, actor, devolution_id)  # noqa: E731
    return idempotency.respond_once(runtime.db, IdempotentRequest, actor.user_id, status, submission, view)


# --- the application -----------------------------------------------------------------------------------


@blp.post("/devolutions")
@require_roles(*DEPARTMENT)
@blp.arguments(ApplicationSchema, example=APPLICATION_EXAMPLE)
@blp.response(201, DevolutionDetailSchema)
@blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@_problems(403, 422)
def create(data: dict[str, Any]) -> Any:
    """部门起草职责下放申请（草稿；内容可不完整，审核期限尚未起算）"""
    return _idempotent(201, lambda claim: usecases.create_draft(current_runtime(), _actor(), data, claim))


@blp.get("/devolutions")
@require_roles()
@blp.arguments(ListQuerySchema, location="query")
@blp.response(200, DevolutionSummarySchema(many=True))
@blp.doc(security=SECURITY)
@_problems(422)
def list_all(query: dict[str, Any]) -> list[dict[str, Any]]:
    """职责下放事项列表：编办看本辖区全部；部门看本部门申请的和本部门承接的。可按状态、是否逾期筛选"""
    return queries.list_devolutions(
        current_runtime(), _actor(), states=query["state"], overdue=query["overdue"]
    )


@blp.get("/devolutions/<devolution_id>")
@require_roles()
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY)
@_problems(404)
def get(devolution_id: str) -> dict[str, Any]:
    """职责下放事项详情：申请内容、缺项、审核、期限、衔接清单、专项报告和办理记录"""
    return queries.detail(current_runtime(), _actor(), devolution_id)


@blp.put("/devolutions/<devolution_id>/application")
@require_roles(*DEPARTMENT)
@blp.arguments(ApplicationSchema, example=APPLICATION_EXAMPLE)
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY)
@_problems(403, 404, 409, 422)
def update_application(data: dict[str, Any], devolution_id: str) -> dict[str, Any]:
    """修改申请内容（草稿或退回补正时）"""
    runtime, actor = current_runtime(), _actor()
    usecases.edit(runtime, actor, devolution_id, data)
    return queries.detail(runtime, actor, devolution_id)


@blp.post("/devolutions/<devolution_id>/submission")
@require_roles(*DEPARTMENT)
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@_problems(403, 404, 409, 422)
def submit(devolution_id: str) -> Any:
    """提交审核（或补正后重新提交）：申请完整时审核期限（市级10个工作日，区县从其执行办法，第三十四条、第三十九条）起算或恢复计算"""

    def submission(claim: IdempotencyClaim | None) -> str:
        usecases.submit(current_runtime(), _actor(), devolution_id, claim)
        return devolution_id

    return _idempotent(200, submission)


# --- the office -----------------------------------------------------------------------------------------


@blp.post("/devolutions/<devolution_id>/return")
@require_roles(*OFFICE_ROLES)
@blp.arguments(ReturnSchema)
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY)
@_problems(403, 404, 409, 422)
def return_for_supplements(data: dict[str, Any], devolution_id: str) -> dict[str, Any]:
    """编办退回补正：退回期间审核期限暂停计算"""
    runtime, actor = current_runtime(), _actor()
    usecases.return_for_supplements(runtime, actor, devolution_id, data["reasons"], data["items"])
    return queries.detail(runtime, actor, devolution_id)


@blp.post("/devolutions/<devolution_id>/review")
@require_roles(*OFFICE_ROLES)
@blp.arguments(ReviewSchema)
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY)
@_problems(403, 404, 409, 422)
def conclude_review(data: dict[str, Any], devolution_id: str) -> dict[str, Any]:
    """审核论证结论：可以下放的报编办领导审批（并衔接权责清单），暂不具备条件的书面告知申请部门"""
    runtime, actor = current_runtime(), _actor()
    result = review.Review(
        checklist=tuple(review.ChecklistEntry(**e) for e in data["checklist"]),
        notes=data["notes"],
        conclusion=review.Conclusion(data["conclusion"]),
        reasons=data["reasons"],
        power_list_entries=review.entries_from_dicts(data["power_list_entries"]),
    )
    store = attachment_store.plugged_or_default(flask.current_app.extensions, runtime.settings)
    usecases.conclude_review(runtime, actor, devolution_id, result, store)
    return queries.detail(runtime, actor, devolution_id)


@blp.post("/devolutions/<devolution_id>/issuance")
@require_roles(*OFFICE_ROLES)
@blp.arguments(IssuanceSchema)
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY)
@_problems(403, 404, 409, 422)
def issue(data: dict[str, Any], devolution_id: str) -> dict[str, Any]:
    """登记正式发文：此后由承接部门负责，开始工作衔接，运行半年专项报告期限起算"""
    runtime, actor = current_runtime(), _actor()
    usecases.issue(runtime, actor, devolution_id, data["document_number"], data["document_date"])
    return queries.detail(runtime, actor, devolution_id)


# --- after issuance -------------------------------------------------------------------------------------


@blp.patch("/devolutions/<devolution_id>/handover/<kind>")
@require_roles(*DEPARTMENT)
@blp.arguments(HandoverUpdateSchema)
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY)
@_problems(403, 404, 409, 422)
def update_handover(data: dict[str, Any], devolution_id: str, kind: str) -> dict[str, Any]:
    """下放部门更新工作衔接清单（人员、经费、场地、指导、培训）的日期或完成情况"""
    runtime, actor = current_runtime(), _actor()
    if kind not in {str(k) for k in aftercare.HandoverKind}:
        raise NotFound("未找到该衔接事项", code="handover_item_not_found")
    usecases.update_handover(runtime, actor, devolution_id, kind, data)
    return queries.detail(runtime, actor, devolution_id)


@blp.put("/devolutions/<devolution_id>/reports/<department>")
@require_roles(*DEPARTMENT)
@blp.arguments(ReportSchema)
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@_problems(403, 404, 409, 422)
def submit_report(data: dict[str, Any], devolution_id: str, department: str) -> Any:
    """承接部门提交运行半年专项报告（第三十五条）：运行满半年后报送，此前只能作为中期报告（interim）报送"""
    interim = data.pop("interim")
    report = aftercare.OperationReport(**data)

    def submission(claim: IdempotencyClaim | None) -> str:
        usecases.submit_report(
            current_runtime(), _actor(), devolution_id, department, report, claim, interim=interim
        )
        return devolution_id

    return _idempotent(200, submission)


@blp.post("/devolutions/<devolution_id>/reports/<department>/acknowledgement")
@require_roles(*DEPARTMENT)
@blp.arguments(AcknowledgementSchema)
@blp.response(200, DevolutionDetailSchema)
@blp.doc(security=SECURITY)
@_problems(403, 404, 409, 422)
def acknowledge_report(data: dict[str, Any], devolution_id: str, department: str) -> dict[str, Any]:
    """下放部门确认收到专项报告"""
    runtime, actor = current_runtime(), _actor()
    usecases.acknowledge_report(runtime, actor, devolution_id, department, data["note"])
    return queries.detail(runtime, actor, devolution_id)


# --- the power list ------------------------------------------------------------------------------------


@blp.get("/power-list/changes")
@require_roles(*OFFICE_ROLES, Role.SERVICE)
@blp.arguments(PowerListQuerySchema, location="query")
@blp.response(200, PowerListChangeSchema(many=True))
@blp.doc(security=SECURITY)
@_problems(403, 422)
def power_list_changes(query: dict[str, Any]) -> list[dict[str, Any]]:
    """权责清单变更记录（供清单维护方按 after 游标轮询）：批准未发文时责任仍在原部门，正式下放后生效"""
    return queries.power_list_changes(current_runtime(), _actor(), query["after"], query["limit"])


def blueprints() -> Iterable[Blueprint]:
    return [blp]


# --- rectification's old address: 限期纠正 (第三十七条第四项 too) is intake's casework -----------------

#: plain Flask routes, outside the OpenAPI document (they describe no operation any more): every call to the
#: old ``/api/v1/rectifications`` address is answered 410 Gone, as problem+json naming where it went.
moved = flask.Blueprint("rectification_moved", __name__)

NEW_PLACE = "/api/v1/cases/rectifications"


def _gone(detail: str, moved_to: str) -> Response:
    problem = AppError(
        detail,
        code="rectification_moved",
        title="限期纠正已移至编办案件办理",
        status=410,
        extra={"moved_to": moved_to},
    )
    response = problem_response(problem)
    response.headers["Link"] = f'<{moved_to}>; rel="alternate"'
    return response


@moved.route("/api/v1/rectifications", methods=["GET", "POST"])
def rectifications_moved() -> Response:
    if flask.request.method == "POST":
        return _gone(f"编办责令限期纠正（含第三十七条第四项情形）请使用 POST {NEW_PLACE}", NEW_PLACE)
    return _gone(
        "限期纠正事项请在编办案件中查看：GET /api/v1/cases?kind=rectification",
        "/api/v1/cases?kind=rectification",
    )


@moved.route("/api/v1/rectifications/<rectification_id>", methods=["GET"])
def rectification_moved(rectification_id: str) -> Response:
    """A finding raised here was handed over to intake under the same id."""
    return _gone(
        f"该限期纠正事项已移交编办案件办理：GET /api/v1/cases/{rectification_id}",
        f"/api/v1/cases/{rectification_id}",
    )


@moved.route("/api/v1/rectifications/<rectification_id>/correction", methods=["POST"])
def correction_moved(rectification_id: str) -> Response:
    to = f"/api/v1/cases/{rectification_id}/confirm-correction"
    return _gone(f"部门报告纠正情况、编办确认纠正请在编办案件中办理：POST {to}", to)
