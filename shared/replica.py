"""Read-model replicas of another service's data, kept up to date from its events.

Intake owns the directory; notify and devolution keep the columns they need, applied from
``directory.*_upserted`` events through the inbox (so a redelivered event changes nothing twice).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shared.contracts import DEPARTMENT_UPSERTED, PERSON_UPSERTED


def upsert_row(session: Session, model: type[Any], key: str, values: dict[str, Any]) -> Any:
    """Insert or update the replica row whose ``key`` column equals ``values[key]``; unknown keys ignored."""
    columns = set(model.__table__.columns.keys())
    row = session.get(model, values[key]) or model(**{key: values[key]})
    for name, value in values.items():
        if name in columns:
            setattr(row, name, value)
    session.add(row)
    return row


def subscribe_directory(
    bus: Any, *, department_model: type[Any], person_model: type[Any] | None = None
) -> None:
    """Keep replicas of the directory from intake's events (departments always, people when asked)."""

    def on_department(uow: Any, envelope: Any) -> None:
        upsert_row(uow.session, department_model, "code", envelope.payload)

    bus.register(DEPARTMENT_UPSERTED, on_department)
    if person_model is not None:

        def on_person(uow: Any, envelope: Any) -> None:
            upsert_row(uow.session, person_model, "id", envelope.payload)

        bus.register(PERSON_UPSERTED, on_person)
    else:
        bus.register(PERSON_UPSERTED, lambda uow, envelope: None)
