"""Issuing the written document of a step (书面, GB/T 9704-2012): numbered, rendered, attached,
delivered — in three phases, so the number's lock is never held while a document renders.

The office asks for the document of a step the case has taken (``step``: acceptance, rejection, …,
see :data:`services.intake.domain.documents.STEPS`).

1. **Number** (one short transaction): the step's words are built from the case's record, the number is
   taken from the series' counter (甬编办函〔2026〕N号: per jurisdiction, series and year, no gap, no double,
   never reused) and the document is recorded ``pending`` with its words. The counter row stays locked to
   that commit, and nothing slow happens before it.
2. **Render** (no transaction, no lock): the .docx and PDF are rendered from the recorded words and stored
   in the attachment store.
3. **Attach and deliver** (one short transaction): both files become the case's attachments (so whoever may
   see the case may download them), the document is ``issued`` and the addressees are notified with links.

A rendering that fails (no Chinese font, a store that refuses) leaves the document ``failed`` with its
number; the intake sweep tries it again with backoff (:func:`shared.documents.rendering.retry_delay`), and
the office may ask
for it again from the case page (重新生成). Asking again for the same step's record gives back the document
already numbered (rendering it now if it is not rendered yet)."""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.intake import queries
from services.intake.adapters.attachment_store import AttachmentStore
from services.intake.domain import documents as rules
from services.intake.domain.actors import Actor
from services.intake.domain.rules import named
from services.intake.messages.cases import Outgoing, department_party, office_party
from services.intake.tables import (
    Attachment,
    CaseEvent,
    CaseRecord,
    Department,
    DocumentCounter,
    IssuedDocument,
)
from services.intake.usecases.case_step import Step
from shared.attachment_store import store_for, store_once
from shared.contracts import Party
from shared.db import utcnow
from shared.documents import numbering, rendering, sweep
from shared.documents.docx_render import render_docx
from shared.documents.model import Block, DocumentNumber, OfficialDocument, issuer_for, series_for
from shared.documents.pdf_render import render_pdf
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.localtime import local_date, today
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

log = logging.getLogger("services.intake")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def next_number(session: Session, jurisdiction: str, series: str, year: int) -> int:
    """The series' next number from intake's counter (:func:`shared.documents.numbering.next_number`)."""
    return numbering.next_number(session, DocumentCounter, jurisdiction, series, year)


def _names(session: Session, codes: list[str]) -> dict[str, str]:
    rows = session.scalars(select(Department).where(Department.code.in_(codes))).all() if codes else []
    return {row.code: row.name for row in rows}


def _facts(session: Session, record: CaseRecord, event: CaseEvent) -> rules.Facts:
    parties = [p.department_code for p in queries.parties_of(session, record.id)]
    applicant = record.applicant_department or ""
    names = _names(session, [applicant, *parties])
    others = tuple(dict.fromkeys(named(names, c) for c in parties if c != applicant))
    return rules.Facts(
        case_id=record.id,
        kind=record.kind,
        source=record.source,
        title=record.title,
        applicant=named(names, applicant),
        parties=others,
        reason=event.reason or "",
        data=dict(event.data or {}),
        progress=dict(record.progress or {}),
        content=dict(record.content or {}),
        step_on=local_date(event.at),
        received_on=local_date(record.created_at),
        committee="市委编委" if record.jurisdiction_code == "330200" else "区（县、市）委编委",
    )


def payload(row: IssuedDocument, *, with_error: bool = False) -> dict[str, Any]:
    """A document as the API and the case page show it; the links only once its files are attached."""
    issued = row.state == rendering.ISSUED
    return {
        "id": row.id,
        "case_id": row.case_id,
        "step": row.step,
        "step_name": rules.STEP_NAMES.get(row.step, row.step),
        "number": row.number,
        "series": row.series,
        "year": row.year,
        "sequence": row.sequence,
        "title": row.title,
        "main_recipient": row.main_recipient,
        "state": row.state,
        "state_text": rendering.state_text(row.state, row.attempts),
        "retried_automatically": rendering.retried_automatically(row.state, row.attempts),
        "last_error": row.last_error if with_error else None,
        "docx_attachment_id": row.docx_attachment_id,
        "pdf_attachment_id": row.pdf_attachment_id,
        "docx_url": f"/api/v1/attachments/{row.docx_attachment_id}" if issued else None,
        "pdf_url": f"/api/v1/attachments/{row.pdf_attachment_id}" if issued else None,
        "issued_by": row.issued_by,
        "issued_at": row.issued_at,
        "rendered_at": row.rendered_at,
    }


def issue_document(
    runtime: ServiceRuntime, store: AttachmentStore, actor: Actor, case_id: str, step_code: str
) -> dict[str, Any]:
    """Issue (or give back) the written document of the case's latest ``step_code`` step: number it, then
    render and deliver it. A rendering that fails answers the document ``failed``, its number kept. A document
    numbered before is given back as it stands: its own request renders it (a double click renders it once),
    the sweep takes up one left behind or failed, and the office's 重新生成 renders a failed one now."""
    if not actor.is_office:
        raise Forbidden("只有编办可以制发书面文书", code="role_required")
    document_id, numbered_now = number_document(runtime, actor, case_id, step_code)
    if numbered_now:
        render_document(runtime, document_id, store)
    return _shown(runtime, document_id)


def _shown(runtime: ServiceRuntime, document_id: str) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        row = session.get(IssuedDocument, document_id)
        assert row is not None  # numbered and committed: documents are never deleted
        return payload(row, with_error=True)


def _latest_event(session: Session, case_id: str, step: rules.DocumentStep) -> CaseEvent:
    event = session.scalars(
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id, CaseEvent.action.in_(step.actions))
        .order_by(CaseEvent.id.desc())
        .limit(1)
    ).first()
    if event is None:
        raise ValidationFailed.for_field(
            "step", f"该事项尚未办理此步骤，不能制发“{step.name}”", code="document_step_not_taken"
        )
    return event


def number_document(runtime: ServiceRuntime, actor: Actor, case_id: str, step_code: str) -> tuple[str, bool]:
    """Phase 1: the document of the step's latest record, numbered and recorded ``pending`` with its words
    in one short transaction (or the one numbered before); its id, and whether this call numbered it."""
    with runtime.db.transaction() as session:
        record = queries.load_visible(session, actor, case_id)
        step = rules.step_for(step_code, record.kind, record.source)
        # One issuance per case at a time: a second request for the same step (a double click) waits here
        # and then finds the first one's document instead of numbering the step twice.
        session.execute(select(CaseRecord.id).where(CaseRecord.id == record.id).with_for_update())
        event = _latest_event(session, record.id, step)
        numbered = session.scalars(
            select(IssuedDocument).where(
                IssuedDocument.event_id == event.id, IssuedDocument.step == step.code
            )
        ).first()
        if numbered is not None:
            return numbered.id, False
        content = step.build(_facts(session, record, event))
        on, series = today(), series_for(record.jurisdiction_code)
        # last: the counter row stays locked from here to the commit that closes this block
        sequence = next_number(session, record.jurisdiction_code, series, on.year)
        row = IssuedDocument(
            id=f"doc-{uuid.uuid4().hex[:16]}",
            case_id=record.id,
            jurisdiction_code=record.jurisdiction_code,
            series=series,
            year=on.year,
            sequence=sequence,
            number=str(DocumentNumber(series, on.year, sequence)),
            step=step.code,
            event_id=event.id,
            title=content.title,
            main_recipient=content.main_recipient,
            content=_words(content, step, on, actor),
            state=rendering.PENDING,
            attempts=0,
            issued_by=actor.user_id,
        )
        session.add(row)
        return row.id, True


def _words(content: rules.Content, step: rules.DocumentStep, on: date, actor: Actor) -> dict[str, Any]:
    """What every rendering of the document renders, as numbered (JSON)."""
    return {
        "body": [[block.text, block.level] for block in content.body],
        "copy_to": list(content.copy_to),
        "dated": on.isoformat(),
        "article": step.article,
        "step_name": step.name,
        "to_departments": content.addressed_to_applicant,
        "issuer_department": actor.department,
    }


def _official(row: IssuedDocument) -> OfficialDocument:
    words = row.content or {}
    issuer = issuer_for(row.jurisdiction_code)
    return OfficialDocument(
        issuer=issuer,
        number=DocumentNumber(row.series, row.year, row.sequence),
        title=row.title,
        main_recipient=row.main_recipient,
        body=tuple(Block(text, level) for text, level in words.get("body") or ()),
        organ=issuer,
        dated=date.fromisoformat(words["dated"]),
        copy_to=tuple(words.get("copy_to") or ()),
        article=words.get("article", ""),
        case_id=row.case_id,
        keywords=(words.get("step_name", row.step),),
    )


@dataclass(frozen=True)
class _File:
    data: bytes
    sha256: str
    filename: str
    content_type: str


def _rendered(official: OfficialDocument, store: AttachmentStore) -> tuple[_File, _File]:
    """Phase 2: both files, rendered and stored (content-addressed: storing twice stores once)."""
    stem = f"{official.number}{official.title}"
    docx, pdf = render_docx(official), render_pdf(official)
    files = (
        _File(docx, hashlib.sha256(docx).hexdigest(), f"{stem}.docx", DOCX),
        _File(pdf, hashlib.sha256(pdf).hexdigest(), f"{stem}.pdf", PDF),
    )
    for file in files:
        store_once(store, file.sha256, io.BytesIO(file.data))
    return files


def render_document(runtime: ServiceRuntime, document_id: str, store: AttachmentStore | None = None) -> bool:
    """Phases 2 and 3 for a numbered document: render it outside any transaction, then attach the files and
    tell the addressees. A failure marks it ``failed`` (its number kept) for the sweep and the office; whether
    the document is issued now."""
    with runtime.db.transaction() as session:
        row = session.get(IssuedDocument, document_id)
        if row is None or row.state == rendering.ISSUED:
            return row is not None
        official = _official(row)
    try:
        files = _rendered(official, store or store_for(runtime.settings))
    except Exception as exc:
        log.exception("document %s (%s) could not be rendered", document_id, official.number)
        _record_failure(runtime, document_id, f"{type(exc).__name__}: {exc}")
        return False
    _attach_and_deliver(runtime, document_id, files)
    return True


def _attach_and_deliver(runtime: ServiceRuntime, document_id: str, files: tuple[_File, _File]) -> None:
    """Phase 3: the files become the case's attachments and the addressees are told, once (the row is locked:
    a sweep and a request rendering the same document at once attach it once)."""
    with runtime.unit_of_work() as uow:
        session = uow.session
        row = session.get(IssuedDocument, document_id, with_for_update=True)
        if row is None or row.state == rendering.ISSUED:
            return
        record = session.get(CaseRecord, row.case_id)
        assert record is not None
        docx, pdf = (_attachment(session, record, row, file) for file in files)
        row.docx_attachment_id, row.pdf_attachment_id = docx, pdf
        rendering.mark_rendered(row, utcnow())
        _deliver(uow, runtime, record, row)
        uow.commit()


def _attachment(session: Session, record: CaseRecord, row: IssuedDocument, file: _File) -> str:
    attachment = Attachment(
        id=f"a-{uuid.uuid4().hex[:16]}",
        sha256=file.sha256,
        size=len(file.data),
        content_type=file.content_type,
        filename=file.filename[-200:],
        jurisdiction_code=record.jurisdiction_code,
        department_code=(row.content or {}).get("issuer_department"),
        uploaded_by=row.issued_by,
        case_id=record.id,
    )
    session.add(attachment)
    return attachment.id


def _deliver(uow: UnitOfWork, runtime: ServiceRuntime, record: CaseRecord, row: IssuedDocument) -> None:
    words = row.content or {}
    base = runtime.settings.public_base_url.rstrip("/")
    shown = payload(row)
    Outgoing(uow, record, runtime.settings.public_base_url).notify(
        "document_issued",
        _addressees(uow.session, record, bool(words.get("to_departments", True))),
        dedupe=f"document:{row.id}",
        document_title=row.title,
        document_number=row.number,
        step_name=words.get("step_name", row.step),
        article=words.get("article", ""),
        pdf_link=f"{base}{shown['pdf_url']}",
        docx_link=f"{base}{shown['docx_url']}",
    )


def _record_failure(runtime: ServiceRuntime, document_id: str, error: str) -> None:
    with runtime.db.transaction() as session:
        row = session.get(IssuedDocument, document_id, with_for_update=True)
        if row is None or row.state == rendering.ISSUED:
            return
        rendering.mark_failed(row, error, utcnow())


def render_pending_documents(runtime: ServiceRuntime) -> None:
    """The intake sweep (every tick): render what is numbered but not rendered — a failed rendering once its
    backoff has passed, a pending one its request left behind (the process died after numbering) — while it
    has automatic tries left (:mod:`shared.documents.sweep`). Each keeps its number."""
    sweep.render_due(
        runtime.db,
        IssuedDocument,
        IssuedDocument.issued_at,
        lambda document_id: render_document(runtime, document_id),
        log,
    )


def rerender_document(
    runtime: ServiceRuntime, store: AttachmentStore, actor: Actor, case_id: str, document_id: str
) -> bool:
    """The office's 重新生成 of a document not rendered (its number and words stay): rendered now, and if
    that fails too the sweep's automatic tries start again. Whether it is issued now."""
    if not actor.is_office:
        raise Forbidden("只有编办可以重新生成书面文书", code="role_required")
    with runtime.db.transaction() as session:
        queries.load_visible(session, actor, case_id)
        row = session.get(IssuedDocument, document_id, with_for_update=True)
        if row is None or row.case_id != case_id:
            raise NotFound("未找到该文书", code="document_not_found")
        rendering.restart_tries(row)
    return render_document(runtime, document_id, store)


def _addressees(session: Session, record: CaseRecord, to_departments: bool) -> list[Party]:
    """The departments the document is addressed to (the applicant and the parties), else the office."""
    if not to_departments:
        return [office_party(record.jurisdiction_code)]
    codes = {record.applicant_department} if record.applicant_department else set()
    codes |= {p.department_code for p in queries.parties_of(session, record.id)}
    return [department_party(code, record.jurisdiction_code) for code in sorted(c for c in codes if c)]


def list_documents(runtime: ServiceRuntime, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    """The case's documents, to whoever may see the case."""
    with runtime.db.transaction() as session:
        queries.load_visible(session, actor, case_id)
        rows = session.scalars(
            select(IssuedDocument).where(IssuedDocument.case_id == case_id).order_by(IssuedDocument.issued_at)
        ).all()
        return [payload(row, with_error=actor.is_office) for row in rows]


def available_steps(runtime: ServiceRuntime, actor: Actor, case_id: str) -> list[dict[str, str]]:
    """For the office: the steps of the case that have a document to issue (taken, of its kind, not yet
    issued for their latest record)."""
    if not actor.is_office:
        return []
    with runtime.db.transaction() as session:
        record = queries.load_visible(session, actor, case_id)
        latest = dict(
            session.execute(
                select(CaseEvent.action, func.max(CaseEvent.id))
                .where(CaseEvent.case_id == record.id)
                .group_by(CaseEvent.action)
            ).all()
        )
        issued = set(
            session.execute(
                select(IssuedDocument.step, IssuedDocument.event_id).where(
                    IssuedDocument.case_id == record.id
                )
            ).all()
        )
        out = []
        for step in rules.STEPS.values():
            if record.kind not in step.kinds or (
                step.sources is not None and record.source not in step.sources
            ):
                continue
            events = [latest[a] for a in step.actions if a in latest]
            if events and (step.code, max(events)) not in issued:
                out.append({"code": step.code, "name": f"{step.name}（{step.article}）"})
        return out


def produce_after_commit(uow: UnitOfWork, runtime: ServiceRuntime, step: Step) -> bool:
    """Have the written documents of the step produced once its transaction has committed (the office's
    habit: the letter comes with the step, see :data:`rules.PRODUCED_BY`); whether there are any."""
    record, actor = step.record, step.actor
    codes = [c for e in step.entries for c in rules.produced_by(e.action, record.kind, record.source)]
    if not (codes and actor.is_office):
        return False
    case_id = record.id
    uow.after_commit(lambda: produce_documents(runtime, actor, case_id, codes))
    return True


def produce_documents(runtime: ServiceRuntime, actor: Actor, case_id: str, steps: list[str]) -> None:
    """The written documents of a step just committed (numbered, rendered, attached, the addressee told). One
    whose rendering fails keeps its number, shown 生成失败 on the case page, and is tried again by the sweep;
    one that could not even be numbered (the database refused) is logged and stays on the page's list of
    documents to issue. The step itself stands either way."""
    store = store_for(runtime.settings)
    for code in dict.fromkeys(steps):
        try:
            issue_document(runtime, store, actor, case_id, code)
        except Exception:
            log.exception(
                "the %s document of case %s was not produced; the office may issue it", code, case_id
            )
