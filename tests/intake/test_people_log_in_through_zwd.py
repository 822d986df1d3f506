"""Logging in as real users do: 浙政钉 免登 with the JS-SDK named by the environment, the code exchanged for a
person of the directory; someone the directory does not know gets a clear page that does not try again by
itself (it used to ask the bridge for a new code and loop)."""

from __future__ import annotations

import re

import pytest

from services.intake.app import create_app
from services.intake.pages.login import LOGIN_KEY
from services.intake.usecases import directory
from shared import demo
from shared.platform.zwd import AuthCodeInvalid, ZwdUser
from shared.web import session as web_session


class Platform:
    """浙政钉 as the login page sees it: a code for 李强 (in the directory) and one for a stranger."""

    def get_user_by_auth_code(self, code: str) -> ZwdUser:
        if code == "code-li":
            return ZwdUser(account_id="100002", employee_code="GE_1", tenant_id="196729", name="李强")
        if code == "code-stranger":
            return ZwdUser(account_id="999999", employee_code="GE_9", tenant_id="196729", name="钱某某")
        if code == "code-other-tenant":
            return ZwdUser(account_id="100002", employee_code="GE_1", tenant_id="1", name="李强")
        raise AuthCodeInvalid()


@pytest.fixture
def login(make_runtime):  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    runtime.settings = runtime.settings.with_overrides(platform_jsapi_url="/static/zwd/jsapi-1.9.js")
    directory.load_directory(runtime, demo.demo_directory())
    app = create_app(runtime=runtime)
    app.extensions[LOGIN_KEY] = Platform()
    client = app.test_client()

    def submit(code: str):  # type: ignore[no-untyped-def]
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        return client.post("/login", data={"csrf_token": csrf, "authCode": code, "next": "/"})

    client.submit = submit  # type: ignore[attr-defined]
    return client


def test_the_login_page_loads_the_js_sdk_the_environment_names(login) -> None:
    page = login.get("/login").get_data(as_text=True)
    assert '<script src="/static/zwd/jsapi-1.9.js"></script>' in page
    assert 'id="retry-login"' not in page  # without a retry button the page asks the bridge at once


def test_a_person_of_the_directory_logs_in(login) -> None:
    answer = login.submit("code-li")
    assert answer.status_code == 303 and "dm_session=" in answer.headers["Set-Cookie"]


@pytest.mark.parametrize(("code", "says"), [("code-stranger", "钱某某"), ("code-other-tenant", "不属于")])
def test_someone_the_directory_does_not_know_gets_a_clear_page_not_a_loop(login, code, says) -> None:
    answer = login.submit(code)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 403 and says in page and "无法登录" in page
    assert "getAuthCode" not in page
    cookie = login.get_cookie(web_session.COOKIE_NAME)
    assert web_session.parse(cookie.value, login.application.config["DM_SETTINGS"]).user is None


def test_a_refused_code_offers_to_try_again_but_does_not_by_itself(login) -> None:
    answer = login.submit("code-expired")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 401 and "从浙政钉重新登录" in page
    assert 'id="retry-login"' in page  # the bridge is asked again only when the person taps it
