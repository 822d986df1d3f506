"""The approval inbox on a phone: server-rendered HTML in Chinese, readable without JavaScript.

Pages (under ``/m``), in the shared layout and behind the one login session (:mod:`shared.web`; a person
not logged in goes to ``/login`` — 浙政钉 免登 — and comes back to the same page):

- ``GET /m/approvals`` 待我审批, most urgent first; ``GET /m/approvals/<id>`` one task — summary, drafted
  decision, materials, case history, statutory deadline and how it was counted, the chain and the history;
  ``POST /m/approvals/<id>/decision`` 同意 / 退回修改 / 不同意 with a comment.
- ``GET/POST /m/delegations`` 委托代批 while away.

A task the user may not see answers 404 and shows nothing of it. Every form carries the session's CSRF token.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, g, redirect, request, send_file
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from services.intake.adapters.deadlines_calendar import calendar_for
from services.intake.domain.actors import Actor
from services.intake.domain.approvals.model import COUNTING_RULE, OUTCOME_NAMES, Outcome
from services.intake.domain.approvals.workdays import WorkingDayCounter
from services.intake.usecases import approvals as service
from services.intake.usecases import cases as casework
from services.intake.usecases import directory
from shared import attachment_store, localtime
from shared.auth import Principal
from shared.errors import AppError, NotFound
from shared.service import current_runtime
from shared.uploads import base_name
from shared.web import pages

mobile_blp = Blueprint(
    "approvals_mobile",
    __name__,
    url_prefix="/m",
    template_folder="templates",
    description="编办领导移动审批页面（HTML，浙政钉免登）",
)

HTML_DOC = {"responses": {"200": {"description": "HTML 页面", "content": {"text/html": {}}}}}
COUNTER_KEY = "approvals.counter"


def counter() -> WorkingDayCounter:
    """The fallback counter for approvals without a clock's calendar window: the deadlines calendar API, for
    the caller's jurisdiction (tests put a fixed one in the app). Windows are counted without it."""
    fixed = current_app.extensions.get(COUNTER_KEY)
    if fixed is not None:
        return fixed
    principal = g.get("principal")
    return calendar_for(current_runtime().settings, principal.jurisdiction if principal else None)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return pages.render_page(f"approvals/{template}", status=status, beijing=localtime.zone(), **context)


def _error(status: int, title: str, detail: str) -> Response:
    return pages.error_page(status, title, detail, back="/m/approvals")


login_required = pages.login_required()


def _me() -> Principal:
    return g.principal


# --------------------------------------------------------------------------- the inbox


@mobile_blp.route("/approvals", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def inbox_page() -> ResponseReturnValue:
    """待我审批（最紧急的在前）"""
    items = service.inbox(current_runtime(), _me(), counter=counter())
    return _page("inbox.html", items=items, tab="inbox")


@mobile_blp.route("/approvals/done", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def done_page() -> ResponseReturnValue:
    """已办：我审批过的事项"""
    return _page("past.html", items=service.decided_by(current_runtime(), _me()), tab="done")


@mobile_blp.route("/approvals/mine", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def mine_page() -> ResponseReturnValue:
    """我发起的：我送审的事项及其审批进度"""
    return _page("past.html", items=service.requested_by_me(current_runtime(), _me()), tab="mine")


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
    chosen: str = "",
) -> Response:
    """The task page; after a refused decision the decision and comment stay exactly as they were chosen."""
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
        chosen=chosen,
        phrases=service.common_phrases(current_runtime(), _me()) if shown.can_decide else [],
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
        chosen = form.get("outcome", "")
        return _item(approval_id, status=422, error="请选择审批决定。", comment=comment, chosen=chosen)
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
        return _item(
            approval_id, status=refused.status, error=refused.detail, comment=comment, chosen=outcome.value
        )
    done = "replayed" if result.replayed else outcome.value
    return redirect(f"/m/approvals/{approval_id}?done={done}", code=303)


# --------------------------------------------------------------------------- cases and materials


def _actor() -> Actor:
    return _me()  # the phone session's principal is the domain's actor


@mobile_blp.route("/cases/<case_id>", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
def case_page(case_id: str) -> ResponseReturnValue:
    """事项详情的旧地址（此前通知中的链接）：转到事项页面 /cases/<id>"""
    return redirect(f"/cases/{quote(case_id, safe='')}", code=301)


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
    response = send_file(stream, mimetype=meta["content_type"], download_name=base_name(meta["filename"]))
    response.content_length = meta["size"]
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- delegation


@mobile_blp.route("/approvals/phrases", methods=["GET"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def phrases_page() -> ResponseReturnValue:
    """常用意见：添加和删除自己保存的审批意见"""
    return _phrases()


def _phrases(status: int = 200, error: str | None = None, typed: str = "") -> Response:
    return _page(
        "phrases.html",
        status=status,
        error=error,
        typed=typed,
        saved=service.saved_phrases(current_runtime(), _me()),
        standard=service.COMMON_PHRASES,
    )


@mobile_blp.route("/approvals/phrases", methods=["POST"])
@mobile_blp.doc(**HTML_DOC)
@login_required
def phrases_submit() -> ResponseReturnValue:
    """添加或删除一条常用意见"""
    form = request.form
    try:
        if form.get("remove"):
            service.remove_phrase(current_runtime(), _me(), int(form["remove"]))
        else:
            service.save_phrase(current_runtime(), _me(), form.get("phrase", ""))
    except ValueError:
        return _phrases(404, "未找到该常用意见。")
    except AppError as refused:
        return _phrases(refused.status, refused.detail, typed=form.get("phrase", ""))
    return redirect("/m/approvals/phrases", code=303)


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
