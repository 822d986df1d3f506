"""Who is calling: bearer tokens (signed JWT), roles, and the caller's jurisdiction.

A token carries everything a service needs to authorise a request without asking another service: the user
id, name, jurisdiction (宁波市 or a district), department and roles.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

import jwt

from shared.db import utcnow
from shared.errors import Unauthorized
from shared.identity import (
    DEPARTMENT_ROLES,
    OFFICE_DECIDERS,
    OFFICE_ROLES,
    ROLE_NAMES,
    Principal,
    Role,
)

ISSUER = "dm-suite"
ALGORITHM = "HS256"


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


REQUIRED_ROLES_ATTR = "_dm_required_roles"


def require_roles(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Flask view decorator: the caller must be logged in and hold one of ``roles`` (none: any login).

    The requirement is also recorded on the view (decorators built with ``functools.wraps`` carry it
    outwards), so :func:`authorise_before_parsing` can refuse a caller before the body is even read: an
    anonymous request with a bad body is a 401, not a 422.
    """

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            check_roles(roles)
            return view(*args, **kwargs)

        setattr(wrapper, REQUIRED_ROLES_ATTR, tuple(roles))
        return wrapper

    return decorator


def check_roles(roles: tuple[str, ...]) -> Principal:
    principal = current_principal()
    if roles:
        principal.require(*roles)
    return principal


def authorise_before_parsing() -> None:
    """A ``before_request`` hook: apply the matched view's :func:`require_roles` before its arguments."""
    from flask import current_app, request

    view = current_app.view_functions.get(request.endpoint or "")
    roles = getattr(view, REQUIRED_ROLES_ATTR, None)
    if roles is not None:
        check_roles(roles)


def current_principal() -> Principal:
    """The caller of the current Flask request (authenticated lazily, once per request)."""
    from flask import current_app, g, request

    cached: Any = g.get("principal")
    if cached is None:
        cached = principal_from_header(
            request.headers.get("Authorization"), secret=current_app.config["DM_SETTINGS"].secret_key
        )
        _check_system_caller(cached, current_app, request.method)
        g.principal = cached
    return cached


def _check_system_caller(principal: Principal, app: Any, method: str) -> None:
    """A token from an API credential: refused when the credential was revoked, or for a write with a
    read-only credential (:mod:`shared.api_credentials`)."""
    from shared import api_credentials

    checker = app.extensions.get(api_credentials.CHECKER_KEY)
    if checker is not None:
        checker.check(principal)
    api_credentials.check_scope(principal, method)


__all__ = [
    "DEPARTMENT_ROLES",
    "OFFICE_DECIDERS",
    "OFFICE_ROLES",
    "ROLE_NAMES",
    "Principal",
    "Role",
    "authorise_before_parsing",
    "check_roles",
    "current_principal",
    "decode_token",
    "issue_token",
    "principal_from_header",
    "require_roles",
]
