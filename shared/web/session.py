"""The one login session of the suite's pages: a signed cookie every service reads.

A person logs in once (intake's ``/login``: 浙政钉 免登) and is then known on every page of every service
behind the one address: the cookie (``dm_session``, path ``/``, HttpOnly, SameSite=Lax, Secure in
production) is signed with ``DM_SECRET_KEY`` — the same for all services — and carries what a service needs
to authorise a page without asking intake: the person (id, name, jurisdiction, department, roles, and the
names to show), a session id, an expiry and the CSRF token every form echoes back. A session exists before
login too (without a person) so that the login form itself carries a CSRF token.

Bearer tokens stay the API's credential: the session cookie authorises pages only (the API never reads it).

Extending it (issue 12: revocation, log-out everywhere): every session has a random ``sid``; a service may
register checks with :func:`add_session_check` — a check gets the loaded session and returns False to refuse
it (a revoked ``sid``, a person who left), and the person is then sent to log in again.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask import Flask, Request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from shared.config import Settings
from shared.identity import Principal

COOKIE_NAME = "dm_session"
COOKIE_PATH = "/"
SALT = "dm-web-session"
ANONYMOUS_TTL_S = 30 * 60
CHECKS_KEY = "dm_web.session_checks"

SessionCheck = Callable[["WebSession"], bool]


@dataclass(frozen=True)
class SessionUser:
    """The logged-in person as the pages know them: the principal plus the names to show."""

    user_id: str
    name: str
    jurisdiction: str
    department: str | None
    roles: frozenset[str]
    department_name: str = ""
    jurisdiction_name: str = ""

    @property
    def principal(self) -> Principal:
        return Principal(
            user_id=self.user_id,
            name=self.name,
            jurisdiction=self.jurisdiction,
            department=self.department,
            roles=self.roles,
        )


@dataclass(frozen=True)
class WebSession:
    sid: str
    csrf_token: str
    expires_at: float
    user: SessionUser | None = None

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


def new_session(settings: Settings, user: SessionUser | None = None) -> WebSession:
    """A fresh session, with a fresh id and CSRF token: anonymous (the login form) or for a person."""
    ttl = settings.token_ttl_seconds if user else ANONYMOUS_TTL_S
    return WebSession(secrets.token_urlsafe(16), secrets.token_urlsafe(32), time.time() + ttl, user)


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=SALT)


def dump(session: WebSession, settings: Settings) -> str:
    data: dict[str, Any] = {"s": session.sid, "c": session.csrf_token, "e": session.expires_at}
    if session.user is not None:
        u = session.user
        data["u"] = [
            u.user_id,
            u.name,
            u.jurisdiction,
            u.department,
            sorted(u.roles),
            u.department_name,
            u.jurisdiction_name,
        ]
    return _serializer(settings).dumps(data)


def parse(raw: str, settings: Settings) -> WebSession | None:
    """The session in a cookie value; None when forged, malformed or expired."""
    try:
        data = _serializer(settings).loads(raw)
        user = None
        if data.get("u"):
            uid, name, jurisdiction, department, roles, dept_name, jur_name = data["u"]
            user = SessionUser(
                str(uid), str(name), str(jurisdiction), department, frozenset(roles), dept_name, jur_name
            )
        session = WebSession(str(data["s"]), str(data["c"]), float(data["e"]), user)
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return None if session.expired else session


def load(request: Request, settings: Settings, app: Flask | None = None) -> WebSession | None:
    """The request's session; None when absent, forged, expired or refused by a registered check."""
    raw = request.cookies.get(COOKIE_NAME)
    session = parse(raw, settings) if raw else None
    if session is not None and session.user is not None and app is not None:
        for check in app.extensions.get(CHECKS_KEY, ()):
            if not check(session):
                return replace(session, user=None)
    return session


def store(response: Response, session: WebSession, settings: Settings) -> None:
    response.set_cookie(
        COOKIE_NAME,
        dump(session, settings),
        max_age=max(int(session.expires_at - time.time()), 0),
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=settings.is_production,
    )


def clear(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE_NAME, path=COOKIE_PATH, httponly=True, samesite="Lax", secure=settings.is_production
    )


def csrf_ok(session: WebSession | None, submitted: str | None) -> bool:
    if session is None or not submitted:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), str(submitted).encode())


def add_session_check(app: Flask, check: SessionCheck) -> None:
    """Refuse sessions ``check`` returns False for (revoked, expired by policy); see the module docstring."""
    app.extensions.setdefault(CHECKS_KEY, []).append(check)
