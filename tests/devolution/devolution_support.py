"""Fixtures for the devolution tests: a wired service with the departments loaded, a client and tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devolution_factories import USERS, load_departments

from shared.auth import Principal, issue_token
from shared.runtime import ServiceRuntime


@pytest.fixture
def devolution(make_runtime: Callable[..., ServiceRuntime]) -> ServiceRuntime:
    runtime = make_runtime("devolution")
    load_departments(runtime)
    return runtime


@pytest.fixture
def client(devolution: ServiceRuntime) -> Any:
    from services.devolution.app import create_app

    return create_app(runtime=devolution).test_client()


@pytest.fixture
def auth(devolution: ServiceRuntime) -> Callable[[str], dict[str, str]]:
    """``auth("scjg.clerk")``: the Authorization header of a demo user."""

    def headers(user: str) -> dict[str, str]:
        jurisdiction, department, roles = USERS[user]
        principal = Principal(user, user, jurisdiction, department, frozenset(roles))
        token = issue_token(principal, secret=devolution.settings.secret_key, ttl_seconds=600)
        return {"Authorization": f"Bearer {token}"}

    return headers
