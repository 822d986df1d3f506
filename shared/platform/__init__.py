"""Clients of the provincial platform (浙政钉 open platform, DingTalk-style group robots) and of signed
webhooks: notify delivers through the channels, intake logs phone users in through :class:`MobileLogin`
(免登). They live in ``shared`` because two services speak to the same platform with the same signing.

Every channel adapter takes an :class:`~.base.OutboundMessage` and returns a :class:`~.base.SendResult`;
signing lives in :mod:`.signing` as pure functions, shared with the local stand-in of the platform.
"""

from .base import (
    Channel,
    MessageTooLarge,
    OutboundMessage,
    OutboundUrlRefused,
    SendResult,
    StubChannel,
    check_outbound_url,
)
from .robot import RobotChannel
from .webhook import WebhookChannel
from .zwd import AuthCodeInvalid, LoginUnavailable, MobileLogin, WorkNotificationChannel, ZwdGateway, ZwdUser

__all__ = [
    "AuthCodeInvalid",
    "Channel",
    "LoginUnavailable",
    "MessageTooLarge",
    "MobileLogin",
    "OutboundMessage",
    "OutboundUrlRefused",
    "RobotChannel",
    "SendResult",
    "StubChannel",
    "WebhookChannel",
    "WorkNotificationChannel",
    "ZwdGateway",
    "ZwdUser",
    "check_outbound_url",
]
