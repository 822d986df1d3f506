"""Document numbers (发文字号, GB/T 9704-2012 §7.2.4) count per jurisdiction, series and year without gaps or
doubles, also when several handlers issue at once on PostgreSQL; a number whose issuance rolled back is
given to the next document, and a number once used is never given again (第十七条 and every written step)."""

from __future__ import annotations

from typing import Any

import pytest
from casework_support import Desk, accepted_application

from services.intake.adapters.attachment_store import MemoryStore
from services.intake.tables import IssuedDocument
from services.intake.usecases import directory
from services.intake.usecases.documents import issue_document, next_number
from shared.localtime import today

SERIES = "甬编办函"


def _postgres_only(runtime: Any) -> None:
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip(
            "concurrent issuance is checked on PostgreSQL (INTAKE_DATABASE_URL); SQLite has one writer"
        )


def test_numbers_per_series_and_year_start_at_one_and_a_rolled_back_number_is_given_again_第十七条(
    make_runtime,
) -> None:
    runtime = make_runtime("intake")
    with runtime.db.transaction() as session:
        assert [next_number(session, "330200", SERIES, 2026) for _ in range(3)] == [1, 2, 3]
        assert next_number(session, "330200", "甬编办发", 2026) == 1  # another series counts on its own
        assert next_number(session, "330200", SERIES, 2027) == 1  # and another year
        assert next_number(session, "330203", "海编办函", 2026) == 1  # and another jurisdiction's office
    with pytest.raises(RuntimeError), runtime.db.transaction() as session:
        assert next_number(session, "330200", SERIES, 2026) == 4
        raise RuntimeError("the document could not be stored")
    with runtime.db.transaction() as session:
        assert next_number(session, "330200", SERIES, 2026) == 4  # no gap left by the failed issuance


def test_concurrent_handlers_take_distinct_consecutive_numbers_on_postgresql_第十七条(
    make_runtime, at_once
) -> None:
    runtime = make_runtime("intake")
    _postgres_only(runtime)

    def take(_: int) -> list[int]:
        taken = []
        for _ in range(10):
            with runtime.db.transaction() as session:
                taken.append(next_number(session, "330200", SERIES, 2026))
        return taken

    results = at_once(8, take)
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = sorted(n for r in results for n in r)
    assert numbers == list(range(1, 81))  # 80 numbers, none twice, none skipped


def test_documents_issued_at_once_on_postgresql_have_consecutive_numbers_never_reused_第十七条(
    make_runtime, monkeypatch, at_once
) -> None:  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    _postgres_only(runtime)
    from services.intake.usecases import cases

    # issued on request only, so the handlers below really issue at once (not the letters of the steps)
    monkeypatch.setattr(cases, "produce_after_commit", lambda *args, **kwargs: None)
    desk = Desk(runtime)
    cases = [accepted_application(desk) for _ in range(5)]
    office = directory.principal_of(directory.find_person(runtime, "bb.clerk"))
    store = MemoryStore()

    results = at_once(len(cases), lambda i: issue_document(runtime, store, office, cases[i], "acceptance"))
    assert not [r for r in results if isinstance(r, Exception)], results
    year = today().year
    assert sorted(r["sequence"] for r in results) == [1, 2, 3, 4, 5]
    assert {r["number"] for r in results} == {f"甬编办函〔{year}〕{n}号" for n in range(1, 6)}
    with runtime.db.transaction() as session:
        assert session.query(IssuedDocument).count() == 5
    assert issue_document(runtime, store, office, cases[0], "acceptance")["id"] == results[0]["id"]
    assert desk.act("bb.head", cases[0], "extension", {"reason": "需要补充调研"}).status_code == 200
    assert issue_document(runtime, store, office, cases[0], "extension")["sequence"] == 6
