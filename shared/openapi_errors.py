"""Every operation of every service documents the errors it can answer, as they are answered:
``application/problem+json`` with :class:`shared.http.ProblemSchema`.

An apispec plugin (:class:`ProblemResponses`) adds to each operation the statuses the suite's conventions
give any endpoint — 400 (a body that is not JSON, or nested too deep), 401 and 403 when it needs a caller,
404 when its path names something, 409, 413, 415 and 507 (the attachment store full) when it takes a body,
422 (any field out of bounds, see :mod:`shared.input_guard`), 500 and 503 — and moves every error response
the operation declared itself onto the problem media type, so that generated clients and the contract test
(``tests/foundation/test_every_service_keeps_its_api_contract.py``) can rely on it.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin

PROBLEM_JSON = "application/problem+json"
#: the component of :class:`shared.http.ProblemSchema` (a service's own subclass keeps ``Problem``)
PROBLEM_COMPONENT = "SuiteProblem"
PROBLEM_REF = {"$ref": f"#/components/schemas/{PROBLEM_COMPONENT}"}

_TITLES = {
    400: "请求有误（不是有效的 JSON，或嵌套过深）",
    401: "未登录或登录已失效",
    403: "无权进行此操作",
    404: "未找到",
    409: "与当前状态冲突",
    413: "提交的内容过大",
    415: "不支持的内容类型",
    422: "提交的内容有误（errors 列出每个字段及其中文说明）",
    500: "服务器内部错误",
    503: "服务暂时不可用",
    507: "存储空间不足（附件未保存）",
}


def problem_response(status: int, description: str | None = None, schema: Any = None) -> dict[str, Any]:
    return {
        "description": description or _TITLES.get(status, "错误"),
        "content": {PROBLEM_JSON: {"schema": schema or PROBLEM_REF}},
    }


def _moved(status: int, declared: Any) -> dict[str, Any]:
    """A declared error response on the problem media type, its own schema and examples kept."""
    if not isinstance(declared, dict):
        return problem_response(status)
    for media in (declared.get("content") or {}).values():
        if isinstance(media, dict) and media.get("schema"):
            return {
                "description": declared.get("description") or _TITLES.get(status, "错误"),
                "content": {PROBLEM_JSON: dict(media)},
            }
    return problem_response(status, declared.get("description"), declared.get("schema"))


def _is_error(status: str) -> bool:
    return status == "default" or (status.isdigit() and int(status) >= 400)


class ProblemResponses(BasePlugin):
    """Adds the suite's error responses to every operation (see the module docstring)."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict) or method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for status in list(responses):
                if _is_error(str(status)):
                    declared = responses.pop(status)
                    if str(status) != "default":
                        responses[str(status)] = _moved(int(status), declared)
            wanted = [400, 422, 500, 503]
            if operation.get("security") or method != "get":
                wanted += [401, 403]
            if path and ("{" in path or "<" in path):
                wanted.append(404)
            if method in {"post", "put", "patch"}:
                wanted += [409, 413, 415, 507]
            for code in sorted(wanted):
                responses.setdefault(str(code), problem_response(code))
            if path and path.startswith("/m/"):  # the phone pages: a redirect to log-in or to the result
                responses.setdefault("3XX", {"description": "转到登录页、结果页或规范地址"})
