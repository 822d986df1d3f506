"""Input at the edges is a 4xx problem in Chinese naming the field, never a 500, and nothing is stored half:
huge paging numbers, JSON nested thousands deep, a lone surrogate, NUL characters in text and file names,
path components in file names (the materials of 第十五条、第十六条 and 第三十三条第五项)."""

from __future__ import annotations

import io

import pytest
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.intake.app import create_app as create_intake
from services.intake.tables import Attachment
from services.notify.app import create_app as create_notify
from shared.auth import Principal, issue_token
from shared.http import create_service_app
from shared.uploads import base_name

PDF = b"%PDF-1.7\n" + b"0" * 100


class _Body(Schema):
    title = fields.String()
    items = fields.Raw()


@pytest.fixture
def echo(settings_for):  # type: ignore[no-untyped-def]
    blp = Blueprint("echo", __name__, url_prefix="/api/v1")

    @blp.post("/echo")
    @blp.arguments(_Body)
    def create(data):  # type: ignore[no-untyped-def]
        return data

    app, _api = create_service_app(settings_for("intake"), title="t", description="d", blueprints=[blp])
    return app.test_client()


def _bearer(runtime, *roles: str, user: str = "bb.admin", department: str = "nb-bb") -> dict[str, str]:  # type: ignore[no-untyped-def]
    principal = Principal(user, "赵磊", "330200", department, frozenset(roles))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def _refused(response, status: int, code: str, field: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == code
    assert [e["field"] for e in response.json["errors"]] == [field]
    assert response.json["detail"].startswith(field)


def test_json_nested_thousands_deep_is_a_400_not_a_recursion_error(echo) -> None:
    body = '{"items": ' + "[" * 5000 + "]" * 5000 + "}"
    response = echo.post("/api/v1/echo", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["code"] == "json_too_deep"
    assert "嵌套过深" in response.json["detail"]
    shallow = '{"items": ' + "[" * 40 + "]" * 40 + "}"
    _refused(echo.post("/api/v1/echo", data=shallow, content_type="application/json"), 400, "json_too_deep",
             "items" + "[0]" * 32)  # fmt: skip


def test_a_lone_surrogate_is_refused_naming_the_field(echo) -> None:
    response = echo.post("/api/v1/echo", data='{"title": "abc\\ud800"}', content_type="application/json")
    _refused(response, 422, "invalid_unicode", "title")
    assert "Unicode" in response.json["detail"]


def test_a_nul_character_in_json_text_keys_and_query_strings_is_refused(echo) -> None:
    _refused(echo.post("/api/v1/echo", json={"title": "a\x00b"}), 422, "nul_character", "title")
    _refused(
        echo.post("/api/v1/echo", json={"items": [{"名称": "x\x00"}]}), 422, "nul_character", "items[0].名称"
    )
    _refused(echo.post("/api/v1/echo?q=a%00b", json={}), 422, "nul_character", "q")


def test_numbers_beyond_a_database_integer_are_refused_in_bodies_and_queries(echo) -> None:
    huge = "29820398886502050022394113474691072"
    response = echo.post("/api/v1/echo", data='{"items": ' + huge + "}", content_type="application/json")
    _refused(response, 422, "number_out_of_range", "items")
    assert "超出" in response.json["detail"]
    _refused(echo.post(f"/api/v1/echo?offset={huge}", json={}), 422, "number_out_of_range", "offset")
    _refused(echo.post("/api/v1/echo?offset=" + "9" * 5000, json={}), 422, "number_out_of_range", "offset")
    nan = echo.post("/api/v1/echo", data='{"items": NaN}', content_type="application/json")
    _refused(nan, 422, "number_out_of_range", "items")
    assert echo.post("/api/v1/echo", json={"title": "正常", "items": [1, 2.5, -3]}).status_code == 200


def test_notify_deliveries_refuse_an_offset_too_large_for_the_database(make_runtime) -> None:
    runtime = make_runtime("notify")
    client = create_notify(runtime=runtime).test_client()
    headers = _bearer(runtime, "office_admin")
    for query in ("offset=29820398886502050022394113474691072&limit=68", "offset=9223372036854775807"):
        response = client.get(f"/api/v1/deliveries?{query}", headers=headers)
        assert response.status_code == 422, response.json
        assert [e["field"] for e in response.json["errors"]] == ["offset"]
    assert client.get("/api/v1/deliveries?offset=10000000", headers=headers).status_code == 200


def test_intake_lists_refuse_a_page_number_beyond_the_bound_in_chinese(make_runtime) -> None:
    runtime = make_runtime("intake")
    client = create_intake(runtime=runtime).test_client()
    headers = _bearer(runtime, "office_clerk")
    response = client.get("/api/v1/cases?page=9223372036854775807", headers=headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.json["errors"][0]["field"] == "page" and "页码" in response.json["detail"]
    assert client.get("/api/v1/cases?page=100000", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/纪要.pdf", "纪要.pdf"),
        ("/var/lib/../纪要\t.pdf", "纪要.pdf"),
    ],
)
def test_an_attachment_keeps_only_the_last_component_of_its_name(make_runtime, sent: str, kept: str) -> None:
    runtime = make_runtime("intake")
    client = create_intake(runtime=runtime).test_client()
    headers = _bearer(runtime, "dept_clerk", user="scjg.clerk", department="nb-scjg")
    uploaded = client.post(
        "/api/v1/attachments", data={"file": (io.BytesIO(PDF), sent)}, headers=headers,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["filename"] == kept
    served = client.get(f"/api/v1/attachments/{uploaded.json['id']}", headers=headers)
    assert served.status_code == 200 and served.data == PDF
    disposition = served.headers["Content-Disposition"]
    assert (
        "/" not in disposition.replace("UTF-8''", "") and "\\" not in disposition and ".." not in disposition
    )


def test_an_attachment_named_with_a_nul_is_refused_and_nothing_is_stored(make_runtime) -> None:
    runtime = make_runtime("intake")
    client = create_intake(runtime=runtime).test_client()
    headers = _bearer(runtime, "dept_clerk", user="scjg.clerk", department="nb-scjg")
    response = client.post(
        "/api/v1/attachments", data={"file": (io.BytesIO(PDF), "纪要\x00.pdf")}, headers=headers,
        content_type="multipart/form-data",
    )  # fmt: skip
    _refused(response, 422, "nul_character", "file")
    assert "文件名" in response.json["detail"]
    with runtime.db.transaction() as session:
        assert session.query(Attachment).count() == 0


def test_a_stored_name_is_reduced_to_its_base_name_when_served() -> None:
    assert base_name("../../etc/passwd") == "passwd"
    assert base_name("..") == ""
    assert base_name("C:\\扫描件\\..\\协商纪要.pdf") == "协商纪要.pdf"
    long = "长" * 300 + ".pdf"
    assert len(base_name(long)) == 200 and base_name(long).endswith(".pdf")
