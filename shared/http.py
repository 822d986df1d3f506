"""HTTP conventions every service follows, applied in one place.

- OpenAPI at ``/openapi.json`` and interactive docs at ``/docs`` (flask-smorest; Swagger UI served offline);
- every error as ``application/problem+json`` (RFC 9457) with a stable ``code``, a Chinese ``title`` and
  ``detail``, and the offending ``errors[].field``;
- a request size limit, a request id in every log line and response, ``/healthz``, ``/readyz``, ``/metrics``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import Flask, Response, g, jsonify, request
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from shared.auth import authorise_before_parsing
from shared.config import Settings
from shared.errors import AppError, PayloadTooLarge, ServiceUnavailable, ValidationFailed
from shared.input_guard import check_request
from shared.logging import new_request_id, reset_request_id, set_request_id
from shared.metrics import HTTP_REQUESTS, HTTP_SECONDS, render_metrics
from shared.openapi_errors import PROBLEM_COMPONENT, ProblemResponses
from shared.web.docs import SWAGGER_UI_URL
from shared.web.errors import html_error

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
#: the OpenAPI security requirement of every endpoint that needs a logged-in caller
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]

ReadyCheck = Callable[[], None]

_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Missing data for required field\.$"), "必填项，不能缺少"),
    (re.compile(r"^Field may not be null\.$"), "不能为空"),
    (re.compile(r"^Unknown field\.$"), "不认识的字段"),
    (re.compile(r"^Not a valid integer\.$"), "不是有效的整数"),
    (re.compile(r"^Not a valid number\.$"), "不是有效的数字"),
    (re.compile(r"^Not a valid string\.$"), "不是有效的文本"),
    (re.compile(r"^Not a valid boolean\.$"), "不是有效的是/否值"),
    (re.compile(r"^Not a valid date\.$"), "不是有效的日期（格式 YYYY-MM-DD）"),
    (re.compile(r"^Not a valid datetime\.$"), "不是有效的时间（ISO 8601 格式）"),
    (re.compile(r"^Not a valid email address\.$"), "不是有效的电子邮箱"),
    (re.compile(r"^Not a valid URL\.$"), "不是有效的网址"),
    (re.compile(r"^Not a valid UUID\.$"), "不是有效的 UUID"),
    (re.compile(r"^Not a valid list\.$"), "应为列表"),
    (re.compile(r"^Invalid input type\.$"), "类型不正确"),
    (re.compile(r"^Invalid value\.$"), "取值无效"),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"长度不能少于 \1"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"长度不能超过 \1"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), r"长度应在 \1 到 \2 之间"),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        r"应在 \1 到 \2 之间",
    ),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), r"不能小于 \1"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), r"不能大于 \1"),
    (re.compile(r"^Must be one of: (.*)\.$"), r"应为以下之一：\1"),
    (re.compile(r"^Invalid JSON body\.?$"), "请求体不是有效的 JSON"),
]


class ProblemSchema(Schema):
    """application/problem+json (RFC 9457), as every error of the suite is reported (for OpenAPI documents;
    services subclass it to document the extra members of their own errors)."""

    type = fields.String()
    title = fields.String(metadata={"description": "中文标题"})
    status = fields.Integer()
    detail = fields.String(metadata={"description": "中文说明"})
    code = fields.String(metadata={"description": "稳定的机器可读代码"})
    instance = fields.String()
    errors = fields.List(
        fields.Dict(), metadata={"description": "422：每个字段（field）及其中文说明（messages）"}
    )


def translate_message(message: str) -> str:
    """marshmallow's English messages in Chinese; messages already in Chinese pass through."""
    for pattern, replacement in _MESSAGES:
        if pattern.match(message):
            return pattern.sub(replacement, message)
    return message


def flatten_field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"json": {"items": {0: {"name": ["…"]}}}}`` → ``{"items[0].name": ["…"]}``."""
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "body": [translate_message(m) for m in messages]}
        flat: dict[str, list[str]] = {}
        for index, item in enumerate(messages):
            flat.update(flatten_field_errors(item, f"{prefix}[{index}]"))
        return flat
    if isinstance(messages, Mapping):
        flat = {}
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "_schema":
                name = prefix or "body"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_field_errors(value, name))
        return flat
    return {prefix or "body": [translate_message(str(messages))]}


def problem_response(error: AppError) -> Response:
    response = jsonify(error.to_problem(instance=request.path))
    response.status_code = error.status
    response.mimetype = PROBLEM_JSON
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def _is_json_decode_error(exc: HTTPException, data: Mapping[str, Any]) -> bool:
    messages = str(data.get("messages", "")) + str(exc.description or "")
    return "JSON" in messages or "json" in messages


def _too_large_detail() -> str:
    from flask import current_app

    if _is_upload_view(current_app):
        megabytes = current_app.config["DM_SETTINGS"].max_upload_bytes / (1024 * 1024)
        return f"上传的文件过大：单个文件不超过 {megabytes:g} MB"
    return "请求体超过允许的大小"


def _from_http_exception(exc: HTTPException) -> AppError:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    if status == 422 and "messages" in data:
        fields: dict[str, list[str]] = {}
        for _location, messages in data["messages"].items():
            fields.update(flatten_field_errors(messages))
        detail = "；".join(f"{name}：{'，'.join(msgs)}" for name, msgs in sorted(fields.items()))
        return ValidationFailed(detail, fields=fields)
    if status == 400 and _is_json_decode_error(exc, data):
        return ValidationFailed(
            "请求体不是有效的 JSON", code="malformed_json", fields={"body": ["不是有效的 JSON"]}, status=400
        )
    if status == 413:
        return PayloadTooLarge(_too_large_detail())
    titles = {400: "请求有误", 404: "未找到", 405: "不支持该请求方法", 415: "不支持的内容类型"}
    codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 415: "unsupported_media_type"}
    title = titles.get(status, "请求无法处理")
    return AppError(title, code=codes.get(status, f"http_{status}"), title=title, status=status)


def error_response(error: AppError) -> BaseResponse:
    """problem+json for an API client; a browser asking for a page gets the Chinese error page instead."""
    page = html_error(error)
    if page is None:
        return problem_response(error)
    page.headers["X-Request-ID"] = g.get("request_id", "")
    return page


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def handle_app_error(exc: AppError) -> BaseResponse:
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException) -> BaseResponse:
        return error_response(_from_http_exception(exc))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def handle_database_away(exc: Exception) -> BaseResponse:
        # The database restarting, unreachable or refusing connections (or a deadlock it broke): nothing of
        # this request was committed; the caller may try again. An operator sees it as a warning per request.
        log.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        unavailable = ServiceUnavailable(
            "数据库暂时不可用，本次操作未保存，请稍后重试", code="database_unavailable"
        )
        response = error_response(unavailable)
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> BaseResponse:
        log.exception("unhandled error")
        return error_response(
            AppError("服务器内部错误，请稍后再试", code="internal_error", title="服务器内部错误", status=500)
        )


UPLOAD_ATTR = "_dm_accepts_upload"
#: room for the multipart envelope and the form's other fields around the file itself
UPLOAD_OVERHEAD_BYTES = 256 * 1024

V = TypeVar("V", bound=Callable[..., Any])


def accepts_upload(view: V) -> V:
    """A view that takes a file: its request may be as large as ``DM_MAX_UPLOAD_BYTES`` (plus the form
    around it) instead of ``DM_MAX_REQUEST_BYTES``. Apply it outermost (above ``arguments``)."""
    setattr(view, UPLOAD_ATTR, True)
    return view


def upload_request_limit(settings: Settings) -> int:
    """The largest request an upload view accepts (nginx's ``client_max_body_size`` must allow it)."""
    return settings.max_upload_bytes + UPLOAD_OVERHEAD_BYTES


def _is_upload_view(app: Flask) -> bool:
    return bool(getattr(app.view_functions.get(request.endpoint or ""), UPLOAD_ATTR, False))


def _register_request_hooks(app: Flask, service: str) -> None:
    @app.before_request
    def start_request() -> None:
        g.request_id = request.headers.get("X-Request-ID") or new_request_id()
        g.request_id_token = set_request_id(g.request_id)
        g.started = time.monotonic()
        if _is_upload_view(app):
            request.max_content_length = upload_request_limit(app.config["DM_SETTINGS"])

    app.before_request(authorise_before_parsing)
    app.before_request(check_request)

    @app.after_request
    def finish_request(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        if endpoint != "/metrics":
            HTTP_REQUESTS.labels(service, request.method, endpoint, str(response.status_code)).inc()
            HTTP_SECONDS.labels(service, endpoint).observe(
                time.monotonic() - g.get("started", time.monotonic())
            )
        return response

    @app.teardown_request
    def clear_request(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            reset_request_id(token)


def _register_health(app: Flask, ready_checks: Mapping[str, ReadyCheck]) -> None:
    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=app.config["DM_SETTINGS"].service)

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        results: dict[str, str] = {}
        for name, check in ready_checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"error: {type(exc).__name__}"
        ready = all(v == "ok" for v in results.values())
        return jsonify(status="ok" if ready else "unavailable", checks=results), 200 if ready else 503

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = render_metrics()
        return Response(body, content_type=content_type)


def create_service_app(
    settings: Settings,
    *,
    title: str,
    description: str,
    blueprints: Iterable[Blueprint] = (),
    ready_checks: Mapping[str, ReadyCheck] | None = None,
    import_name: str = __name__,
) -> tuple[Flask, Api]:
    """A Flask app with the suite's conventions; the service adds its blueprints and extensions."""
    app = Flask(import_name)
    app.config.update(
        DM_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        JSON_AS_ASCII=False,
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_URL,  # served by the service itself: no internet needed
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
        },
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    api = Api(app, spec_kwargs={"extra_plugins": [ProblemResponses()]})
    api.spec.components.schema(PROBLEM_COMPONENT, schema=ProblemSchema)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    _register_request_hooks(app, settings.service)
    _register_error_handlers(app)
    _register_health(app, ready_checks or {})
    return app, api
