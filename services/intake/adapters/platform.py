"""Intake's signed gateway to the 浙政钉 open platform (log-in and the address book), from the settings."""

from __future__ import annotations

from shared.config import Settings
from shared.platform.zwd import PLATFORM_HOSTS, ZwdGateway


def zwd_gateway(settings: Settings) -> ZwdGateway:
    """The suite's app on the platform named by ``ZWD_BASE_URL`` (the stand-in on embedded defaults)."""
    return ZwdGateway(
        base_url=settings.platform_base_url,
        app_key=settings.platform_app_key,
        app_secret=settings.platform_app_secret,
        allowed_hosts=(*PLATFORM_HOSTS, *settings.outbound_allow),
    )
