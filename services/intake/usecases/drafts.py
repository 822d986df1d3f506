"""Drafts (草稿) of the new-submission forms: saved, listed in 我的办件, opened again, deleted, and gone
once submitted (:mod:`services.intake.tables.drafts`).

A draft belongs to the department that saved it: anyone of that department and jurisdiction may open,
change or delete it; for anyone else it does not exist (404, its existence is not revealed). Saving checks
nothing the measures require (a half-filled form is a draft), only what could not be stored or shown again;
the page checks each typed value against its field first (``case_forms.draft_check``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.domain.actors import Actor
from services.intake.tables import Attachment, CaseDraft
from shared.db import utcnow
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.runtime import ServiceRuntime

#: how many values one draft keeps (far beyond any form, far below what would burden a page)
MAX_VALUES = 2000
#: the form's own key among its values (the submission's ``Idempotency-Key``)
KEY_FIELD = "submission_key"
#: how many drafts a department keeps at once
MAX_DRAFTS = 200


@dataclass(frozen=True)
class Draft:
    id: str
    form_kind: str
    title: str
    values: list[tuple[str, str]]
    attachment_ids: list[str]
    saved_by: str
    saved_by_name: str
    saved_at: datetime
    created_at: datetime


def _view(row: CaseDraft) -> Draft:
    return Draft(
        id=row.id,
        form_kind=row.form_kind,
        title=row.title,
        values=[(str(k), str(v)) for k, v in row.form_values],
        attachment_ids=[str(a) for a in row.attachment_ids],
        saved_by=row.saved_by,
        saved_by_name=row.saved_by_name,
        saved_at=row.saved_at,
        created_at=row.created_at,
    )


def _require_department(actor: Actor) -> str:
    if not actor.department:
        raise Forbidden("只有部门（含编办）的工作人员可以保存草稿", code="department_required")
    return actor.department


def _own(session: Session, actor: Actor, draft_id: str) -> CaseDraft:
    """The draft if it is the caller's department's; otherwise it does not exist for the caller."""
    row = session.get(CaseDraft, draft_id) if draft_id else None
    if row is None or row.jurisdiction_code != actor.jurisdiction or row.department_code != actor.department:
        raise NotFound("未找到该草稿：草稿不存在、已提交或已删除，或不属于本部门", code="draft_not_found")
    return row


def _attachments(session: Session, actor: Actor, ids: Iterable[str]) -> list[str]:
    """The uploads the draft refers to: only the department's own, not yet part of a case."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    if not wanted:
        return []
    rows = session.scalars(select(Attachment).where(Attachment.id.in_(wanted))).all()
    usable = {
        r.id
        for r in rows
        if r.jurisdiction_code == actor.jurisdiction
        and (r.department_code == actor.department or r.uploaded_by == actor.user_id)
        and r.case_id is None
    }
    return [i for i in wanted if i in usable]


def save(
    runtime: ServiceRuntime,
    actor: Actor,
    *,
    form_kind: str,
    title: str,
    values: list[tuple[str, str]],
    attachment_ids: Iterable[str] = (),
    draft_id: str | None = None,
    form_key: str | None = None,
) -> Draft:
    """Create the draft, or replace the values of the department's draft ``draft_id``. A form saved again
    before it knew its draft (保存草稿 tapped twice) finds it by the form's own key (``form_key``, the
    submission's idempotency key): one draft, not two."""
    department = _require_department(actor)
    if len(values) > MAX_VALUES:
        raise ValidationFailed(f"草稿内容过多（不超过 {MAX_VALUES} 项）", code="draft_too_large")
    with runtime.db.transaction() as session:
        kept = _attachments(session, actor, attachment_ids)
        if draft_id:
            row = _own(session, actor, draft_id)
            if row.form_kind != form_kind:
                raise NotFound("未找到该草稿：它是另一类申请的草稿", code="draft_not_found")
        elif form_key and (same := _by_form_key(session, actor, form_kind, form_key)) is not None:
            row = same
        else:
            count = len(
                session.scalars(
                    select(CaseDraft.id).where(
                        CaseDraft.jurisdiction_code == actor.jurisdiction,
                        CaseDraft.department_code == department,
                    )
                ).all()
            )
            if count >= MAX_DRAFTS:
                raise ValidationFailed(
                    f"本部门的草稿已有 {MAX_DRAFTS} 份，请先提交或删除不需要的草稿", code="too_many_drafts"
                )
            row = CaseDraft(
                id=f"d-{uuid.uuid4().hex[:16]}",
                form_kind=form_kind,
                jurisdiction_code=actor.jurisdiction,
                department_code=department,
                created_by=actor.user_id,
                created_at=utcnow(),
            )
            session.add(row)
        row.title = title[:200]
        row.form_values = [[k, v] for k, v in values]
        row.attachment_ids = kept
        row.saved_by, row.saved_by_name, row.saved_at = actor.user_id, actor.name[:100], utcnow()
        session.flush()
        return _view(row)


def _by_form_key(session: Session, actor: Actor, form_kind: str, form_key: str) -> CaseDraft | None:
    rows = session.scalars(
        select(CaseDraft).where(
            CaseDraft.jurisdiction_code == actor.jurisdiction,
            CaseDraft.department_code == actor.department,
            CaseDraft.form_kind == form_kind,
        )
    ).all()
    return next((r for r in rows if [KEY_FIELD, form_key] in (r.form_values or [])), None)


def get(runtime: ServiceRuntime, actor: Actor, draft_id: str) -> Draft:
    with runtime.db.transaction() as session:
        return _view(_own(session, actor, draft_id))


def of_department(runtime: ServiceRuntime, actor: Actor) -> list[Draft]:
    """The department's drafts, the last saved first."""
    if not actor.department:
        return []
    with runtime.db.transaction() as session:
        rows = session.scalars(
            select(CaseDraft)
            .where(
                CaseDraft.jurisdiction_code == actor.jurisdiction,
                CaseDraft.department_code == actor.department,
            )
            .order_by(CaseDraft.saved_at.desc())
            .limit(MAX_DRAFTS)
        ).all()
        return [_view(r) for r in rows]


def delete(runtime: ServiceRuntime, actor: Actor, draft_id: str) -> None:
    with runtime.db.transaction() as session:
        session.delete(_own(session, actor, draft_id))


def discard_submitted(runtime: ServiceRuntime, actor: Actor, draft_id: str) -> None:
    """The draft became a case: it goes (already gone — submitted twice, deleted meanwhile — is fine)."""
    with runtime.db.transaction() as session:
        row = session.get(CaseDraft, draft_id)
        ours = row is not None and (row.jurisdiction_code, row.department_code) == (
            actor.jurisdiction,
            actor.department,
        )
        if ours:
            session.delete(row)


def referenced_attachments(session: Session) -> set[str]:
    """Every upload a draft refers to: a cleanup of unclaimed uploads must keep these."""
    ids: set[str] = set()
    for listed in session.scalars(select(CaseDraft.attachment_ids)).all():
        ids.update(str(i) for i in listed or [])
    return ids
