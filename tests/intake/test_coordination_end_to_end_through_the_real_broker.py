"""End to end on a real Redis broker: submit → accept → solicit → one reply and one silence (the deadlines
service's clock.expired) → agreement → the opinion lands in the approval inbox (第16–21条)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from casework_support import OPINION, application_body
from dramatiq import Worker
from sqlalchemy import select

from services.intake.app import create_app
from services.intake.tables import ApprovalRow, CaseRecord
from services.intake.usecases import directory
from shared import demo
from shared.broker import DramatiqSender, build_broker, declare_inbound_actor
from shared.contracts import CLOCK_EXPIRED, CLOCK_SCHEDULED, NOTIFY_OUTCOME
from shared.messaging import Envelope

pytestmark = pytest.mark.integration


def _drain_intake(broker: Any) -> None:
    worker = Worker(broker, queues={"intake"}, worker_threads=2)
    worker.start()
    try:
        broker.join("intake", timeout=20_000)
        worker.join()
    finally:
        worker.stop()


def _queued(broker: Any, queue: str) -> list[dict[str, Any]]:
    """The envelopes waiting on another service's queue (nobody consumes them in this test)."""
    raw = broker.client.hvals(f"dramatiq:{queue}.msgs")
    return [json.loads(message)["args"][0] for message in raw]


def test_an_application_goes_from_submission_to_the_approval_inbox_through_redis(
    make_runtime, settings_for, redis_url
) -> None:
    broker = build_broker(settings_for("intake", redis_url=redis_url))
    intake = make_runtime("intake", broker=broker)
    declare_inbound_actor(broker, "intake", intake.handle_inbound)
    directory.load_directory(intake, demo.demo_directory())
    client = create_app(runtime=intake).test_client()

    def call(user: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        token = directory.development_token(intake, user)
        response = client.post(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 201), response.json
        return response.json

    case_id = call("zhzf.clerk", "/cases/coordination-applications", application_body())["id"]
    call("bb.head", f"/cases/{case_id}/accept", {"note": "材料齐全"})
    solicit = {"departments": ["nb-sthj", "nb-zjj"], "question": "请提出意见", "reply_working_days": 5}
    solicitations = {
        s["department"]: s
        for s in call("bb.clerk", f"/cases/{case_id}/solicitations", solicit)["solicitations"]
    }
    call(
        "sthj.clerk",
        f"/cases/{case_id}/replies",
        {"solicitation_id": solicitations["nb-sthj"]["id"], "kind": "agree"},
    )

    silent = solicitations["nb-zjj"]
    sender = DramatiqSender(broker)
    for s in solicitations.values():  # deadlines dates each reply clock: the notices go out, dated
        scheduled = {"clock_id": s["clock_id"], "rule": "written_reply", "state": "running",
                     "due_date": "2026-12-07", "remaining_working_days": 5, "reason": "started"}  # fmt: skip
        sender.send("intake", Envelope(type=CLOCK_SCHEDULED, payload=scheduled, source="deadlines").to_dict())
    _drain_intake(broker)
    reached = [{"recipient": "person:zjj.clerk", "name": "彭芳", "delivered_at": "2026-11-30T02:00:00+00:00"}]
    outcome = {"dedupe_key": f"intake:{case_id}:solicitation_request:{silent['id']}", "outcome": "delivered",
               "reached": reached, "not_reached": [], "at": "2026-11-30T02:00:01+00:00"}  # fmt: skip
    sender.send("intake", Envelope(type=NOTIFY_OUTCOME, payload=outcome, source="notify").to_dict())
    _drain_intake(broker)  # days before the period runs out
    expired = {
        "clock_id": silent["clock_id"],
        "case": {"id": case_id},
        "rule": "written_reply",
        "due_date": "2026-12-07",
    }
    DramatiqSender(broker).send(
        "intake", Envelope(type=CLOCK_EXPIRED, payload=expired, source="deadlines").to_dict()
    )
    _drain_intake(broker)

    token = directory.development_token(intake, "zjj.clerk")
    seen = client.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).json
    statuses = {s["department"]: s["status"] for s in seen["solicitations"]}
    assert statuses == {"nb-sthj": "agreed", "nb-zjj": "deemed_no_objection"}

    call("bb.clerk", f"/cases/{case_id}/agreement", {"summary": "各方同意"})
    call("bb.clerk", f"/cases/{case_id}/opinion", OPINION)
    _drain_intake(broker)  # intake's own queue carries the approval request to the inbox

    with intake.db.transaction() as session:
        record = session.get_one(CaseRecord, case_id)
        assert record.status == "awaiting_approval"
        approval = session.scalar(
            select(ApprovalRow).where(ApprovalRow.request_id == record.approval_request_id)
        )
        assert approval is not None and approval.decision_kind == "coordination_opinion"
    assert intake.relay.pending_count() == 0

    clocks = [
        (e["payload"]["rule"], e["payload"].get("working_days"))
        for e in _queued(broker, "deadlines")
        if e["type"] == "clock.start"
    ]
    assert sorted(clocks, key=str) == sorted(
        [
            ("acceptance_decision", None),
            ("coordination_opinion", None),
            ("written_reply", 5),
            ("written_reply", 5),
        ],
        key=str,
    )
    templates = {e["payload"]["template"] for e in _queued(broker, "notify") if e["type"] == "notify.send"}
    assert {
        "case_submitted",
        "application_accepted",
        "solicitation_request",
        "reply_deemed_no_objection",
    } <= templates


def test_the_deadlines_service_computes_the_due_dates_a_department_sees_第十七条_第二十二条(
    make_runtime, settings_for, redis_url
) -> None:
    broker = build_broker(settings_for("intake", redis_url=redis_url))
    intake = make_runtime("intake", broker=broker)
    deadlines = make_runtime("deadlines", broker=broker)
    declare_inbound_actor(broker, "intake", intake.handle_inbound)
    declare_inbound_actor(broker, "deadlines", deadlines.handle_inbound)
    directory.load_directory(intake, demo.demo_directory())
    client = create_app(runtime=intake).test_client()
    token = directory.development_token(intake, "zhzf.clerk")
    auth = {"Authorization": f"Bearer {token}"}
    case_id = client.post(
        "/api/v1/cases/coordination-applications", json=application_body(), headers=auth
    ).json["id"]

    worker = Worker(broker, queues={"intake", "deadlines"}, worker_threads=2)
    worker.start()
    try:
        for _ in range(2):  # intake → deadlines (clock.start) → intake (clock.scheduled)
            broker.join("deadlines", timeout=20_000)
            broker.join("intake", timeout=20_000)
        worker.join()
    finally:
        worker.stop()

    [clock] = client.get(f"/api/v1/cases/{case_id}", headers=auth).json["clocks"]
    assert (clock["rule"], clock["state"], clock["remaining_working_days"]) == (
        "acceptance_decision",
        "running",
        5,
    )
    assert clock["due_date"] is not None
    case = client.get(f"/api/v1/cases/{case_id}", headers=auth).json
    assert case["due_date"] == clock["due_date"] and case["next_actor"] == "office"
