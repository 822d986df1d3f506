"""Notify's audit trail (:mod:`shared.audit`): the office admin's acts on channels (a robot or webhook
created, disabled, sent a test message), a delivery replayed by hand, and the channel secrets re-encrypted
under a new key — each with who, when, from where and what; never a secret."""

from __future__ import annotations

from services.notify.adapters.channels import DEFAULT_ZWD_CHANNEL_ID, DEFAULT_ZWD_CHANNEL_NAME
from shared import audit

CHANNEL_CREATE, CHANNEL_DISABLE, CHANNEL_TEST = "channel.create", "channel.disable", "channel.test"
DELIVERY_REPLAY = "delivery.replay"
SECRETS_ROTATE = "channel.rotate_secrets"

audit.name_actions(
    {
        CHANNEL_CREATE: "新建通知渠道",
        CHANNEL_DISABLE: "停用通知渠道",
        CHANNEL_TEST: "发送测试消息",
        DELIVERY_REPLAY: "人工重放投递",
        SECRETS_ROTATE: "轮换渠道密钥",
    },
    objects={"channel": "通知渠道", "delivery": "投递记录"},
    ids={"channel": lambda ids: ids.replace(DEFAULT_ZWD_CHANNEL_ID, DEFAULT_ZWD_CHANNEL_NAME)},
)
