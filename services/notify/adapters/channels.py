"""Building channel adapters from configuration: the deployment's 浙政钉 work-notification channel from
settings, robots and webhooks from their ``channel`` rows. Every URL is checked against the outbound
allow-list (``DM_OUTBOUND_ALLOW``) plus the platform's own published hosts.

Adapters hold HTTP connection pools; each worker thread keeps its own (``requests.Session`` is not meant to
be shared between threads).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from services.notify.domain.delivery import ROBOT, WEBHOOK, ZWD
from shared.config import Settings
from shared.platform import RobotChannel, WebhookChannel, WorkNotificationChannel, ZwdGateway
from shared.platform.robot import ROBOT_HOSTS
from shared.platform.todo import TodoCentre
from shared.platform.zwd import PLATFORM_HOSTS

DEFAULT_ZWD_CHANNEL_ID = "zwd-default"
CHANNEL_KIND_NAMES = {ZWD: "浙政钉工作通知", ROBOT: "群机器人", WEBHOOK: "签名 Webhook"}
#: the channel the deployment configures (no one named it on the channels page)
DEFAULT_ZWD_CHANNEL_NAME = f"{CHANNEL_KIND_NAMES[ZWD]}（部署配置）"


@dataclass(frozen=True)
class ChannelConfig:
    """A channel as an adapter needs it (secrets included: never log or return this)."""

    id: str
    kind: str
    config: Mapping[str, Any]
    credentials: Mapping[str, Any]

    def __repr__(self) -> str:
        return f"ChannelConfig(id={self.id!r}, kind={self.kind!r})"


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def outbound_session(environ: Mapping[str, str] | None = None) -> requests.Session:
    """A session for platform calls. Unless the environment names a proxy, it does not consult the
    environment on every request (proxies, ``.netrc``: a millisecond or more per call); a CA bundle named by
    ``REQUESTS_CA_BUNDLE`` is still used."""
    env = os.environ if environ is None else environ
    session = requests.Session()
    if not any(env.get(name) or env.get(name.upper()) for name in PROXY_VARIABLES):
        session.trust_env = False
        bundle = env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE")
        if bundle:
            session.verify = bundle
    return session


def robot_webhook_url(config: Mapping[str, Any], credentials: Mapping[str, Any]) -> str:
    base = str(config.get("url") or "https://oapi.dingtalk.com/robot/send")
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}access_token={credentials.get('access_token', '')}"


class ChannelFactory:
    """Makes (and per thread, reuses) adapters for one service process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._local = threading.local()

    @property
    def allow(self) -> tuple[str, ...]:
        return tuple(self.settings.outbound_allow)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = outbound_session()
        return session

    def _gateway(self) -> ZwdGateway:
        gateway = getattr(self._local, "gateway", None)
        if gateway is None:
            gateway = self._local.gateway = ZwdGateway(
                base_url=self.settings.platform_base_url,
                app_key=self.settings.platform_app_key,
                app_secret=self.settings.platform_app_secret,
                session=self._session(),
                allowed_hosts=(*self.allow, *PLATFORM_HOSTS),
            )
        return gateway

    def zwd(self) -> WorkNotificationChannel:
        """The deployment's 浙政钉 work-notification channel (settings: ZWD_BASE_URL, ZWD_APP_KEY, …)."""
        channel = getattr(self._local, "zwd", None)
        if channel is None:
            channel = self._local.zwd = WorkNotificationChannel(
                gateway=self._gateway(), tenant_id=self.settings.platform_tenant_id
            )
        return channel

    def todo(self) -> TodoCentre:
        """The deployment's 浙政钉 to-do centre (统一待办), same app and tenant as the notifications."""
        centre = getattr(self._local, "todo", None)
        if centre is None:
            centre = self._local.todo = TodoCentre(
                gateway=self._gateway(), tenant_id=self.settings.platform_tenant_id
            )
        return centre

    def robot(self, channel: ChannelConfig) -> RobotChannel:
        return RobotChannel(
            webhook_url=robot_webhook_url(channel.config, channel.credentials),
            secret=channel.credentials.get("secret") or None,
            session=self._session(),
            allowed_hosts=(*self.allow, *ROBOT_HOSTS),
        )

    def webhook(self, channel: ChannelConfig) -> WebhookChannel:
        return WebhookChannel(
            url=str(channel.config.get("url", "")),
            secret=str(channel.credentials.get("secret", "")),
            allowed_hosts=self.allow,
            session=self._session(),
        )
