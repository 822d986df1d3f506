"""The mobile pages' session: a signed cookie (HttpOnly, SameSite=Lax, Secure in production) holding the
user id, an expiry and the CSRF token every form must echo back.

Bearer tokens suit API clients; a phone's in-app browser following a link from a notification needs a cookie.
The cookie is scoped to ``/m`` so it never authorises the JSON API, and a session exists before login too
(without a user) so that the login form itself carries a CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

from flask import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from shared.config import Settings

COOKIE_NAME = "dm_approvals"
COOKIE_PATH = "/m"
SALT = "approvals-mobile-session"
ANONYMOUS_TTL_S = 30 * 60


@dataclass(frozen=True)
class MobileSession:
    user_id: str | None
    csrf_token: str
    expires_at: float

    @property
    def expired(self) -> bool:
        return time.time() >= self.expires_at


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=SALT)


def new_session(settings: Settings, user_id: str | None = None) -> MobileSession:
    """A fresh session (and a fresh CSRF token): anonymous for the login form, or for a user who logged in."""
    ttl = settings.token_ttl_seconds if user_id else ANONYMOUS_TTL_S
    return MobileSession(user_id, secrets.token_urlsafe(32), time.time() + ttl)


def load(request: Request, settings: Settings) -> MobileSession | None:
    """The session in the request's cookie; None when absent, forged or expired."""
    raw = request.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer(settings).loads(raw)
        session = MobileSession(data.get("u"), str(data["c"]), float(data["e"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return None if session.expired else session


def dump(session: MobileSession, settings: Settings) -> str:
    data = {"u": session.user_id, "c": session.csrf_token, "e": session.expires_at}
    return _serializer(settings).dumps(data)


def store(response: Response, session: MobileSession, settings: Settings) -> None:
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


def csrf_ok(session: MobileSession | None, submitted: str | None) -> bool:
    if session is None or not submitted:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), str(submitted).encode())
