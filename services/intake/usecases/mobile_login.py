"""浙政钉 免登 for the mobile pages: an ``authCode`` from the app's JS bridge → platform user → our person.

The exchange itself (``/gettoken.json`` then ``/rpc/oauth2/dingtalk_app_user.json``, signed) is the
platform adapter's :class:`MobileLogin`, pointed at ``settings.platform_base_url`` — the local stand-in on
embedded defaults. The user's ``accountId`` is then looked up in intake's directory.
"""

from __future__ import annotations

from services.intake.adapters.platform import zwd_gateway
from services.intake.tables import Person
from services.intake.usecases import directory
from shared.config import Settings
from shared.errors import Forbidden, NotFound
from shared.platform.zwd import AuthCodeInvalid, MobileLogin, ZwdUser
from shared.runtime import ServiceRuntime

__all__ = ["AccountNotOpened", "AuthCodeInvalid", "build_login", "person_for_auth_code", "person_for_user"]


class AccountNotOpened(Forbidden):
    """Raised when a 浙政钉 user the platform vouches for is not a person of this suite (or left): logging in
    again cannot help, so the page says whom to ask instead of trying again."""

    default_code = "account_not_opened"


def build_login(settings: Settings) -> MobileLogin:
    return MobileLogin(gateway=zwd_gateway(settings))


def person_for_auth_code(runtime: ServiceRuntime, login: MobileLogin, auth_code: str) -> Person:
    """The directory's person behind a 免登 code; refuses another tenant's user and unlinked accounts."""
    return person_for_user(runtime, login.get_user_by_auth_code(auth_code))


def person_for_user(runtime: ServiceRuntime, user: ZwdUser) -> Person:
    """The directory's person for a user 浙政钉 vouched for (免登 or 扫码); :class:`AccountNotOpened` for
    another tenant's user or someone the directory does not know (or who left)."""
    tenant = runtime.settings.platform_tenant_id
    who = f"“{user.name}”" if user.name else f"（accountId {user.account_id}）"
    if user.tenant_id and tenant and user.tenant_id != tenant:
        raise AccountNotOpened(f"浙政钉账号{who}不属于本系统服务的单位，不能登录。", code="tenant_mismatch")
    try:
        return directory.find_person_by_account(runtime, user.account_id)
    except NotFound:
        raise AccountNotOpened(
            f"浙政钉账号{who}尚未开通本系统（或已不在本单位通讯录中）。请联系编办系统管理员开通后，"
            "再从浙政钉工作台打开本系统。"
        ) from None
