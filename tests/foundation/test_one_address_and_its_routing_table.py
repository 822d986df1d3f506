"""One address for people: the routing table sends each path to the service that owns it, and the dev gateway
forwards requests and answers unchanged — every Set-Cookie, redirects not followed, bodies both ways."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from flask import Flask, make_response, redirect, request
from werkzeug.serving import make_server

from shared.config import Settings
from shared.gateway import Gateway, create_app
from shared.routing import ROUTES, service_for


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/", "intake"),
        ("/login", "intake"),
        ("/worklist", "intake"),
        ("/m/approvals/ap-1", "intake"),
        ("/api/v1/cases/c-1", "intake"),
        ("/admin/calendar", "deadlines"),
        ("/admin/calendar/2027", "deadlines"),
        ("/admin/directory", "intake"),
        ("/devolution/dv-1", "devolution"),
        ("/api/v1/devolutions", "devolution"),
        ("/api/v1/devolutions/dv-1/review", "devolution"),
        ("/api/v1/rectifications/rf-1", "devolution"),
        ("/api/v1/cases/rectifications", "intake"),
        ("/api/v1/calendar/due-date", "deadlines"),
        ("/api/v1/templates/x/preview", "notify"),
        ("/api/deadlines/docs", "deadlines"),
        ("/api/notify/openapi.json", "notify"),
    ],
)
def test_each_path_goes_to_the_service_that_owns_it(path: str, service: str) -> None:
    assert service_for(path) == service


def test_a_prefix_matches_whole_segments_only() -> None:
    assert service_for("/api/v1/devolutionsx") == "intake"
    assert service_for("/devolutions-old") == "intake"


def test_the_table_is_plain_data_naming_known_services() -> None:
    assert {route.service for route in ROUTES} <= {"intake", "deadlines", "devolution", "notify"}
    assert all(route.prefix.startswith("/") and route.what for route in ROUTES)
    assert len({route.prefix for route in ROUTES}) == len(ROUTES)


def _serve(app: Flask | Gateway) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture
def gateway() -> Iterator[str]:
    servers = []
    upstreams = {}
    for name in ("intake", "deadlines", "devolution", "notify"):
        app = Flask(name)

        @app.route("/<path:anything>", methods=["GET", "POST"])
        @app.route("/", methods=["GET", "POST"])
        def echo(anything: str = "", name: str = name):  # type: ignore[no-untyped-def]
            if request.path.endswith("/go"):
                return redirect("/login?next=%2Fgo", code=303)
            response = make_response(
                {
                    "service": name,
                    "path": request.full_path,
                    "body": request.get_data(as_text=True),
                    "cookie": request.headers.get("Cookie"),
                    "forwarded_for": request.headers.get("X-Forwarded-For"),
                    "host": request.host,
                }
            )
            response.set_cookie("a", "1", path="/")
            response.set_cookie("b", "2", path="/")
            return response

        url, server = _serve(app)
        upstreams[name] = url
        servers.append(server)
    address, server = _serve(Gateway(upstreams=upstreams))
    servers.append(server)
    yield address
    for s in servers:
        s.shutdown()  # type: ignore[attr-defined]


def test_the_gateway_forwards_to_the_owner_and_hands_back_every_cookie(gateway: str) -> None:
    answer = requests.post(
        f"{gateway}/devolution/dv-1?x=1", data="hello", headers={"Cookie": "dm_session=abc"}, timeout=5
    )
    body = answer.json()
    assert body["service"] == "devolution" and body["path"] == "/devolution/dv-1?x=1"
    assert body["body"] == "hello" and body["cookie"] == "dm_session=abc"
    assert body["forwarded_for"] == "127.0.0.1"
    assert body["host"] == gateway.split("//")[1]  # the service sees the one address, as behind nginx
    assert answer.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert requests.get(f"{gateway}/api/v1/calendar/years", timeout=5).json()["service"] == "deadlines"


def test_the_gateway_passes_redirects_to_the_browser(gateway: str) -> None:
    answer = requests.get(f"{gateway}/m/go", allow_redirects=False, timeout=5)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login?next=%2Fgo"


def test_a_service_that_is_down_gets_a_chinese_page_with_a_way_home() -> None:
    address, server = _serve(
        Gateway(
            upstreams={
                "intake": "http://127.0.0.1:9",
                "deadlines": "http://127.0.0.1:9",
                "devolution": "http://127.0.0.1:9",
                "notify": "http://127.0.0.1:9",
            }
        )
    )
    try:
        answer = requests.get(f"{address}/admin/calendar", timeout=5)
    finally:
        server.shutdown()  # type: ignore[attr-defined]
    assert answer.status_code == 502 and "期限服务" in answer.text and 'href="/"' in answer.text


def test_the_gateway_is_never_started_in_production() -> None:
    from shared.config import ConfigError

    env = {"DM_ENV": "production", "DM_SECRET_KEY": "x" * 40, "REDIS_URL": "redis://r/0"}
    with pytest.raises(ConfigError):
        create_app(env)
    assert Settings.from_env("gateway", {}).service_urls["gateway"] == "http://127.0.0.1:8000"
