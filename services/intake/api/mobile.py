"""The approval inbox on a phone: server-rendered HTML in Chinese, readable without JavaScript.

Pages (all under ``/m``, the session cookie's path):

- ``GET /m/login`` 浙政钉 免登: the page asks the app's JS bridge for an authCode and posts it; in development
  it also offers a form for a code from the stand-in (``demo-<accountId>``). ``POST /m/login`` exchanges it.
- ``GET /m/approvals`` 待我审批, most urgent first; ``GET /m/approvals/<id>`` one task — summary, drafted
  decision, materials, case history, statutory deadline and how it was counted, the chain and the history;
  ``POST /m/approvals/<id>/decision`` 同意 / 退回修改 / 不同意 with a comment.
- ``GET/POST /m/delegations`` 委托代批 while away.

A task the user may not see answers 404 and shows nothing of it. Every form carries the session's CSRF token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import current_app, g, redirect, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from werkzeug.wrappers import Response

from services.intake.adapters import attachment_store
from services.intake.adapters.deadlines_calendar import calendar_for
from services.intake.api import mobile_session as session
from services.intake.domain.actors import Actor
from services.intake.domain.approvals.model import COUNTING_RULE, OUTCOME_NAMES, Outcome
from services.intake.domain.approvals.workdays import WorkingDayCounter
from services.intake.usecases import approvals as service
from services.intake.usecases import cases as casework
from services.intake.usecases import directory
from services.intake.usecases.mobile_login import build_login, person_for_auth_code
from shared.auth import Principal
from shared.errors import AppError, NotFound
from shared.service import current_runtime

mobile_blp = Blueprint(
    "approvals_mobile",
    __name__,
    url_prefix="/m",
    template_folder="templates",
    description="编办领导移动审批页面（HTML，浙政钉免登）",
)

HTML_DOC = {"responses": {"200": {"description": "HTML 页面", "content": {"text/html": {}}}}}
COUNTER_KEY, LOGIN_KEY = "approvals.counter", "approvals.login"


def counter() -> WorkingDayCounter:
    """The deadlines calendar, for the caller's jurisdiction (tests put a fixed one in the app)."""
    fixed = current_app.extensions.get(COUNTER_KEY)
    if fixed is not None:
        return fixed
    principal = g.get("principal")
    return calendar_for(current_runtime().settings, principal.jurisdiction if principal else None)


def _login() -> Any:
    if LOGIN_KEY not in current_app.extensions:
        current_app.extensions[LOGIN_KEY] = build_login(current_runtime().settings)
    return current_app.extensions[LOGIN_KEY]


def _safe_next(target: str | None) -> str:
    """Only our own pages: a path under ``/m/``, never another host (no open redirect)."""
    if target and target.startswith("/m/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/m/approvals"


def _page(template: str, status: int = 200, **context: Any) -> Response:
    settings = current_runtime().settings
    mobile = g.get("mobile_session") or session.new_session(settings)
    html = render_template(
        f"approvals/{template}",
        csrf_token=mobile.csrf_token,
        me=g.get("principal"),
        beijing=service.BEIJING,
        **context,
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    if g.get("mobile_session_new"):
        session.store(response, mobile, settings)
    return response


def _error(status: int, title: str, detail: str) -> Response:
    return _page("error.html", status=status, title=title, detail=detail)


def _begin() -> session.MobileSession:
    """The request's session, starting an anonymous one (for the login form's CSRF token) when absent."""
    settings = current_runtime().settings
    current = session.load(request, settings)
    if current is None:
        current = session.new_session(settings)
        g.mobile_session_new = True
    g.mobile_session = current
    return current


def login_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., ResponseReturnValue]:
    """Pages need a logged-in user: otherwise to the login page, coming back to the same page after."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        current = _begin()
        person = None
        if current.user_id:
            try:
                person = directory.find_person(current_runtime(), current.user_id)
            except NotFound:
                person = None
        if person is None:
            target = request.full_path.rstrip("?")
            response = redirect("/m/login?" + urlencode({"next": target}), code=303)
            session.store(
                response, session.new_session(current_runtime().settings), current_runtime().settings
            )
            return response
        g.principal = directory.principal_of(person)
        if request.method == "POST" and not session.csrf_ok(current, request.form.get("csrf_token")):
            return _error(400, "页面已失效", "安全校验未通过（页面可能已过期），请返回刷新后重试。")
        return view(*args, **kwargs)

    return wrapper


def _me() -> Principal:
    return g.principal


# --------------------------------------------------------------------------- login


@mobile_blp.route("/login", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
def login_page() -> ResponseReturnValue:
    """浙政钉免登页面"""
    _begin()
    return _login_form(next_url=_safe_next(request.args.get("next")))


def _login_form(*, next_url: str, status: int = 200, message: str | None = None) -> Response:
    settings = current_runtime().settings
    return _page(
        "login.html",
        status=status,
        next_url=next_url,
        message=message,
        corp_id=settings.platform_tenant_id,
        jsapi_url=settings.platform_jsapi_url,
        development=settings.is_development,
    )


@mobile_blp.route("/login", methods=["POST"])
@mobile_blp.doc(**HTML_DOC)
def login_submit() -> ResponseReturnValue:
    """以免登授权码登录"""
    runtime, current = current_runtime(), _begin()
    next_url = _safe_next(request.form.get("next"))
    if not session.csrf_ok(current, request.form.get("csrf_token")):
        return _login_form(next_url=next_url, status=400, message="页面已失效，请重新登录。")
    try:
        person = person_for_auth_code(runtime, _login(), request.form.get("authCode", "").strip())
    except AppError as refused:
        return _login_form(next_url=next_url, status=refused.status, message=refused.detail)
    response = redirect(next_url, code=303)
    session.store(response, session.new_session(runtime.settings, person.id), runtime.settings)
    return response


@mobile_blp.route("/logout", methods=["POST"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def logout() -> ResponseReturnValue:
    """退出登录"""
    response = redirect("/m/login", code=303)
    session.clear(response, current_runtime().settings)
    return response


# --------------------------------------------------------------------------- the inbox


@mobile_blp.route("/approvals", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def inbox_page() -> ResponseReturnValue:
    """待我审批（最紧急的在前）"""
    items = service.inbox(current_runtime(), _me(), counter=counter())
    return _page("inbox.html", items=items)


@mobile_blp.route("/approvals/<approval_id>", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def item_page(approval_id: str) -> ResponseReturnValue:
    """审批事项详情与审批表单"""
    return _item(approval_id, done=request.args.get("done"))


def _item(
    approval_id: str,
    *,
    status: int = 200,
    done: str | None = None,
    error: str | None = None,
    comment: str = "",
) -> Response:
    try:
        shown = service.view(current_runtime(), approval_id, _me(), counter=counter())
    except NotFound:
        return _error(404, "未找到", "未找到该审批事项，或您无权查看。")
    notice = {"approved": "已提交：同意", "returned": "已提交：退回修改", "rejected": "已提交：不同意"}
    notice["replayed"] = "该决定此前已提交，未重复处理。"
    return _page(
        "item.html",
        status=status,
        view=shown,
        done=notice.get(done or ""),
        error=error,
        comment=comment,
        outcomes=OUTCOME_NAMES,
        counting_rule=COUNTING_RULE,
    )


@mobile_blp.route("/approvals/<approval_id>/decision", methods=["POST"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def decide(approval_id: str) -> ResponseReturnValue:
    """提交审批决定"""
    form = request.form
    comment = form.get("comment", "")
    try:
        outcome = Outcome(form.get("outcome", ""))
        step_no = int(form.get("step_no", ""))
    except ValueError:
        return _item(approval_id, status=422, error="请选择审批决定。", comment=comment)
    try:
        result = service.decide(
            current_runtime(),
            approval_id=approval_id,
            principal=_me(),
            outcome=outcome,
            comment=comment,
            step_no=step_no,
            counter=counter(),
        )
    except NotFound:
        return _error(404, "未找到", "未找到该审批事项，或您无权查看。")
    except AppError as refused:
        return _item(approval_id, status=refused.status, error=refused.detail, comment=comment)
    done = "replayed" if result.replayed else outcome.value
    return redirect(f"/m/approvals/{approval_id}?done={done}", code=303)


# --------------------------------------------------------------------------- cases and materials


def _actor() -> Actor:
    return _me()  # the phone session's principal is the domain's actor


@mobile_blp.route("/cases/<case_id>", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def case_page(case_id: str) -> ResponseReturnValue:
    """事项详情（状态、下一步由谁办理、每个期限、办理记录）：通知和审批里的“查看案件”链接"""
    runtime = current_runtime()
    try:
        case = casework.get_case(runtime, _actor(), case_id)
        history = casework.case_history(runtime, _actor(), case_id)
    except NotFound:
        return _error(404, "未找到", "未找到该事项，或您无权查看。")
    return _page("case.html", case=case, history=history)


@mobile_blp.route("/attachments/<attachment_id>", methods=["GET"])
@mobile_blp.doc(responses={"200": {"description": "文件内容（仅限有权查看该事项的人）"}})
@login_required
def attachment_file(attachment_id: str) -> ResponseReturnValue:
    """打开材料（审批页面和事项页面中的链接）"""
    runtime = current_runtime()
    store = attachment_store.plugged_or_default(current_app.extensions, runtime.settings)
    try:
        meta, stream = casework.read_attachment(runtime, store, _actor(), attachment_id)
    except NotFound:
        return _error(404, "未找到", "未找到该材料，或您无权查看。")
    response = send_file(stream, mimetype=meta["content_type"], download_name=meta["filename"])
    response.content_length = meta["size"]
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- delegation


@mobile_blp.route("/delegations", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def delegations_page() -> ResponseReturnValue:
    """委托代批"""
    return _delegations()


def _delegations(status: int = 200, error: str | None = None) -> Response:
    runtime = current_runtime()
    people = [
        p
        for p in directory.list_people(runtime, _me().jurisdiction)
        if p["id"] != _me().user_id
        and p["active"]
        and set(p["roles"]) & {"office_division_head", "office_leader"}
    ]
    return _page(
        "delegations.html",
        status=status,
        error=error,
        delegations=service.list_delegations(runtime, _me()),
        people=people,
        today=service.beijing_today().isoformat(),
    )


@mobile_blp.route("/delegations", methods=["POST"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def delegations_submit() -> ResponseReturnValue:
    """新增或撤销委托代批"""
    form = request.form
    try:
        if form.get("revoke"):
            service.revoke_delegation(current_runtime(), _me(), form["revoke"])
        else:
            service.add_delegation(
                current_runtime(),
                _me(),
                delegate_id=form.get("delegate_id", ""),
                starts_on=date.fromisoformat(form.get("starts_on", "")),
                ends_on=date.fromisoformat(form.get("ends_on", "")),
                reason=form.get("reason", ""),
                counter=counter(),
            )
    except ValueError:
        return _delegations(422, "请填写有效的开始和结束日期。")
    except AppError as refused:
        return _delegations(refused.status, refused.detail)
    return redirect("/m/delegations", code=303)
