"""浙政钉 免登 for the mobile pages: an ``authCode`` from the app's JS bridge → platform user → our person.

The exchange itself (``/gettoken.json`` then ``/rpc/oauth2/dingtalk_app_user.json``, signed) is the
platform adapter's :class:`MobileLogin`, pointed at ``settings.platform_base_url`` — the local stand-in on
embedded defaults. The user's ``accountId`` is then looked up in intake's directory.
"""

from __future__ import annotations

from services.intake.tables import Person
from services.intake.usecases import directory
from shared.config import Settings
from shared.errors import Forbidden
from shared.platform.zwd import PLATFORM_HOSTS, AuthCodeInvalid, MobileLogin, ZwdGateway
from shared.runtime import ServiceRuntime

__all__ = ["AuthCodeInvalid", "build_login", "person_for_auth_code"]


def build_login(settings: Settings) -> MobileLogin:
    gateway = ZwdGateway(
        base_url=settings.platform_base_url,
        app_key=settings.platform_app_key,
        app_secret=settings.platform_app_secret,
        allowed_hosts=(*PLATFORM_HOSTS, *settings.outbound_allow),
    )
    return MobileLogin(gateway=gateway)


def person_for_auth_code(runtime: ServiceRuntime, login: MobileLogin, auth_code: str) -> Person:
    """The directory's person behind a 免登 code; refuses another tenant's user and unlinked accounts."""
    user = login.get_user_by_auth_code(auth_code)
    tenant = runtime.settings.platform_tenant_id
    if user.tenant_id and tenant and user.tenant_id != tenant:
        raise Forbidden("该浙政钉账号不属于本单位", code="tenant_mismatch")
    return directory.find_person_by_account(runtime, user.account_id)
