"""Intake's case tables: cases, their parties, history, clocks, solicitations, meetings and attachments.

A case keeps its kind-specific submission in ``content`` and the record of what was decided on it in
``progress`` (both JSON, validated at the edge and by the domain, shown as they are); what the rules read —
the state, a suspended case's way back, the one extension, the pending draft, the rounds — and what the
queries filter on — status, kind, departments, the nearest deadline — are real columns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.intake.tables.base import Base
from shared.db import UTCDateTime, utcnow


def _of_its_case() -> Any:
    """The link from a row to its case, never read (``lazy="raise"``): it tells the unit of work to write a
    case before the rows that refer to it, so that a case opened with its parties, clocks and history is
    written at one flush (without it the order is the classes' names, and the foreign key fails)."""
    return relationship("CaseRecord", lazy="raise")


OVERDUE_NOW = text("state IN ('requested', 'running', 'overdue') AND (overdue OR state = 'overdue')")
"""A clock still running whose date has passed: the predicate of the partial index the dashboard reads."""


class CaseRecord(Base):
    """One filing or coordination case; ``version`` guards against two handlers changing it at once."""

    __tablename__ = "case_record"
    __table_args__ = (
        Index("ix_case_record_scope", "jurisdiction_code", "status", "kind"),
        Index("ix_case_record_period", "jurisdiction_code", "created_at"),  # supervision by period (第36条)
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdiction.code"))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30))
    applicant_department: Mapped[str | None] = mapped_column(String(40), nullable=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resume_to: Mapped[str | None] = mapped_column(String(30), nullable=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    major: Mapped[bool] = mapped_column(Boolean, default=False)
    pending_decision: Mapped[str | None] = mapped_column(String(40), nullable=True)
    solicitation_round: Mapped[int] = mapped_column(Integer, default=0)
    approval_count: Mapped[int] = mapped_column(Integer, default=0)
    next_actor: Mapped[str | None] = mapped_column(String(60), nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    approval_request_id: Mapped[str | None] = mapped_column(String(60), nullable=True, unique=True)
    submitted_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as the class declares it)


class CaseParty(Base):
    """A department's part in a case: host 主办, assisting 协办, other party, solicited, reviewer."""

    __tablename__ = "case_party"

    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), primary_key=True)
    case: Mapped[CaseRecord] = _of_its_case()
    department_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class CaseEvent(Base):
    """The append-only case history: who did what, when, why, from which state to which."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    case: Mapped[CaseRecord] = _of_its_case()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(60))
    actor_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30), nullable=True)
    to_status: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CaseClock(Base):
    """What the deadlines service last said about one of the case's clocks (CLOCK_SCHEDULED and after)."""

    __tablename__ = "case_clock"
    __table_args__ = (
        # what is overdue now, oldest first (第36条): read in due-date order, stopping at the page's length
        Index(
            "ix_case_clock_overdue_due", "due_date", postgresql_where=OVERDUE_NOW, sqlite_where=OVERDUE_NOW
        ),
    )

    clock_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    case: Mapped[CaseRecord] = _of_its_case()
    rule: Mapped[str] = mapped_column(String(40))
    responsible: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(20))
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    remaining_working_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """As of when deadlines sent it; what a reader sees is counted as of today with ``calendar``."""
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The calendar window the last event carried (``shared.contracts.CalendarWindow``); null while paused,
    and for a clock scheduled before events carried one (counted then through the deadlines API)."""
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    last_event: Mapped[str | None] = mapped_column(String(40), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Solicitation(Base):
    """A written solicitation of one department's opinion (书面征求意见, 第20条) and its reply."""

    __tablename__ = "solicitation"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    department_code: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    reply_working_days: Mapped[int] = mapped_column(Integer)
    reply_period_reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # outside 5–10 (第20条)
    clock_id: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(30))
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    delay_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replied_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    """When the notice (with its due date) was asked of notify: once the reply clock had its date."""
    delivery: Mapped[str] = mapped_column(String(20), default="pending")
    """Whether it reached the department (第20条): pending, delivered, unconfirmed, served."""
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivery_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    served_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    service_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    service_recorded_by: Mapped[str | None] = mapped_column(String(60), nullable=True)


class CaseMeeting(Base):
    """A coordination meeting (协调会议, 第20条第3款): notified in advance, attendees, minutes."""

    __tablename__ = "case_meeting"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    case: Mapped[CaseRecord] = _of_its_case()
    round: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(200))
    attendees: Mapped[list[str]] = mapped_column(JSON, default=list)
    agenda: Mapped[str] = mapped_column(Text)
    minutes: Mapped[str | None] = mapped_column(Text, nullable=True)
    minutes_attachment_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attachment(Base):
    """An uploaded file: its content is stored once under its SHA-256; each upload is one row."""

    __tablename__ = "attachment"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(200))
    jurisdiction_code: Mapped[str] = mapped_column(String(12))
    department_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    uploaded_by: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[str | None] = mapped_column(ForeignKey("case_record.id"), nullable=True, index=True)
    case: Mapped[CaseRecord | None] = _of_its_case()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
