"""One devolution from application to the acknowledged half-year report (第三十三至三十五条), through a real
Redis broker: what devolution publishes is read back from the other services' queues, and their answers
(APPROVAL_DECIDED from the leaders' inbox, CLOCK_SCHEDULED from deadlines) arrive on devolution's queue and
are consumed by an in-process dramatiq worker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from devolution_factories import (
    DEPARTMENTS,
    HALF_YEAR_REACHED,
    ISSUED_OVER_HALF_A_YEAR_AGO,
    READY_REVIEW,
    USERS,
    approval_decision,
    complete_application,
)
from dramatiq import Worker

from services.devolution.app import create_app
from shared.auth import Principal, issue_token
from shared.broker import DramatiqSender, build_broker, declare_inbound_actor
from shared.contracts import (
    APPROVAL_DECIDED,
    APPROVAL_REQUEST,
    CLOCK_PAUSE,
    CLOCK_RESUME,
    CLOCK_SCHEDULED,
    CLOCK_START,
    CLOCK_STOP,
    DEPARTMENT_UPSERTED,
    NOTIFY_SEND,
    POWER_LIST_CHANGED,
)
from shared.messaging import Envelope

pytestmark = pytest.mark.integration


def _queued(redis_url: str, queue: str) -> list[dict[str, Any]]:
    """The envelopes waiting on another service's queue (nobody consumes them in this test)."""
    client = redis.Redis.from_url(redis_url)
    messages = [json.loads(raw) for raw in client.hvals(f"dramatiq:{queue}.msgs")]
    return sorted((m["args"][0] for m in messages), key=lambda e: e["occurred_at"])


def _types(redis_url: str, queue: str) -> list[str]:
    return [e["type"] for e in _queued(redis_url, queue)]


def _deliver(runtime: Any, message_type: str, payloads: list[dict[str, Any]], source: str) -> None:
    """Other services' messages, put on devolution's queue; returns once the worker has consumed them."""
    for payload in payloads:
        envelope = Envelope(type=message_type, payload=payload, source=source).to_dict()
        DramatiqSender(runtime.broker).send("devolution", envelope)
    runtime.broker.join("devolution", timeout=20_000)


@pytest.fixture
def devolution_worker(make_runtime, settings_for, redis_url) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """The devolution service on a real Redis broker, with an in-process worker consuming its queue."""
    runtime = make_runtime("devolution", broker=build_broker(settings_for("devolution", redis_url=redis_url)))
    declare_inbound_actor(runtime.broker, "devolution", runtime.handle_inbound)
    worker = Worker(runtime.broker, queues={"devolution"}, worker_threads=1)
    worker.start()
    try:
        yield runtime
    finally:
        worker.stop()


def _scheduled(start: dict[str, Any], due: str, provisional: bool) -> dict[str, Any]:
    """CLOCK_SCHEDULED as deadlines answers a CLOCK_START (due_at = 24:00 Shanghai of the due date)."""
    due_at = {"2026-12-14": "2026-12-14T16:00:00+00:00", HALF_YEAR_REACHED: "2026-10-30T16:00:00+00:00"}[due]
    return {
        "clock_id": start["clock_id"],
        "case": start["case"],
        "rule": start["rule"],
        "state": "running",
        "due_date": due,
        "due_at": due_at,
        "provisional": provisional,
        "remaining_working_days": None,
        "reason": "started",
    }


def test_a_devolution_from_application_to_the_acknowledged_half_year_report_through_real_redis(
    devolution_worker, redis_url
) -> None:
    runtime = devolution_worker
    departments = [
        {"code": code, "jurisdiction": jurisdiction, "name": name, "kind": "government_department"}
        for code, jurisdiction, name in DEPARTMENTS
    ]
    _deliver(runtime, DEPARTMENT_UPSERTED, departments, "intake")
    client = create_app(runtime=runtime).test_client()

    def auth(user: str) -> dict[str, str]:
        jurisdiction, department, roles = USERS[user]
        principal = Principal(user, user, jurisdiction, department, frozenset(roles))
        token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
        return {"Authorization": f"Bearer {token}"}

    # The department applies; incomplete, it is a draft and nothing is timed.
    draft = client.post(
        "/api/v1/devolutions", json={"duty_name": "食品小作坊登记"}, headers=auth("scjg.clerk")
    )
    devolution_id = draft.get_json()["id"]
    base = f"/api/v1/devolutions/{devolution_id}"
    put = client.put(f"{base}/application", json=complete_application(), headers=auth("scjg.clerk"))
    assert put.status_code == 200, put.get_json()
    submitted = client.post(f"{base}/submission", headers={**auth("scjg.clerk"), "Idempotency-Key": "k1"})
    assert submitted.get_json()["state"] == "under_review"

    # deadlines answers the start; the office returns it for supplements and the clock pauses.
    [start] = _queued(redis_url, "deadlines")
    assert start["type"] == CLOCK_START and start["payload"]["rule"] == "devolution_review"
    _deliver(runtime, CLOCK_SCHEDULED, [_scheduled(start["payload"], "2026-12-14", False)], "deadlines")
    client.post(f"{base}/return", json={"reasons": "请补充培训安排"}, headers=auth("bb.clerk"))
    client.post(f"{base}/submission", headers=auth("scjg.clerk"))
    assert _types(redis_url, "deadlines") == [CLOCK_START, CLOCK_PAUSE, CLOCK_RESUME]

    # Ready → the leaders' inbox in intake; the leader approves over the broker.
    client.post(f"{base}/review", json=READY_REVIEW, headers=auth("bb.clerk"))
    [request] = [e["payload"] for e in _queued(redis_url, "intake") if e["type"] == APPROVAL_REQUEST]
    assert request["decision_kind"] == "devolution_decision"
    # the review (第三十四条) ended with its conclusion: the clock stopped, so the approver sees no countdown
    assert request["statutory_due_date"] is None and request["statutory_clock_id"]
    _deliver(runtime, APPROVAL_DECIDED, [approval_decision(request)], "intake")
    approved = client.get(base, headers=auth("bb.clerk")).get_json()
    assert approved["state"] == "approved" and approved["responsible_departments"] == ["nb-scjg"]

    # Formal issuance, registered for a document issued over half a year ago (the half-year report of
    # 第三十五条 is accepted only then): half-year clocks per receiving department; deadlines answers.
    issued = client.post(
        f"{base}/issuance",
        json={"document_number": "甬编办〔2026〕12号", "document_date": ISSUED_OVER_HALF_A_YEAR_AGO},
        headers=auth("bb.clerk"),
    )
    assert issued.get_json()["responsible_departments"] == ["hs-scjg", "yz-scjg"]
    report_starts = [e["payload"] for e in _queued(redis_url, "deadlines")
                     if e["type"] == CLOCK_START and e["payload"]["rule"] == "operation_report"]  # fmt: skip
    assert len(report_starts) == 2
    answers = [_scheduled(p, HALF_YEAR_REACHED, False) for p in report_starts]
    _deliver(runtime, CLOCK_SCHEDULED, answers, "deadlines")
    assert [r["due_date"] for r in client.get(base, headers=auth("bb.clerk")).get_json()["reports"]] == [
        HALF_YEAR_REACHED, HALF_YEAR_REACHED
    ]  # fmt: skip

    # Each receiving department reports; the devolving department acknowledges both.
    report = {"public_service_effects": "群众就近办理", "enterprise_service_effects": "企业少跑腿",
              "problems_found": "人员不足"}  # fmt: skip
    for user, code in (("hs.scjg.clerk", "hs-scjg"), ("yz.scjg.clerk", "yz-scjg")):
        assert client.put(f"{base}/reports/{code}", json=report, headers=auth(user)).status_code == 200
        client.post(
            f"{base}/reports/{code}/acknowledgement", json={"note": "已阅"}, headers=auth("scjg.clerk")
        )
    final = client.get(base, headers=auth("scjg.clerk")).get_json()
    assert final["state"] == "operation_reported"
    assert [r["state"] for r in final["reports"]] == ["acknowledged", "acknowledged"]

    assert _types(redis_url, "deadlines").count(CLOCK_STOP) == 3  # review, then each report
    templates = [e["payload"]["template"] for e in _queued(redis_url, "notify") if e["type"] == NOTIFY_SEND]
    assert "power_list_changed" in templates and "half_year_report_submitted" in templates
    assert runtime.relay.pending_count() == 0
    changes = client.get("/api/v1/power-list/changes", headers=auth("bb.clerk")).get_json()
    assert [(c["type"], c["change"]) for c in changes] == [
        (POWER_LIST_CHANGED, "approved_not_in_force"), (POWER_LIST_CHANGED, "in_force")
    ]  # fmt: skip
