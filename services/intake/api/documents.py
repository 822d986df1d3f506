"""HTTP entrypoint for the office's written documents (书面, GB/T 9704-2012): issue one for a step the case
has taken, list a case's documents; the files themselves download as the case's attachments."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.intake.adapters import attachment_store
from services.intake.api.cases import ProblemSchema
from services.intake.domain.documents import STEP_NAMES, STEPS
from services.intake.usecases import documents as service
from shared.auth import current_principal, require_roles
from shared.http import BEARER
from shared.service import current_runtime

documents_blp = Blueprint(
    "documents",
    __name__,
    url_prefix="/api/v1",
    description="书面文书：按 GB/T 9704-2012 党政机关公文格式制发"
    "（第十五条、第十七条、第二十一条、第二十二条、第二十五条、第二十六条、第三十七条）",
)

_STEPS_TEXT = " / ".join(f"{code} {name}（{STEPS[code].article}）" for code, name in STEP_NAMES.items())


class IssueDocumentSchema(Schema):
    step = fields.String(
        required=True,
        validate=validate.OneOf(list(STEPS)),
        metadata={"label": "文书类型", "description": _STEPS_TEXT},
    )


class DocumentSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    step = fields.String()
    step_name = fields.String()
    number = fields.String(metadata={"description": "发文字号，如 甬编办函〔2026〕1号"})
    series = fields.String()
    year = fields.Integer()
    sequence = fields.Integer()
    title = fields.String()
    main_recipient = fields.String(metadata={"description": "主送机关"})
    state = fields.String(
        metadata={"description": "pending 文书生成中（已编号）、issued 已制发、failed 生成失败（将自动重试）"}
    )
    state_text = fields.String(metadata={"description": "案件页面上显示的状态（已制发时为空）"})
    retried_automatically = fields.Boolean(metadata={"description": "尚未生成的文书是否还会自动重试"})
    last_error = fields.String(
        allow_none=True, metadata={"description": "最近一次生成失败的原因（仅编办可见）"}
    )
    docx_attachment_id = fields.String(allow_none=True)
    pdf_attachment_id = fields.String(allow_none=True)
    docx_url = fields.String(allow_none=True, metadata={"description": "已制发后才有"})
    pdf_url = fields.String(allow_none=True, metadata={"description": "已制发后才有"})
    issued_by = fields.String()
    issued_at = fields.DateTime(metadata={"description": "编号时间"})
    rendered_at = fields.DateTime(allow_none=True, metadata={"description": "生成文件的时间"})


@documents_blp.post("/cases/<case_id>/documents")
@documents_blp.arguments(IssueDocumentSchema)
@documents_blp.response(200, DocumentSchema)
@documents_blp.alt_response(403, schema=ProblemSchema, description="只有编办可以制发")
@documents_blp.alt_response(404, schema=ProblemSchema, description="无此事项或无权查看")
@documents_blp.alt_response(422, schema=ProblemSchema, description="该类事项没有此文书，或尚未办理此步骤")
@documents_blp.doc(security=BEARER)
@require_roles()
def issue_document(body: dict[str, Any], case_id: str) -> dict[str, Any]:
    """制发书面文书：编号、生成 .docx 和 PDF、作为事项附件保存并通知主送单位

    发文字号按辖区、文种和年度连续编号（如 甬编办函〔2026〕1号），不重号、不跳号、不重复使用。
    先编号（state 为 pending），再生成文件；生成失败的（state 为 failed）保留文号，系统自动重试。
    同一步骤再次请求，返回已编号的文书，尚未生成的当即再生成一次。
    """
    runtime = current_runtime()
    store = attachment_store.plugged_or_default(current_app.extensions, runtime.settings)
    return service.issue_document(runtime, store, current_principal(), case_id, body["step"])


@documents_blp.get("/cases/<case_id>/documents")
@documents_blp.response(200, DocumentSchema(many=True))
@documents_blp.alt_response(404, schema=ProblemSchema, description="无此事项或无权查看")
@documents_blp.doc(security=BEARER)
@require_roles()
def list_documents(case_id: str) -> list[dict[str, Any]]:
    """事项的书面文书（有权查看事项的人均可下载）"""
    return service.list_documents(current_runtime(), current_principal(), case_id)
