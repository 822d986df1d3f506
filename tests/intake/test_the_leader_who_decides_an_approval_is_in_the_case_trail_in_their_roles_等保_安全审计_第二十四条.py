"""Intake's audit trail names the leader whose approval decision (the coordination opinion, before it is
issued and executed: 第二十四条) reaches the case by the approval inbox's message, in the roles they decided
in (the message's ``decider``: 等保 2.0 安全审计), not in the service role the step is applied under. A
message sent before ``decider`` existed is still applied, recorded as before."""

from __future__ import annotations

from typing import Any

import pytest
from casework_support import OPINION, Desk, accepted_application

from shared.contracts import decider


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _awaiting_approval(desk: Desk) -> tuple[str, dict[str, Any]]:
    case_id = accepted_application(desk)
    desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意由执法局负责收运环节"})
    sent = desk.act("bb.clerk", case_id, "opinion", OPINION)
    assert sent.json["status"] == "awaiting_approval", sent.json
    return case_id, desk.sent("approval.request")[-1]


def test_the_leaders_approval_is_recorded_in_the_roles_the_message_names_等保_安全审计_第二十四条(
    desk, trail
) -> None:  # type: ignore[no-untyped-def]
    case_id, request = _awaiting_approval(desk)
    decision = {
        **request,
        "outcome": "approved",
        "decided_by": {"user_id": "bb.leader", "name": "王建国"},
        "decider": decider("bb.leader", "王建国", ["office_leader", "office_clerk"]),
    }
    desk.deliver("approval.decided", decision, source="intake")
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "approved"
    decided = trail.entries(desk.runtime, object_id=case_id)[-1]
    assert decided.action.startswith("case.approv")
    assert (decided.actor_id, decided.actor_name, decided.actor_roles) == (
        "bb.leader",
        "王建国",
        ["office_clerk", "office_leader"],
    )
    history = desk.get("bb.clerk", f"/cases/{case_id}/history").json
    assert (history[-1]["actor_id"], history[-1]["actor_name"]) == ("bb.leader", "王建国")  # no roles kept
    assert trail.intact(desk.runtime)


def test_a_decision_message_from_before_the_decider_field_is_still_applied_第二十四条(desk, trail) -> None:  # type: ignore[no-untyped-def]
    case_id, request = _awaiting_approval(desk)
    decision = {**request, "outcome": "returned", "decided_by": {"user_id": "bb.leader", "name": "王建国"}}
    desk.deliver("approval.decided", decision, source="intake")
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "drafting_opinion"
    returned = trail.entries(desk.runtime, object_id=case_id)[-1]
    recorded = (returned.actor_id, returned.actor_name, returned.actor_roles)
    assert recorded == ("bb.leader", "王建国", ["service"])
    assert trail.intact(desk.runtime)
