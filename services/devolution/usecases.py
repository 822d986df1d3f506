"""The devolution service layer: one short function per use case, each inside one unit of work.

The HTTP entrypoint (``api.py``) and the message handlers (``handlers.py``) call these; the rules themselves
live in ``domain/``. Every state change appends to the history and publishes what it causes (clock commands,
notifications, the approval request) through the outbox in the same transaction.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.devolution import messages, tasks
from services.devolution.domain import aftercare, history, notice, review
from services.devolution.domain.application import (
    ApplicationContent,
    refuse_forbidden_basis,
    require_complete,
)
from services.devolution.domain.lifecycle import (
    ACTION_NAMES,
    STATE_NAMES,
    Action,
    Actor,
    Parties,
    Party,
    State,
    can_see,
    plays,
)
from services.devolution.tables import (
    Clock,
    DepartmentReplica,
    Devolution,
    DevolutionEvent,
    DocumentCounter,
    FeedbackDocument,
    HandoverItem,
    IdempotentRequest,
    InterimReport,
    IssuedDocument,
    OperationReport,
    PowerListChange,
    Receiver,
    Rectification,
)
from shared import audit, idempotency, localtime
from shared.attachment_store import AttachmentStore, store_for, store_once
from shared.contracts import (
    APPROVAL_REQUEST,
    CLOCK_PAUSE,
    CLOCK_RESUME,
    CLOCK_START,
    CLOCK_STOP,
    DEADLINES,
    INTAKE,
    RECTIFICATION_HANDED_OVER,
    CaseRef,
    payload,
)
from shared.db import utcnow
from shared.documents import numbering, rendering, sweep
from shared.documents.docx_render import render_docx
from shared.documents.model import (
    SERIES_KINDS,
    Block,
    DocumentNumber,
    OfficialDocument,
    issuer_for,
    series_for,
)
from shared.documents.pdf_render import render_pdf
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.idempotency import IdempotencyClaim
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime
from shared.uploads import clean_filename, content_type_of

REVIEW_RULE, REPORT_RULE = "devolution_review", "operation_report"
log = logging.getLogger("services.devolution")

#: every history line is an audit entry ``devolution.<action>`` (and a deleted draft, which leaves none)
DRAFT_DELETED = "delete_draft"
audit.name_actions(
    {
        f"devolution.{code}": f"职责下放：{label}"
        for code, label in {
            **{str(a): name for a, name in ACTION_NAMES.items()},
            **history.NOTE_NAMES,
            DRAFT_DELETED: "删除草稿",
        }.items()
    },
    objects={"devolution": "职责下放事项"},
)


# --- loading and recording -------------------------------------------------------------------------------


def parties_of(session: Session, row: Devolution) -> Parties:
    query = select(Receiver).where(Receiver.devolution_id == row.id).order_by(Receiver.department)
    receivers = session.scalars(query).all()
    return Parties(
        jurisdiction=row.jurisdiction,
        applicant=row.applicant_department,
        receivers=tuple((r.department, r.jurisdiction) for r in receivers),
    )


def load_visible(
    session: Session, devolution_id: str, actor: Actor, *, to_change: bool = False
) -> Devolution:
    """The devolution if the caller may see it; NotFound otherwise (its existence is not revealed).

    ``to_change``: its row locked to the end of the transaction, so two steps on one devolution at once (a
    double click on 提交, the review's conclusion or 登记发文) are taken one after the other and the second
    meets the state the first left — refused by the rules (409) — instead of numbering a second letter or
    listing the handover twice for a unique constraint to refuse (500). (FOR NO KEY UPDATE: the rows that
    only refer to it, its history and clocks, are written meanwhile as before.)"""
    lock = {"key_share": True} if to_change else None
    row = session.get(Devolution, devolution_id, with_for_update=lock)
    if row is None or not can_see(actor, parties_of(session, row), State(row.state)):
        raise NotFound("未找到该职责下放事项", code="devolution_not_found")
    return row


def move(
    uow: UnitOfWork,
    row: Devolution,
    actor: Actor,
    action: Action,
    audited_as: Actor | None = None,
    **detail: Any,
) -> State:
    """Apply ``action`` by the rules and append its entry to the history; returns the new state.
    ``audited_as``: who the audit trail names when ``actor`` is the channel the act came by (intake's
    approval message: the leader who decided, in the roles they decided in)."""
    after, entry = history.step(
        State(row.state), action, actor, parties_of(uow.session, row), utcnow(), jsonable(detail)
    )
    row.state = str(after)
    row.updated_at = entry.at
    append(uow, row, entry, audited_as or actor)
    return after


def note(
    uow: UnitOfWork, row: Devolution, action: str, detail: Mapping[str, Any], by: Actor | None = None
) -> None:
    """A history entry that changes no state (a clock event, a reminder): the system's, or ``by``'s when a
    person's act on a page caused it (the office's 重新生成 of a document)."""
    entry = history.system_note(State(row.state), action, utcnow(), jsonable(dict(detail)))
    if by is not None:
        entry = dataclasses.replace(entry, actor_id=by.user_id, actor_name=by.name)
    append(uow, row, entry, by)


def append(uow: UnitOfWork, row: Devolution, entry: history.HistoryEntry, actor: Actor | None) -> None:
    """Store one history entry (rows of ``devolution_event`` are only ever inserted) and record it in the
    audit trail of the devolution's jurisdiction: who (``None``: the system), which devolution, what."""
    uow.session.add(
        DevolutionEvent(
            devolution_id=row.id,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_name=entry.actor_name,
            action=entry.action,
            from_state=str(entry.from_state),
            to_state=str(entry.to_state),
            detail=dict(entry.detail),
        )
    )
    uow.audit(
        f"devolution.{entry.action}",
        actor=actor,
        jurisdiction=row.jurisdiction,
        object_type="devolution",
        object_id=row.id,
        summary=f"{history.entry_label(entry.action)}：{messages.title_of(row)}{_moved(entry)}",
        details={"from_state": str(entry.from_state), "to_state": str(entry.to_state), **entry.detail},
    )


def _moved(entry: history.HistoryEntry) -> str:
    before, after = STATE_NAMES[entry.from_state], STATE_NAMES[entry.to_state]
    return f"（{before} → {after}）" if before != after else f"（{after}）"


def jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _department(session: Session, code: str, field: str) -> DepartmentReplica:
    department = session.get(DepartmentReplica, code)
    if department is None or not department.active:
        raise ValidationFailed.for_field(field, f"未知的部门：{code}", code="unknown_department")
    return department


# --- the application (第三十二、三十三条) --------------------------------------------------------------


def _store_content(session: Session, row: Devolution, content: Mapping[str, Any]) -> None:
    parsed = ApplicationContent.from_dict(content)
    refuse_forbidden_basis(parsed.legal_bases)
    for code in parsed.related_departments:
        _department(session, code, "related_departments")
        if code == row.applicant_department or code in parsed.receiving_departments:
            message = f"{code} 是申请部门或承接部门，不能同时列为关联部门（第三十三条第五项）"
            raise ValidationFailed.for_field(
                "related_departments", message, code="related_department_invalid"
            )
    session.query(Receiver).filter(Receiver.devolution_id == row.id).delete()
    for code in dict.fromkeys(parsed.receiving_departments):
        if code == row.applicant_department:
            message = "承接部门不能是申请下放职责的部门本身"
            raise ValidationFailed.for_field("receiving_departments", message, code="receiver_is_applicant")
        department = _department(session, code, "receiving_departments")
        session.add(Receiver(devolution_id=row.id, department=code, jurisdiction=department.jurisdiction))
    row.content = jsonable(dict(content))
    row.duty_name = parsed.duty_name


def create_draft(
    runtime: ServiceRuntime,
    actor: Actor,
    content: Mapping[str, Any],
    claim: IdempotencyClaim | None = None,
) -> str:
    """A department starts an application; it stays a draft (no clock runs) until submitted complete."""
    if not actor.is_department_user or not actor.department:
        raise Forbidden("职责下放申请须由部门经办人或负责人提出（第三十三条）", code="not_your_step")
    with runtime.unit_of_work() as uow:
        row = Devolution(
            id=f"dv-{uuid.uuid4().hex[:12]}",
            jurisdiction=actor.jurisdiction,
            applicant_department=actor.department,
            duty_name="",
            state=str(State.DRAFT),
            content={},
            created_by=actor.user_id,
        )
        uow.session.add(row)
        uow.session.flush()
        _store_content(uow.session, row, content)
        created = history.HistoryEntry(
            utcnow(), actor.user_id, actor.name, "create", State.DRAFT, State.DRAFT
        )
        append(uow, row, created, actor)
        tasks.draft_saved(uow, runtime, row)
        idempotency.record(uow.session, IdempotentRequest, claim, row.id)
        uow.commit()
        return row.id


def edit(runtime: ServiceRuntime, actor: Actor, devolution_id: str, content: Mapping[str, Any]) -> None:
    """The department completes or corrects its application while it is a draft or back for supplements."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        move(uow, row, actor, Action.EDIT)
        uow.session.flush()
        _store_content(uow.session, row, content)
        if row.state == State.DRAFT:
            tasks.draft_saved(uow, runtime, row)
        uow.commit()


def delete_draft(runtime: ServiceRuntime, actor: Actor, devolution_id: str) -> None:
    """The applying department deletes its draft (删除草稿). A draft was never submitted — no clock ran, no
    one else was asked — so it goes with everything it held (its history of edits, its receivers, the
    uploaded feedback rows; the scans' bytes stay in the store, shared by content); 我的办件 drops it."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        if not plays(actor, Party.APPLICANT, parties_of(uow.session, row)):
            raise Forbidden("只有申请（下放）部门可以删除自己的草稿（第三十三条）", code="not_your_step")
        if row.state != State.DRAFT:
            raise Conflict("申请已提交，不能删除；可以在审核中按要求补正（第三十三条）", code="not_a_draft")
        for table in (FeedbackDocument, Receiver, DevolutionEvent):
            uow.session.query(table).filter(table.devolution_id == row.id).delete()
        uow.session.delete(row)
        tasks.draft_deleted(uow, row)
        uow.audit(  # its history goes with it; the trail keeps that it was deleted, and by whom
            f"devolution.{DRAFT_DELETED}",
            actor=actor,
            jurisdiction=row.jurisdiction,
            object_type="devolution",
            object_id=row.id,
            summary=f"删除草稿：{messages.title_of(row)}",
            details={"duty_name": row.duty_name, "applicant_department": row.applicant_department},
        )
        uow.commit()


def submit(
    runtime: ServiceRuntime, actor: Actor, devolution_id: str, claim: IdempotencyClaim | None = None
) -> None:
    """Submit a complete application: the review clock starts (第三十四条), or resumes after supplements."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        resubmission = row.state == State.RETURNED
        move(uow, row, actor, Action.RESUBMIT if resubmission else Action.SUBMIT)
        require_complete(ApplicationContent.from_dict(row.content))
        now = utcnow()
        if resubmission:
            clock_command(uow, row.review_clock_id, CLOCK_RESUME, {"at": now.isoformat()})
            tasks.close_step(uow, row.id, "supplement")
        else:
            row.submitted_at = now
            tasks.draft_submitted(uow, row)
            row.review_clock_id = f"devolution:{row.id}:review"
            start_review_clock(uow, runtime, row, now)
        clock = uow.session.get(Clock, row.review_clock_id) if resubmission and row.review_clock_id else None
        tasks.open_step(uow, runtime, row, "review", tasks.office(row), **_due_of(clock))
        uow.publish(*messages.to_office(runtime, row, "case_submitted", resubmitted=resubmission))
        uow.publish(
            *messages.to_applicant(
                runtime, row, "submission_received", resubmitted=resubmission, kind_name="职责下放申请"
            )
        )
        idempotency.record(uow.session, IdempotentRequest, claim, row.id)
        uow.commit()


def start_clock(uow: UnitOfWork, clock: Clock, case: CaseRef, start_at: datetime, **fields: Any) -> None:
    """Record a clock we ask deadlines to keep, and ask for it (CLOCK_START) in the same transaction."""
    clock.state = "requested"
    uow.session.add(clock)
    uow.publish(
        DEADLINES,
        CLOCK_START,
        {
            "clock_id": clock.clock_id,
            "rule": clock.rule,
            "case": case,
            "owner_service": "devolution",
            "start_at": start_at.isoformat(),
            **fields,
        },
    )


def start_review_clock(uow: UnitOfWork, runtime: ServiceRuntime, row: Devolution, now: datetime) -> None:
    """第三十四条: 10 working days from the complete application."""
    start_clock(
        uow,
        Clock(clock_id=row.review_clock_id or "", devolution_id=row.id, rule=REVIEW_RULE),
        messages.case_of(runtime, row),
        now,
        responsible=[messages.office_party(row.jurisdiction)],
        escalate_to=[messages.office_leaders(row.jurisdiction)],
    )


def clock_command(uow: UnitOfWork, clock_id: str | None, kind: str, fields: Mapping[str, Any]) -> None:
    """Pause, resume or stop a clock we started — unless it has already stopped."""
    clock = uow.session.get(Clock, clock_id) if clock_id else None
    if clock is None or clock.state == "stopped":
        return
    if kind == CLOCK_STOP:
        clock.state = "stopped"
    uow.publish(DEADLINES, kind, {"clock_id": clock_id, **fields})


def return_for_supplements(
    runtime: ServiceRuntime, actor: Actor, devolution_id: str, reasons: str, items: list[str]
) -> None:
    """The office sends the application back; the review clock does not run meanwhile."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        move(uow, row, actor, Action.RETURN, reasons=reasons, items=items)
        if not reasons.strip():
            raise ValidationFailed.for_field("reasons", "须写明需要补正的内容", code="reasons_required")
        now = utcnow().isoformat()
        clock_command(uow, row.review_clock_id, CLOCK_PAUSE, {"at": now, "reason": f"退回补正：{reasons}"})
        tasks.close_step(uow, row.id, "review", outcome="cancelled")  # the office waits for the supplement
        tasks.open_step(uow, runtime, row, "supplement", tasks.applicant(row))
        uow.publish(
            *messages.to_applicant(runtime, row, "supplement_requested", reasons=reasons, items=items)
        )
        uow.commit()


def attach_feedback(
    runtime: ServiceRuntime,
    actor: Actor,
    devolution_id: str,
    *,
    department: str,
    role: str,
    filename: str,
    data: bytes,
    field: str,
    store: AttachmentStore,
) -> None:
    """The scan of a department's written feedback (第三十三条第五项), while the application may be edited.
    The bytes go to the suite's one attachment store (under their SHA-256, before the row is written); the
    row says whose scan it is."""
    filename = clean_filename(filename, field=field)
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        move(uow, row, actor, Action.EDIT, attached=f"{department}:{role}")
        listed = (
            (row.content.get("receiving_departments") or [])
            if role == "receiving"
            else (row.content.get("related_departments") or [])
        )
        if department not in listed:
            raise ValidationFailed.for_field(
                field, "该部门不在承接部门或关联部门之列", code="feedback_unlisted"
            )
        content_type = content_type_of(
            filename, data[:8], len(data), max_bytes=runtime.settings.max_upload_bytes, field=field
        )
        existing = uow.session.scalars(
            select(FeedbackDocument).where(
                FeedbackDocument.devolution_id == row.id,
                FeedbackDocument.department == department,
                FeedbackDocument.role == role,
            )
        ).first()
        document = existing or FeedbackDocument(
            id=f"fd-{uuid.uuid4().hex[:12]}", devolution_id=row.id, department=department, role=role
        )
        document.filename, document.content_type, document.size = filename, content_type, len(data)
        document.sha256 = hashlib.sha256(data).hexdigest()
        store_once(store, document.sha256, io.BytesIO(data))
        document.uploaded_by, document.uploaded_at = actor.user_id, utcnow()
        uow.session.add(document)
        uow.commit()


def feedback_document(
    runtime: ServiceRuntime, actor: Actor, devolution_id: str, document_id: str
) -> FeedbackDocument:
    """One scan, to whoever may see the devolution; NotFound otherwise."""
    with runtime.db.transaction() as session:
        load_visible(session, devolution_id, actor)
        document = session.get(FeedbackDocument, document_id)
        if document is None or document.devolution_id != devolution_id:
            raise NotFound("未找到该文件", code="document_not_found")
        session.expunge(document)
        return document


# --- review and decision (第三十四条) -------------------------------------------------------------------


def conclude_review(
    runtime: ServiceRuntime,
    actor: Actor,
    devolution_id: str,
    result: review.Review,
    store: AttachmentStore | None = None,
) -> None:
    """Record checklist and conclusion: "ready" goes to the leaders' inbox, "not ready" is told in writing —
    the notice numbered in this transaction, rendered and delivered once it has committed."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        ready = result.conclusion is review.Conclusion.READY
        move(uow, row, actor, Action.CONCLUDE_READY if ready else Action.CONCLUDE_NOT_READY)
        review.validate_review(result, row.applicant_department)  # after the state check: 409 before 422
        row.review = review_as_dict(result, actor)
        at = utcnow().isoformat()
        clock_command(uow, row.review_clock_id, CLOCK_STOP, {"at": at, "outcome": "done"})
        tasks.close_step(uow, row.id, "review")
        if ready:
            row.power_list_entries = review.entries_as_dicts(result.power_list_entries)
            request_approval(uow, runtime, row, actor)
        else:
            uow.publish(*messages.to_applicant(runtime, row, "devolution_not_ready", reason=result.reasons))
            document_id = number_not_ready_notice(uow.session, row, actor, result).id  # last: locks to commit
            uow.after_commit(lambda: render_document(runtime, document_id, store))
        uow.commit()


# --- written documents (第三十四条 暂不具备下放条件书面告知, GB/T 9704-2012) ------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
DOCUMENT_TYPES = {"docx": DOCX, "pdf": PDF}


def _name_of(session: Session, code: str) -> str:
    department = session.get(DepartmentReplica, code)
    return department.name if department else code


def number_not_ready_notice(
    session: Session, row: Devolution, actor: Actor, result: review.Review
) -> IssuedDocument:
    """The notice's words and number, in the step's transaction (state "pending": not rendered yet). The
    counter row stays locked to the commit, so take the number last and render after the commit."""
    facts = notice.NoticeFacts(
        duty_name=row.duty_name,
        applicant=_name_of(session, row.applicant_department),
        receivers=tuple(
            dict.fromkeys(_name_of(session, code) for code, _ in parties_of(session, row).receivers)
        ),
        reasons=result.reasons.strip(),
        unmet=tuple(review.CHECKLIST_ITEMS.get(e.item, e.item) for e in result.checklist if not e.satisfied),
        submitted_on=localtime.local_date(row.submitted_at) if row.submitted_at else None,
    )
    content = notice.not_ready(facts)
    on = localtime.today()
    series = series_for(row.jurisdiction, SERIES_KINDS["devolution"])
    sequence = numbering.next_number(session, DocumentCounter, row.jurisdiction, series, on.year)
    number = DocumentNumber(series, on.year, sequence)
    document = IssuedDocument(
        id=f"doc-{uuid.uuid4().hex[:16]}",
        devolution_id=row.id,
        kind=notice.NOT_READY,
        jurisdiction_code=row.jurisdiction,
        series=series,
        year=on.year,
        sequence=sequence,
        number=str(number),
        title=content.title,
        main_recipient=content.main_recipient,
        dated=on,
        content={
            "body": [[b.text, b.level] for b in content.body],
            "copy_to": list(content.copy_to),
        },
        state=rendering.PENDING,
        attempts=0,
        issued_by=actor.user_id,
    )
    session.add(document)
    session.flush()
    return document


def _official(document: IssuedDocument) -> OfficialDocument:
    issuer = issuer_for(document.jurisdiction_code)
    return OfficialDocument(
        issuer=issuer,
        number=DocumentNumber(document.series, document.year, document.sequence),
        title=document.title,
        main_recipient=document.main_recipient,
        body=tuple(Block(text, level) for text, level in document.content["body"]),
        organ=issuer,
        dated=document.dated,
        copy_to=tuple(document.content.get("copy_to") or ()),
        article=notice.ARTICLE,
        case_id=document.devolution_id,
        keywords=(notice.NAMES.get(document.kind, document.kind),),
    )


def render_document(
    runtime: ServiceRuntime,
    document_id: str,
    store: AttachmentStore | None = None,
    by: Actor | None = None,
) -> bool:
    """Render a numbered document as .docx and PDF outside any transaction, store both, mark it issued and
    tell its addressees with the links. A failure (no Chinese font, a store that refuses) marks it "failed"
    with the error, for the office and the sweep's next try after the backoff; the step it records stays as
    committed. ``by``: the person whose 重新生成 asked for it (the history and the audit trail name them;
    ``None``: the system)."""
    store = store or store_for(runtime.settings)
    with runtime.db.transaction() as session:
        document = session.get(IssuedDocument, document_id)
        if document is None or document.state == rendering.ISSUED:
            return document is not None
        official = _official(document)
    try:
        docx, pdf = render_docx(official), render_pdf(official)
        digests = hashlib.sha256(docx).hexdigest(), hashlib.sha256(pdf).hexdigest()
        store_once(store, digests[0], io.BytesIO(docx))
        store_once(store, digests[1], io.BytesIO(pdf))
    except Exception as exc:
        log.exception("document %s could not be rendered", document_id)
        _record_failure(runtime, document_id, f"{type(exc).__name__}: {exc}", by)
        return False
    with runtime.unit_of_work() as uow:
        document = uow.session.get(IssuedDocument, document_id, with_for_update=True)
        if document is None or document.state == rendering.ISSUED:  # rendered meanwhile by the sweep
            return document is not None
        document.docx_sha256, document.docx_size = digests[0], len(docx)
        document.pdf_sha256, document.pdf_size = digests[1], len(pdf)
        rendering.mark_rendered(document, utcnow())
        row = uow.session.get(Devolution, document.devolution_id)
        assert row is not None
        note(uow, row, "document_issued", {"number": document.number, "title": document.title}, by)
        uow.publish(*messages.document_notice(runtime, row, document, parties_of(uow.session, row).receivers))
        uow.commit()
    return True


def _record_failure(runtime: ServiceRuntime, document_id: str, error: str, by: Actor | None = None) -> None:
    with runtime.unit_of_work() as uow:
        document = uow.session.get(IssuedDocument, document_id, with_for_update=True)
        if document is None or document.state == rendering.ISSUED:
            return
        first = document.state != rendering.FAILED
        rendering.mark_failed(document, error, utcnow())
        if first or by is not None:  # a person's 重新生成 that failed is recorded too (who tried, when)
            row = uow.session.get(Devolution, document.devolution_id)
            assert row is not None
            note(uow, row, "document_failed", {"number": document.number}, by)
        uow.commit()


def render_pending_documents(runtime: ServiceRuntime) -> None:
    """The periodic sweep (:mod:`shared.documents.sweep`): render a letter that failed once its backoff has
    passed, and one still pending after the grace (its request died after the review's commit), while it has
    automatic tries left; then the page asks the office to 重新生成."""
    sweep.render_due(
        runtime.db,
        IssuedDocument,
        IssuedDocument.created_at,
        lambda document_id: render_document(runtime, document_id),
        log,
    )


def rerender_document(
    runtime: ServiceRuntime,
    actor: Actor,
    devolution_id: str,
    document_id: str,
    store: AttachmentStore | None = None,
) -> bool:
    """The office's 重新生成 of a letter not rendered (its number and words stay): rendered now, and if that
    fails too the sweep's automatic tries start again. Whether it is issued now."""
    with runtime.db.transaction() as session:
        row = load_visible(session, devolution_id, actor)
        if not plays(actor, Party.OFFICE, parties_of(session, row)):
            raise Forbidden("只有编办可以重新生成书面文书", code="not_your_step")
        document = session.get(IssuedDocument, document_id, with_for_update=True)
        if document is None or document.devolution_id != row.id:
            raise NotFound("未找到该文书", code="document_not_found")
        rendering.restart_tries(document)
    return render_document(runtime, document_id, store, by=actor)


def issued_document(
    runtime: ServiceRuntime, actor: Actor, devolution_id: str, document_id: str
) -> IssuedDocument:
    """One rendered document, to whoever may see the devolution; NotFound otherwise (or not rendered yet)."""
    with runtime.db.transaction() as session:
        load_visible(session, devolution_id, actor)
        document = session.get(IssuedDocument, document_id)
        if document is None or document.devolution_id != devolution_id or document.state != rendering.ISSUED:
            raise NotFound("未找到该文书", code="document_not_found")
        session.expunge(document)
        return document


def review_as_dict(result: review.Review, actor: Actor) -> dict[str, Any]:
    return {
        "checklist": [{"item": e.item, "satisfied": e.satisfied, "note": e.note} for e in result.checklist],
        "notes": result.notes,
        "conclusion": str(result.conclusion),
        "reasons": result.reasons,
        "reviewed_by": {"user_id": actor.user_id, "name": actor.name},
        "reviewed_at": utcnow().isoformat(),
    }


def request_approval(uow: UnitOfWork, runtime: ServiceRuntime, row: Devolution, actor: Actor) -> None:
    sent_before = uow.session.scalars(
        select(DevolutionEvent.id).where(
            DevolutionEvent.devolution_id == row.id, DevolutionEvent.action == str(Action.CONCLUDE_READY)
        )
    ).all()
    row.approval_request_id = f"devolution:{row.id}:approval:{len(sent_before)}"
    clock = uow.session.get(Clock, row.review_clock_id) if row.review_clock_id else None
    running = clock is not None and clock.state not in ("stopped", "paused")
    due = clock.due_date if running and clock else None
    uow.publish(
        INTAKE,
        APPROVAL_REQUEST,
        {
            "request_id": row.approval_request_id,
            "requester_service": "devolution",
            "case": messages.case_of(runtime, row),
            "decision_kind": "devolution_decision",
            "drafted_decision": messages.drafted_decision(row, _department_name(uow.session, row)),
            "materials": [
                {"name": "职责下放申请及审核论证意见", "url": messages.case_of(runtime, row).get("url", "")}
            ],
            "requested_by": {"user_id": actor.user_id, "name": actor.name},
            "statutory_clock_id": row.review_clock_id,
            # the review (第三十四条) ends with its conclusion: the clock stopped, the approval has no date
            "statutory_due_date": due.isoformat() if due else None,
            "statutory_provisional": bool(due and clock and clock.provisional),
            "statutory_basis": review.review_basis(row.jurisdiction),
            "case_history": case_history(uow.session, row),
        },
    )


def _department_name(session: Session, row: Devolution) -> str:
    department = session.get(DepartmentReplica, row.applicant_department)
    return department.name if department else "申请部门"


def case_history(session: Session, row: Devolution) -> list[dict[str, str]]:
    """The history in the words the approver reads on the task page."""
    events = session.scalars(
        select(DevolutionEvent).where(DevolutionEvent.devolution_id == row.id).order_by(DevolutionEvent.id)
    ).all()
    return [
        {"at": e.at.isoformat(), "actor": e.actor_name, "text": history.entry_label(e.action)} for e in events
    ]


def _decider(payload: Mapping[str, Any], jurisdiction: str) -> Actor | None:
    """Who decided, in the roles they decided in (the message's ``decider``: 等保 2.0 安全审计), for the
    audit trail; ``None`` for a message sent before ``decider`` was added (it names ``decided_by`` only)."""
    decider = payload.get("decider")
    if not isinstance(decider, Mapping) or not decider.get("user_id"):
        return None
    roles = decider.get("roles")
    return Actor(
        user_id=str(decider["user_id"]),
        name=str(decider.get("name") or decider["user_id"]),
        jurisdiction=jurisdiction,
        department=None,
        roles=frozenset(str(r) for r in roles) if isinstance(roles, list) else frozenset(),
    )


def apply_approval_decision(uow: UnitOfWork, runtime: ServiceRuntime, payload: Mapping[str, Any]) -> None:
    """APPROVAL_DECIDED: approved → "approved, not yet in force" and the 权责清单 change is logged."""
    row = uow.session.scalars(
        select(Devolution).where(Devolution.approval_request_id == payload.get("request_id"))
    ).first()
    if row is None or row.state != State.PENDING_APPROVAL:
        messages.log.warning(
            "approval decision for an unknown or settled request: %s", payload.get("request_id")
        )
        return
    decided_by = payload.get("decided_by") or {}
    leader = Actor(  # the approval's channel: what the rules let decide (Party.APPROVAL)
        user_id=str(decided_by.get("user_id", "approval")),
        name=str(decided_by.get("name", "编办领导")),
        jurisdiction=row.jurisdiction,
        department=None,
        roles=frozenset({"service"}),
    )
    decider = _decider(payload, row.jurisdiction)
    outcome = payload.get("outcome")
    keys = ("approval_id", "outcome", "decided_by", "on_behalf_of", "comment", "decided_at")
    row.approval = {k: payload.get(k) for k in keys if payload.get(k) is not None}
    if outcome != "approved":
        move(
            uow,
            row,
            leader,
            Action.APPROVAL_SENT_BACK,
            audited_as=decider,
            outcome=outcome,
            comment=payload.get("comment"),
        )
        uow.publish(
            *messages.to_office(runtime, row, "approval_returned", comment=payload.get("comment") or "")
        )
        tasks.open_step(uow, runtime, row, "review", tasks.office(row))
        return
    move(uow, row, leader, Action.APPROVAL_APPROVED, audited_as=decider, comment=payload.get("comment"))
    log_power_list_change(uow, runtime, row, in_force=False)
    tasks.open_step(uow, runtime, row, "issuance", tasks.office(row))
    outcome_note = "已批准，尚未正式发文；正式发文前相关责任仍由原部门负责（第三十四条第二款）"
    uow.publish(
        *messages.to_applicant(
            runtime, row, "devolution_decided", outcome_name="同意下放", outcome_note=outcome_note
        )
    )


def log_power_list_change(
    uow: UnitOfWork, runtime: ServiceRuntime, row: Devolution, *, in_force: bool
) -> None:
    """The 权责清单 change log its maintainers poll, and a notice to them (see README "权责清单")."""
    parties = parties_of(uow.session, row)
    responsible = [code for code, _j in parties.receivers] if in_force else [row.applicant_department]
    change = PowerListChange(
        jurisdiction=row.jurisdiction,
        devolution_id=row.id,
        change="in_force" if in_force else "approved_not_in_force",
        in_force=in_force,
        responsible_departments=responsible,
        entries=list(row.power_list_entries),
        document_number=row.document_number,
        document_date=row.document_date,
    )
    uow.session.add(change)
    uow.session.flush()
    uow.publish(*messages.power_list_notice(runtime, row, change))


# --- issuance and after (第三十四条第二款, 第三十五条) -----------------------------------------------------


def issue(runtime: ServiceRuntime, actor: Actor, devolution_id: str, number: str, issued_on: date) -> None:
    """Formal issuance: from now the receiving side is responsible; handover and half-year clocks start."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        move(uow, row, actor, Action.ISSUE, document_number=number, document_date=issued_on)
        if not number.strip():
            message = "须写明正式发文的文号"
            raise ValidationFailed.for_field("document_number", message, code="document_required")
        if issued_on > localtime.today():
            raise ValidationFailed.for_field("document_date", "发文日期不能晚于今天", code="date_in_future")
        row.document_number, row.document_date = number, issued_on
        content = ApplicationContent.from_dict(row.content)
        for kind, due in aftercare.initial_handover(content.support_measures).items():
            uow.session.add(HandoverItem(devolution_id=row.id, kind=str(kind), due_date=due))
        receivers = parties_of(uow.session, row).receivers
        for code, jurisdiction in receivers:
            start_report_clock(uow, runtime, row, code, jurisdiction)
            party = messages.department_party(code, jurisdiction)
            tasks.open_step(uow, runtime, row, "half_year_report", party, subject=code)
        tasks.close_step(uow, row.id, "issuance")
        uow.session.flush()
        handover_task(uow, runtime, row)
        log_power_list_change(uow, runtime, row, in_force=True)
        uow.publish(*messages.to_applicant(runtime, row, "devolution_issued"))
        uow.publish(*messages.to_receivers(runtime, row, receivers, "devolution_issued"))
        uow.commit()


def start_report_clock(
    uow: UnitOfWork, runtime: ServiceRuntime, row: Devolution, department: str, jurisdiction: str
) -> None:
    clock_id = f"devolution:{row.id}:report:{department}"
    uow.session.add(
        OperationReport(
            devolution_id=row.id,
            department=department,
            department_jurisdiction=jurisdiction,
            clock_id=clock_id,
        )
    )
    start_clock(
        uow,
        Clock(clock_id=clock_id, devolution_id=row.id, rule=REPORT_RULE, department=department),
        messages.case_of(runtime, row),
        localtime.start_of_day(row.document_date or localtime.today()),
        responsible=[messages.department_party(department, jurisdiction)],
        escalate_to=[messages.department_party(row.applicant_department, row.jurisdiction)],
    )


def update_handover(
    runtime: ServiceRuntime, actor: Actor, devolution_id: str, kind: str, changes: Mapping[str, Any]
) -> None:
    """The devolving department sets a handover item's date and description, or marks it done."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        move(uow, row, actor, Action.UPDATE_HANDOVER, kind=kind, **changes)
        if changes.get("done_on") and changes["done_on"] > localtime.today():
            message = "完成日期不能晚于今天；尚未完成的请修改计划日期（due_date）"
            raise ValidationFailed.for_field("done_on", message, code="date_in_future")
        item = uow.session.scalars(
            select(HandoverItem).where(HandoverItem.devolution_id == row.id, HandoverItem.kind == kind)
        ).first()
        if item is None:
            raise NotFound("未找到该衔接事项", code="handover_item_not_found")
        for name in ("description", "due_date", "done_on"):
            if name in changes:
                setattr(item, name, changes[name])
        uow.session.flush()
        handover_task(uow, runtime, row)
        uow.commit()


def handover_task(uow: UnitOfWork, runtime: ServiceRuntime, row: Devolution) -> None:
    """工作衔接 waits for the devolving department until every item is done, due by the earliest date left."""
    items = uow.session.scalars(select(HandoverItem).where(HandoverItem.devolution_id == row.id)).all()
    pending = [i for i in items if i.done_on is None]
    if not pending:
        tasks.close_step(uow, row.id, "handover")
        return
    dates = [i.due_date for i in pending if i.due_date]
    tasks.open_step(
        uow, runtime, row, "handover", tasks.applicant(row), due_date=min(dates) if dates else None
    )


def _due_of(clock: Clock | None) -> dict[str, Any]:
    """A task's statutory date from our record of its clock (none while it is unknown or stopped)."""
    if clock is None or clock.state in ("stopped", "paused", "requested") or clock.due_date is None:
        return {}
    return {"due_date": clock.due_date, "provisional": clock.provisional, "calendar": clock.calendar}


def refresh_task_dates(uow: UnitOfWork, runtime: ServiceRuntime, clock: Clock) -> None:
    """A clock's date became known or moved (clock.scheduled): the open step it measures shows it."""
    row = uow.session.get(Devolution, clock.devolution_id) if clock.devolution_id else None
    if row is None:
        return
    if clock.rule == REVIEW_RULE and row.state == State.UNDER_REVIEW:
        tasks.open_step(uow, runtime, row, "review", tasks.office(row), **_due_of(clock))
    elif clock.rule == REPORT_RULE and clock.department:
        report = _report(uow.session, row, clock.department)
        if report.state == aftercare.ReportState.AWAITING:
            party = messages.department_party(clock.department, report.department_jurisdiction)
            due = _due_of(clock)
            tasks.open_step(uow, runtime, row, "half_year_report", party, subject=clock.department, **due)


def _report(session: Session, row: Devolution, department: str) -> OperationReport:
    report = session.scalars(
        select(OperationReport).where(
            OperationReport.devolution_id == row.id, OperationReport.department == department
        )
    ).first()
    if report is None:
        raise NotFound("未找到该承接部门的专项报告", code="report_not_found")
    return report


def submit_report(
    runtime: ServiceRuntime,
    actor: Actor,
    devolution_id: str,
    department: str,
    content: aftercare.OperationReport,
    claim: IdempotencyClaim | None = None,
    *,
    interim: bool = False,
) -> None:
    """A receiving department reports on the first half year of operation (第三十五条); before half a year
    has passed only as an interim report (``interim``), which leaves the half-year report due."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        if actor.department != department:
            raise Forbidden("专项报告须由该承接部门提交", code="not_your_step")
        action = Action.SUBMIT_INTERIM_REPORT if interim else Action.SUBMIT_REPORT
        move(uow, row, actor, action, department=department, interim=interim)
        report = _report(uow.session, row, department)
        if report.state != aftercare.ReportState.AWAITING:  # reported already: 409 before any 422
            aftercare.next_report_state(aftercare.ReportState(report.state), aftercare.ReportState.SUBMITTED)
        issued_on, today = row.document_date or localtime.today(), localtime.today()
        aftercare.validate_submission(content, issued_on, today, interim=interim)
        if interim:
            _record_interim(uow, runtime, row, department, content, actor)
        else:
            _record_half_year(uow, runtime, row, report, content, actor)
        idempotency.record(uow.session, IdempotentRequest, claim, row.id)
        uow.commit()


def _record_half_year(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    row: Devolution,
    report: OperationReport,
    content: aftercare.OperationReport,
    actor: Actor,
) -> None:
    """The report of 第三十五条: its clock stops, the devolving department acknowledges it."""
    department = report.department
    report.state = aftercare.next_report_state(
        aftercare.ReportState(report.state), aftercare.ReportState.SUBMITTED
    )
    report.content = dict(content.__dict__)
    report.submitted_at, report.submitted_by = utcnow(), actor.user_id
    clock_command(uow, report.clock_id, CLOCK_STOP, {"at": utcnow().isoformat(), "outcome": "done"})
    tasks.close_step(uow, row.id, "half_year_report", subject=department)
    tasks.open_step(uow, runtime, row, "acknowledge_report", tasks.applicant(row), subject=department)
    name = _receiver_name(uow.session, department)
    uow.publish(*messages.to_applicant(runtime, row, "half_year_report_submitted", department=name))


def _record_interim(
    uow: UnitOfWork,
    runtime: ServiceRuntime,
    row: Devolution,
    department: str,
    content: aftercare.OperationReport,
    actor: Actor,
) -> None:
    """An interim report is kept and the devolving department told; the half-year report's clock, reminders
    and worklist entry stay open (nothing to acknowledge)."""
    uow.session.add(
        InterimReport(
            devolution_id=row.id,
            department=department,
            content=dict(content.__dict__),
            submitted_at=utcnow(),
            submitted_by=actor.user_id,
        )
    )
    name = _receiver_name(uow.session, department)
    uow.publish(*messages.to_applicant(runtime, row, "interim_report_submitted", department=name))


def _receiver_name(session: Session, code: str) -> str:
    """What a notice calls a receiving department: its name from the directory, never its code."""
    department = session.get(DepartmentReplica, code)
    return department.name if department else "承接部门"


def acknowledge_report(
    runtime: ServiceRuntime, actor: Actor, devolution_id: str, department: str, note_text: str
) -> None:
    """The devolving department acknowledges a report; once all are in, the devolution is reported."""
    with runtime.unit_of_work() as uow:
        row = load_visible(uow.session, devolution_id, actor, to_change=True)
        move(uow, row, actor, Action.ACKNOWLEDGE_REPORT, department=department)
        report = _report(uow.session, row, department)
        report.state = aftercare.next_report_state(
            aftercare.ReportState(report.state), aftercare.ReportState.ACKNOWLEDGED
        )
        report.acknowledged_at, report.acknowledged_by = utcnow(), actor.user_id
        report.acknowledgement_note = note_text
        tasks.close_step(uow, row.id, "acknowledge_report", subject=department)
        uow.session.flush()
        states = uow.session.scalars(
            select(OperationReport.state).where(OperationReport.devolution_id == row.id)
        ).all()
        if all(s == aftercare.ReportState.ACKNOWLEDGED for s in states):
            move(uow, row, actor, Action.ALL_REPORTS_ACKNOWLEDGED)
        uow.commit()


def remind_overdue_handover(runtime: ServiceRuntime) -> None:
    """Periodic: an overdue handover item reminds the devolving department, once per due date."""
    today = localtime.today()
    with runtime.unit_of_work() as uow:
        rows = uow.session.execute(
            select(HandoverItem, Devolution)
            .join(Devolution, Devolution.id == HandoverItem.devolution_id)
            .where(HandoverItem.done_on.is_(None), HandoverItem.due_date < today)
        ).all()
        for item, row in rows:
            if item.reminded_for == item.due_date:
                continue
            item.reminded_for = item.due_date
            note(uow, row, "handover_overdue", {"kind": item.kind, "due_date": item.due_date})
            uow.publish(*messages.handover_overdue(runtime, row, item))
        uow.commit()


# --- the legacy rectification findings (第三十七条第四项): handed over to intake, their owner -------------


def hand_over_rectifications(runtime: ServiceRuntime) -> int:
    """Send every finding raised here before 限期纠正 became intake's alone to intake, once.

    Each row goes as ``rectification.handed_over`` (intake opens the case under the same id); an open one's
    clock is stopped here (intake starts it again from the day of the order) and its task is closed (intake
    opens its own); the devolution it was about notes it in its history. ``handed_over_at`` is stamped in
    the same transaction, so a second run sends nothing again. Returns how many rows were handed over.
    """
    with runtime.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(Rectification)
            .where(Rectification.handed_over_at.is_(None))
            .order_by(Rectification.raised_at)
        ).all()
        for r in rows:
            uow.publish(INTAKE, RECTIFICATION_HANDED_OVER, _handed_over(uow.session, r))
            if r.corrected_on is None:
                stop = {"at": utcnow().isoformat(), "outcome": "withdrawn"}
                clock_command(uow, r.clock_id, CLOCK_STOP, stop)
                tasks.close_step(uow, r.id, "rectification", outcome="cancelled")
            row = uow.session.get(Devolution, r.devolution_id) if r.devolution_id else None
            if row is not None:
                note(uow, row, "rectification_handed_over", {"rectification_id": r.id})
            r.handed_over_at = utcnow()
        uow.commit()
        return len(rows)


def _handed_over(session: Session, r: Rectification) -> dict[str, Any]:
    row = session.get(Devolution, r.devolution_id) if r.devolution_id else None
    return payload(
        id=r.id,
        jurisdiction=r.jurisdiction,
        devolution_id=r.devolution_id,
        devolution_title=messages.title_of(row) if row is not None else None,
        department=r.department,
        ground=r.ground,
        facts=r.facts,
        correct_by=r.correct_by.isoformat(),
        raised_by={"user_id": r.raised_by},
        raised_at=r.raised_at.isoformat(),
        corrected_on=r.corrected_on.isoformat() if r.corrected_on else None,
        correction_note=r.correction_note,
        confirmed_by=r.corrected_confirmed_by,
    )


exported = audit.exported  # an Excel ledger exported (等保 2.0 安全审计)
