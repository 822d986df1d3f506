"""The development gateway: the one address of ``make run``, routing each path to its service.

A small reverse proxy (WSGI, standard library HTTP client) that forwards every request to the service that
:func:`shared.routing.service_for` names, unchanged: same method, path, query, body and headers (plus the
``X-Forwarded-*`` headers nginx sets), and hands back the answer as it came — status, every header (each
``Set-Cookie`` on its own) and the body, streamed. Redirects are passed to the browser, never followed.

Production puts nginx in this place (``deploy/nginx``, generated from the same table); the gateway refuses
to start with ``DM_ENV=production``.
"""

from __future__ import annotations

import http.client
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from shared.config import SERVICES, ConfigError, Settings
from shared.routing import service_for

log = logging.getLogger("shared.gateway")

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
CHUNK = 64 * 1024
UNAVAILABLE_PAGE = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" '
    'content="width=device-width, initial-scale=1"><title>服务暂不可用</title>'
    '<body style="font:16px/1.6 sans-serif;margin:2rem"><h1>服务暂不可用</h1>'
    '<p>{name}尚未启动或暂时无法访问，请稍后刷新页面重试。</p><p><a href="/">返回首页</a></p></body></html>'
)
SERVICE_NAMES = {
    "intake": "受理服务",
    "deadlines": "期限服务",
    "devolution": "职责下放服务",
    "notify": "通知服务",
}

StartResponse = Callable[..., Any]


def _request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").title()
            if name.lower() not in HOP_BY_HOP:
                headers[name] = value
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    if environ.get("CONTENT_LENGTH"):
        headers["Content-Length"] = environ["CONTENT_LENGTH"]
    client = environ.get("REMOTE_ADDR", "")
    earlier = headers.get("X-Forwarded-For")
    headers["X-Forwarded-For"] = f"{earlier}, {client}" if earlier else client
    headers["X-Forwarded-Proto"] = environ.get("wsgi.url_scheme", "http")
    headers["X-Forwarded-Host"] = environ.get("HTTP_HOST", "")
    return headers


def _body(environ: Mapping[str, Any]) -> bytes | None:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else None


class Gateway:
    """The WSGI application: ``Gateway(upstreams={"intake": "http://127.0.0.1:8001", ...})``."""

    def __init__(self, *, upstreams: Mapping[str, str], timeout_s: float = 120.0) -> None:
        self.upstreams = {name: urlsplit(url) for name, url in upstreams.items()}
        self.timeout_s = timeout_s

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        service = service_for(path)
        target = self.upstreams[service]
        query = environ.get("QUERY_STRING")
        url = path + (f"?{query}" if query else "")
        connection = http.client.HTTPConnection(
            target.hostname or "127.0.0.1", target.port, timeout=self.timeout_s
        )
        try:
            connection.request(
                environ["REQUEST_METHOD"], url, body=_body(environ), headers=_request_headers(environ)
            )
            answer = connection.getresponse()
        except OSError as exc:
            connection.close()
            log.warning("gateway: %s (%s) unreachable: %s", service, path, exc)
            page = UNAVAILABLE_PAGE.format(name=SERVICE_NAMES.get(service, service)).encode()
            start_response("502 Bad Gateway", [("Content-Type", "text/html; charset=utf-8")])
            return [page]
        headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
        start_response(f"{answer.status} {answer.reason}", headers)
        return self._stream(connection, answer)

    @staticmethod
    def _stream(connection: http.client.HTTPConnection, answer: http.client.HTTPResponse) -> Iterator[bytes]:
        try:
            while chunk := answer.read(CHUNK):
                yield chunk
        finally:
            connection.close()


def create_app(environ: Mapping[str, str] | None = None) -> Gateway:
    """The gateway for the services of this environment (``INTAKE_URL``… or ``DM_PORT_BASE``)."""
    env = os.environ if environ is None else environ
    if env.get("DM_ENV") == "production":
        raise ConfigError("the development gateway is not for production: put nginx in front (deploy/)")
    settings = Settings.from_env("gateway", env)
    return Gateway(
        upstreams={name: env.get(f"{name.upper()}_URL") or settings.service_urls[name] for name in SERVICES}
    )
