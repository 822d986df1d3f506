"""The rows of a case opened in the session's own transaction, kept in memory as they are written.

No other transaction can hold a row of a case that has not committed yet: its parties, clocks, history,
solicitations, meetings and tasks are exactly the ones this session added (and the attachments it claimed).
The opening, its task reconciliation and the 201 that answers it read them from here instead of asking the
database for what it wrote a moment ago. Kept until the transaction ends (commit or rollback); a case opened
in an earlier transaction is always read from the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from services.intake.tables.cases import (
    Attachment,
    CaseClock,
    CaseEvent,
    CaseMeeting,
    CaseParty,
    CaseRecord,
    Solicitation,
)
from services.intake.tables.worklist import WorklistTask

KEY = "intake.opened_cases"
#: the tables whose rows of a new case can only come from its own transaction
KEPT: tuple[type[Any], ...] = (
    CaseParty,
    CaseClock,
    CaseEvent,
    CaseMeeting,
    Solicitation,
    Attachment,
    WorklistTask,
)
Row = TypeVar("Row")


class _Opened:
    __slots__ = ("cases", "rows")

    def __init__(self) -> None:
        self.cases: set[str] = set()
        self.rows: list[Any] = []  # held strongly: the identity map keeps only what is referenced


def opening(session: Session, record: CaseRecord) -> None:
    """``record`` is new in this transaction: its rows are kept from now on (call it before adding any)."""
    kept = session.info.get(KEY)
    if kept is None:
        kept = session.info[KEY] = _Opened()
    kept.cases.add(record.id)


def keep(session: Session, rows: Iterable[Any]) -> None:
    """Rows read from the database that this transaction gave to a case opened here (claimed attachments)."""
    kept = session.info.get(KEY)
    if kept is not None:
        kept.rows.extend(rows)


def opened_here(session: Session, case_id: str) -> bool:
    kept = session.info.get(KEY)
    return kept is not None and case_id in kept.cases


def rows_of(session: Session, model: type[Row], case_id: str) -> list[Row] | None:
    """The case's rows of ``model`` (one of :data:`KEPT`) when the case was opened in this transaction, as the
    database would give them now; ``None`` when it was not (then ask the database)."""
    kept = session.info.get(KEY)
    if kept is None or case_id not in kept.cases:
        return None
    session.flush()  # as a query's autoflush would: defaults filled in, relationships' keys set
    return [
        row
        for row in dict.fromkeys(kept.rows)  # a row claimed and also added is one row
        if isinstance(row, model) and getattr(row, "case_id", None) == case_id and _alive(session, row)
    ]


def _alive(session: Session, row: Any) -> bool:
    state = inspect(row)
    return state.session is session and (state.pending or state.persistent) and not state.deleted


@event.listens_for(Session, "after_attach")
def _attached(session: Session, instance: Any) -> None:
    kept = session.info.get(KEY)
    if kept is not None and isinstance(instance, KEPT):
        kept.rows.append(instance)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost: a savepoint's end keeps the case (its rows say if alive)
        session.info.pop(KEY, None)
