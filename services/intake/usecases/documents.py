"""Issuing the written document of a step (书面, GB/T 9704-2012): numbered, rendered, attached,
delivered.

The office asks for the document of a step the case has taken (``step``: acceptance, rejection, …,
see :data:`services.intake.domain.documents.STEPS`). In one transaction the number is taken from the
series' counter (甬编办函〔2026〕N号: per jurisdiction, series and year, no gap, no double, never reused),
the .docx and PDF are rendered from the case's record and stored in the attachment store as the
case's attachments (so whoever may see the case may download them), the issuance is recorded and the
addressee is notified with the links. Asking again for the same step's record gives back the
document already issued."""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.intake import queries
from services.intake.adapters.attachment_store import AttachmentStore
from services.intake.domain import documents as rules
from services.intake.domain.actors import Actor
from services.intake.domain.rules import named
from services.intake.messages.cases import department_party, office_party
from services.intake.tables import (
    Attachment,
    CaseEvent,
    CaseRecord,
    Department,
    DocumentCounter,
    IssuedDocument,
)
from services.intake.usecases.case_step import Step, start_step
from shared.attachment_store import store_for, store_once
from shared.contracts import Party
from shared.documents import numbering
from shared.documents.docx_render import render_docx
from shared.documents.model import DocumentNumber, OfficialDocument, issuer_for, series_for
from shared.documents.pdf_render import render_pdf
from shared.errors import Forbidden, ValidationFailed
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


def payload(row: IssuedDocument) -> dict[str, Any]:
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
        "docx_attachment_id": row.docx_attachment_id,
        "pdf_attachment_id": row.pdf_attachment_id,
        "docx_url": f"/api/v1/attachments/{row.docx_attachment_id}",
        "pdf_url": f"/api/v1/attachments/{row.pdf_attachment_id}",
        "issued_by": row.issued_by,
        "issued_at": row.issued_at,
    }


def _attach(
    session: Session,
    store: AttachmentStore,
    record: CaseRecord,
    actor: Actor,
    data: bytes,
    name: str,
    kind: str,
) -> str:
    digest = hashlib.sha256(data).hexdigest()
    store_once(store, digest, io.BytesIO(data))
    row = Attachment(
        id=f"a-{uuid.uuid4().hex[:16]}",
        sha256=digest,
        size=len(data),
        content_type=kind,
        filename=name[-200:],
        jurisdiction_code=record.jurisdiction_code,
        department_code=actor.department,
        uploaded_by=actor.user_id,
        case_id=record.id,
    )
    session.add(row)
    return row.id


def issue_document(
    runtime: ServiceRuntime, store: AttachmentStore, actor: Actor, case_id: str, step_code: str
) -> dict[str, Any]:
    """Issue (or give back) the written document of the case's latest ``step_code`` step."""
    if not actor.is_office:
        raise Forbidden("只有编办可以制发书面文书", code="role_required")
    with runtime.unit_of_work() as uow:
        session = uow.session
        record = queries.load_visible(session, actor, case_id)
        step = rules.step_for(step_code, record.kind, record.source)
        event = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == record.id, CaseEvent.action.in_(step.actions))
            .order_by(CaseEvent.id.desc())
            .limit(1)
        ).first()
        if event is None:
            raise ValidationFailed.for_field(
                "step", f"该事项尚未办理此步骤，不能制发“{step.name}”", code="document_step_not_taken"
            )
        issued = session.scalars(
            select(IssuedDocument).where(
                IssuedDocument.event_id == event.id, IssuedDocument.step == step.code
            )
        ).first()
        if issued is not None:
            return payload(issued)
        facts = _facts(session, record, event)
        content = step.build(facts)
        on = today()
        series = series_for(record.jurisdiction_code)
        number = DocumentNumber(
            series, on.year, next_number(session, record.jurisdiction_code, series, on.year)
        )
        issuer = issuer_for(record.jurisdiction_code)
        document = OfficialDocument(
            issuer=issuer,
            number=number,
            title=content.title,
            main_recipient=content.main_recipient,
            body=content.body,
            organ=issuer,
            dated=on,
            copy_to=content.copy_to,
            article=step.article,
            case_id=record.id,
            keywords=(step.name,),
        )
        stem = f"{number}{content.title}"
        docx_id = _attach(session, store, record, actor, render_docx(document), f"{stem}.docx", DOCX)
        pdf_id = _attach(session, store, record, actor, render_pdf(document), f"{stem}.pdf", PDF)
        row = IssuedDocument(
            id=f"doc-{uuid.uuid4().hex[:16]}",
            case_id=record.id,
            jurisdiction_code=record.jurisdiction_code,
            series=series,
            year=number.year,
            sequence=number.sequence,
            number=str(number),
            step=step.code,
            event_id=event.id,
            title=content.title,
            main_recipient=content.main_recipient,
            docx_attachment_id=docx_id,
            pdf_attachment_id=pdf_id,
            issued_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        result = payload(row)
        out = start_step(uow, record, actor, runtime.settings.public_base_url).out
        recipients = _addressees(session, record, content.addressed_to_applicant)
        base = runtime.settings.public_base_url.rstrip("/")
        out.notify(
            "document_issued",
            recipients,
            dedupe=f"document:{row.id}",
            document_title=content.title,
            document_number=str(number),
            step_name=step.name,
            article=step.article,
            pdf_link=f"{base}{result['pdf_url']}",
            docx_link=f"{base}{result['docx_url']}",
        )
        uow.commit()
    return result


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
        return [payload(row) for row in rows]


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


def produce_after_commit(uow: UnitOfWork, runtime: ServiceRuntime, step: Step) -> None:
    """Have the written documents of the step produced once its transaction has committed (the office's
    habit: the letter comes with the step, see :data:`rules.PRODUCED_BY`)."""
    record, actor = step.record, step.actor
    codes = [c for e in step.entries for c in rules.produced_by(e.action, record.kind, record.source)]
    if codes and actor.is_office:
        case_id = record.id
        uow.after_commit(lambda: produce_documents(runtime, actor, case_id, codes))


def produce_documents(runtime: ServiceRuntime, actor: Actor, case_id: str, steps: list[str]) -> None:
    """The written documents of a step just committed (numbered, attached, the addressee told). One that
    fails (no Chinese font, a store that refuses) is logged and stays on the case page's list of documents
    to issue, where the office issues it again; the step itself stands."""
    store = store_for(runtime.settings)
    for code in dict.fromkeys(steps):
        try:
            issue_document(runtime, store, actor, case_id, code)
        except Exception:
            log.exception(
                "the %s document of case %s was not produced; the office may issue it", code, case_id
            )
