"""HTTP entrypoint for casework: submissions, the case registry, the office's steps, attachments.

Views only turn HTTP into use-case calls; every rule lives in the domain and the service layer. Every
query is scoped to the caller's jurisdiction and role (another department's or jurisdiction's case is 404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request, send_file
from flask_smorest import Blueprint
from flask_smorest.fields import Upload as UploadField
from marshmallow import Schema, ValidationError, fields, validate

from services.intake import queries
from services.intake.adapters import attachment_store
from services.intake.adapters.attachment_store import AttachmentStore
from services.intake.domain.actors import Actor
from services.intake.domain.rules import (
    BasisType,
    Mechanism,
    RectificationGround,
    RejectionGround,
    ReplyKind,
    SuspensionGround,
)
from services.intake.usecases import attachments
from services.intake.usecases import cases as service
from shared.auth import current_principal, require_roles
from shared.http import ProblemSchema as BaseProblemSchema
from shared.http import accepts_upload, translate_message
from shared.service import current_runtime

cases_blp = Blueprint(
    "cases", __name__, url_prefix="/api/v1", description="协商纪要备案与职责分工协调（第十二条至第二十六条）"
)
SECURITY = [{"bearerAuth": []}]
IDEMPOTENCY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 120},
    "description": "重复提交时携带同一键，返回第一次提交的结果",
}


def _store() -> AttachmentStore:
    return attachment_store.plugged_or_default(current_app.extensions, current_runtime().settings)


def _actor() -> Actor:
    return current_principal()  # the domain's actor is the caller's principal


# --- input schemas: every field labelled in Chinese, so a 422 names it ---


class Labelled(Schema):
    """Prefixes each field's messages with its Chinese label (``metadata["label"]``)."""

    def handle_error(self, error: ValidationError, data: Any, *, many: bool, **kwargs: Any) -> None:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        labelled: dict[str, Any] = {}
        for name, value in messages.items():
            field = self.fields.get(str(name))
            label = field.metadata.get("label") if field is not None else None
            if isinstance(value, list) and all(isinstance(m, str) for m in value):
                value = [f"{label}：{translate_message(m)}" if label else translate_message(m) for m in value]
            labelled[name] = value
        raise ValidationError(labelled)


def _text(label: str, *, required: bool = True, max_length: int = 5000, **meta: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(min=1 if required else 0, max=max_length),
        metadata={"label": label, "description": label, **meta},
    )


def codes(label: str, *, required: bool = True, min_items: int = 0) -> fields.List:
    extra: dict[str, Any] = {"required": True} if required else {"load_default": list}
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(min=min_items),
        metadata={"label": label, "description": label},
        **extra,
    )


def choice(label: str, values: Any, *, required: bool = True) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.OneOf([str(v) for v in values]),
        metadata={"label": label, "description": f"{label}：{'、'.join(str(v) for v in values)}"},
    )


class SealSchema(Labelled):
    department = _text("加盖印章的部门", max_length=40)
    party_group = choice("党组（党委）", ["党组", "党委"])
    sealed_on = fields.Date(required=True, metadata={"label": "盖章日期"})


class FilingSchema(Labelled):
    title = _text("标题", max_length=200)
    matter = _text("协商事项")
    host_department = _text("主办部门", max_length=40)
    lead_departments = codes("牵头部门（按排序）", required=False)
    assisting_departments = codes("协办部门", min_items=1)
    agreed_points = _text("协商一致的意见")
    minutes_attachment_id = _text("协商纪要文件", max_length=60)
    seals = fields.List(fields.Nested(SealSchema), required=True, metadata={"label": "党组（党委）印章"})
    attachment_ids = codes("其他附件", required=False)


class LegalBasisSchema(Labelled):
    type = choice("依据类型", list(BasisType))
    name = _text("依据名称", max_length=200)
    provision = _text("具体条款", required=False, max_length=500)


class CollectiveDecisionSchema(Labelled):
    meeting_date = fields.Date(required=True, metadata={"label": "党组（党委）会议日期"})
    minutes_summary = _text("集体研究情况")
    minutes_attachment_id = _text("会议纪要文件", required=False, max_length=60)


class ApplicationSchema(Labelled):
    title = _text("标题", max_length=200)
    host_department = _text("主办部门", max_length=40)
    lead_departments = codes("牵头部门（按排序）", required=False)
    other_parties = codes("分歧涉及的其他部门", min_items=1)
    disputed_items = _text("分歧事项")
    consultation_failed = fields.Boolean(required=True, metadata={"label": "是否已协商未达成一致"})
    consultation_history = _text("协商情况")
    collective_decision = fields.Nested(
        CollectiveDecisionSchema, required=True, metadata={"label": "党组集体研究"}
    )
    leaning_opinion = _text("倾向性意见")
    reasons = _text("申请协调的理由")
    legal_bases = fields.List(
        fields.Nested(LegalBasisSchema), required=True, metadata={"label": "政策法规依据"}
    )
    other_materials = _text("其他材料说明", required=False)
    attachment_ids = codes("附件", required=False)
    urgent = fields.Boolean(load_default=False, metadata={"label": "是否紧急（第二十二条第二款）"})
    interim_measures = _text("已采取的临时处置措施", required=False)
    interim_told = codes("已告知的对象", required=False)


class OfficeCaseSchema(Labelled):
    title = _text("标题", max_length=200)
    source = choice(
        "来源（第二十六条）",
        ["committee_assigned", "evaluation", "new_business", "interpretation", "public_reflection"],
    )
    description = _text("事项说明")
    parties = codes("相关部门", min_items=1)
    attachment_ids = codes("附件", required=False)


class SubmitterSchema(Labelled):
    name = _text("反映人", max_length=100)
    kind = choice("反映人类型", ["enterprise", "group", "citizen"])
    contact = _text("联系方式", max_length=200)


class ReflectionSchema(Labelled):
    title = _text("标题", max_length=200)
    submitter = fields.Nested(SubmitterSchema, required=True, metadata={"label": "反映人"})
    received_on = fields.Date(required=True, metadata={"label": "收到日期"})
    content = _text("反映内容")
    attachment_ids = codes("附件", required=False)


class StudySchema(Labelled):
    note = _text("说明", required=False)


class ReferSchema(Labelled):
    coordination_case_id = _text("协调事项编号", max_length=40)
    note = _text("说明", required=False)


class ResultSchema(Labelled):
    result = _text("研究或协调结果")
    told_on = fields.Date(required=True, metadata={"label": "告知日期"})
    method = choice("告知方式", ["letter", "phone", "email", "in_person", "online"])


class RectificationSchema(Labelled):
    title = _text("标题", max_length=200)
    department = _text("责令纠正的部门", max_length=40)
    ground = choice("情形（第三十七条）", list(RectificationGround))
    facts = _text("发现的问题")
    basis = _text("依据（如“三定”规定条款、协调意见文号）", required=False)
    coordination_case_id = _text("未执行的协调事项编号", required=False, max_length=40)
    due_date = fields.Date(required=True, metadata={"label": "纠正期限"})
    attachment_ids = codes("附件", required=False)


class CorrectionReportSchema(Labelled):
    report = _text("纠正情况")
    attachment_ids = codes("附件", required=False)


class NoteSchema(Labelled):
    note = _text("说明", required=False)


class ReasonSchema(Labelled):
    reason = _text("理由", required=False)


class RequiredReasonSchema(Labelled):
    reason = _text("理由")


class SupplementRequestSchema(Labelled):
    reason = _text("补正理由")
    items = fields.List(fields.String(), load_default=list, metadata={"label": "需补正的材料"})


class SupplementSchema(Labelled):
    note = _text("补正说明", required=False)
    attachment_ids = codes("补正材料", min_items=1)


class FilingOpinionSchema(Labelled):
    opinion = _text("备案意见", required=False)
    text = _text("拟发文稿", required=False)
    summary = _text("摘要", required=False, max_length=500)


class AcceptSchema(Labelled):
    note = _text("受理说明", required=False)


class RejectSchema(Labelled):
    ground = choice("不予受理情形（第十七条）", list(RejectionGround))
    reasons = _text("不予受理理由")
    mechanism = choice("应采用的解决机制", list(Mechanism), required=False)


class SolicitSchema(Labelled):
    departments = codes("征求意见的部门", min_items=1)
    question = _text("征求意见的事项")
    reply_working_days = fields.Integer(required=True, strict=True, metadata={"label": "答复期限（工作日）"})


class ReplySchema(Labelled):
    solicitation_id = _text("征求意见编号", max_length=60)
    kind = choice("答复", list(ReplyKind))
    opinion = _text("具体意见", required=False)
    reason = _text("未能按期答复的原因", required=False)


class MeetingSchema(Labelled):
    starts_at = fields.AwareDateTime(required=True, metadata={"label": "开会时间"})
    location = _text("地点", max_length=200)
    attendees = codes("参会部门", min_items=1)
    agenda = _text("议题")


class MeetingMinutesSchema(Labelled):
    meeting_id = _text("会议编号", max_length=60)
    minutes = _text("会议纪要")
    minutes_attachment_id = _text("会议纪要文件", required=False, max_length=60)


class InterimSchema(Labelled):
    measures = _text("临时处置措施")
    told = codes("已告知的对象", min_items=1)


class AgreementSchema(Labelled):
    summary = _text("一致意见")


class OpinionSchema(Labelled):
    summary = _text("摘要", max_length=500)
    text = _text("协调意见（认定建议）全文")
    changes_sanding = fields.Boolean(load_default=False, metadata={"label": "是否改变“三定”规定"})
    special_explanation = _text("专门说明（第二十三条）", required=False)


class DeterminationSchema(Labelled):
    reasons = _text("认定理由")
    major = fields.Boolean(load_default=False, metadata={"label": "是否涉及重大职能配置及调整"})


class HearingSchema(Labelled):
    held_on = fields.Date(required=True, metadata={"label": "论证会日期"})
    experts = fields.List(fields.String(), load_default=list, metadata={"label": "专家和管理服务对象"})
    summary = _text("论证意见")


class OrgReviewSchema(Labelled):
    opinion = _text("审议意见")


class CommitteeDecisionSchema(Labelled):
    decided_on = fields.Date(required=True, metadata={"label": "编委研究日期"})
    decision = _text("编委决定")


class IssueSchema(Labelled):
    document_number = _text("文号", max_length=100)
    issued_on = fields.Date(required=True, metadata={"label": "发文日期"})
    note = _text("说明", required=False)


class SuspendSchema(Labelled):
    ground = choice("中止情形（第二十五条）", list(SuspensionGround))
    reason = _text("中止理由")


# --- output schemas ---


class CaseSummarySchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"description": "filing 协商纪要备案 / coordination 职责分工协调"})
    source = fields.String()
    title = fields.String()
    status = fields.String()
    status_name = fields.String()
    jurisdiction = fields.String()
    applicant_department = fields.String(allow_none=True)
    next_actor = fields.String(allow_none=True, metadata={"description": "下一步应由谁办理"})
    next_actor_name = fields.String(allow_none=True)
    due_date = fields.Date(allow_none=True, metadata={"description": "最近的期限"})
    overdue = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ClockSchema(Schema):
    clock_id = fields.String()
    rule = fields.String()
    rule_name = fields.String()
    state = fields.String(metadata={"description": "requested 计算中 / running / paused / stopped / expired"})
    due_date = fields.Date(allow_none=True)
    provisional = fields.Boolean(metadata={"description": "日历未公布，暂按周末计算"})
    remaining_working_days = fields.Integer(allow_none=True)
    overdue = fields.Boolean()
    responsible = fields.List(fields.Dict())


class SolicitationOutSchema(Schema):
    id = fields.String()
    round = fields.Integer()
    department = fields.String()
    question = fields.String()
    reply_working_days = fields.Integer()
    clock_id = fields.String()
    status = fields.String()
    opinion = fields.String(allow_none=True)
    delay_reason = fields.String(allow_none=True)
    sent_at = fields.DateTime()
    replied_at = fields.DateTime(allow_none=True)
    replied_by = fields.String(allow_none=True)


class MeetingOutSchema(Schema):
    id = fields.String()
    round = fields.Integer()
    starts_at = fields.DateTime()
    location = fields.String()
    attendees = fields.List(fields.String())
    agenda = fields.String()
    minutes = fields.String(allow_none=True)
    minutes_attachment_id = fields.String(allow_none=True)
    notified_at = fields.DateTime()


class AttachmentSchema(Schema):
    id = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    case_id = fields.String(allow_none=True)
    uploaded_by = fields.String()
    created_at = fields.DateTime()


class CaseDetailSchema(CaseSummarySchema):
    content = fields.Dict(metadata={"description": "提交的内容"})
    progress = fields.Dict(metadata={"description": "办理进展：受理、不予受理、协调意见、发文等"})
    parties = fields.List(fields.Dict())
    clocks = fields.List(fields.Nested(ClockSchema), metadata={"description": "每一个期限及应办理的一方"})
    solicitations = fields.List(fields.Nested(SolicitationOutSchema))
    meetings = fields.List(fields.Nested(MeetingOutSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    allowed_actions = fields.List(fields.Dict(), metadata={"description": "当前用户可进行的操作"})


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSummarySchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class HistorySchema(Schema):
    at = fields.DateTime()
    actor_id = fields.String()
    actor_name = fields.String()
    action = fields.String()
    action_name = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    reason = fields.String(allow_none=True)
    data = fields.Dict()


class CaseQuerySchema(Labelled):
    status = fields.String(metadata={"label": "状态"})
    kind = choice("类型", ["filing", "coordination", "reflection", "rectification"], required=False)
    department = fields.String(metadata={"label": "部门"})
    overdue = fields.Boolean(metadata={"label": "是否逾期"})
    due_before = fields.Date(metadata={"label": "期限早于"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1), metadata={"label": "页码"})
    page_size = fields.Integer(
        load_default=20, validate=validate.Range(min=1, max=100), metadata={"label": "每页条数"}
    )


class UploadSchema(Schema):
    file = UploadField(required=True, metadata={"description": "pdf、ofd、doc(x)、xls(x)、wps、png、jpg"})


class UploadLimitsSchema(Schema):
    max_bytes = fields.Integer(metadata={"description": "单个文件的最大字节数"})
    allowed_extensions = fields.List(fields.String(), metadata={"description": "允许的扩展名"})
    text = fields.String(metadata={"description": "给用户看的说明，如：单个文件不超过 50 MB，格式：pdf、…"})


class ProblemSchema(BaseProblemSchema):
    """The suite's problem document, with what a refused case step adds."""

    case_status = fields.String(metadata={"description": "409：事项当前状态"})
    allowed_actions = fields.List(fields.String(), metadata={"description": "409：当前用户可进行的操作"})


ILLEGAL_STEP_EXAMPLE = {
    "type": "https://errors.dm.local/illegal_transition",
    "title": "与当前状态冲突",
    "status": 409,
    "detail": "事项当前状态为“已提交，待编办处理”，不能达成一致；当前可进行的操作：要求补正材料",
    "code": "illegal_transition",
    "case_status": "submitted",
    "allowed_actions": ["request_supplement"],
}


# --- examples ---

FILING_EXAMPLE = {
    "title": "关于农产品质量安全监管职责分工的协商纪要",
    "matter": "食用农产品进入批发、零售市场后的质量安全监管",
    "host_department": "nb-scjg",
    "lead_departments": ["nb-scjg"],
    "assisting_departments": ["nb-nyj"],
    "agreed_points": "进入市场前由农业农村局监管，进入市场后由市场监管局监管。",
    "minutes_attachment_id": "a-0123456789abcdef",
    "seals": [
        {"department": "nb-scjg", "party_group": "党组", "sealed_on": "2026-11-20"},
        {"department": "nb-nyj", "party_group": "党组", "sealed_on": "2026-11-21"},
    ],
}

APPLICATION_EXAMPLE = {
    "title": "关于餐厨垃圾收运监管职责分工的协调申请",
    "host_department": "nb-zhzf",
    "other_parties": ["nb-sthj", "nb-zjj"],
    "disputed_items": "餐厨垃圾收运环节的日常监管由哪个部门承担",
    "consultation_failed": True,
    "consultation_history": "2026年10月至11月召开两次协商会，未达成一致。",
    "collective_decision": {
        "meeting_date": "2026-11-18",
        "minutes_summary": "局党组会议研究，同意申请协调。",
    },
    "leaning_opinion": "收运环节由综合行政执法局监管，处置环节由生态环境局监管。",
    "reasons": "职责交叉，基层执法无所适从。",
    "legal_bases": [{"type": "sanding", "name": "宁波市综合行政执法局职能配置、内设机构和人员编制规定"}],
    "urgent": False,
}


# --- views ---


@accepts_upload
@cases_blp.post("/attachments")
@cases_blp.arguments(UploadSchema, location="files")
@cases_blp.response(201, AttachmentSchema)
@cases_blp.doc(security=SECURITY)
@require_roles()
def upload_attachment(files: dict[str, Any]) -> dict[str, Any]:
    """上传材料（按内容哈希存储一次）

    单个文件的大小上限由部署设定（DM_MAX_UPLOAD_BYTES，默认 50 MB，足够一份扫描的 20 页 PDF），
    当前上限和允许的格式见 GET /api/v1/attachments/limits；超过上限的文件以 413 拒绝并说明上限。
    """
    runtime = current_runtime()
    item = attachments.Upload(filename=files["file"].filename or "", stream=files["file"].stream)
    return attachments.upload(runtime, _store(), _actor(), item)


@cases_blp.get("/attachments/limits")
@cases_blp.response(200, UploadLimitsSchema)
@cases_blp.doc(security=SECURITY)
@require_roles()
def upload_limits() -> dict[str, Any]:
    """上传限制（上传前告诉用户：单个文件不超过多少、允许哪些格式）"""
    settings = current_runtime().settings
    return {
        "max_bytes": attachments.max_bytes(settings),
        "allowed_extensions": list(attachments.ALLOWED_TYPES),
        "text": attachments.limit_text(settings),
    }


@cases_blp.get("/attachments/<attachment_id>")
@cases_blp.response(200, description="文件内容（仅限有权查看该事项的人）")
@cases_blp.doc(security=SECURITY)
@require_roles()
def download_attachment(attachment_id: str) -> Response:
    """下载材料"""
    runtime = current_runtime()
    meta, stream = service.read_attachment(runtime, _store(), _actor(), attachment_id)
    response = send_file(
        stream, mimetype=meta["content_type"], download_name=meta["filename"], as_attachment=True
    )
    response.content_length = meta["size"]
    return response


@cases_blp.post("/cases/filings")
@cases_blp.arguments(FilingSchema, example=FILING_EXAMPLE)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[IDEMPOTENCY])
@require_roles("dept_clerk", "dept_leader")
def submit_filing(body: dict[str, Any]) -> dict[str, Any]:
    """主办部门报送协商纪要备案（第十五条；编办5个工作日内反馈备案意见）"""
    return service.submit_filing(current_runtime(), _actor(), body, request.headers.get("Idempotency-Key"))


@cases_blp.post("/cases/coordination-applications")
@cases_blp.arguments(ApplicationSchema, example=APPLICATION_EXAMPLE)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[IDEMPOTENCY])
@require_roles("dept_clerk", "dept_leader")
def submit_application(body: dict[str, Any]) -> dict[str, Any]:
    """主办部门提出协调申请（第十六条；编办5个工作日内决定是否受理）"""
    return service.submit_application(
        current_runtime(), _actor(), body, request.headers.get("Idempotency-Key")
    )


@cases_blp.post("/cases/office-opened")
@cases_blp.arguments(OfficeCaseSchema)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[IDEMPOTENCY])
@require_roles("office_clerk", "office_division_head", "office_leader")
def open_case(body: dict[str, Any]) -> dict[str, Any]:
    """编办立项协调：交办、评估发现、新业态、三定解释（第二十六条）"""
    return service.open_by_office(current_runtime(), _actor(), body, request.headers.get("Idempotency-Key"))


@cases_blp.post("/cases/reflections")
@cases_blp.arguments(ReflectionSchema)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[IDEMPOTENCY])
@require_roles("dept_clerk", "dept_leader", "office_clerk", "office_division_head", "office_leader")
def record_reflection(body: dict[str, Any]) -> dict[str, Any]:
    """登记企事业单位、社会团体和个人的书面反映（第二十六条第四款）"""
    return service.record_reflection(
        current_runtime(), _actor(), body, request.headers.get("Idempotency-Key")
    )


@cases_blp.post("/cases/rectifications")
@cases_blp.arguments(RectificationSchema)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[IDEMPOTENCY])
@require_roles("office_division_head", "office_leader")
def order_rectification(body: dict[str, Any]) -> dict[str, Any]:
    """责令部门限期纠正（第三十七条；第（四）项在职责下放模块办理）"""
    return service.order_rectification(
        current_runtime(), _actor(), body, request.headers.get("Idempotency-Key")
    )


@cases_blp.get("/cases")
@cases_blp.arguments(CaseQuerySchema, location="query")
@cases_blp.response(200, CasePageSchema)
@cases_blp.doc(security=SECURITY)
@require_roles()
def list_cases(args: dict[str, Any]) -> dict[str, Any]:
    """事项列表（分页；按状态、类型、部门、是否逾期、期限筛选；仅本辖区、本部门有权看到的事项）"""
    return service.list_cases(current_runtime(), _actor(), queries.CaseFilter(**args))


@cases_blp.get("/cases/<case_id>")
@cases_blp.response(200, CaseDetailSchema)
@cases_blp.doc(security=SECURITY)
@require_roles()
def get_case(case_id: str) -> dict[str, Any]:
    """事项详情：状态、每个期限、下一步由谁办理、可进行的操作"""
    return service.get_case(current_runtime(), _actor(), case_id)


@cases_blp.get("/cases/<case_id>/history")
@cases_blp.response(200, HistorySchema(many=True))
@cases_blp.doc(security=SECURITY)
@require_roles()
def get_history(case_id: str) -> list[dict[str, Any]]:
    """办理记录（谁、何时、做了什么、理由）"""
    return service.case_history(current_runtime(), _actor(), case_id)


# (path, action, schema, summary) — one POST per step of the procedure
ACTION_ROUTES: list[tuple[str, str, type[Schema], str]] = [
    ("withdraw", "withdraw", ReasonSchema, "申请部门撤回（受理前）"),
    ("request-supplement", "request_supplement", SupplementRequestSchema, "编办要求补正材料"),
    ("supplement", "supplement", SupplementSchema, "申请部门补正材料"),
    ("file", "file", FilingOpinionSchema, "同意备案（第十五条）"),
    ("return-filing", "return_filing", FilingOpinionSchema, "不予备案并退回（第十五条）"),
    ("request-document", "request_document", FilingOpinionSchema, "需要发文明确，报批（第十五条）"),
    ("accept", "accept", AcceptSchema, "受理（第十七条）"),
    ("reject", "reject", RejectSchema, "不予受理，说明情形和理由（第十七条）"),
    ("solicitations", "solicit", SolicitSchema, "书面征求意见，答复期限5至10个工作日（第二十条）"),
    ("replies", "reply", ReplySchema, "被征求意见部门答复（第二十条）"),
    ("meetings", "schedule_meeting", MeetingSchema, "通知协调会议（第二十条）"),
    ("meeting-minutes", "record_meeting", MeetingMinutesSchema, "记录会议纪要"),
    (
        "interim-measures",
        "report_interim_measures",
        InterimSchema,
        "申请方报告临时处置措施（第二十二条第二款）",
    ),
    ("agreement", "reach_agreement", AgreementSchema, "达成一致（第二十一条）"),
    ("opinion", "submit_opinion", OpinionSchema, "协调意见报批（第二十一条、第二十三条）"),
    ("determination", "determine", DeterminationSchema, "未达成一致，进行分工认定（第二十一条）"),
    ("hearing", "record_hearing", HearingSchema, "记录论证会（第二十一条）"),
    ("determination-submission", "submit_determination", OpinionSchema, "认定建议报批（第二十一条）"),
    ("org-review", "complete_org_review", OrgReviewSchema, "市委组织部审议（第二十一条）"),
    ("committee-decision", "record_committee_decision", CommitteeDecisionSchema, "记录市委编委决定"),
    ("issue", "issue", IssueSchema, "发文，相关部门执行（第二十四条）"),
    ("extension", "extend", RequiredReasonSchema, "延长30个工作日（一次，第二十二条）"),
    ("suspension", "suspend", SuspendSchema, "中止协调（第二十五条）"),
    ("resumption", "resume", ReasonSchema, "恢复协调（第二十五条）"),
    ("termination", "terminate", RequiredReasonSchema, "终止协调（第二十五条）"),
    ("study", "study", StudySchema, "研究书面反映（第二十六条第四款）"),
    ("refer-to-coordination", "refer_to_coordination", ReferSchema, "书面反映需要协调，关联协调事项"),
    ("tell-result", "tell_result", ResultSchema, "将结果告知反映人（第二十六条第四款）"),
    ("report-correction", "report_correction", CorrectionReportSchema, "部门报告纠正情况（第三十七条）"),
    ("confirm-correction", "confirm_correction", NoteSchema, "确认已纠正（第三十七条）"),
    ("reject-correction", "reject_correction", RequiredReasonSchema, "纠正不到位，继续纠正"),
    (
        "refer-to-supervision",
        "refer_to_supervision",
        RequiredReasonSchema,
        "未按要求纠正，移交监督检查（第三十七条第二款）",
    ),
]


def _action_view(action: str, summary: str) -> Callable[..., dict[str, Any]]:
    def view(body: dict[str, Any], case_id: str) -> dict[str, Any]:
        return service.perform(current_runtime(), _actor(), case_id, action, body)

    view.__name__ = f"case_{action}"
    view.__doc__ = summary
    return view


for _path, _action, _schema, _summary in ACTION_ROUTES:
    _view = require_roles()(_action_view(_action, _summary))
    _view = cases_blp.doc(security=SECURITY)(_view)
    _view = cases_blp.alt_response(
        409, schema=ProblemSchema, description="当前状态不允许此操作", example=ILLEGAL_STEP_EXAMPLE
    )(_view)
    _view = cases_blp.alt_response(404, schema=ProblemSchema, description="无此事项或无权查看")(_view)
    _view = cases_blp.alt_response(403, schema=ProblemSchema, description="角色不允许此操作")(_view)
    _view = cases_blp.response(200, CaseDetailSchema)(_view)
    _view = cases_blp.arguments(_schema)(_view)
    cases_blp.route(f"/cases/<case_id>/{_path}", methods=["POST"], endpoint=f"case_{_action}")(_view)
