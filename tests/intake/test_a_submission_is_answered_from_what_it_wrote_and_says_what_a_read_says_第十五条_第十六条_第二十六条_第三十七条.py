"""The 201 of every way a case comes into being (a filing, 第十五条; an application, 第十六条; what the office
takes up itself, 第二十六条; a rectification order, 第三十七条; a duty plan, 第八条) is made from the rows its
own transaction wrote, not read back from the database — and it says exactly what reading the case at once
says. The case's tasks are reconciled from the same rows: its first 待办 is there, and nothing is asked of
the database for rows it cannot yet hold."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from casework_support import Desk, application_body, filing_body
from sqlalchemy import event

from services.intake.api.cases import DUTY_PLAN_EXAMPLE
from services.intake.tables import CaseParty, CaseRecord, WorklistTask, opened
from shared.localtime import today


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _openings(desk: Desk) -> list[tuple[str, str, dict[str, Any]]]:
    minutes = desk.upload("scjg.clerk").json["id"]
    return [
        ("scjg.clerk", "/cases/filings", filing_body(minutes)),
        ("zhzf.clerk", "/cases/coordination-applications", application_body()),
        (
            "bb.clerk",
            "/cases/office-opened",
            {
                "title": "关于低空飞行器管理职责分工的协调",
                "source": "new_business",
                "description": "低空经济新业态，管理职责分工不明确。",
                "parties": ["nb-jtj", "nb-scjg"],
            },
        ),
        (
            "bb.head",
            "/cases/rectifications",
            {
                "title": "关于市交通运输局未按三定规定履职的限期纠正",
                "department": "nb-jtj",
                "ground": "not_as_defined",
                "facts": "网约车监管职责未落实",
                "due_date": date(today().year + 1, 1, 29).isoformat(),
            },
        ),
        ("scjg.clerk", "/cases/duty-plans", DUTY_PLAN_EXAMPLE),
    ]


def _same(answer: dict[str, Any], read: dict[str, Any]) -> None:
    assert answer.keys() == read.keys()
    for key in answer:
        assert answer[key] == read[key], key


def test_every_opening_answers_201_with_what_a_read_at_once_answers_第十五条_第十六条_第二十六条_第三十七条(
    desk: Desk,
) -> None:
    for user, path, body in _openings(desk):
        created = desk.post(user, path, body)
        assert created.status_code == 201, (path, created.json)
        read = desk.get(user, f"/cases/{created.json['id']}")
        assert read.status_code == 200
        _same(created.json, read.json)


def test_the_filings_minutes_claimed_at_submission_are_in_its_answer_第十五条(desk: Desk) -> None:
    minutes = desk.upload("scjg.clerk").json["id"]
    created = desk.post("scjg.clerk", "/cases/filings", filing_body(minutes)).json
    assert [a["id"] for a in created["attachments"]] == [minutes]
    assert sorted(p["department"] for p in created["parties"]) == ["nb-nyj", "nb-scjg"]


def test_an_opening_reads_none_of_its_own_rows_back_yet_opens_its_first_task_第十六条(desk: Desk) -> None:
    asked: list[str] = []

    @event.listens_for(desk.runtime.db.engine, "before_cursor_execute")
    def _asked(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        asked.append(" ".join(statement.split()))

    created = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body())
    event.remove(desk.runtime.db.engine, "before_cursor_execute", _asked)
    assert created.status_code == 201
    reads = [s for s in asked if s.upper().startswith("SELECT")]
    for table in ("case_record", "case_party", "case_clock", "solicitation", "case_meeting", "worklist_task"):
        assert not [s for s in reads if f"FROM {table} " in f"{s} "], (table, reads)
    with desk.runtime.db.reading() as session:
        task = session.get(WorklistTask, f"intake:{created.json['id']}:submitted")
        assert task is not None and task.state == "open" and task.step_name  # the office's 待办, named


def test_rows_are_kept_only_for_a_case_opened_in_the_transaction_and_only_until_it_ends(desk: Desk) -> None:
    created = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json
    with desk.runtime.db.transaction() as session:
        assert opened.rows_of(session, CaseParty, created["id"]) is None  # committed before: ask the database
        record = CaseRecord(
            id="c-kept-test",
            jurisdiction_code="330200",
            kind="coordination",
            source="application",
            title="测试",
            status="submitted",
            content={},
            progress={},
            submitted_by="zhzf.clerk",
            version=1,
        )
        session.add(record)
        opened.opening(session, record)
        party = CaseParty(case_id=record.id, department_code="nb-zhzf", role="host")
        session.add(party)
        assert opened.rows_of(session, CaseParty, record.id) == [party]
        session.delete(party)
        assert opened.rows_of(session, CaseParty, record.id) == []
        session.rollback()
        assert opened.rows_of(session, CaseParty, record.id) is None  # the transaction ended
