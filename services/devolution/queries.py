"""Read side: what a caller may see of devolutions, clocks, reports, the 权责清单 change log and findings.

Every query is scoped to the caller: the office sees its own jurisdiction; a department sees the devolutions
it applied for and the submitted ones it receives (a county department may receive a city's devolution).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from services.devolution.domain import notice
from services.devolution.domain.aftercare import (
    HANDOVER_NAMES,
    REPORT_KIND_NAMES,
    REPORT_STATE_NAMES,
    HandoverKind,
    ReportKind,
    ReportState,
    half_year_date,
)
from services.devolution.domain.application import ApplicationContent, missing_items
from services.devolution.domain.history import entry_label
from services.devolution.domain.lifecycle import (
    STATE_NAMES,
    Actor,
    Parties,
    State,
    in_force,
    responsible_departments,
)
from services.devolution.tables import (
    Clock,
    Devolution,
    DevolutionEvent,
    FeedbackDocument,
    HandoverItem,
    InterimReport,
    IssuedDocument,
    OperationReport,
    PowerListChange,
    Receiver,
)
from services.devolution.usecases import load_visible, parties_of
from shared import localtime
from shared.db import utcnow
from shared.documents import rendering
from shared.runtime import ServiceRuntime

# CLOCK_SCHEDULED states (shared/contracts.py) of a clock that still asks someone to act.
OPEN_CLOCK_STATES = ("running", "overdue", "expired")


def _visible(actor: Actor) -> ColumnElement[bool]:
    if actor.is_office:
        return Devolution.jurisdiction == actor.jurisdiction
    if not actor.is_department_user or not actor.department:
        return Devolution.id.is_(None)
    receives = exists().where(
        Receiver.devolution_id == Devolution.id,
        Receiver.department == actor.department,
        Receiver.jurisdiction == actor.jurisdiction,
    )
    own = and_(
        Devolution.applicant_department == actor.department, Devolution.jurisdiction == actor.jurisdiction
    )
    return or_(own, and_(receives, Devolution.state != str(State.DRAFT)))


def _overdue_clock() -> ColumnElement[bool]:
    """A clock the deadlines service reports overdue, or one still running past its due instant."""
    return exists().where(
        Clock.devolution_id == Devolution.id,
        Clock.state.in_(OPEN_CLOCK_STATES),
        or_(Clock.state == "overdue", Clock.overdue.is_(True), Clock.due_at < utcnow()),
    )


def _overdue_handover() -> ColumnElement[bool]:
    """A handover item (第三十五条) not done by its date: the devolution is overdue too."""
    return exists().where(
        HandoverItem.devolution_id == Devolution.id,
        HandoverItem.done_on.is_(None),
        HandoverItem.due_date < localtime.today(),
    )


def clock_is_overdue(clock: Clock) -> bool:
    if clock.state not in OPEN_CLOCK_STATES:
        return False
    return clock.state == "overdue" or clock.overdue or (clock.due_at is not None and clock.due_at < utcnow())


def list_devolutions(
    runtime: ServiceRuntime, actor: Actor, *, states: list[str] | None = None, overdue: bool | None = None
) -> list[dict[str, Any]]:
    query = select(Devolution).where(_visible(actor)).order_by(Devolution.created_at.desc())
    if states:
        query = query.where(Devolution.state.in_(states))
    if overdue is not None:
        late = or_(_overdue_clock(), _overdue_handover())
        query = query.where(late if overdue else ~late)
    with runtime.db.transaction() as session:
        return _summaries(session, list(session.scalars(query).all()))


def summaries(runtime: ServiceRuntime, ids: list[str]) -> list[dict[str, Any]]:
    """These devolutions as a list shows them, in this order (the caller chose and scoped them)."""
    with runtime.db.transaction() as session:
        found = {row.id: row for row in session.scalars(select(Devolution).where(Devolution.id.in_(ids)))}
        return _summaries(session, [found[i] for i in ids if i in found])


def _summaries(session: Session, rows: list[Devolution]) -> list[dict[str, Any]]:
    ids = [row.id for row in rows]
    clock_query = select(Clock).where(Clock.devolution_id.in_(ids)).order_by(Clock.clock_id)
    clocks = _grouped(session.scalars(clock_query).all())
    receiver_query = select(Receiver).where(Receiver.devolution_id.in_(ids)).order_by(Receiver.department)
    receivers = _grouped(session.scalars(receiver_query).all())
    late_handover = set(session.scalars(_late_handover_of(ids)).all())
    return [
        summary(session, row, clocks.get(row.id, []), receivers.get(row.id, []), row.id in late_handover)
        for row in rows
    ]


def _late_handover_of(ids: list[str]) -> Any:
    return (
        select(HandoverItem.devolution_id)
        .where(
            HandoverItem.devolution_id.in_(ids),
            HandoverItem.done_on.is_(None),
            HandoverItem.due_date < localtime.today(),
        )
        .distinct()
    )


def _grouped(records: Iterable[Any]) -> dict[str, list[Any]]:
    by_devolution: dict[str, list[Any]] = {}
    for record in records:
        by_devolution.setdefault(record.devolution_id, []).append(record)
    return by_devolution


def _clock_view(clock: Clock) -> dict[str, Any]:
    return {
        "clock_id": clock.clock_id,
        "rule": clock.rule,
        "department": clock.department,
        "state": clock.state,
        "due_date": clock.due_date,
        "provisional": clock.provisional,
        "remaining_working_days": clock.remaining_working_days,
        "due_soon": clock.due_soon,
        "overdue": clock_is_overdue(clock),
        "overdue_working_days": clock.overdue_working_days,
    }


def summary(
    session: Session,
    row: Devolution,
    clock_rows: Iterable[Clock] | None = None,
    receiver_rows: Iterable[Receiver] | None = None,
    handover_overdue: bool | None = None,
) -> dict[str, Any]:
    """One devolution as a list shows it; a list passes the clocks and receivers it loaded in bulk.

    ``overdue``: a statutory clock is overdue, or a handover item is past its date (第三十五条)."""
    if clock_rows is None:
        clock_rows = session.scalars(
            select(Clock).where(Clock.devolution_id == row.id).order_by(Clock.clock_id)
        ).all()
    clocks = [_clock_view(c) for c in clock_rows]
    if receiver_rows is None:
        parties = parties_of(session, row)
    else:
        receivers = tuple((r.department, r.jurisdiction) for r in receiver_rows)
        parties = Parties(row.jurisdiction, row.applicant_department, receivers)
    state = State(row.state)
    if handover_overdue is None:
        handover_overdue = session.scalars(_late_handover_of([row.id])).first() is not None
    return {
        "id": row.id,
        "jurisdiction": row.jurisdiction,
        "duty_name": row.duty_name,
        "applicant_department": row.applicant_department,
        "receiving_departments": [code for code, _j in parties.receivers],
        "state": row.state,
        "state_label": STATE_NAMES[state],
        "in_force": in_force(state),
        "responsible_departments": list(responsible_departments(state, parties)),
        "document_number": row.document_number,
        "document_date": row.document_date,
        "submitted_at": row.submitted_at,
        "clocks": clocks,
        "overdue": handover_overdue or any(c["overdue"] for c in clocks),
    }


def detail(runtime: ServiceRuntime, actor: Actor, devolution_id: str) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        row = load_visible(session, devolution_id, actor)
        view = summary(session, row)
        view.update(
            application=row.content,
            missing_items=missing_items(ApplicationContent.from_dict(row.content)),
            review=row.review,
            power_list_entries=row.power_list_entries,
            approval=row.approval,
            handover=_handover(session, row.id),
            reports=_reports(session, row),
            history=[_event(e) for e in _events(session, row.id)],
            feedback_documents=_feedback_documents(session, row.id),
            documents=_documents(session, row.id),
        )
        return view


#: what the API's deprecated ``state_name`` says of an issued letter (whose ``state_text`` is empty)
ISSUED_NAME = "已制发"


def _documents(session: Session, devolution_id: str) -> list[dict[str, Any]]:
    """The written documents (第三十四条), oldest first."""
    rows = session.scalars(
        select(IssuedDocument)
        .where(IssuedDocument.devolution_id == devolution_id)
        .order_by(IssuedDocument.created_at)
    ).all()
    return [_document(d) for d in rows]


def _document(d: IssuedDocument) -> dict[str, Any]:
    """One letter: the links to its files once rendered; until then what the page says of it, in the words
    of intake's case page (:func:`shared.documents.rendering.state_text`)."""
    issued = d.state == rendering.ISSUED
    return {
        "id": d.id,
        "kind": d.kind,
        "name": notice.NAMES.get(d.kind, d.kind),
        "number": d.number,
        "title": d.title,
        "main_recipient": d.main_recipient,
        "dated": d.dated,
        "state": d.state,
        "state_text": rendering.state_text(d.state, d.attempts),
        "state_name": rendering.state_text(d.state, d.attempts) or ISSUED_NAME,
        "retried_automatically": rendering.retried_automatically(d.state, d.attempts),
        "attempts": d.attempts,
        "last_error": d.last_error,
        "pdf_url": notice.document_path(d.devolution_id, d.id, "pdf") if issued else None,
        "docx_url": notice.document_path(d.devolution_id, d.id, "docx") if issued else None,
        "pdf_size": d.pdf_size,
        "docx_size": d.docx_size,
    }


def _feedback_documents(session: Session, devolution_id: str) -> list[dict[str, Any]]:
    """The uploaded scans of the written feedback (第三十三条第五项), without their bytes."""
    query = select(
        FeedbackDocument.id,
        FeedbackDocument.department,
        FeedbackDocument.role,
        FeedbackDocument.filename,
        FeedbackDocument.size,
        FeedbackDocument.uploaded_at,
    ).where(FeedbackDocument.devolution_id == devolution_id)
    return [dict(r._mapping) for r in session.execute(query.order_by(FeedbackDocument.department)).all()]


def _events(session: Session, devolution_id: str) -> list[DevolutionEvent]:
    query = select(DevolutionEvent).where(DevolutionEvent.devolution_id == devolution_id)
    return list(session.scalars(query.order_by(DevolutionEvent.id)).all())


def _event(e: DevolutionEvent) -> dict[str, Any]:
    return {
        "at": e.at,
        "actor": {"user_id": e.actor_id, "name": e.actor_name},
        "action": e.action,
        "label": entry_label(e.action),
        "from_state": e.from_state,
        "to_state": e.to_state,
        "detail": e.detail,
    }


def _handover(session: Session, devolution_id: str) -> list[dict[str, Any]]:
    today = localtime.today()
    items = session.scalars(select(HandoverItem).where(HandoverItem.devolution_id == devolution_id)).all()
    return [
        {
            "kind": i.kind,
            "label": HANDOVER_NAMES[HandoverKind(i.kind)],
            "description": i.description,
            "due_date": i.due_date,
            "done_on": i.done_on,
            "overdue": i.done_on is None and i.due_date is not None and i.due_date < today,
        }
        for i in sorted(items, key=lambda i: list(HandoverKind).index(HandoverKind(i.kind)))
    ]


def _reports(session: Session, row: Devolution) -> list[dict[str, Any]]:
    """Each receiving department's half-year report (第三十五条), with the interim reports it sent before."""
    reports = session.scalars(
        select(OperationReport)
        .where(OperationReport.devolution_id == row.id)
        .order_by(OperationReport.department)
    )
    interim_query = (
        select(InterimReport).where(InterimReport.devolution_id == row.id).order_by(InterimReport.id)
    )
    interim = _by_department(session.scalars(interim_query).all())
    acceptable_from = half_year_date(row.document_date) if row.document_date else None
    views = []
    for r in reports.all():
        clock = session.get(Clock, r.clock_id)
        views.append(
            {
                "department": r.department,
                "department_jurisdiction": r.department_jurisdiction,
                "interim": False,
                "kind": str(ReportKind.HALF_YEAR),
                "kind_label": REPORT_KIND_NAMES[ReportKind.HALF_YEAR],
                "state": r.state,
                "state_label": REPORT_STATE_NAMES[ReportState(r.state)],
                "acceptable_from": acceptable_from,
                "due_date": clock.due_date if clock else None,
                "provisional": clock.provisional if clock else False,
                "content": r.content,
                "submitted_at": r.submitted_at,
                "acknowledged_at": r.acknowledged_at,
                "acknowledgement_note": r.acknowledgement_note,
                "interim_reports": [_interim_view(i) for i in interim.get(r.department, [])],
            }
        )
    return views


def _by_department(records: Iterable[InterimReport]) -> dict[str, list[InterimReport]]:
    grouped: dict[str, list[InterimReport]] = {}
    for record in records:
        grouped.setdefault(record.department, []).append(record)
    return grouped


def _interim_view(i: InterimReport) -> dict[str, Any]:
    return {
        "interim": True,
        "kind": str(ReportKind.INTERIM),
        "kind_label": REPORT_KIND_NAMES[ReportKind.INTERIM],
        "content": i.content,
        "submitted_at": i.submitted_at,
        "submitted_by": i.submitted_by,
    }


def power_list_changes(runtime: ServiceRuntime, actor: Actor, after: int, limit: int) -> list[dict[str, Any]]:
    """The change log since ``after`` (a cursor: the last ``id`` the maintainer has seen)."""
    query = (
        select(PowerListChange)
        .where(PowerListChange.jurisdiction == actor.jurisdiction, PowerListChange.id > after)
        .order_by(PowerListChange.id)
        .limit(limit)
    )
    with runtime.db.transaction() as session:
        return [
            {
                "id": c.id,
                "type": "power_list.changed",
                "devolution_id": c.devolution_id,
                "change": c.change,
                "in_force": c.in_force,
                "responsible_departments": c.responsible_departments,
                "entries": c.entries,
                "document_number": c.document_number,
                "document_date": c.document_date,
                "occurred_at": c.occurred_at,
            }
            for c in session.scalars(query).all()
        ]
