"""Channel adapters of the notify service: 浙政钉 work notifications, group robots, signed webhooks, a stub.

Every adapter takes an :class:`~.base.OutboundMessage` and returns a :class:`~.base.SendResult`;
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
