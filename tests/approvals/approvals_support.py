"""Fixtures for the approval inbox: intake with the demo directory, a fixed working-day counter, and a way
to ask for an approval exactly as another service does (an ``approval.request`` through intake's inbox)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from services.intake import handlers
from services.intake.api.mobile import COUNTER_KEY
from services.intake.app import create_app
from services.intake.domain.approvals.workdays import weekdays_between
from services.intake.pages.login import session_user
from services.intake.usecases import directory
from shared import demo
from shared.contracts import APPROVAL_REQUEST, case_ref
from shared.messaging import Envelope
from shared.runtime import ServiceRuntime
from shared.web import session


class WeekdayCounter:
    """A calendar that knows no holidays but is not approximate: tests decide what 'exact' means."""

    def count(self, after: date, through: date) -> tuple[int, bool]:
        return weekdays_between(after, through), False


@pytest.fixture
def intake(make_runtime) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    if "approval.request" not in runtime.bus.handlers:  # intake's register_handlers may not call ours yet
        handlers.register(runtime)
    directory.load_directory(runtime, demo.demo_directory())
    runtime.sender.sent.clear()
    return runtime


def approval_request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": f"req-{uuid.uuid4()}",
        "requester_service": "intake",
        "case": case_ref(
            service="intake",
            kind="coordination",
            id="c-1",
            title="关于农贸市场活禽监管职责分工的协调申请",
            jurisdiction=demo.NINGBO,
            url="http://127.0.0.1:8001/cases/c-1",
        ),
        "decision_kind": "acceptance",
        "drafted_decision": {
            "summary": "拟予受理",
            "text": "经审查，申请材料齐全，符合第十七条规定，拟予受理。",
        },
        "materials": [{"name": "协调申请书.pdf", "url": "http://127.0.0.1:8001/files/a1"}],
        "case_history": [{"at": "2026-11-20", "actor": "张敏", "text": "收到协调申请"}],
        "requested_by": {"user_id": "bb.clerk", "name": "张敏"},
    }
    body.update(overrides)
    return body


@pytest.fixture
def ask(intake: ServiceRuntime) -> Callable[..., str]:
    """Deliver an ``approval.request`` through intake's inbox; returns the approval id."""

    def send(**overrides: Any) -> str:
        body = approval_request(**overrides)
        intake.bus.handle(Envelope(type=APPROVAL_REQUEST, payload=body, source="intake").to_dict())
        from sqlalchemy import select

        from services.intake.tables import ApprovalRow

        with intake.db.transaction() as s:
            return s.scalar(select(ApprovalRow.id).where(ApprovalRow.request_id == body["request_id"]))

    return send


@pytest.fixture
def app(intake: ServiceRuntime):  # type: ignore[no-untyped-def]
    flask_app = create_app(runtime=intake)
    flask_app.extensions[COUNTER_KEY] = WeekdayCounter()
    return flask_app


def logged_in(client: Any, runtime: ServiceRuntime, user_id: str, **changes: Any) -> session.WebSession:
    """Put a login session for ``user_id`` in the client's cookie jar; returns it (for its CSRF token)."""
    user = session_user(runtime, directory.find_person(runtime, user_id))
    web = dataclasses.replace(session.new_session(runtime.settings, user), **changes)
    client.set_cookie(session.COOKIE_NAME, session.dump(web, runtime.settings), path=session.COOKIE_PATH)
    return web


def decide_form(client: Any, approval_id: str, mobile: session.WebSession, **fields: str) -> Any:
    """Post the phone's decision form (approve, step 0, "同意" unless ``fields`` say otherwise)."""
    data = {
        "csrf_token": mobile.csrf_token,
        "step_no": "0",
        "outcome": "approved",
        "comment": "同意",
        **fields,
    }
    return client.post(f"/m/approvals/{approval_id}/decision", data=data)
