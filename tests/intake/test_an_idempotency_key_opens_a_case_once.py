"""One Idempotency-Key mechanism (shared.idempotency), as a department submitting an application sees it: a
repeat opens nothing new and says so; a key is never cut short, never shared between endpoints or bodies."""

from __future__ import annotations

import pytest
from casework_support import Desk, application_body, filing_body
from sqlalchemy import func, select

from services.intake.tables import CaseRecord, IdempotentRequest

APPLICATIONS = "/cases/coordination-applications"


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _cases(desk: Desk) -> int:
    with desk.runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(CaseRecord)) or 0)


def test_a_repeated_application_answers_with_the_first_case_and_says_it_is_a_replay_第十六条(desk) -> None:
    first = desk.post("zhzf.clerk", APPLICATIONS, application_body(), **{"Idempotency-Key": "apply-1"})
    again = desk.post("zhzf.clerk", APPLICATIONS, application_body(), **{"Idempotency-Key": "apply-1"})

    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _cases(desk) == 1 and len(desk.sent("clock.start")) == 1


def test_a_key_longer_than_its_column_is_a_422_naming_the_header_and_nothing_is_opened(desk) -> None:
    response = desk.post("zhzf.clerk", APPLICATIONS, application_body(), **{"Idempotency-Key": "k" * 121})

    assert response.status_code == 422 and response.json["code"] == "idempotency_key_invalid"
    assert [e["field"] for e in response.json["errors"]] == ["Idempotency-Key"]
    assert _cases(desk) == 0


def test_two_keys_sharing_a_long_prefix_are_two_keys(desk) -> None:
    first_key, second_key = "k" * 119 + "a", "k" * 119 + "b"
    first = desk.post("zhzf.clerk", APPLICATIONS, application_body(), **{"Idempotency-Key": first_key})
    second = desk.post("zhzf.clerk", APPLICATIONS, application_body(), **{"Idempotency-Key": second_key})

    assert first.status_code == second.status_code == 201
    assert first.json["id"] != second.json["id"] and _cases(desk) == 2
    with desk.runtime.db.transaction() as session:
        stored = set(session.scalars(select(IdempotentRequest.key)).all())
    assert stored == {first_key, second_key}  # stored whole, never cut


def test_the_same_key_for_another_submission_is_a_409(desk) -> None:
    headers = {"Idempotency-Key": "apply-2"}
    assert desk.post("zhzf.clerk", APPLICATIONS, application_body(), **headers).status_code == 201

    other_body = desk.post("zhzf.clerk", APPLICATIONS, application_body(title="另一件协调申请"), **headers)
    assert other_body.status_code == 409 and other_body.json["code"] == "idempotency_key_reused"
    other_endpoint = desk.post("zhzf.clerk", "/cases/reflections", {}, **headers)
    assert other_endpoint.status_code in (409, 422)  # the body is checked first; a valid one would be a 409
    assert _cases(desk) == 1


def test_a_key_belongs_to_the_person_who_sent_it(desk) -> None:
    headers = {"Idempotency-Key": "apply-3"}
    mine = desk.post("zhzf.clerk", APPLICATIONS, application_body(), **headers)
    reflection = {
        "title": "群众反映",
        "submitter": {"name": "张三", "kind": "citizen", "contact": "13800000000"},
        "received_on": "2026-11-20",
        "content": "餐厨垃圾收运无人管",
    }
    theirs = desk.post("bb.clerk", "/cases/reflections", reflection, **headers)

    assert mine.status_code == theirs.status_code == 201 and mine.json["id"] != theirs.json["id"]


def test_a_refused_application_does_not_use_up_its_key_第十六条(desk) -> None:
    headers = {"Idempotency-Key": "apply-4"}
    refused = desk.post("zhzf.clerk", APPLICATIONS, application_body(consultation_failed=False), **headers)
    assert refused.status_code == 422

    retried = desk.post("zhzf.clerk", APPLICATIONS, application_body(consultation_failed=False), **headers)
    assert retried.status_code == 422  # still refused on its merits, not replayed
    accepted = desk.post("zhzf.clerk", APPLICATIONS, application_body(), **headers)
    assert accepted.status_code == 201 and "Idempotent-Replayed" not in accepted.headers


def test_a_repeated_filing_whose_minutes_the_first_claimed_answers_the_first_case_not_a_422_第十五条(
    desk,
) -> None:
    minutes = desk.upload("scjg.clerk").json["id"]
    key = {"Idempotency-Key": "filing-1"}
    first = desk.post("scjg.clerk", "/cases/filings", filing_body(minutes), **key)
    again = desk.post("scjg.clerk", "/cases/filings", filing_body(minutes), **key)

    assert first.status_code == again.status_code == 201, again.json  # the key is asked before the minutes
    assert again.json["id"] == first.json["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == desk.get("scjg.clerk", f"/cases/{first.json['id']}").json
    assert _cases(desk) == 1
