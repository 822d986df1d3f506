"""The periodic sweep of numbered documents not rendered yet (:mod:`shared.documents.rendering`), for any
service's ``issued_document`` table: a failed rendering once its backoff has passed, a pending one its
request left behind (the process died after numbering, or it is still rendering within the grace), while it
has automatic tries left."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from shared.db import Database, utcnow
from shared.documents import rendering

#: documents one tick takes up at the most (the next tick takes the rest)
BATCH = 20


def due(model: Any, numbered_at: Any, now: datetime) -> ColumnElement[bool]:
    """The rows of ``model`` the sweep renders now (``numbered_at``: the column of when one was numbered)."""
    return and_(
        or_(
            and_(model.state == rendering.PENDING, numbered_at <= now - rendering.RENDER_GRACE),
            and_(model.state == rendering.FAILED, model.retry_at <= now),
        ),
        model.attempts < rendering.AUTOMATIC_TRIES,
    )


def render_due(
    db: Database, model: Any, numbered_at: Any, render: Callable[[str], object], log: logging.Logger
) -> None:
    """One tick: ``render(document_id)`` for each document due, oldest first; one whose try raises (the
    database went away before its outcome was recorded) is logged and taken up again on a later tick."""
    with db.transaction() as session:
        waiting = session.scalars(
            select(model.id).where(due(model, numbered_at, utcnow())).order_by(numbered_at).limit(BATCH)
        ).all()
    for document_id in waiting:
        try:
            render(document_id)
        except Exception:
            log.exception("document %s: the try was not recorded; the next tick takes it up", document_id)
