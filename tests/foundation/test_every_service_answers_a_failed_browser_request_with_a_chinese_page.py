"""A browser request that fails — page not found, a role the page is not for, a form whose CSRF token is
missing, an expired session, a fault — gets a Chinese HTML page with a way back (or the login page), on every
service; an API client keeps application/problem+json."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from flask import Blueprint

from shared.web import pages
from shared.web import session as web_session

SERVICES = ("intake", "deadlines", "devolution", "notify")
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _probe() -> Blueprint:
    probe = Blueprint("probe", __name__)

    @probe.route("/probe/admin-only", methods=["GET", "POST"])
    @pages.login_required("office_admin")
    def admin_only() -> str:
        return "ok"

    @probe.get("/probe/fault")
    def fault() -> str:
        raise RuntimeError("a fault nobody foresaw")

    return probe


@pytest.fixture(params=SERVICES)
def service(request, make_runtime):  # type: ignore[no-untyped-def]
    module = __import__(f"services.{request.param}.app", fromlist=["create_app"])
    runtime = make_runtime(request.param)
    if request.param == "intake":  # intake refuses sessions of people not active in its directory
        from services.intake.usecases import directory
        from shared import demo

        directory.load_directory(runtime, demo.demo_directory())
    app = module.create_app(runtime=runtime)
    app.register_blueprint(_probe())
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error handler answers
    return app.test_client(), runtime.settings


def _login(client: Any, settings: Any, roles: set[str], *, expired: bool = False) -> str:
    user_id = "bb.admin" if "office_admin" in roles else "bb.clerk"
    user = web_session.SessionUser(user_id, "张敏", "330200", "nb-bb", frozenset(roles), "编办", "宁波市")
    started = web_session.new_session(settings, user)
    if expired:
        started = dataclasses.replace(started, expires_at=time.time() - 1)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, settings), path="/")
    return started.csrf_token


def _chinese_page(answer: Any, status: int, heading: str) -> None:
    html = answer.get_data(as_text=True)
    assert answer.status_code == status and answer.mimetype == "text/html", (answer.status_code, html[:200])
    assert f"<h1>{heading}</h1>" in html and 'href="/"' in html and "返回上一页" in html
    assert "Traceback" not in html and "RuntimeError" not in html


def test_a_page_not_for_my_role_says_so_in_chinese_with_a_way_back(service) -> None:  # type: ignore[no-untyped-def]
    client, settings = service
    _login(client, settings, {"office_clerk"})
    _chinese_page(client.get("/probe/admin-only", headers=HTML), 403, "无权访问")


def test_a_form_without_its_csrf_token_gets_a_chinese_page_not_a_bare_400(service) -> None:  # type: ignore[no-untyped-def]
    client, settings = service
    token = _login(client, settings, {"office_admin"})
    _chinese_page(client.post("/probe/admin-only", data={}, headers=HTML), 400, "页面已失效")
    assert client.post("/probe/admin-only", data={"csrf_token": token}, headers=HTML).status_code == 200


def test_an_expired_session_leads_to_the_login_page_and_the_api_answers_401_problem_json(service) -> None:  # type: ignore[no-untyped-def]
    client, settings = service
    _login(client, settings, {"office_admin"}, expired=True)
    page = client.get("/probe/admin-only", headers=HTML)
    assert page.status_code == 303 and page.headers["Location"].startswith("/login?next=")
    api = client.get("/api/v1/no-such-thing", headers={"Accept": "application/json"})
    assert api.mimetype == "application/problem+json"


def test_a_fault_gets_a_chinese_500_page_for_people_and_problem_json_for_programs(service) -> None:  # type: ignore[no-untyped-def]
    client, _settings = service
    _chinese_page(client.get("/probe/fault", headers=HTML), 500, "系统出错了")
    api = client.get("/probe/fault", headers={"Accept": "application/json"})
    assert api.status_code == 500 and api.mimetype == "application/problem+json"
    assert "a fault nobody foresaw" not in api.get_data(as_text=True)
