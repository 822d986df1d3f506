"""HTTP entrypoint for casework: submissions, the case registry, every declared case action, attachments.

Views only turn HTTP into use-case calls: the forms (:mod:`.case_schemas`) build the commands, the use cases
(:mod:`services.intake.usecases.cases`) carry them out. The route of each action comes from its declaration
(:data:`~services.intake.usecases.case_actions.ACTIONS`). Every query is scoped to the caller's jurisdiction
and role (another department's or jurisdiction's case is 404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, send_file
from flask_smorest import Blueprint
from flask_smorest.fields import Upload as UploadField
from marshmallow import Schema, fields, validate

from services.intake import queries
from services.intake.api.case_schemas import (
    ApplicationSchema,
    DivisionSchema,
    DutyPlanSchema,
    EvaluationSchema,
    FilingSchema,
    OfficeCaseSchema,
    RectificationSchema,
    ReflectionSchema,
    schema_for,
)
from services.intake.domain.actors import Actor
from services.intake.domain.commands import CaseCommand
from services.intake.tables import IdempotentRequest
from services.intake.usecases import attachments
from services.intake.usecases import cases as service
from services.intake.usecases.case_actions import ACTIONS, CaseAction
from services.intake.usecases.case_opening import answering
from shared import attachment_store, idempotency, uploads
from shared.attachment_store import AttachmentStore
from shared.auth import current_principal, require_roles
from shared.http import BEARER, accepts_upload
from shared.http import ProblemSchema as BaseProblemSchema
from shared.idempotency import IdempotencyClaim
from shared.runtime import ServiceRuntime
from shared.schemas import MAX_PAGE, Labelled, choice
from shared.service import current_runtime
from shared.uploads import base_name

cases_blp = Blueprint(
    "cases",
    __name__,
    url_prefix="/api/v1",
    description="主要职责方案审核、协商纪要备案与职责分工协调、书面反映、限期纠正（第八条至第二十六条、第三十七条）",
)
SECURITY = BEARER


def _store() -> AttachmentStore:
    return attachment_store.plugged_or_default(current_app.extensions, current_runtime().settings)


def _actor() -> Actor:
    return current_principal()  # the domain's actor is the caller's principal


# --- output schemas ---


class CaseSummarySchema(Schema):
    id = fields.String()
    kind = fields.String(
        metadata={
            "description": "filing 协商纪要备案 / coordination 职责分工协调 / reflection 书面反映 / "
            "rectification 限期纠正 / duty_plan 主要职责配置和调整方案 / "
            "deliberation 议事协调机构成员单位职责分工 / evaluation “三定”规定执行情况评估"
        }
    )
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
    reply_period_reason = fields.String(
        allow_none=True, metadata={"description": "答复期限超出5至10个工作日的理由"}
    )
    clock_id = fields.String()
    status = fields.String()
    opinion = fields.String(allow_none=True)
    delay_reason = fields.String(allow_none=True)
    sent_at = fields.DateTime()
    replied_at = fields.DateTime(allow_none=True)
    replied_by = fields.String(allow_none=True)
    delivery = fields.String(
        metadata={
            "description": "pending 送达中 / delivered 已送达（浙政钉）/ unconfirmed 送达未确认"
            " / served 已书面送达"
        }
    )
    delivery_name = fields.String()
    delivered_at = fields.DateTime(allow_none=True, metadata={"description": "浙政钉首次送达的时间"})
    delivery_note = fields.String(allow_none=True, metadata={"description": "送达的证明或未能送达的原因"})
    served_on = fields.Date(allow_none=True, metadata={"description": "书面送达日期：答复期限自此计算"})
    service_method = fields.String(allow_none=True)


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
    warnings = fields.List(
        fields.String(), metadata={"description": "须立即处理的提示，如书面征求意见送达未确认（第二十条）"}
    )


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


class RegisterBodySchema(Labelled):
    name = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"label": "机构名称"}
    )
    lead_department = fields.String(
        required=True, validate=validate.Length(min=1, max=40), metadata={"label": "牵头单位"}
    )
    member_departments = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"label": "成员单位"},
    )
    established_by = fields.String(
        required=True, validate=validate.Length(min=1, max=300), metadata={"label": "设立文件"}
    )


class RegisteredBodySchema(Schema):
    id = fields.String()
    name = fields.String()


class DeliberationBodySchema(Schema):
    id = fields.String(metadata={"description": "名册编号"})
    established_by = fields.String(allow_none=True, metadata={"description": "设立文件"})
    registered_by = fields.String(metadata={"description": "登记人（或首次抄送的牵头单位）"})
    registered_at = fields.DateTime()
    body_name = fields.String(metadata={"description": "议事协调机构名称"})
    lead_department = fields.String(metadata={"description": "牵头单位"})
    lead_name = fields.String()
    members = fields.List(fields.Dict(), metadata={"description": "成员单位及现行任务分工"})
    mechanism = fields.String(allow_none=True)
    residual_responsibility = fields.String(allow_none=True)
    current_case_id = fields.String(allow_none=True, metadata={"description": "现行分工所在的事项"})
    status = fields.String(allow_none=True)
    status_name = fields.String()
    flags = fields.List(fields.Dict(), metadata={"description": "与“三定”规定衔接、第七条的提示"})
    conflicts = fields.List(fields.Dict(), metadata={"description": "编办标记的不衔接之处"})
    history = fields.List(fields.Dict(), metadata={"description": "历次抄送（最新在前）"})


class CaseQuerySchema(Labelled):
    status = fields.String(metadata={"label": "状态"})
    kind = choice(
        "类型",
        ["filing", "coordination", "reflection", "rectification", "duty_plan", "deliberation", "evaluation"],
        required=False,
    )
    department = fields.String(metadata={"label": "部门"})
    overdue = fields.Boolean(metadata={"label": "是否逾期"})
    due_before = fields.Date(metadata={"label": "期限早于"})
    page = fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=MAX_PAGE), metadata={"label": "页码"}
    )
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


DUTY_PLAN_EXAMPLE = {
    "title": "宁波市市场监督管理局主要职责调整方案",
    "plan_type": "adjustment",
    "department": "nb-scjg",
    "adjustment_cause": "reform",
    "adjustment_reason": "承接食用农产品市场销售质量安全监管职责调整",
    "function_transformation": "强化事中事后监管，推进“互联网+监管”。",
    "main_duties": [
        {
            "text": "负责市场综合监督管理。",
            "bases": [{"type": "reform_plan", "name": "宁波市机构改革方案"}],
        },
        {
            "text": "负责食用农产品进入批发、零售市场后的质量安全监督管理。",
            "bases": [{"type": "law", "name": "中华人民共和国农产品质量安全法", "provision": "第三十六条"}],
        },
    ],
    "internal_bodies": [
        {"name": "综合规划处", "duties": "拟订市场监督管理发展规划。", "main_duties": [1]},
        {
            "name": "食品经营安全监督管理处",
            "duties": "承担食用农产品市场销售质量安全监管。",
            "main_duties": [2],
        },
    ],
    "shared_matters": [
        {
            "matter": "食用农产品质量安全监管",
            "departments": ["nb-scjg", "nb-nyj"],
            "lead_department": "nb-scjg",
            "host_department": "nb-scjg",
            "assisting_departments": ["nb-nyj"],
            "division": "进入市场前由农业农村局监管，进入批发、零售市场后由市场监管局监管。",
        }
    ],
    "related_departments": ["nb-nyj"],
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
        "allowed_extensions": list(uploads.ALLOWED_TYPES),
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
        stream, mimetype=meta["content_type"], download_name=base_name(meta["filename"]), as_attachment=True
    )
    response.content_length = meta["size"]
    return response


Submission = Callable[[ServiceRuntime, Actor, Any, IdempotencyClaim | None], str]


def _submit(submission: Submission, command: Any) -> Any:
    """Open a case once per ``Idempotency-Key``: 201 with the case; a repeat answers with the same case."""
    runtime, actor = current_runtime(), _actor()
    with answering() as answers:  # the 201 from the rows just written, not read back
        return idempotency.respond_once(
            runtime.db,
            IdempotentRequest,
            actor.user_id,
            201,
            lambda claim: submission(runtime, actor, command, claim),
            lambda case_id: service.opened_case(runtime, actor, case_id, answers),
            checked_by_act=True,  # the opening asks in its own transaction (case_opening.open_new_case)
        )


@cases_blp.post("/cases/filings")
@cases_blp.arguments(FilingSchema, example=FILING_EXAMPLE)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@require_roles("dept_clerk", "dept_leader")
def submit_filing(command: Any) -> Any:
    """主办部门报送协商纪要备案（第十五条；编办5个工作日内反馈备案意见）"""
    return _submit(service.submit_filing, command)


@cases_blp.post("/cases/coordination-applications")
@cases_blp.arguments(ApplicationSchema, example=APPLICATION_EXAMPLE)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@require_roles("dept_clerk", "dept_leader")
def submit_application(command: Any) -> Any:
    """主办部门提出协调申请（第十六条；编办5个工作日内决定是否受理）"""
    return _submit(service.apply_for_coordination, command)


@cases_blp.post("/cases/office-opened")
@cases_blp.arguments(OfficeCaseSchema)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@require_roles("office_clerk", "office_division_head", "office_leader")
def open_case(command: Any) -> Any:
    """编办立项协调：交办、评估发现、新业态、三定解释（第二十六条）"""
    return _submit(service.open_coordination, command)


@cases_blp.post("/cases/reflections")
@cases_blp.arguments(ReflectionSchema)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@require_roles("dept_clerk", "dept_leader", "office_clerk", "office_division_head", "office_leader")
def record_reflection(command: Any) -> Any:
    """登记企事业单位、社会团体和个人的书面反映（第二十六条第四款）"""
    return _submit(service.record_reflection, command)


@cases_blp.post("/cases/rectifications")
@cases_blp.arguments(RectificationSchema)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@require_roles("office_division_head", "office_leader")
def order_rectification(command: Any) -> Any:
    """责令部门限期纠正（第三十七条；第（四）项在职责下放模块办理）"""
    return _submit(service.order_rectification, command)


@cases_blp.post("/cases/duty-plans")
@cases_blp.arguments(DutyPlanSchema, example=DUTY_PLAN_EXAMPLE)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@require_roles("dept_clerk", "dept_leader")
def submit_duty_plan(command: Any) -> Any:
    """部门报送主要职责配置方案（“三定”规定草案，第八条）或调整方案（第十条），编办按第十一条审核"""
    return _submit(service.submit_duty_plan, command)


@cases_blp.post("/cases/deliberation-divisions")
@cases_blp.arguments(DivisionSchema)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@require_roles("dept_clerk", "dept_leader")
def file_division(command: Any) -> Any:
    """议事协调机构牵头单位将成员单位职责分工（及其调整）抄送编办（第二十九条）"""
    return _submit(service.file_division, command)


@cases_blp.post("/cases/evaluations")
@cases_blp.arguments(EvaluationSchema)
@cases_blp.response(201, CaseDetailSchema)
@cases_blp.doc(security=SECURITY, parameters=[idempotency.PARAMETER])
@require_roles("office_clerk", "office_division_head", "office_leader")
def record_evaluation(command: Any) -> Any:
    """记录部门“三定”规定执行情况评估；需要理顺职责分工的，召集相关部门协调（第二十六条第二款）"""
    return _submit(service.record_evaluation, command)


@cases_blp.get("/deliberation-bodies")
@cases_blp.response(200, DeliberationBodySchema(many=True))
@cases_blp.doc(security=SECURITY)
@require_roles()
def list_deliberation_bodies() -> list[dict[str, Any]]:
    """议事协调机构名册：牵头单位、成员单位、现行成员单位职责分工及其历次调整、不衔接提示（第二十九条）"""
    return service.deliberation_register(current_runtime(), _actor())


@cases_blp.post("/deliberation-bodies")
@cases_blp.arguments(RegisterBodySchema)
@cases_blp.response(201, RegisteredBodySchema)
@cases_blp.doc(security=SECURITY)
@require_roles("office_clerk", "office_division_head", "office_leader", "office_admin")
def register_deliberation_body(body: dict[str, Any]) -> dict[str, Any]:
    """登记议事协调机构：名称、牵头单位、成员单位、设立文件（第二十九条）"""
    from services.intake.usecases.deliberation import RegisterBody

    return service.register_deliberation_body(current_runtime(), _actor(), RegisterBody(**body))


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


# --- one POST per declared action, at its route, with the form that builds its command ---


def _action_view(declared: CaseAction[Any]) -> Callable[..., dict[str, Any]]:
    def view(command: CaseCommand, case_id: str) -> dict[str, Any]:
        return service.perform(current_runtime(), _actor(), case_id, command)

    view.__name__ = f"case_{declared.action}"
    view.__doc__ = declared.summary
    return view


def _route(declared: CaseAction[Any]) -> None:
    view = require_roles()(_action_view(declared))
    view = cases_blp.doc(security=SECURITY)(view)
    view = cases_blp.alt_response(
        409, schema=ProblemSchema, description="当前状态不允许此操作", example=ILLEGAL_STEP_EXAMPLE
    )(view)
    view = cases_blp.alt_response(404, schema=ProblemSchema, description="无此事项或无权查看")(view)
    view = cases_blp.alt_response(403, schema=ProblemSchema, description="角色不允许此操作")(view)
    view = cases_blp.response(200, CaseDetailSchema)(view)
    view = cases_blp.arguments(schema_for(declared.command))(view)
    path = f"/cases/<case_id>/{declared.route}"
    cases_blp.route(path, methods=["POST"], endpoint=f"case_{declared.action}")(view)


#: the actions the API offers (the others are asked for by other services' messages)
ROUTED_ACTIONS: list[CaseAction[Any]] = [a for a in ACTIONS.values() if a.route is not None]
for _declared in ROUTED_ACTIONS:
    _route(_declared)
