"""Who is calling: bearer tokens (signed JWT), roles, and the caller's jurisdiction.

A token carries everything a service needs to authorise a request without asking another service: the user
id, name, jurisdiction (宁波市 or a district), department and roles.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any, ParamSpec, TypeVar

import jwt

from shared.db import utcnow
from shared.errors import Forbidden, NotFound, Unauthorized

ISSUER = "dm-suite"
ALGORITHM = "HS256"


class Role(StrEnum):
    """The roles of the measures' actors."""

    DEPT_CLERK = "dept_clerk"  # 部门经办人
    DEPT_LEADER = "dept_leader"  # 部门负责人
    OFFICE_CLERK = "office_clerk"  # 编办经办人
    OFFICE_DIVISION_HEAD = "office_division_head"  # 编办处室负责人
    OFFICE_LEADER = "office_leader"  # 编办分管领导 / 主任
    OFFICE_ADMIN = "office_admin"  # 系统管理员（编办）
    ORG_REVIEWER = "org_reviewer"  # 市委组织部审核人
    SERVICE = "service"  # another service of the suite


ROLE_NAMES = {
    Role.DEPT_CLERK: "部门经办人",
    Role.DEPT_LEADER: "部门负责人",
    Role.OFFICE_CLERK: "编办经办人",
    Role.OFFICE_DIVISION_HEAD: "编办处室负责人",
    Role.OFFICE_LEADER: "编办领导",
    Role.OFFICE_ADMIN: "编办系统管理员",
    Role.ORG_REVIEWER: "组织部审核人",
    Role.SERVICE: "系统服务",
}

OFFICE_ROLES = frozenset(
    {Role.OFFICE_CLERK, Role.OFFICE_DIVISION_HEAD, Role.OFFICE_LEADER, Role.OFFICE_ADMIN}
)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user_id: str
    name: str
    jurisdiction: str
    department: str | None
    roles: frozenset[str] = field(default_factory=frozenset)

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & {str(r) for r in roles})

    @property
    def is_office(self) -> bool:
        return self.has_any(OFFICE_ROLES)

    def require(self, *roles: str) -> None:
        """Raise :class:`Forbidden` unless the caller holds one of ``roles``."""
        if not self.has_any(roles):
            names = "、".join(
                ROLE_NAMES.get(Role(r), r) if r in Role._value2member_map_ else r for r in roles
            )
            raise Forbidden(f"此操作需要以下角色之一：{names}", code="role_required")

    def require_jurisdiction(self, jurisdiction: str) -> None:
        """Raise :class:`NotFound` for another jurisdiction's record: its existence is not revealed."""
        if jurisdiction != self.jurisdiction:
            raise NotFound("未找到该记录", code="not_found")


def issue_token(principal: Principal, *, secret: str, ttl_seconds: int) -> str:
    now = utcnow()
    claims = {
        "iss": ISSUER,
        "sub": principal.user_id,
        "name": principal.name,
        "jur": principal.jurisdiction,
        "dept": principal.department,
        "roles": sorted(principal.roles),
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, *, secret: str) -> Principal:
    """The principal in a token; :class:`Unauthorized` when it is forged, expired or malformed."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("登录已过期，请重新登录", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("登录凭证无效", code="token_invalid") from exc
    try:
        return Principal(
            user_id=str(claims["sub"]),
            name=str(claims.get("name", "")),
            jurisdiction=str(claims["jur"]),
            department=claims.get("dept"),
            roles=frozenset(str(r) for r in claims.get("roles", [])),
        )
    except KeyError as exc:
        raise Unauthorized("登录凭证缺少必要信息", code="token_invalid") from exc


def principal_from_header(header: str | None, *, secret: str) -> Principal:
    if not header or not header.lower().startswith("bearer "):
        raise Unauthorized("请先登录（缺少 Authorization: Bearer 令牌）", code="token_missing")
    return decode_token(header.split(" ", 1)[1].strip(), secret=secret)


P = ParamSpec("P")
R = TypeVar("R")


def require_roles(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Flask view decorator: the caller must be logged in and hold one of ``roles`` (none: any login)."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = current_principal()
            if roles:
                principal.require(*roles)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def current_principal() -> Principal:
    """The caller of the current Flask request (authenticated lazily, once per request)."""
    from flask import current_app, g, request

    cached: Any = g.get("principal")
    if cached is None:
        cached = principal_from_header(
            request.headers.get("Authorization"), secret=current_app.config["DM_SETTINGS"].secret_key
        )
        g.principal = cached
    return cached
