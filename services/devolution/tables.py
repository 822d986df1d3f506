"""Devolution's tables: the department replica, the devolutions with their history, clocks, handover,
operation reports, the 权责清单 change log, the legacy rectification findings (read-only: rectification is
intake's), the written documents with their number counter, and the ``Idempotency-Key`` table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.audit import audit_table
from shared.db import UTCDateTime, utcnow
from shared.dead_letters import dead_letter_table
from shared.idempotency import idempotency_table
from shared.messaging import messaging_tables


class Base(DeclarativeBase):
    pass


Outbox, Inbox = messaging_tables(Base)
DeadLetter = dead_letter_table(Base)
AuditEntry = audit_table(Base)
IdempotentRequest = idempotency_table(Base)


class DepartmentReplica(Base):
    """A department from intake's directory (承接部门, 关联部门 are checked against it)."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    function: Mapped[str | None] = mapped_column(String(30), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Devolution(Base):
    """职责下放申请 and what became of it; ``content`` holds the five items of 第三十三条 as JSON."""

    __tablename__ = "devolution"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    applicant_department: Mapped[str] = mapped_column(String(40), index=True)
    duty_name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(30), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    review: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    power_list_entries: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    review_clock_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    approval_request_id: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    approval: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    document_number: Mapped[str | None] = mapped_column(String(120), nullable=True)
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Receiver(Base):
    """A receiving department (承接部门) of a devolution; it may sit in another (county) jurisdiction."""

    __tablename__ = "devolution_receiver"

    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))


class DevolutionEvent(Base):
    """The append-only history of a devolution: who did what, from which state to which."""

    __tablename__ = "devolution_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(60))
    actor_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Clock(Base):
    """A statutory clock the deadlines service keeps for us, as its last CLOCK_* event described it."""

    __tablename__ = "clock"

    clock_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    devolution_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    rectification_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    rule: Mapped[str] = mapped_column(String(40))
    department: Mapped[str | None] = mapped_column(String(40), nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="requested")
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    remaining_working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The calendar window the last clock.scheduled carried (``shared.contracts.CalendarWindow``): passed on
    with the step's task and the approval request, whose readers count the working days left with it."""
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_soon: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandoverItem(Base):
    """第三十五条 工作衔接: one item of the devolving department's handover checklist."""

    __tablename__ = "handover_item"
    __table_args__ = (UniqueConstraint("devolution_id", "kind", name="uq_handover_item_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reminded_for: Mapped[date | None] = mapped_column(Date, nullable=True)


class OperationReport(Base):
    """第三十五条 运行半年专项报告: one per receiving department."""

    __tablename__ = "operation_report"
    __table_args__ = (UniqueConstraint("devolution_id", "department", name="uq_operation_report_department"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    department_jurisdiction: Mapped[str] = mapped_column(String(12))
    clock_id: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(20), default="awaiting")
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    acknowledgement_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class InterimReport(Base):
    """第三十五条 中期报告: what a receiving department sends before half a year of operation, marked so
    by it; any number per department. It does not count as the half-year report, which stays due."""

    __tablename__ = "interim_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(60))


class DevolutionFact(Base):
    """What a devolution counts for in 监督统计 (``domain/figures.py``), kept by ``figures.track`` in the
    transaction of every change: the office's filtered list reads them through the index, and each change
    is published to intake's counters (``devolution.figures``)."""

    __tablename__ = "devolution_fact"
    __table_args__ = (
        UniqueConstraint("devolution_id", "fact", "subject", name="uq_devolution_fact"),
        Index("ix_devolution_fact_figure", "jurisdiction", "fact", "day", "department"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    department: Mapped[str] = mapped_column(String(40))
    fact: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(40), default="")
    day: Mapped[date] = mapped_column(Date)


class PowerListChange(Base):
    """权责清单 change log that the list's maintainers poll (``GET /api/v1/power-list/changes``)."""

    __tablename__ = "power_list_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), index=True)
    change: Mapped[str] = mapped_column(String(30))
    in_force: Mapped[bool] = mapped_column(Boolean, default=False)
    responsible_departments: Mapped[list[str]] = mapped_column(JSON)
    entries: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    document_number: Mapped[str | None] = mapped_column(String(120), nullable=True)
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rectification(Base):
    """A 第三十七条第四项 限期纠正 finding raised here before rectification moved to intake (one owner: the
    office's casework). Read-only legacy: nothing writes it any more but ``hand_over_rectifications``, which
    sends each row to intake (``rectification.handed_over``; intake keeps the id) and stamps
    ``handed_over_at``. The rows stay, so nothing is lost and the hand-over can be checked against them."""

    __tablename__ = "rectification"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    devolution_id: Mapped[str | None] = mapped_column(ForeignKey("devolution.id"), nullable=True, index=True)
    department: Mapped[str] = mapped_column(String(40), index=True)
    ground: Mapped[str] = mapped_column(String(40))
    facts: Mapped[str] = mapped_column(Text)
    correct_by: Mapped[date] = mapped_column(Date)
    clock_id: Mapped[str] = mapped_column(String(120))
    raised_by: Mapped[str] = mapped_column(String(60))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set when the office confirms the correction (the clock then stops)
    corrected_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    correction_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    corrected_confirmed_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # when the row was handed over to intake (devolution_0009); null: not yet
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class FeedbackDocument(Base):
    """第三十三条第五项: the scan of a receiving or related department's written feedback, uploaded with
    the application (one per department and role; a new upload replaces the old one). The bytes are in the
    suite's one attachment store (shared/attachment_store.py) under ``sha256``."""

    __tablename__ = "feedback_document"
    __table_args__ = (UniqueConstraint("devolution_id", "department", "role", name="uq_feedback_document"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(60))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentCounter(Base):
    """The last number taken per jurisdiction, series and year (devolution's own series, 甬编办下放函):
    incremented under its row lock by ``shared.documents.numbering.next_number``."""

    __tablename__ = "document_counter"

    jurisdiction_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument(Base):
    """A written document of a devolution (第三十四条 暂不具备下放条件书面告知), GB/T 9704-2012.

    Numbered in the step's own transaction (``state`` "pending", the letter's words in ``content``), rendered
    as .docx and PDF after it committed (the number lock is never held while rendering), then "issued" with
    the files' SHA-256 in the suite's attachment store. A rendering that fails leaves it "failed" with its
    error for the office, and the periodic sweep tries again at ``retry_at`` while it has automatic tries
    left (``attempts``, :mod:`shared.documents.rendering`): the step is never lost."""

    __tablename__ = "issued_document"
    __table_args__ = (
        UniqueConstraint("jurisdiction_code", "series", "year", "sequence", name="uq_issued_document_number"),
        UniqueConstraint("devolution_id", "kind", name="uq_issued_document_kind"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    devolution_id: Mapped[str] = mapped_column(ForeignKey("devolution.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    jurisdiction_code: Mapped[str] = mapped_column(String(12))
    series: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    main_recipient: Mapped[str] = mapped_column(String(300))
    dated: Mapped[date] = mapped_column(Date)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    docx_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    docx_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pdf_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    issued_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
