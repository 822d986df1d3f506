"""浙政钉 扫码登录 on a PC: the login page shows a QR code (drawn here, nothing from the internet); the person
scans it with the 浙政钉 app and confirms; the code the platform hands back is exchanged through
``/rpc/oauth2/getuserinfo_bycode.json`` for a person of the directory and the PC is logged in. Played
against the local stand-in of the platform, as ``make run`` does."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from services.intake.app import create_app
from services.intake.usecases import directory
from services.notify.standin.app import create_app as create_standin
from shared import demo
from shared.web import session as web_session


@pytest.fixture
def platform() -> Iterator[Any]:
    app = create_standin({"ENV": "test"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    yield app
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def intake(make_runtime, platform):  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    runtime.settings = runtime.settings.with_overrides(
        platform_base_url=platform.url,
        platform_qr_login_url=f"{platform.url}/oauth2/auth.htm",
        public_base_url="https://zzgl.nbbb.gov.cn",
    )
    directory.load_directory(runtime, demo.demo_directory())
    return create_app(runtime=runtime)


def _pc_login_page(intake) -> tuple[Any, str, str]:  # type: ignore[no-untyped-def]
    pc = intake.test_client()
    page = pc.get("/login").get_data(as_text=True)
    state = re.search(r'id="qr-login" data-state="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    scan = html.unescape(re.search(r'<a href="([^"]+)" target="_blank"', page).group(1))  # type: ignore[union-attr]
    assert "<svg" in page and "用浙政钉扫码登录" in page
    return pc, state, scan


def _scan_and_confirm(scan: str, account_id: str) -> str:
    """The phone: opens the QR code's address and confirms as ``account_id``; where it is sent back."""
    page = requests.get(scan, timeout=5)
    assert page.status_code == 200 and "确认登录" in page.text
    form = dict(re.findall(r'name="(client_id|redirect_uri|state)" value="([^"]*)"', page.text)[:3])
    confirmed = requests.post(
        scan.split("?")[0], data={**{k: html.unescape(v) for k, v in form.items()}, "accountId": account_id},
        allow_redirects=False, timeout=5,
    )  # fmt: skip
    assert confirmed.status_code == 302
    return confirmed.headers["Location"]


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "zzgl.nbbb.gov.cn"  # the callback is on the public address
    return f"{parts.path}?{parts.query}"


def test_scanning_the_code_on_a_phone_logs_the_pc_in(intake, platform) -> None:
    pc, state, scan = _pc_login_page(intake)
    assert pc.get(f"/login/qr/{state}").json == {"status": "pending"}
    back = _scan_and_confirm(scan, "100005")  # 赵磊
    phone = intake.test_client()
    confirmed = phone.get(_path(back))
    assert confirmed.status_code == 200 and "赵磊，您已确认登录" in confirmed.get_data(as_text=True)
    done = pc.get(f"/login/qr/{state}")
    assert done.json["status"] == "done"
    session = web_session.parse(pc.get_cookie(web_session.COOKIE_NAME).value, intake.config["DM_SETTINGS"])
    assert session is not None and session.user is not None and session.user.name == "赵磊"
    assert pc.get(f"/login/qr/{state}").json["status"] != "done"  # logged in once
    assert phone.get(_path(back)).status_code == 400  # the code was used
    kinds = [r["kind"] for r in platform.extensions["standin"].records]
    assert "qr_login" in kinds


def test_someone_the_directory_does_not_know_is_told_on_both_screens(intake, platform) -> None:
    platform.config["ACCOUNTS"]["777777"] = {"name": "钱某某", "employeeCode": "GE_7", "department": "外单位"}
    pc, state, scan = _pc_login_page(intake)
    refused = intake.test_client().get(_path(_scan_and_confirm(scan, "777777")))
    assert refused.status_code == 403 and "钱某某" in refused.get_data(as_text=True)
    answer = pc.get(f"/login/qr/{state}").json
    assert answer["status"] == "refused" and "尚未开通" in answer["message"]


def test_another_browser_cannot_use_the_pcs_code(intake) -> None:
    _pc, state, _scan = _pc_login_page(intake)
    assert intake.test_client().get(f"/login/qr/{state}").status_code == 404
