"""Right after a department submits (第十七条), deadlines answers the acceptance clock the submission started
(clock.scheduled) and intake writes its due date onto the case: a background change that bumps the case's
version. An office step that lands at the same moment used to fail with 409 ``concurrent_change`` for a
change nobody made; it is now taken on the case as it is, and only a step a person took meanwhile is a
conflict."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from casework_support import Desk, application_body

from services.intake.domain.actors import Actor
from services.intake.domain.coordination import Accept
from services.intake.tables import CaseClock, CaseEvent, CaseRecord
from services.intake.usecases import cases as service

HEAD = Actor("bb.head", "李强", "330200", "nb-bb", frozenset({"office_division_head"}))


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    if runtime.db.is_sqlite:
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): the race needs PostgreSQL, as in CI")
    return Desk(runtime)


def _accept_while(desk: Desk, case_id: str, meanwhile: Any) -> Any:
    """Accept the case while ``meanwhile()`` commits in another transaction, once, between read and write."""
    declared = service.ACTIONS[Accept]
    calls: list[int] = []

    def racing(step, command):  # type: ignore[no-untyped-def]
        if not calls:
            meanwhile()
        calls.append(1)
        declared.handler(step, command)

    service.ACTIONS[Accept] = dataclasses.replace(declared, handler=racing)
    try:
        return service.perform(desk.runtime, HEAD, case_id, Accept())
    finally:
        service.ACTIONS[Accept] = declared


def test_the_acceptance_clock_answering_while_the_office_accepts_is_no_conflict_第十七条(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    [start] = desk.sent("clock.start")
    with desk.runtime.db.transaction() as session:
        version = session.get_one(CaseRecord, case_id).version

    def deadlines_answers() -> None:
        scheduled = {
            "clock_id": start["clock_id"],
            "rule": start["rule"],
            "state": "running",
            "due_date": "2026-12-09",
            "due_at": "2026-12-09T16:00:00+00:00",
            "provisional": False,
            "remaining_working_days": 5,
        }
        assert desk.deliver("clock.scheduled", scheduled)

    accepted = _accept_while(desk, case_id, deadlines_answers)

    assert accepted["status"] == "coordinating"
    with desk.runtime.db.transaction() as session:
        record = session.get_one(CaseRecord, case_id)
        assert record.status == "coordinating"
        assert record.version >= version + 2  # the background change and the step both wrote the case
        clock = session.get_one(CaseClock, start["clock_id"])
        assert str(clock.due_date) == "2026-12-09"  # the background change is kept, not overwritten
    history = desk.get("bb.head", f"/cases/{case_id}/history").json
    assert [entry["action"] for entry in history].count("accept") == 1


def test_a_step_another_person_took_meanwhile_is_still_a_conflict_第十七条(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]

    def another_person_acts() -> None:
        with desk.runtime.db.transaction() as other:
            other.get_one(CaseRecord, case_id).title = "另一人同时修改"
            other.add(
                CaseEvent(
                    case_id=case_id,
                    actor_id="bb.clerk",
                    actor_name="张敏",
                    action="edit",
                    from_status="submitted",
                    to_status="submitted",
                )
            )

    with pytest.raises(Exception) as clash:
        _accept_while(desk, case_id, another_person_acts)
    assert getattr(clash.value, "code", None) == "concurrent_change"
    seen = desk.get("bb.head", f"/cases/{case_id}").json
    assert seen["status"] == "submitted" and seen["title"] == "另一人同时修改"
