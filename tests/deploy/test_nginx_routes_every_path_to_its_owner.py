"""nginx (deploy/nginx/dm.conf) sends every path of every service's OpenAPI document to the service that
owns it — ``/api/v1/rectifications`` (the old address of 第三十七条第四项, answering 410) to devolution,
``/api/v1/recipients`` to notify — passes ``nginx -t`` with Debian 12's nginx 1.22, and allows the upload
limit the services state."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from deploy_support import (
    NGINX,
    nginx_prefix,
    public_locations,
    route,
    top_level_value,
    upstream_servers,
)

from shared.config import DEFAULT_PORTS, SERVICES
from shared.http import upload_request_limit
from shared.routing import ROUTES, nginx_locations, service_for


@pytest.fixture
def openapi_paths(make_runtime) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    paths = {}
    for service in SERVICES:
        module = __import__(f"services.{service}.app", fromlist=["create_app"])
        client = module.create_app(runtime=make_runtime(service)).test_client()
        paths[service] = list(client.get("/openapi.json").get_json()["paths"])
    return paths


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "sample-1", path)


def test_every_openapi_path_lands_on_its_owner(openapi_paths) -> None:
    locations = public_locations()
    misrouted = []
    for service, paths in openapi_paths.items():
        for path in paths:
            chosen = route(locations, concrete(path))
            if chosen is None or chosen.upstream != f"dm_{service}":
                misrouted.append((path, service, chosen.upstream if chosen else None))
    assert misrouted == []


def test_the_routes_are_generated_from_the_routing_table_of_the_dev_gateway() -> None:
    text = NGINX.read_text(encoding="utf-8")
    block = text.split("    # BEGIN routes\n", 1)[1].split("    # END routes\n", 1)[0]
    assert block == nginx_locations(), "regenerate with: python -m shared.routing"


def test_nginx_and_the_routing_table_agree_on_every_prefix_and_its_neighbours() -> None:
    locations = public_locations()
    samples = {"/", "/docs", "/assets/dm.css", "/login", "/openapi.json"}
    for entry in ROUTES:
        prefix = entry.prefix.rstrip("/") or "/"
        samples |= {prefix, f"{prefix}/sample-1", f"{prefix}x", f"{prefix}/"}
    disagreements = [
        (path, service_for(path), route(locations, path).upstream)
        for path in sorted(samples)
        if route(locations, path).upstream != f"dm_{service_for(path)}"
    ]
    assert disagreements == []


def test_the_routes_the_first_deployment_lost_now_reach_their_owners() -> None:
    locations = public_locations()
    assert route(locations, "/api/v1/rectifications").upstream == "dm_devolution"
    assert route(locations, "/api/v1/rectifications/r-1/correction").upstream == "dm_devolution"
    assert route(locations, "/api/v1/cases/rectifications").upstream == "dm_intake"
    assert route(locations, "/api/v1/recipients").upstream == "dm_notify"


def test_metrics_and_readiness_are_not_served_publicly() -> None:
    locations = public_locations()
    for path in ("/metrics", "/readyz"):
        chosen = route(locations, path)
        assert chosen is not None and chosen.upstream is None


def test_every_upstream_uses_its_services_port_on_every_application_host() -> None:
    upstreams = upstream_servers()
    assert set(upstreams) == {f"dm_{s}" for s in SERVICES}
    for service in SERVICES:
        ports = {server.rsplit(":", 1)[1] for server in upstreams[f"dm_{service}"]}
        assert ports == {str(DEFAULT_PORTS[service])}
        assert len(upstreams[f"dm_{service}"]) >= 2  # two application hosts, as the guide describes


def test_nginx_allows_the_upload_limit_and_not_much_more(settings_for) -> None:
    size = top_level_value("client_max_body_size")
    allowed = int(size.rstrip("mM")) * 1024 * 1024
    needed = upload_request_limit(settings_for("intake"))
    assert needed <= allowed <= needed + 2 * 1024 * 1024


def _nginx() -> str | None:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None and os.environ.get("DM_REQUIRE_NGINX") == "1":
        pytest.fail("nginx is not installed (.ci/run installs Debian's nginx)")
    return found


def test_debians_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = _nginx()
    if nginx is None:
        pytest.skip("Debian's nginx is not installed (apt-get install nginx); CI installs it")
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    main = nginx_prefix(tmp_path, hosts={"app1.internal": "127.0.0.1", "app2.internal": "127.0.0.2"})
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, f"{version}\n{checked.stderr}"
    assert "syntax is ok" in checked.stderr
