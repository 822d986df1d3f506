"""Errors for people: a browser that asked for a page gets a Chinese HTML page with a way back; an API
client (``/api/…``, or anything that does not ask for HTML) keeps its ``application/problem+json``."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response as BaseResponse

from shared.errors import AppError

API_PREFIXES = ("/api/", "/openapi.json", "/healthz", "/readyz", "/metrics", "/sandbox/")

TITLES = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持该操作",
    409: "与当前状态冲突",
    413: "文件或内容过大",
    422: "提交的内容有误",
    429: "操作过于频繁",
    500: "系统出错了",
    503: "服务暂不可用",
}
DETAILS = {
    404: "您要找的页面不存在，或您无权查看。请检查链接，或回到首页重新进入。",
    500: "系统处理时出现错误，已记录下来。请稍后再试；如果一直出现，请联系编办系统管理员。",
}


def wants_html() -> bool:
    """A browser asking for a page: not an API path, and HTML preferred to JSON."""
    if request.path.startswith(API_PREFIXES):
        return False
    accept = request.accept_mimetypes
    return accept.quality("text/html") > 0 and accept.quality("text/html") >= accept.quality(
        "application/json"
    )


def html_error(error: AppError) -> BaseResponse | None:
    """The error page for a browser request; None for an API client (it gets problem+json)."""
    if not wants_html():
        return None
    from shared.web.pages import error_page  # the page machinery needs a request context

    try:
        title = TITLES.get(error.status, error.title)
        detail = DETAILS.get(error.status, error.detail)
        if error.status == 401:
            from shared.web.pages import login_redirect

            return login_redirect()
        page = error_page(error.status, title, detail)
    except Exception:  # the error page itself must never fail: fall back to problem+json
        return None
    return page
