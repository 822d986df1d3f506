"""Casework use cases: what the HTTP API and the queue handlers call, each in one unit of work.

A use case loads the case the actor may see, asks the domain whether the step is allowed (state, role and
the rules of the measures), applies it, appends the history, and records in the same transaction the
messages it causes (clocks, notifications, approval requests). If anything fails, nothing is kept.
Submissions live in :mod:`.submissions`, the steps on a case in :mod:`.steps`, the reading here.
"""

from __future__ import annotations

from typing import IO, Any

from services.intake import queries
from services.intake.adapters.attachment_store import AttachmentStore
from services.intake.domain.actors import Actor
from services.intake.usecases import attachments
from services.intake.usecases.case_actions import EFFECTS, apply_system, perform
from services.intake.usecases.case_step import refresh_deadline
from services.intake.usecases.submissions import (
    open_by_office,
    order_rectification,
    record_reflection,
    submit_application,
    submit_filing,
)
from shared.errors import NotFound
from shared.runtime import ServiceRuntime

__all__ = [
    "EFFECTS",
    "apply_system",
    "case_history",
    "get_case",
    "list_cases",
    "open_by_office",
    "order_rectification",
    "perform",
    "read_attachment",
    "record_reflection",
    "refresh_deadline",
    "submit_application",
    "submit_filing",
]

# --- reading ---


def get_case(runtime: ServiceRuntime, actor: Actor, case_id: str) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        return queries.detail(session, queries.load_visible(session, actor, case_id), actor)


def case_history(runtime: ServiceRuntime, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    with runtime.db.transaction() as session:
        queries.load_visible(session, actor, case_id)
        return queries.history(session, case_id)


def list_cases(runtime: ServiceRuntime, actor: Actor, wanted: queries.CaseFilter) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        return queries.list_cases(session, actor, wanted)


def read_attachment(
    runtime: ServiceRuntime, store: AttachmentStore, actor: Actor, attachment_id: str
) -> tuple[dict[str, Any], IO[bytes]]:
    """The file: to its uploader's department until tied to a case, then to whoever sees the case."""
    with runtime.db.transaction() as session:
        row = attachments.find(session, attachment_id)
        if row.case_id is not None:
            queries.load_visible(session, actor, row.case_id)
        elif row.jurisdiction_code != actor.jurisdiction or (
            row.uploaded_by != actor.user_id and row.department_code != actor.department
        ):
            raise NotFound("未找到该附件", code="not_found")
        meta = attachments.attachment_payload(row)
    return meta, store.open(meta["sha256"])
