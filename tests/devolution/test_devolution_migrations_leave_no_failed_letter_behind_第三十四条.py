"""devolution_0015 gives the 第三十四条 letters a time for the sweep's next try (retry_at): one that failed
before the backoff existed is due at once and then goes on with the doubling waits, rendered and pending
ones are left as they are, and the migration goes back — on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from services.devolution.tables import IssuedDocument
from shared.documents import sweep
from shared.migrations import alembic_config, upgrade

NUMBERED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


#: the letter's columns as devolution_0014 had them, but for its devolution, state, number and tries
LETTER = {
    "kind": "not_ready_notice",
    "jurisdiction_code": "330200",
    "series": "甬编办下放函",
    "year": 2026,
    "title": "关于“食品小作坊登记”职责暂不具备下放条件的函",
    "main_recipient": "宁波市市场监督管理局",
    "dated": NUMBERED.date(),
    "content": {"body": []},
    "issued_by": "bb.clerk",
    "created_at": NUMBERED,
}
DEVOLUTION = {
    "jurisdiction": "330200",
    "applicant_department": "nb-scjg",
    "duty_name": "食品小作坊登记",
    "state": "not_ready",
    "content": {},
    "power_list_entries": [],
    "created_by": "scjg.clerk",
    "created_at": NUMBERED,
    "updated_at": NUMBERED,
}


def _seed(url: str) -> None:
    """Three devolutions concluded not ready, their letters failed (after the old five tries), rendered and
    pending, as devolution_0014 stored them."""
    engine = sa.create_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine, only=["devolution", "issued_document"])
    devolution, letters = tables.tables["devolution"], tables.tables["issued_document"]
    with engine.begin() as connection:
        for sequence, (state, attempts) in enumerate((("failed", 5), ("issued", 1), ("pending", 0)), start=1):
            connection.execute(devolution.insert().values(id=f"dv-{state}", **DEVOLUTION))
            number = f"甬编办下放函〔2026〕{sequence}号"
            connection.execute(
                letters.insert().values(
                    id=f"doc-{state}",
                    devolution_id=f"dv-{state}",
                    sequence=sequence,
                    number=number,
                    state=state,
                    attempts=attempts,
                    **LETTER,
                )
            )
    engine.dispose()


def test_a_letter_that_failed_before_the_backoff_is_due_at_once_and_the_migration_goes_back_第三十四条(
    scratch_database_url: Callable[[str], str],
) -> None:
    url = scratch_database_url("devolution")
    upgrade("devolution", url, "devolution_0014")
    _seed(url)
    upgrade("devolution", url)
    engine = sa.create_engine(url)
    with Session(engine) as session:
        retry_at = dict(session.execute(sa.select(IssuedDocument.id, IssuedDocument.retry_at)).all())
        due = session.scalars(
            sa.select(IssuedDocument.id).where(sweep.due(IssuedDocument, IssuedDocument.created_at, NUMBERED))
        ).all()
    assert retry_at == {"doc-failed": NUMBERED, "doc-issued": None, "doc-pending": None}
    assert due == ["doc-failed"]  # one try is left of the six (it had five of the old five)

    command.downgrade(alembic_config("devolution", url), "devolution_0014")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("issued_document")}
    assert "retry_at" not in columns and "attempts" in columns
    engine.dispose()
