"""Document numbers (发文字号) per jurisdiction, series and year: no gap, no double, never reused.

Each service that issues documents keeps its own counter table (a model with ``jurisdiction_code``,
``series``, ``year`` and ``last``) and numbers in series of its own
(:data:`shared.documents.model.SERIES_KINDS`), so two services' counters never hand out one number twice."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def next_number(session: Session, counter: Any, jurisdiction: str, series: str, year: int) -> int:
    """The series' next number, taken under the counter row's lock (held to the end of the transaction): a
    rollback returns it, a commit keeps it; two issuers at once wait for each other, never share one.

    Keep the transaction that takes a number short — render the document after it has committed."""
    key = (counter.jurisdiction_code == jurisdiction, counter.series == series, counter.year == year)
    for _ in range(3):
        taken = session.execute(
            update(counter).where(*key).values(last=counter.last + 1).returning(counter.last)
        ).scalar_one_or_none()
        if taken is not None:
            return int(taken)
        try:
            with session.begin_nested():
                session.add(counter(jurisdiction_code=jurisdiction, series=series, year=year, last=1))
            return 1
        except IntegrityError:
            continue  # another issuer created the year's counter first: take the next from it
    raise RuntimeError(f"could not take a number in {series}〔{year}〕")
