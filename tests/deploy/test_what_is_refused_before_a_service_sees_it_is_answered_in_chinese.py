"""What gunicorn or nginx refuse before any service sees the request — a request line over 8 KB, headers too
large, a body over the upload limit, a service that cannot be reached — is answered as the services answer:
problem+json in Chinese with a stable code (a Chinese page with a way back for a browser when a service is
away), never the servers' English HTML."""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_support import nginx_prefix

from shared.config import REPO_ROOT

HELLO_APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(host: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the server did not listen on {host}:{port}")


def _exchange(
    host: str, port: int, request: bytes, *, tls: bool = False
) -> tuple[int, dict[str, str], bytes]:
    raw = socket.create_connection((host, port), timeout=10)
    sock: socket.socket = raw
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sock = context.wrap_socket(raw, server_hostname="zzgl.nbbb.gov.cn")
    with sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {
        k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
    }
    return int(lines[0].split()[1]), headers, body


def _get(path: str, *, headers: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: zzgl.nbbb.gov.cn\r\n{headers}Connection: close\r\n\r\n".encode()


def _problem(status: int, headers: dict[str, str], body: bytes) -> dict[str, object]:
    assert headers["content-type"].startswith("application/problem+json"), headers
    problem = json.loads(body.decode("utf-8"))
    assert problem["status"] == status and problem["code"] and problem["title"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(problem["detail"])), problem
    return problem


@pytest.fixture
def gunicorn_server(tmp_path: Path) -> Iterator[int]:
    (tmp_path / "hello_app.py").write_text(HELLO_APP, encoding="utf-8")
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(REPO_ROOT / "shared" / "gunicorn_conf.py"),
         "--pythonpath", str(tmp_path), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
         "hello_app:app"],
        cwd=REPO_ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_for("127.0.0.1", port, process, log)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_gunicorn_takes_a_request_line_nginx_passes_and_refuses_a_longer_one_in_chinese(
    gunicorn_server,
) -> None:
    status, _, body = _exchange("127.0.0.1", gunicorn_server, _get("/cases?q=" + "a" * 6000))
    assert (status, body) == (200, b"hello")  # gunicorn's default (4094) would refuse this; nginx allows 8 KB
    status, headers, body = _exchange("127.0.0.1", gunicorn_server, _get("/cases?q=" + "a" * 9000))
    assert status == 414
    assert _problem(414, headers, body)["code"] == "uri_too_long"
    status, headers, body = _exchange("127.0.0.1", gunicorn_server, b"NOT A REQUEST\r\n\r\n")
    assert status == 400 and _problem(400, headers, body)["code"] == "malformed_request"


def _nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        if os.environ.get("DM_REQUIRE_NGINX") == "1":
            pytest.fail("nginx is not installed (.ci/run installs Debian's nginx)")
        pytest.skip("Debian's nginx is not installed (apt-get install nginx); CI installs it")
    if os.geteuid() != 0:
        pytest.skip("nginx listens on port 443 of a loopback address: run as root (CI does)")
    return found


@pytest.fixture
def nginx_front(tmp_path: Path) -> Iterator[str]:
    """deploy's dm.conf on a loopback address of its own, its upstreams pointing where nothing listens."""
    nginx = _nginx_binary()
    listen = "127.0.0.77"
    main = nginx_prefix(
        tmp_path, hosts={"app1.internal": "127.0.0.78", "app2.internal": "127.0.0.79"}, listen=listen
    )
    log = tmp_path / "nginx.out"
    process = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(main), "-g", "daemon off;"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(listen, 443, process, log)
        yield listen
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_nginx_answers_what_it_refuses_itself_as_the_services_would_in_chinese(nginx_front) -> None:
    status, headers, body = _exchange(nginx_front, 443, _get("/api/v1/cases?q=" + "a" * 20000), tls=True)
    assert status == 414 and _problem(414, headers, body)["code"] == "uri_too_long"

    cookie = "Cookie: " + "; ".join(f"c{i}={'x' * 3000}" for i in range(20)) + "\r\n"
    status, headers, body = _exchange(nginx_front, 443, _get("/", headers=cookie), tls=True)
    assert status == 400 and _problem(400, headers, body)["code"] == "malformed_request"

    upload = (
        b"POST /api/v1/attachments HTTP/1.1\r\nHost: zzgl.nbbb.gov.cn\r\nContent-Type: application/pdf\r\n"
        b"Content-Length: 99000000\r\nConnection: close\r\n\r\n"
    )
    status, headers, body = _exchange(nginx_front, 443, upload, tls=True)
    assert status == 413 and _problem(413, headers, body)["code"] == "payload_too_large"

    status, headers, body = _exchange(nginx_front, 443, _get("/api/v1/cases"), tls=True)
    assert status == 503 and _problem(503, headers, body)["code"] == "service_unavailable"
    browser = "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n"
    status, headers, body = _exchange(nginx_front, 443, _get("/worklist", headers=browser), tls=True)
    assert status == 503 and headers["content-type"].startswith("text/html")
    page = body.decode("utf-8")
    assert "<h1>服务暂不可用</h1>" in page and 'href="/">返回首页' in page
