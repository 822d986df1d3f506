"""The foundation every page stands on: Chinese dates and article numbers in one style, one signed session
cookie that every service reads, Chinese error pages for browsers (problem+json for API clients), forms
that keep what was typed, and API docs that need no internet."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.web import session as web_session
from shared.web.formatting import (
    article,
    chinese_articles,
    chinese_date,
    chinese_datetime,
    chinese_number,
    file_size,
)
from shared.web.forms import Form

SERVICES = ("intake", "deadlines", "devolution", "notify")


def test_dates_read_as_in_a_chinese_document_with_the_weekday() -> None:
    assert chinese_date(date(2026, 12, 9)) == "2026年12月9日（星期三）"
    assert chinese_date("2027-01-01") == "2027年1月1日（星期五）"
    assert chinese_date(None) == ""
    # 16:30 UTC on 9 December is already 10 December in Ningbo
    assert chinese_datetime(datetime(2026, 12, 9, 16, 30, tzinfo=UTC)) == "2026年12月10日（星期四）00:30"


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (10, "十"), (15, "十五"), (20, "二十"), (22, "二十二"), (35, "三十五"), (105, "一百零五")],
)
def test_article_numbers_are_written_in_chinese_numerals(n: int, text: str) -> None:
    assert chinese_number(n) == text


def test_article_references_have_one_style_第二十条() -> None:
    assert article(20) == "第二十条" and article(22, 2) == "第二十二条第二款"
    assert chinese_articles("依第20条视为没有不同意见，第22条第2款另有规定") == (
        "依第二十条视为没有不同意见，第二十二条第二款另有规定"
    )
    assert file_size(20 * 1024 * 1024) == "20 MB" and file_size(350 * 1024) == "350 KB"


def _user() -> web_session.SessionUser:
    return web_session.SessionUser(
        "bb.clerk",
        "张敏",
        "330200",
        "nb-bb",
        frozenset({"office_clerk"}),
        "中共宁波市委机构编制委员会办公室",
        "宁波市",
    )


def test_one_session_cookie_signed_with_the_secret_is_read_by_every_service(settings_for) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for("intake")
    raw = web_session.dump(web_session.new_session(settings, _user()), settings)
    for service in SERVICES:
        read = web_session.parse(raw, settings_for(service))
        assert read is not None and read.user == _user()
        assert read.user.principal == Principal(
            "bb.clerk", "张敏", "330200", "nb-bb", frozenset({"office_clerk"})
        )
    forged = web_session.parse(raw, settings.with_overrides(secret_key="another-secret-of-enough-length-000"))
    assert forged is None
    expired = dataclasses.replace(web_session.new_session(settings, _user()), expires_at=time.time() - 1)
    assert web_session.parse(web_session.dump(expired, settings), settings) is None


def test_a_registered_check_can_refuse_a_session(settings_for) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for("intake")
    app = Flask("t")
    revoked: set[str] = set()
    web_session.add_session_check(app, lambda s: s.sid not in revoked)
    started = web_session.new_session(settings, _user())
    cookie = f"{web_session.COOKIE_NAME}={web_session.dump(started, settings)}"
    with app.test_request_context("/", headers={"Cookie": cookie}):
        from flask import request

        assert web_session.load(request, settings, app).user is not None  # type: ignore[union-attr]
        revoked.add(started.sid)
        assert web_session.load(request, settings, app).user is None  # type: ignore[union-attr]


def test_a_refused_form_keeps_every_value_and_puts_each_message_beside_its_field() -> None:
    app = Flask("t")
    with app.test_request_context(
        "/", method="POST", data={"duty_name": "食品小作坊登记", "reasons.legality": "", "csrf_token": "x"}
    ):
        form = Form.posted(
            {"duty_name": "职责名称", "reasons.legality": "合法性", "support_measures": "保障措施"}
        )
    refusal = ValidationFailed(
        "申请材料不完整",
        fields={
            "reasons.legality": ["须论证合法性"],
            "support_measures[2].amount": ["须写明数量"],
            "x": ["?"],
        },
    )
    form.with_error(refusal)
    assert form.value("duty_name") == "食品小作坊登记" and "csrf_token" not in form.values
    assert form.error("reasons.legality") == ["须论证合法性"]
    assert form.error("support_measures") == ["须写明数量"]  # the nearest field the form shows
    assert form.general == ["x：?"]


@pytest.fixture(params=SERVICES)
def service_client(request, make_runtime):  # type: ignore[no-untyped-def]
    module = __import__(f"services.{request.param}.app", fromlist=["create_app"])
    return request.param, module.create_app(runtime=make_runtime(request.param)).test_client()


def test_every_service_serves_its_api_docs_without_the_internet(service_client) -> None:  # type: ignore[no-untyped-def]
    service, client = service_client
    for path in ("/docs", f"/api/{service}/docs"):
        page = client.get(path).get_data(as_text=True)
        assert "/assets/swagger-ui/swagger-ui-bundle.js" in page and "http" not in page.split("<body>")[0]
    assert client.get("/assets/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/assets/swagger-ui/swagger-ui.css").status_code == 200
    assert client.get(f"/api/{service}/openapi.json").json["openapi"].startswith("3.")
    css = client.get("/assets/dm.css")
    assert css.status_code == 200 and b"@import" not in css.data and b"url(http" not in css.data


def test_a_browser_gets_a_chinese_error_page_and_an_api_client_problem_json(service_client) -> None:  # type: ignore[no-untyped-def]
    _service, client = service_client
    page = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "<h1>页面不存在</h1>" in html and 'href="/"' in html and "返回上一页" in html
    api = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    curl = client.get("/no-such-page")  # Accept: */*
    assert curl.mimetype == "application/problem+json"
