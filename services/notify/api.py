"""Notify's HTTP entrypoint (office admins only, scoped to their jurisdiction): recipients, channels,
deliveries and templates under ``/api/v1``. Views translate HTTP to use cases; errors are problem+json."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, replace
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from services.notify.domain.delivery import STATE_NAMES, STATES
from services.notify.domain.templates import KINDS, RenderError, preview
from services.notify.tables import Attempt, Delivery, Recipient
from services.notify.usecases import channel_admin, channel_secrets, delivery
from services.notify.usecases.templates import all_templates, template_spec
from shared.auth import Role, current_principal, require_roles
from shared.errors import NotFound, ValidationFailed
from shared.http import BEARER
from shared.schemas import MAX_OFFSET
from shared.service import current_runtime

AUTH = {"security": BEARER}

recipients_blp = Blueprint(
    "recipients", __name__, url_prefix="/api/v1", description="通知对象（来自组织目录）"
)
channels_blp = Blueprint(
    "channels", __name__, url_prefix="/api/v1", description="通知渠道：浙政钉、群机器人、Webhook"
)
deliveries_blp = Blueprint(
    "deliveries", __name__, url_prefix="/api/v1", description="投递记录、重试与人工重放"
)
templates_blp = Blueprint("templates", __name__, url_prefix="/api/v1", description="消息模板")


def _ctx() -> delivery.NotifyContext:
    return delivery.context_of(current_runtime())


# --------------------------------------------------------------------------- recipients


class RecipientSchema(Schema):
    id = fields.String()
    name = fields.String()
    jurisdiction = fields.String()
    department = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    zwd_account_id = fields.String(allow_none=True)
    active = fields.Boolean()


@recipients_blp.get("/recipients")
@recipients_blp.response(200, RecipientSchema(many=True))
@recipients_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def recipients() -> list[Any]:
    """本辖区可接收通知的人员（由受理服务的组织目录同步而来）"""
    jurisdiction = current_principal().jurisdiction
    with current_runtime().db.transaction() as session:
        return list(
            session.scalars(
                select(Recipient).where(Recipient.jurisdiction == jurisdiction).order_by(Recipient.id)
            ).all()
        )


# --------------------------------------------------------------------------- channels


class ChannelSchema(Schema):
    id = fields.String()
    kind = fields.String()
    kind_name = fields.String()
    name = fields.String()
    jurisdiction = fields.String()
    enabled = fields.Boolean()
    source = fields.String(metadata={"description": "settings（部署配置）或 api（在此创建）"})
    config = fields.Dict(metadata={"description": "不含任何密钥"})
    credentials_set = fields.List(
        fields.String(), metadata={"description": "已保存的密钥名称（密钥本身不返回）"}
    )
    encryption = fields.Dict(
        metadata={"description": "密钥的加密方式：algorithm（SM4-GCM 或 AES-256-GCM）与 key_id"}
    )
    created_at = fields.DateTime(allow_none=True)
    created_by = fields.String(allow_none=True)


class ChannelCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(channel_admin.channel_kinds()))
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    url = fields.String(required=True, validate=validate.Length(min=8, max=500))
    access_token = fields.String(load_only=True, validate=validate.Length(max=200))
    secret = fields.String(load_only=True, validate=validate.Length(max=200))
    departments = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list)


class ChannelTestSchema(Schema):
    account_id = fields.String(
        load_default=None, metadata={"description": "浙政钉渠道：接收测试消息的 accountId（默认本人）"}
    )


class PlatformAnswerSchema(Schema):
    outcome = fields.String()
    delivered = fields.Boolean()
    platform_code = fields.String(allow_none=True)
    platform_message = fields.String(allow_none=True)
    platform_msg_id = fields.String(allow_none=True)
    latency_ms = fields.Integer()
    request_summary = fields.Dict()


@channels_blp.get("/channels")
@channels_blp.response(200, ChannelSchema(many=True))
@channels_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def list_channels() -> list[dict[str, Any]]:
    """本辖区的通知渠道（浙政钉工作通知来自部署配置）"""
    return channel_admin.list_channels(_ctx(), current_principal())


class EncryptionSchema(Schema):
    algorithm = fields.String(metadata={"description": "新保存的密钥所用算法：SM4-GCM 或 AES-256-GCM"})
    key_id = fields.String(metadata={"description": "当前加密密钥的编号（DM_NOTIFY_CHANNEL_KEYS 的第一项）"})
    keys = fields.List(fields.Dict(), metadata={"description": "可用于解密的全部密钥（不含密钥本身）"})
    channels = fields.Integer()
    channels_by_key = fields.Dict(metadata={"description": "各密钥加密的渠道数"})
    plaintext_channels = fields.Integer(metadata={"description": "尚未加密的渠道数（轮换后为 0）"})
    to_rotate = fields.Integer(metadata={"description": "未使用当前密钥的渠道数"})


@channels_blp.get("/channels/encryption")
@channels_blp.response(200, EncryptionSchema)
@channels_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def channel_encryption() -> dict[str, Any]:
    """渠道密钥的加密方式（国密 SM4 或 AES）、当前密钥及各密钥加密的渠道数"""
    return channel_secrets.status(current_runtime())


@channels_blp.post("/channels")
@channels_blp.arguments(ChannelCreateSchema)
@channels_blp.response(201, ChannelSchema)
@channels_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def create_channel(data: dict[str, Any]) -> dict[str, Any]:
    """新建群机器人或签名 Webhook 渠道；密钥保存后不再返回"""
    return channel_admin.create_channel(_ctx(), current_principal(), data)


@channels_blp.post("/channels/<channel_id>/disable")
@channels_blp.response(200, ChannelSchema)
@channels_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def disable_channel(channel_id: str) -> dict[str, Any]:
    """停用渠道（已记录的投递将标记为失败，不再发送）"""
    return channel_admin.disable_channel(_ctx(), current_principal(), channel_id)


@channels_blp.post("/channels/<channel_id>/test")
@channels_blp.arguments(ChannelTestSchema)
@channels_blp.response(200, PlatformAnswerSchema)
@channels_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def test_channel(data: dict[str, Any], channel_id: str) -> dict[str, Any]:
    """发送一条测试消息，返回平台的应答"""
    result = channel_admin.test_channel(
        _ctx(), current_principal(), channel_id, account_id=data.get("account_id")
    )
    return channel_admin.answer_view(result)


# --------------------------------------------------------------------------- deliveries


class AttemptSchema(Schema):
    number = fields.Integer()
    started_at = fields.DateTime()
    latency_ms = fields.Integer()
    outcome = fields.String()
    platform_code = fields.String(allow_none=True)
    platform_message = fields.String(allow_none=True)
    platform_msg_id = fields.String(allow_none=True)
    request_summary = fields.Dict()
    digest_id = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.String()
    dedupe_key = fields.String()
    recipient = fields.String()
    recipient_name = fields.String()
    account_id = fields.String(allow_none=True)
    channel_kind = fields.String()
    channel_id = fields.String(allow_none=True)
    jurisdiction = fields.String()
    case_id = fields.String(allow_none=True)
    case_ref = fields.Dict(allow_none=True)
    template = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True)
    urgency = fields.String()
    state = fields.String()
    state_name = fields.Function(lambda row: STATE_NAMES.get(row.state, row.state))
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_code = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    platform_msg_id = fields.String(allow_none=True)
    digest_id = fields.String(allow_none=True)
    batch_key = fields.String(
        allow_none=True, metadata={"description": "浙政钉 bizMsgId：同一通知的多名接收人一次调用送出"}
    )
    note = fields.String(allow_none=True, metadata={"description": "如：平台以 bizMsgId 重复证明此前已送达"})
    revoke_state = fields.String(allow_none=True, metadata={"description": "撤回：pending/revoked/failed"})
    requested_at = fields.DateTime()
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


class DeliveryDetailSchema(DeliverySchema):
    attempt_log = fields.List(fields.Nested(AttemptSchema))


class DeliveryQuerySchema(Schema):
    state = fields.String(validate=validate.OneOf(STATES))
    case_id = fields.String()
    recipient = fields.String(metadata={"description": "person:<人员ID> 或 channel:<渠道ID>"})
    template = fields.String()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET))


@deliveries_blp.get("/deliveries")
@deliveries_blp.arguments(DeliveryQuerySchema, location="query")
@deliveries_blp.response(200, DeliverySchema(many=True))
@deliveries_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def list_deliveries(query: dict[str, Any]) -> list[Any]:
    """本辖区的投递记录，可按状态、案件、接收人、模板筛选，最新的在前"""
    statement = select(Delivery).where(Delivery.jurisdiction == current_principal().jurisdiction)
    for name in ("state", "case_id", "recipient", "template"):
        if query.get(name):
            statement = statement.where(getattr(Delivery, name) == query[name])
    statement = (
        statement.order_by(Delivery.created_at.desc(), Delivery.id)
        .limit(query["limit"])
        .offset(query["offset"])
    )
    with current_runtime().db.transaction() as session:
        return list(session.scalars(statement).all())


def _own_delivery(session: Any, delivery_id: str) -> Delivery:
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound("未找到该投递记录")
    current_principal().require_jurisdiction(row.jurisdiction)
    return row


@deliveries_blp.get("/deliveries/<delivery_id>")
@deliveries_blp.response(200, DeliveryDetailSchema)
@deliveries_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def get_delivery(delivery_id: str) -> Any:
    """一条投递记录及其每次发送尝试（请求摘要不含密钥、平台应答、耗时）"""
    with current_runtime().db.transaction() as session:
        row = _own_delivery(session, delivery_id)
        row.attempt_log = list(  # type: ignore[attr-defined]
            session.scalars(select(Attempt).where(Attempt.delivery_id == row.id).order_by(Attempt.id)).all()
        )
        return row


@deliveries_blp.post("/deliveries/<delivery_id>/replay")
@deliveries_blp.response(202, DeliverySchema)
@deliveries_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def replay_delivery(delivery_id: str) -> Any:
    """人工重放一条待处理（或失败）的投递；浙政钉按同一 bizMsgId 发送，不会重复送达"""
    with current_runtime().db.transaction() as session:
        _own_delivery(session, delivery_id)
    return delivery.replay(_ctx(), delivery_id, actor=current_principal())


# --------------------------------------------------------------------------- templates


class TemplateSchema(Schema):
    code = fields.String()
    name = fields.String()
    title = fields.String()
    body = fields.String()
    kinds = fields.List(fields.String())
    default_kind = fields.String()
    link_text = fields.String()
    sample = fields.Dict()


class PreviewRequestSchema(Schema):
    params = fields.Dict(load_default=dict, metadata={"description": "覆盖示例数据的参数"})
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))


class PreviewSchema(Schema):
    template = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True)
    link_text = fields.String()
    form = fields.List(fields.List(fields.String()))


@templates_blp.get("/templates")
@templates_blp.response(200, TemplateSchema(many=True))
@templates_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def list_templates() -> list[Any]:
    """全部消息模板（中文）"""
    with current_runtime().db.transaction() as session:
        return all_templates(session)


@templates_blp.post("/templates/<code>/preview")
@templates_blp.arguments(PreviewRequestSchema)
@templates_blp.response(200, PreviewSchema)
@templates_blp.doc(**AUTH)
@require_roles(Role.OFFICE_ADMIN)
def preview_template(data: dict[str, Any], code: str) -> Any:
    """用示例数据（可被 params 覆盖）预览模板"""
    with current_runtime().db.transaction() as session:
        spec = template_spec(session, code)
    if spec is None:
        raise NotFound("未找到该消息模板")
    if data.get("kind") in spec.kinds:
        spec = replace(spec, default_kind=data["kind"])
    try:
        message = preview(spec, data["params"])
    except RenderError as exc:
        raise ValidationFailed.for_field("params", str(exc), code="template_render_failed") from exc
    return {**asdict(message), "form": [list(pair) for pair in message.form]}


def blueprints() -> Iterable[Blueprint]:
    return [recipients_blp, channels_blp, deliveries_blp, templates_blp]
