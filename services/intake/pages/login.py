"""Logging in to the pages: 浙政钉 免登, and (development only) a list of the demo people to pick.

``GET /login`` asks the 浙政钉 container's JS bridge for an authCode and posts it; on embedded defaults the
page also lists the demo people, by name and department, each a button that logs in through the platform
stand-in's 免登 (auth code ``demo-<accountId>``) — the same exchange a real code goes through.
``POST /login`` exchanges the code (:mod:`services.intake.usecases.mobile_login`), finds the person in the
directory and starts the one session every service reads (:mod:`shared.web.session`).
``POST /logout`` ends it. The old phone-approval addresses (``/m/login``, ``/m/logout``) lead here.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from services.intake.pages import qr_login
from services.intake.tables import Department, Jurisdiction, Person
from services.intake.usecases import audit_log
from services.intake.usecases.mobile_login import AccountNotOpened, build_login, person_for_auth_code
from shared.errors import AppError
from shared.identity import ROLE_NAMES, Role
from shared.runtime import ServiceRuntime
from shared.service import current_runtime
from shared.web import pages, revocation
from shared.web import session as web_session

LOGIN_KEY = "intake.zwd_login"

login_pages = Blueprint("intake_login", __name__, template_folder="templates")


def _login() -> Any:
    if LOGIN_KEY not in current_app.extensions:
        current_app.extensions[LOGIN_KEY] = build_login(current_runtime().settings)
    return current_app.extensions[LOGIN_KEY]


def session_user(runtime: ServiceRuntime, person: Person) -> web_session.SessionUser:
    """The session's view of a directory person, with the names the pages show."""
    with runtime.db.reading() as session:
        department = session.get(Department, person.department_code) if person.department_code else None
        jurisdiction = session.get(Jurisdiction, person.jurisdiction_code)
        return web_session.SessionUser(
            user_id=person.id,
            name=person.name,
            jurisdiction=person.jurisdiction_code,
            department=person.department_code,
            roles=frozenset(person.roles),
            department_name=department.name if department else "",
            jurisdiction_name=jurisdiction.name if jurisdiction else "",
        )


def still_active(runtime: ServiceRuntime, web: web_session.WebSession) -> bool:
    """A session check: the person is still in the directory and active (a person who left is logged out)."""
    if web.user is None:
        return True
    with runtime.db.reading() as session:
        person = session.get(Person, web.user.user_id)
        return person is not None and person.active


def role_names(roles: list[str]) -> str:
    return "、".join(ROLE_NAMES.get(Role(r), r) if r in Role._value2member_map_ else r for r in roles)


def demo_people() -> list[dict[str, Any]]:
    """Everyone with a 浙政钉 account, grouped by jurisdiction and department (development only)."""
    with current_runtime().db.transaction() as session:
        rows = session.execute(
            select(Person, Department, Jurisdiction)
            .join(Department, Department.code == Person.department_code)
            .join(Jurisdiction, Jurisdiction.code == Person.jurisdiction_code)
            .where(Person.active.is_(True), Person.zwd_account_id.is_not(None))
            .order_by(Jurisdiction.code, Department.code, Person.id)
        ).all()
        groups: dict[str, dict[str, Any]] = {}
        for person, department, jurisdiction in rows:
            group = groups.setdefault(
                department.code,
                {"department": department.name, "jurisdiction": jurisdiction.name, "people": []},
            )
            group["people"].append(
                {
                    "name": person.name,
                    "title": person.title or "",
                    "roles": role_names(list(person.roles)),
                    "auth_code": f"demo-{person.zwd_account_id}",
                }
            )
        return list(groups.values())


def _form(
    *, next_url: str, status: int = 200, message: str | None = None, final: bool = False
) -> ResponseReturnValue:
    """The login page. After a refusal it never asks the 浙政钉 bridge again by itself (that would loop:
    a fresh code, the same refusal); ``final`` refusals (an account not opened) offer no retry at all."""
    settings = current_runtime().settings
    return pages.render_page(
        "intake/login.html",
        status=status,
        next_url=next_url,
        message=message,
        auto_login=message is None,
        final=final,
        qr=None if final else qr_login.start(next_url),
        corp_id=settings.platform_tenant_id,
        jsapi_url=settings.platform_jsapi_url,
        development=settings.is_development,
        people=demo_people() if settings.is_development else [],
    )


@login_pages.get("/login")
def login_page() -> ResponseReturnValue:
    return _form(next_url=pages.safe_next(request.args.get("next")))


@login_pages.post("/login")
def login_submit() -> ResponseReturnValue:
    runtime = current_runtime()
    next_url = pages.safe_next(request.form.get("next"))
    if not web_session.csrf_ok(pages.current_session(), request.form.get("csrf_token")):
        return _form(next_url=next_url, status=400, message="页面已失效，请重新登录。")
    try:
        person = person_for_auth_code(runtime, _login(), request.form.get("authCode", "").strip())
    except AppError as refused:
        audit_log.login_refused(runtime, audit_log.ZWD_APP, code=refused.code, detail=refused.detail)
        final = isinstance(refused, AccountNotOpened)
        return _form(next_url=next_url, status=refused.status, message=refused.detail, final=final)
    response = pages.redirect_to(next_url)
    user = session_user(runtime, person)
    audit_log.logged_in(runtime, user.principal, audit_log.ZWD_APP)
    started = web_session.new_session(runtime.settings, user)
    web_session.store(response, started, runtime.settings)
    return response


@login_pages.post("/logout")
def logout() -> ResponseReturnValue:
    """退出登录: this session ends on every service at once; ``everywhere`` ends every session of the person
    (a phone left somewhere, a shared PC)."""
    session = pages.current_session()
    revocations = revocation.of(current_app)
    if session.user is not None:
        revocations.revoke(session.sid)
        everywhere = bool(request.form.get("everywhere"))
        if everywhere:
            revocations.revoke_person(session.user.user_id)
        audit_log.logged_out(current_runtime(), session.user.principal, everywhere=everywhere)
    response = pages.redirect_to("/login")
    web_session.clear(response, current_runtime().settings)
    return response


@login_pages.route("/m/login", methods=["GET", "POST"])
def old_login() -> ResponseReturnValue:
    """The phone-approval pages' old login address: the one login page, keeping where to go after."""
    query = request.query_string.decode()
    return pages.redirect_to(f"/login?{query}" if query else "/login")


@login_pages.post("/m/logout")
def old_logout() -> ResponseReturnValue:
    return logout()
