"""Use cases of the channels API: create, list, disable and test robots and webhooks of a jurisdiction.

The deployment's 浙政钉 work-notification channel comes from settings and is listed read-only. Secrets
(robot ``access_token`` and signing secret, webhook ``whsec_`` secret) are encrypted at creation (see
:mod:`services.notify.usecases.channel_secrets`) and never shown again: views get :func:`public_view`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from services.notify.adapters.channels import (
    CHANNEL_KIND_NAMES,
    DEFAULT_ZWD_CHANNEL_ID,
    DEFAULT_ZWD_CHANNEL_NAME,
)
from services.notify.adapters.keyring import field_names, is_encrypted
from services.notify.domain.delivery import ROBOT, WEBHOOK, ZWD
from services.notify.domain.templates import BUILTIN_BY_CODE, render
from services.notify.tables import Channel, Recipient
from services.notify.usecases import audit_log
from services.notify.usecases.channel_secrets import channel_config
from services.notify.usecases.delivery import NotifyContext
from shared import audit
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.platform import OutboundMessage, OutboundUrlRefused, SendResult, check_outbound_url
from shared.platform.robot import ROBOT_HOSTS, THROTTLED
from shared.platform.signing import webhook_secret_bytes


def shown_url(url: str) -> str:
    """The address as the admin gave it, port included, without a query or credentials (neither is stored:
    the query is cut at creation and an address with credentials is refused)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def public_view(row: Channel) -> dict[str, Any]:
    config = dict(row.config or {})
    if config.get("url"):
        config["url"] = shown_url(str(config["url"]))
    stored = dict(row.credentials or {})
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_name": CHANNEL_KIND_NAMES.get(row.kind, row.kind),
        "name": row.name,
        "jurisdiction": row.jurisdiction,
        "enabled": row.enabled,
        "source": "api",
        "config": config,
        "credentials_set": field_names(stored),
        "encryption": (
            {"algorithm": stored.get("alg"), "key_id": stored.get("kid")}
            if is_encrypted(stored)
            else {"algorithm": None, "key_id": None}
        ),
        "created_at": row.created_at,
        "created_by": row.created_by,
    }


def default_channel_view(ctx: NotifyContext, jurisdiction: str) -> dict[str, Any]:
    settings = ctx.runtime.settings
    return {
        "id": DEFAULT_ZWD_CHANNEL_ID,
        "kind": ZWD,
        "kind_name": CHANNEL_KIND_NAMES[ZWD],
        "name": DEFAULT_ZWD_CHANNEL_NAME,
        "jurisdiction": jurisdiction,
        "enabled": True,
        "source": "settings",
        "config": {"url": settings.platform_base_url, "tenant_id": settings.platform_tenant_id},
        "credentials_set": ["app_key", "app_secret"],
        "encryption": {"algorithm": None, "key_id": None},
        "created_at": None,
        "created_by": None,
    }


def list_channels(ctx: NotifyContext, principal: Principal) -> list[dict[str, Any]]:
    with ctx.db.transaction() as session:
        rows = session.scalars(
            select(Channel).where(Channel.jurisdiction == principal.jurisdiction).order_by(Channel.created_at)
        ).all()
        return [default_channel_view(ctx, principal.jurisdiction), *(public_view(r) for r in rows)]


def _check_url(ctx: NotifyContext, url: str, kind: str) -> None:
    allow = (*ctx.channels.allow, *ROBOT_HOSTS) if kind == ROBOT else ctx.channels.allow
    try:
        check_outbound_url(url, allow)
    except OutboundUrlRefused as exc:
        raise ValidationFailed.for_field("url", str(exc), code="outbound_url_refused") from exc


def create_channel(ctx: NotifyContext, principal: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
    """A robot (``url`` of ``/robot/send``, ``access_token``, optional ``secret``) or a webhook (``url``,
    ``secret`` = ``whsec_…``), bound to the departments whose reminders it should carry."""
    kind, url = data["kind"], str(data["url"]).split("?", 1)[0]
    _check_url(ctx, url, kind)
    credentials: dict[str, Any]
    if kind == ROBOT:
        if not data.get("access_token"):
            raise ValidationFailed.for_field("access_token", "群机器人必须提供 access_token")
        credentials = {"access_token": data["access_token"], "secret": data.get("secret") or None}
    else:
        try:
            webhook_secret_bytes(str(data.get("secret") or ""))
        except ValueError as exc:
            raise ValidationFailed.for_field(
                "secret", "Webhook 密钥应为 whsec_ 开头的 Base64 字符串"
            ) from exc
        credentials = {"secret": data["secret"]}
    channel_id = uuid.uuid4().hex
    row = Channel(
        id=channel_id,
        jurisdiction=principal.jurisdiction,
        kind=kind,
        name=data["name"],
        config={"url": url, "departments": sorted(set(data.get("departments") or []))},
        credentials=ctx.keyring.encrypt(credentials, aad=channel_id),
        enabled=True,
        created_by=principal.user_id,
        created_at=utcnow(),
    )
    with ctx.runtime.unit_of_work() as uow:
        uow.session.add(row)
        _audit_channel(uow, audit_log.CHANNEL_CREATE, principal, row, "新建")
        uow.commit()
        return public_view(row)


def _audit_channel(uow: Any, action: str, principal: Principal, row: Channel, verb: str) -> None:
    """An act on a channel: its kind, name, address and departments — the names of its secrets, never them."""
    kind = CHANNEL_KIND_NAMES.get(row.kind, row.kind)
    view = public_view(row)
    uow.audit(
        action,
        actor=principal,
        jurisdiction=row.jurisdiction,
        object_type="channel",
        object_id=row.id,
        summary=f"{verb}{kind}：{row.name}（{view['config'].get('url')}）",
        details={
            "kind": row.kind,
            "name": row.name,
            "config": view["config"],
            "secrets": view["credentials_set"],
        },
    )


def _own_channel(session: Any, principal: Principal, channel_id: str) -> Channel:
    row = session.get(Channel, channel_id)
    if row is None:
        raise NotFound("未找到该通知渠道")
    principal.require_jurisdiction(row.jurisdiction)
    return row


def disable_channel(ctx: NotifyContext, principal: Principal, channel_id: str) -> dict[str, Any]:
    if channel_id == DEFAULT_ZWD_CHANNEL_ID:
        raise Conflict("浙政钉工作通知渠道由部署配置提供，不能在此停用")
    with ctx.runtime.unit_of_work() as uow:
        row = _own_channel(uow.session, principal, channel_id)
        if row.enabled:  # disabling a disabled channel changes nothing, and records nothing
            row.enabled, row.disabled_at = False, utcnow()
            _audit_channel(uow, audit_log.CHANNEL_DISABLE, principal, row, "停用")
        uow.commit()
        return public_view(row)


def test_channel(
    ctx: NotifyContext, principal: Principal, channel_id: str, *, account_id: str | None = None
) -> SendResult:
    """Send the ``channel_test`` message now and return the platform's answer (robots use a rate slot); the
    attempt and the platform's answer are recorded (a refusal before sending — rate limit, disabled channel —
    is not: nothing was sent)."""
    result = _send_test(ctx, principal, channel_id, account_id)
    with ctx.db.transaction() as session:
        row = session.get(Channel, channel_id)
        name = row.name if row is not None else DEFAULT_ZWD_CHANNEL_NAME
    audit.record(
        ctx.runtime,
        audit_log.CHANNEL_TEST,
        actor=principal,
        object_type="channel",
        object_id=channel_id,
        summary=f"向通知渠道发送测试消息：{name}，{'已送达' if result.delivered else '未送达'}",
        details={"account_id": account_id, **answer_view(result)},
    )
    return result


def _send_test(
    ctx: NotifyContext, principal: Principal, channel_id: str, account_id: str | None
) -> SendResult:
    message = render(BUILTIN_BY_CODE["channel_test"], {"sent_by": principal.name})
    key = f"test-{uuid.uuid4().hex}"
    if channel_id == DEFAULT_ZWD_CHANNEL_ID:
        receiver = account_id or _own_account(ctx, principal)
        outbound = OutboundMessage(
            key=key, title=message.title, text=message.body, kind="text", receivers=(receiver,)
        )
        return ctx.channels.zwd().send(outbound)
    with ctx.db.transaction() as session:
        row = _own_channel(session, principal, channel_id)
        if not row.enabled:
            raise Conflict("该通知渠道已停用")
        config = channel_config(ctx.runtime, row)
    outbound = OutboundMessage(key=key, title=message.title, text=message.body, kind="text")
    if config.kind == WEBHOOK:
        return ctx.channels.webhook(config).send(outbound)
    permit = ctx.limiter.acquire(config.id)
    if not permit.granted:
        raise Conflict(
            f"该群机器人已达到每分钟发送上限，请约{permit.wait_ms // 1000 + 1}秒后再试",
            code="robot_rate_limited",
        )
    result = ctx.channels.robot(config).send(outbound)
    if result.platform_code == str(THROTTLED):  # the robot now refuses for ten minutes, whoever sends
        ctx.limiter.block(config.id, ctx.robot_throttle_s)
    return result


def _own_account(ctx: NotifyContext, principal: Principal) -> str:
    with ctx.db.transaction() as session:
        person = session.get(Recipient, principal.user_id)
        if person is None or not person.zwd_account_id:
            raise ValidationFailed.for_field(
                "account_id", "您在组织目录中没有浙政钉账号，请指定接收测试消息的 accountId"
            )
        return person.zwd_account_id


def answer_view(result: SendResult) -> dict[str, Any]:
    return {
        "outcome": result.outcome,
        "delivered": result.delivered,
        "platform_code": result.platform_code,
        "platform_message": result.platform_message,
        "platform_msg_id": result.platform_msg_id,
        "latency_ms": result.latency_ms,
        "request_summary": dict(result.request_summary),
    }


def channel_kinds() -> Sequence[str]:
    return (ROBOT, WEBHOOK)
