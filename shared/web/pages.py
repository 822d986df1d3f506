"""Serving a page: the request's session, who may see the page, and the response every page gets.

- :func:`login_required` (``@login_required()`` or ``@login_required(Role.OFFICE_ADMIN, ...)``): without a
  logged-in person the browser goes to ``/login`` and comes back to the same page afterwards; a person
  without the role gets a Chinese 403 page; a POST must carry the session's CSRF token. Inside the view
  :func:`shared.auth.current_principal` is the person, as with a bearer token, so use cases run unchanged.
- :func:`render_page` renders a template with the layout's context (the person, the navigation, the CSRF
  token) and the headers every page carries (no caching, no framing).
- :func:`safe_next` keeps a ``next`` parameter on our own site (no open redirect).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, g, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as BaseResponse

from shared.config import Settings
from shared.identity import OFFICE_ROLES, Role
from shared.web import session as web_session

LOGIN_PATH = "/login"


def _settings() -> Settings:
    return current_app.config["DM_SETTINGS"]


def current_session() -> web_session.WebSession:
    """This request's session, starting an anonymous one (stored with the response) when there is none."""
    existing = g.get("web_session")
    if existing is not None:
        return existing
    loaded = web_session.load(request, _settings(), current_app)
    if loaded is None:
        loaded = web_session.new_session(_settings())
        g.web_session_new = True
    g.web_session = loaded
    return loaded


def current_user() -> web_session.SessionUser | None:
    return current_session().user


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: ``/…`` but not ``//host`` nor a backslash trick."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def login_redirect() -> BaseResponse:
    target = request.full_path.rstrip("?") if request.method == "GET" else (request.referrer or "/")
    return redirect(f"{LOGIN_PATH}?" + urlencode({"next": safe_next(target)}), code=303)


def login_required(*roles: str) -> Callable[[Callable[..., ResponseReturnValue]], Callable[..., Any]]:
    """The page needs a logged-in person (holding one of ``roles``, when given)."""

    def decorator(view: Callable[..., ResponseReturnValue]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            user = current_user()
            if user is None:
                return login_redirect()
            g.principal = user.principal
            if roles and not user.principal.has_any(roles):
                return error_page(403, "无权访问", "您的角色不能使用此页面。如需使用，请联系编办系统管理员。")
            if request.method == "POST" and not web_session.csrf_ok(
                current_session(), request.form.get("csrf_token")
            ):
                return error_page(400, "页面已失效", "安全校验未通过（页面可能已过期），请返回刷新后重试。")
            return view(*args, **kwargs)

        return wrapper

    return decorator


NAV: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("/worklist", "待办", frozenset({Role.OFFICE_CLERK, Role.OFFICE_DIVISION_HEAD})),
    ("/my", "我的办件", frozenset({Role.DEPT_CLERK, Role.DEPT_LEADER, Role.ORG_REVIEWER})),
    ("/devolution/", "职责下放", frozenset({Role.DEPT_CLERK, Role.DEPT_LEADER, *OFFICE_ROLES})),
    ("/m/approvals", "审批", frozenset({Role.OFFICE_DIVISION_HEAD, Role.OFFICE_LEADER})),
    ("/m/approvals/mine", "我发起的审批", frozenset({Role.OFFICE_CLERK})),
    (
        "/supervision",
        "监督统计",
        frozenset({Role.OFFICE_CLERK, Role.OFFICE_DIVISION_HEAD, Role.OFFICE_LEADER}),
    ),
    ("/admin/calendar", "工作日历", frozenset({Role.OFFICE_ADMIN})),
    ("/admin/directory", "组织目录", frozenset({Role.OFFICE_ADMIN})),
    ("/admin/credentials", "接口凭证", frozenset({Role.OFFICE_ADMIN})),
    ("/admin/audit", "审计日志", frozenset({Role.OFFICE_ADMIN})),
)


def navigation(user: web_session.SessionUser | None) -> list[dict[str, Any]]:
    """The links of the layout's menu for this person, the current one marked."""
    if user is None:
        return []
    here = request.path
    links = [{"href": "/", "text": "首页", "current": here == "/"}]
    for href, text, roles in NAV:
        if user.roles & {str(r) for r in roles}:
            links.append({"href": href, "text": text, "current": here.startswith(href.rstrip("/"))})
    return links


def render_page(template: str, status: int = 200, **context: Any) -> Response:
    """A page: the template with the layout's context, and the headers every page carries."""
    session = current_session()
    user = session.user
    html = render_template(template, csrf_token=session.csrf_token, me=user, nav=navigation(user), **context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if g.pop("web_session_new", False):
        web_session.store(response, session, _settings())
    return response


def error_page(status: int, title: str, detail: str, *, back: str | None = None) -> Response:
    """The Chinese error page, with a way back (the page the person came from, else the home page)."""
    return render_page("web/error.html", status=status, title=title, detail=detail, back=back or _back_link())


def _back_link() -> str:
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host):
        return safe_next(referrer[len(host) :] or "/")
    return "/"


def redirect_to(path: str) -> BaseResponse:
    """303 to a page of this site (after a POST: the browser GETs it)."""
    return redirect(safe_next(path), code=303)
