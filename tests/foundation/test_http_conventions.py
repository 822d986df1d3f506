"""Every service speaks the same HTTP: problem+json in Chinese, health, metrics, OpenAPI, request ids."""

from __future__ import annotations

import pytest
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.deadlines.app import create_app as create_deadlines
from services.devolution.app import create_app as create_devolution
from services.intake.app import create_app as create_intake
from services.notify.app import create_app as create_notify
from shared.http import create_service_app

FACTORIES = {
    "intake": create_intake,
    "deadlines": create_deadlines,
    "devolution": create_devolution,
    "notify": create_notify,
}


@pytest.fixture(params=sorted(FACTORIES))
def client(request, make_runtime):  # type: ignore[no-untyped-def]
    runtime = make_runtime(request.param)
    return FACTORIES[request.param](runtime=runtime).test_client()


def test_every_service_answers_healthz_and_readyz(client) -> None:
    assert client.get("/healthz").json["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["database"] == "ok"


def test_every_service_serves_its_openapi_document_and_docs(client) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json["openapi"].startswith("3.")
    assert client.get("/docs").status_code == 200


def test_every_service_exposes_prometheus_metrics(client) -> None:
    client.get("/healthz")
    body = client.get("/metrics").get_data(as_text=True)
    assert "dm_http_requests_total" in body


def test_an_unknown_path_is_a_chinese_problem_document(client) -> None:
    response = client.get("/api/v1/nothing-here", headers={"X-Request-ID": "abc123"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "not_found"
    assert response.json["title"] == "未找到"
    assert response.headers["X-Request-ID"] == "abc123"


class _Sample(Schema):
    title = fields.String(required=True, validate=validate.Length(min=2, max=10))
    days = fields.Integer(required=True, validate=validate.Range(min=5, max=10))


@pytest.fixture
def sample_client(settings_for):  # type: ignore[no-untyped-def]
    blp = Blueprint("sample", __name__, url_prefix="/api/v1")

    @blp.post("/samples")
    @blp.arguments(_Sample)
    def create(data):  # type: ignore[no-untyped-def]
        return data

    app, _api = create_service_app(
        settings_for("intake", max_request_bytes=2048), title="t", description="d", blueprints=[blp]
    )
    return app.test_client()


def test_invalid_input_names_each_field_in_chinese(sample_client) -> None:
    response = sample_client.post("/api/v1/samples", json={"title": "x", "days": 30, "extra": 1})
    assert response.status_code == 422
    problem = response.json
    assert response.mimetype == "application/problem+json"
    assert problem["code"] == "validation_failed"
    by_field = {e["field"]: e["messages"] for e in problem["errors"]}
    assert by_field["title"] == ["长度应在 2 到 10 之间"]
    assert by_field["days"] == ["应在 5 到 10 之间"]
    assert by_field["extra"] == ["不认识的字段"]


def test_a_missing_field_is_named(sample_client) -> None:
    problem = sample_client.post("/api/v1/samples", json={"title": "协调"}).json
    assert problem["errors"] == [{"field": "days", "messages": ["必填项，不能缺少"]}]


def test_a_body_that_is_not_json_is_refused_clearly(sample_client) -> None:
    response = sample_client.post("/api/v1/samples", data="{oops", content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "malformed_json"
    assert response.json["errors"] == [{"field": "body", "messages": ["不是有效的 JSON"]}]


def test_a_body_that_is_not_an_object_names_the_body(sample_client) -> None:
    response = sample_client.post("/api/v1/samples", json=[1, 2])
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "body"


def test_a_request_over_the_size_limit_is_refused(sample_client) -> None:
    response = sample_client.post("/api/v1/samples", json={"title": "x" * 5000, "days": 5})
    assert response.status_code == 413
    assert response.json["code"] == "payload_too_large"


@pytest.fixture
def guarded_client(settings_for):  # type: ignore[no-untyped-def]
    from shared.auth import Principal, issue_token, require_roles

    blp = Blueprint("guarded", __name__, url_prefix="/api/v1")

    @blp.post("/guarded")
    @blp.arguments(_Sample)
    @require_roles("office_clerk")
    def create(data):  # type: ignore[no-untyped-def]
        return data

    settings = settings_for("intake")
    app, _api = create_service_app(settings, title="t", description="d", blueprints=[blp])
    client = app.test_client()
    clerk = Principal("scjg.clerk", "周婷", "330200", "nb-scjg", frozenset({"dept_clerk"}))
    client.dept_token = issue_token(clerk, secret=settings.secret_key, ttl_seconds=60)  # type: ignore[attr-defined]
    return client


def test_an_anonymous_request_is_refused_before_its_body_is_read(guarded_client) -> None:
    response = guarded_client.post("/api/v1/guarded", json={"title": "x"})
    assert response.status_code == 401
    assert response.json["code"] == "token_missing"


def test_a_caller_without_the_role_is_refused_before_its_body_is_read(guarded_client) -> None:
    headers = {"Authorization": f"Bearer {guarded_client.dept_token}"}
    response = guarded_client.post("/api/v1/guarded", json={"title": "x"}, headers=headers)
    assert response.status_code == 403
    assert response.json["code"] == "role_required"
