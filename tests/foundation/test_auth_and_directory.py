"""Bearer tokens, roles and jurisdictions: nobody sees another jurisdiction's records (第三十九条)."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from services.intake.app import create_app
from services.intake.usecases import directory
from shared import demo
from shared.auth import Principal, decode_token, issue_token
from shared.db import utcnow
from shared.errors import Forbidden, Unauthorized


@pytest.fixture
def intake(make_runtime):  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    directory.load_directory(runtime, demo.demo_directory())
    return runtime


def _headers(runtime, user_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {directory.development_token(runtime, user_id)}"}


def test_a_token_carries_user_jurisdiction_department_and_roles() -> None:
    principal = Principal("bb.clerk", "张敏", "330200", "nb-bb", frozenset({"office_clerk"}))
    token = issue_token(principal, secret="s" * 32, ttl_seconds=60)
    assert decode_token(token, secret="s" * 32) == principal


def test_a_forged_or_expired_token_is_refused() -> None:
    principal = Principal("bb.clerk", "张敏", "330200", "nb-bb", frozenset({"office_clerk"}))
    with pytest.raises(Unauthorized) as forged:
        decode_token(issue_token(principal, secret="a" * 32, ttl_seconds=60), secret="b" * 32)
    assert forged.value.code == "token_invalid"
    expired = jwt.encode(
        {"iss": "dm-suite", "sub": "x", "jur": "330200", "exp": utcnow() - timedelta(seconds=5)}, "k" * 32
    )
    with pytest.raises(Unauthorized) as late:
        decode_token(expired, secret="k" * 32)
    assert late.value.code == "token_expired"


def test_a_request_without_a_token_gets_401_in_chinese(intake) -> None:
    response = create_app(runtime=intake).test_client().get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["code"] == "token_missing"
    assert "登录" in response.json["detail"]


def test_me_shows_who_is_logged_in(intake) -> None:
    client = create_app(runtime=intake).test_client()
    me = client.get("/api/v1/me", headers=_headers(intake, "scjg.clerk")).json
    assert me == {
        "user_id": "scjg.clerk",
        "name": "周婷",
        "jurisdiction": demo.NINGBO,
        "department": "nb-scjg",
        "roles": ["dept_clerk"],
    }


def test_a_district_user_sees_only_its_own_jurisdictions_departments_第三十九条(intake) -> None:
    client = create_app(runtime=intake).test_client()
    codes = {
        d["code"]
        for d in client.get("/api/v1/directory/departments", headers=_headers(intake, "hs.scjg.clerk")).json
    }
    assert codes == {"hs-bb", "hs-scjg"}


def test_a_department_clerk_may_not_list_people(intake) -> None:
    client = create_app(runtime=intake).test_client()
    response = client.get("/api/v1/directory/people", headers=_headers(intake, "scjg.clerk"))
    assert response.status_code == 403
    assert response.json["code"] == "role_required"


def test_demo_tokens_are_refused_outside_development(intake) -> None:
    production = intake.settings.with_overrides(env="production")
    intake.settings = production
    with pytest.raises(Forbidden):
        directory.development_token(intake, "bb.clerk")
