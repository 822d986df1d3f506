"""浙政钉 扫码登录 on a PC: the login page shows a QR code; the person scans it with the 浙政钉 app and
confirms; the platform sends the browser that opened the code's address (the phone) to our callback with a
``code``, exchanged through ``/rpc/oauth2/getuserinfo_bycode.json`` for the person; the PC, polling, is
then logged in.

The code is drawn here (segno, an SVG in the page: nothing fetched from the internet) and encodes the
platform's scan-login address (``ZWD_QR_LOGIN_URL``) with our app key, the callback on the public address
and a ``state`` bound to the PC's session. When the platform's page runs on the PC itself (its own code),
the callback arrives in that same browser and logs it in directly. On embedded defaults the address is the
stand-in's, which offers the demo people to confirm as.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import segno
from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from services.intake.adapters.qr_logins import QrLogin, QrLogins, qr_logins_for
from services.intake.tables import Person
from services.intake.usecases import audit_log, directory
from services.intake.usecases.mobile_login import AccountNotOpened, person_for_user
from shared.errors import AppError
from shared.service import current_runtime
from shared.web import pages
from shared.web import session as web_session

QR_KEY = "intake.qr_logins"
CALLBACK_PATH = "/login/qr/callback"

qr_pages = Blueprint("intake_qr_login", __name__, template_folder="templates")


def _logins() -> QrLogins:
    if QR_KEY not in current_app.extensions:
        runtime = current_runtime()
        current_app.extensions[QR_KEY] = qr_logins_for(runtime.settings, runtime.broker)
    return current_app.extensions[QR_KEY]


def scan_url(state: str) -> str:
    """The platform's scan-login address for this attempt (what the QR code holds)."""
    settings = current_runtime().settings
    query = {
        "response_type": "code",
        "client_id": settings.platform_app_key,
        "redirect_uri": settings.public_base_url.rstrip("/") + CALLBACK_PATH,
        "scope": "get_user_info",
        "authType": "QRCODE",
        "state": state,
    }
    return f"{settings.platform_qr_login_url}?{urlencode(query)}"


def start(next_url: str) -> dict[str, Any]:
    """A new attempt for this browser's session: its state, the address and the QR code as inline SVG."""
    state = secrets.token_urlsafe(24)
    _logins().put(QrLogin(state=state, sid=pages.current_session().sid, next_url=next_url))
    url = scan_url(state)
    svg = segno.make(url, error="m").svg_inline(scale=4, title="用浙政钉扫码登录")
    return {"state": state, "url": url, "svg": svg}


def _log_in(login: QrLogin) -> Any:
    runtime = current_runtime()
    from services.intake.pages.login import session_user

    person = directory.find_person(runtime, login.person_id or "")
    user = session_user(runtime, person)
    audit_log.logged_in(runtime, user.principal, audit_log.ZWD_QR)
    return web_session.new_session(runtime.settings, user)


@qr_pages.get("/login/qr/<state>")
def status(state: str) -> ResponseReturnValue:
    """The PC's polling: pending, refused (with why), or logged in now (the session cookie is set)."""
    session = pages.current_session()
    login = _logins().get(state)
    if login is None or login.sid != session.sid:
        return jsonify(status="expired", message="二维码已过期，请刷新页面重新扫码"), 404
    if login.status == "refused":
        return jsonify(status="refused", message=login.message)
    taken = _logins().take(state, session.sid)
    if taken is None:
        return jsonify(status="pending")
    response = jsonify(status="done", next=taken.next_url)
    web_session.store(response, _log_in(taken), current_runtime().settings)
    return response


def _person_for_code(code: str) -> Person:
    from services.intake.pages.login import _login

    return person_for_user(current_runtime(), _login().get_user_by_qr_code(code))


@qr_pages.get(CALLBACK_PATH)
def callback() -> ResponseReturnValue:
    """Where the platform sends the scanning browser with ``code`` and ``state``."""
    state, code = request.args.get("state", ""), request.args.get("code", "")
    login = _logins().get(state) if state else None
    if login is None or login.status != "pending":
        return pages.error_page(
            400, "二维码已失效", "二维码已过期或已使用，请在电脑上刷新登录页面后重新扫码。"
        )
    try:
        person = _person_for_code(code)
    except AppError as refused:
        audit_log.login_refused(current_runtime(), audit_log.ZWD_QR, code=refused.code, detail=refused.detail)
        if not isinstance(refused, AccountNotOpened):
            return pages.error_page(refused.status, "登录未完成", refused.detail)
        _logins().put(replace(login, status="refused", message=refused.detail))
        return pages.error_page(refused.status, "无法登录", refused.detail)
    confirmed = replace(login, status="confirmed", person_id=person.id)
    _logins().put(confirmed)
    if pages.current_session().sid == login.sid:  # the platform's page ran in this very browser
        taken = _logins().take(state, login.sid)
        response = pages.redirect_to(login.next_url)
        if taken is not None:
            web_session.store(response, _log_in(taken), current_runtime().settings)
        return response
    return pages.render_page("intake/qr_confirmed.html", name=person.name)
