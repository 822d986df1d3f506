"""Intake's hand-written data migrations keep what is stored: the rule state of a case moves from the JSON
bag into its columns (intake_0005), and the Idempotency-Keys already used stay used (intake_0006) — on
SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from shared.migrations import upgrade


@pytest.fixture
def scratch_url(scratch_database_url: Callable[[str], str]) -> str:
    """An empty database of its own: a SQLite file, or a scratch database beside INTAKE_DATABASE_URL's."""
    return scratch_database_url("intake")


NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
BAG = {
    "resume_to": "drafting_opinion",
    "extended": True,
    "major": False,
    "pending_decision": None,
    "round": 2,
    "approval_count": 1,
    "acceptance": {"accepted_by": "李强", "note": "材料齐全"},
}


JURISDICTION = "INSERT INTO jurisdiction (code, name, level) VALUES ('330200', '宁波市', 'city')"
CASE = (
    "INSERT INTO case_record (id, jurisdiction_code, kind, source, title, status, applicant_department,"
    " content, state, overdue, submitted_by, created_at, updated_at, version)"
    " VALUES ('c-1', '330200', 'coordination', 'application', '协调申请', 'suspended', 'nb-zhzf',"
    " '{}', :bag, false, 'zhzf.clerk', :now, :now, 3)"
)
KEY = (
    "INSERT INTO idempotent_request (user_id, key, endpoint, status_code, response, created_at)"
    " VALUES ('zhzf.clerk', 'k-1', :endpoint, 201, :response, :now)"
)


def _seed(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(JURISDICTION))
        conn.execute(text(CASE), {"bag": json.dumps(BAG), "now": NOW})
        for endpoint, case_id in (("applications", "c-1"), ("filings", "c-2")):
            response = json.dumps({"case_id": case_id})
            conn.execute(text(KEY), {"endpoint": endpoint, "response": response, "now": NOW})
    engine.dispose()


def test_the_rule_state_moves_into_columns_and_the_used_keys_stay_used(scratch_url: str) -> None:
    upgrade("intake", scratch_url, "intake_0003")
    _seed(scratch_url)

    upgrade("intake", scratch_url)

    engine = create_engine(scratch_url)
    with engine.connect() as conn:
        case = conn.execute(text("SELECT * FROM case_record WHERE id = 'c-1'")).mappings().one()
        keys = conn.execute(text("SELECT * FROM idempotent_request")).mappings().all()
    engine.dispose()
    assert (case["resume_to"], bool(case["extended"]), bool(case["major"]), case["pending_decision"]) == (
        "drafting_opinion",
        True,
        False,
        None,
    )
    assert (case["solicitation_round"], case["approval_count"]) == (2, 1)
    progress = case["progress"] if isinstance(case["progress"], dict) else json.loads(case["progress"])
    assert progress == {"acceptance": {"accepted_by": "李强", "note": "材料齐全"}}
    assert [(k["user_id"], k["key"], k["endpoint"], k["resource_id"]) for k in keys] == [
        ("zhzf.clerk", "k-1", "/api/v1/cases/coordination-applications", "c-1")
    ]  # one key per person: the first use wins


DIVISION = (
    "INSERT INTO case_record (id, jurisdiction_code, kind, source, title, status, applicant_department,"
    " content, progress, overdue, submitted_by, created_at, updated_at, version)"
    " VALUES (:id, '330200', 'deliberation', 'deliberation_body', '成员单位职责分工', 'division_filed',"
    " 'nb-scjg', :content, '{}', false, 'scjg.clerk', :at, :at, 1)"
)


def test_the_register_of_deliberation_bodies_is_backfilled_from_the_divisions_filed_第二十九条(
    scratch_url: str,
) -> None:
    upgrade("intake", scratch_url, "intake_0017")
    engine = create_engine(scratch_url)
    first = {"body_name": "宁波市食品安全委员会", "members": [{"department": "nb-nyj"}]}
    later = {
        "body_name": "宁波市食品安全委员会 ",
        "members": [{"department": "nb-nyj"}, {"department": "nb-zhzf"}],
    }
    with engine.begin() as conn:
        conn.execute(text(JURISDICTION))
        conn.execute(text(DIVISION), {"id": "c-a", "content": json.dumps(first), "at": NOW})
        conn.execute(
            text(DIVISION), {"id": "c-b", "content": json.dumps(later), "at": NOW + timedelta(days=3)}
        )
    upgrade("intake", scratch_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name, lead_department, member_departments, current_case_id FROM deliberation_body")
        ).all()
    engine.dispose()
    assert len(rows) == 1
    name, lead, members, current = rows[0]
    members = json.loads(members) if isinstance(members, str) else members
    assert (name, lead, members, current) == ("宁波市食品安全委员会", "nb-scjg", ["nb-nyj", "nb-zhzf"], "c-b")
