"""gunicorn's own error answers in the suite's shape: RFC 9457 problem+json in Chinese, with a stable code.

gunicorn answers a request it cannot parse — a request line longer than ``limit_request_line`` (414), too
many or too large headers (431), a malformed line (400) — before the application sees it, with an English
HTML page. ``shared/gunicorn_conf.py`` installs :func:`write_error` in its place. The headers were never read,
so the answer cannot be negotiated: it is problem+json, which a browser shows as readable Chinese text.
nginx answers the same cases itself in production (``deploy/nginx/dm.conf``, ``error_page 414 431 400``).
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util

#: status → (stable code, title, what to do)
PROBLEMS: dict[int, tuple[str, str, str]] = {
    400: ("malformed_request", "请求格式有误", "请求无法解析，请检查请求行和请求头。"),
    403: ("request_forbidden", "请求被拒绝", "该请求不被允许。"),
    414: (
        "uri_too_long",
        "请求地址过长",
        "请求地址（含查询参数）超过 8 KB，请缩短查询条件，或改用 POST 在请求体中提交。",
    ),
    417: ("expectation_failed", "无法满足 Expect 请求头", "请去掉 Expect 请求头后重试。"),
    431: ("headers_too_large", "请求头过大", "请求头的数量或长度超过上限，请清除过多的 Cookie 后重试。"),
    500: ("internal_error", "服务器内部错误", "服务器处理请求时出错，请稍后重试。"),
    501: ("not_implemented", "不支持的传输编码", "请求使用了服务器不支持的传输编码。"),
}


def problem_body(status: int) -> bytes:
    """The problem document for one of gunicorn's own error statuses."""
    code, title, detail = PROBLEMS.get(status, PROBLEMS[400 if status < 500 else 500])
    problem = {
        "type": f"https://errors.dm.local/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    return json.dumps(problem, ensure_ascii=False).encode("utf-8")


def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's ``util.write_error``, answering problem+json instead of an English HTML page."""
    body = problem_body(status_int)
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/problem+json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    """Put :func:`write_error` where gunicorn's workers look it up (``gunicorn.util.write_error``)."""
    util.write_error = write_error
