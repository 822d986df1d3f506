"""Other systems calling the API: what every service checks on a token obtained with an API credential.

An office admin issues a credential to a system (intake, :mod:`services.intake.usecases.credentials`): a
key id and a secret, scoped to one jurisdiction and to reading or writing, acting with the roles the admin
chose. The system exchanges it at ``POST /api/v1/auth/token`` for a bearer token that lives
:data:`TOKEN_TTL_S` seconds; the token names the credential (``sub`` = ``api:<key id>``) and its scope (the
role ``api_read`` or ``api_write``). Every service then refuses, on its own:

* any request but a read (GET, HEAD) with a read-only token;
* every token of a credential the admin revoked — at once, through Redis, not when the token expires.
"""

from __future__ import annotations

from typing import Any

from shared.config import Settings
from shared.errors import Forbidden, Unauthorized
from shared.identity import Principal

PREFIX = "api:"
READ, WRITE = "read", "write"
SCOPE_ROLES = {READ: "api_read", WRITE: "api_write"}
#: what the pages call a credential's scope where they list its roles (the audit trail's)
SCOPE_ROLE_NAMES = {SCOPE_ROLES[READ]: "只读接口凭证", SCOPE_ROLES[WRITE]: "读写接口凭证"}
TOKEN_TTL_S = 300
REVOKED_KEY = "dm:api-credential:revoked:{key_id}"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CHECKER_KEY = "dm_auth.credential_checker"


def key_id_of(principal: Principal) -> str | None:
    """The credential behind a system's token (None for a person)."""
    return principal.user_id[len(PREFIX) :] if principal.user_id.startswith(PREFIX) else None


def check_scope(principal: Principal, method: str) -> None:
    """A read-only credential reads; writing needs a write credential."""
    if SCOPE_ROLES[READ] in principal.roles and method.upper() not in SAFE_METHODS:
        raise Forbidden("该接口凭证为只读，不能提交或修改数据", code="credential_read_only")


class RevokedCredentials:
    """Revoked credentials, remembered in Redis as long as a token of theirs could still be presented."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.local: set[str] = set()

    def revoke(self, key_id: str) -> None:
        self.local.add(key_id)
        if self.client is not None:
            self.client.set(REVOKED_KEY.format(key_id=key_id), "1", ex=TOKEN_TTL_S)

    def is_revoked(self, key_id: str) -> bool:
        if key_id in self.local:
            return True
        return self.client is not None and bool(self.client.exists(REVOKED_KEY.format(key_id=key_id)))

    def check(self, principal: Principal) -> None:
        key_id = key_id_of(principal)
        if key_id is not None and self.is_revoked(key_id):
            raise Unauthorized("该接口凭证已被撤销", code="credential_revoked")


def revoked_credentials(settings: Settings, broker: Any = None) -> RevokedCredentials:
    """On the broker's Redis (or ``REDIS_URL``); this process only when there is neither (unit tests)."""
    client = getattr(broker, "client", None)
    if client is None and settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
    return RevokedCredentials(client)


def for_runtime(runtime: Any) -> RevokedCredentials:
    if CHECKER_KEY not in runtime.extensions:
        runtime.extensions[CHECKER_KEY] = revoked_credentials(runtime.settings, runtime.broker)
    return runtime.extensions[CHECKER_KEY]
