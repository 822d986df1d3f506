"""Factories for the deadlines service's integration tests: a migrated runtime and clock commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from freezegun import freeze_time

from shared.contracts import CLOCK_START, case_ref, party
from shared.identity import Principal, Role
from shared.localtime import zone
from shared.messaging import Envelope, RecordingSender
from shared.runtime import ServiceRuntime

SHANGHAI = zone()

NINGBO = "330200"
#: the city office's system administrator, who loads the calendar (and is recorded doing so)
ADMIN = Principal("bb.admin", "周敏", NINGBO, "nb-bb", frozenset({Role.OFFICE_ADMIN}))


def shanghai(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def a_case(case_id: str = "c-1", jurisdiction: str = NINGBO) -> dict[str, Any]:
    return dict(
        case_ref(
            service="intake",
            kind="coordination",
            id=case_id,
            title="关于海域使用监管职责分工的协调申请",
            jurisdiction=jurisdiction,
            url=f"http://127.0.0.1:8001/cases/{case_id}",
        )
    )


def start_payload(
    clock_id: str = "clk-1", rule: str = "acceptance_decision", *, at: datetime, **extra: Any
) -> dict[str, Any]:
    jurisdiction = extra.pop("jurisdiction", NINGBO)
    return {
        "clock_id": clock_id,
        "rule": rule,
        "case": a_case(extra.pop("case_id", "c-1"), jurisdiction),
        "owner_service": "intake",
        "start_at": at.isoformat(),
        "responsible": [party("department", "BB001", jurisdiction)],
        **extra,
    }


@pytest.fixture
def deadlines(make_runtime: Callable[..., ServiceRuntime]) -> ServiceRuntime:
    """The deadlines service on a clean migrated database; its messages land in a RecordingSender."""
    return make_runtime("deadlines")


@pytest.fixture
def sent(deadlines: ServiceRuntime) -> RecordingSender:
    return deadlines.sender  # type: ignore[return-value]


Send = Callable[..., Envelope]


@pytest.fixture
def send(deadlines: ServiceRuntime) -> Send:
    """``send(type, payload, at=instant)``: deliver one command as the queue would, at that instant."""

    def deliver(
        message_type: str, payload: dict[str, Any], *, at: datetime, envelope: Envelope | None = None
    ):
        envelope = envelope or Envelope(
            type=message_type, payload=payload, source="intake", occurred_at=at.isoformat()
        )
        with freeze_time(at):
            deadlines.bus.handle(envelope.to_dict())
        return envelope

    return deliver


@pytest.fixture
def start_clock(send: Send) -> Callable[..., Envelope]:
    def start(clock_id: str = "clk-1", rule: str = "acceptance_decision", *, at: datetime, **extra: Any):
        return send(CLOCK_START, start_payload(clock_id, rule, at=at, **extra), at=at)

    return start


def page_client(
    runtime: ServiceRuntime, user_id: str, name: str, jurisdiction: str, role: str = "office_admin"
) -> Any:
    """A person logged in to the deadlines pages (the suite's one session cookie); ``client.csrf`` is the
    token its forms post."""
    from services.deadlines.app import create_app
    from shared.web import session as web_session

    user = web_session.SessionUser(user_id, name, jurisdiction, "x-bb", frozenset({role}), "编办", "宁波市")
    client = create_app(runtime=runtime).test_client()
    started = web_session.new_session(runtime.settings, user)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, runtime.settings), path="/")
    client.csrf = started.csrf_token  # type: ignore[attr-defined]
    return client
