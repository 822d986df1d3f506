"""Each case action is declared once — its command, transition, handler and route together — so the API, the
state machine and the handlers cannot disagree (docs/CONTRIBUTING.md "Adding a case kind")."""

from __future__ import annotations

import pytest

from services.intake.api.case_schemas import schema_for
from services.intake.api.cases import ROUTED_ACTIONS
from services.intake.app import create_app
from services.intake.domain import commands as c
from services.intake.domain.cases import PROCEDURES, Kind
from services.intake.usecases import case_actions
from services.intake.usecases.cases import ACTIONS


def test_every_transition_of_every_kind_has_its_declared_handler() -> None:
    for procedure in PROCEDURES.values():
        for t in procedure.transitions:
            assert ACTIONS[t.command].action == t.action, (procedure.kind, t.action)
    assert set(PROCEDURES) == set(Kind)


def test_every_action_a_person_takes_has_a_route_and_a_form_that_builds_its_command() -> None:
    routed = {a.action for a in ROUTED_ACTIONS}
    asked_by_other_services = {
        "approval_approved",
        "approval_returned",
        "approval_rejected",
        "deadline_overdue",
        "deem_no_objection",
        "record_delivery",  # notify.outcome
        "refer_uncorrected",  # intake's own sweep: not corrected by the order's date (第三十七条第二款)
    }
    assert {a.action for a in ACTIONS.values()} - routed == asked_by_other_services
    for declared in ROUTED_ACTIONS:
        assert schema_for(declared.command).builds is declared.command
        assert declared.summary


def test_the_api_offers_each_action_at_its_declared_route(make_runtime) -> None:
    spec = create_app(runtime=make_runtime("intake")).test_client().get("/openapi.json").json
    offered = {p.rsplit("/", 1)[-1] for p in spec["paths"] if p.startswith("/api/v1/cases/{case_id}/")}
    assert {a.route for a in ROUTED_ACTIONS} <= offered


def test_a_command_declared_twice_is_refused_at_import() -> None:
    with pytest.raises(RuntimeError, match="declared twice"):
        case_actions.case_action(c.Withdraw)(lambda step, command: None)


def test_a_transition_without_a_handler_is_found_before_the_first_request() -> None:
    withdraw = ACTIONS.pop(c.Withdraw)
    try:
        with pytest.raises(RuntimeError, match="withdraw"):
            case_actions.check_every_transition_is_declared()
    finally:
        ACTIONS[c.Withdraw] = withdraw
