"""The approval inbox's tables, on intake's ``Base`` (one database, one migration history).

``approval`` holds one request and its resolved chain; ``approval_decision`` one row per decided step (the
unique key makes a concurrent second tap fail instead of deciding twice); ``approval_event`` is the audit
history; ``approval_delegation`` and ``approval_chain`` are configuration.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.tables.base import Base
from shared.db import UTCDateTime, utcnow


class ApprovalRow(Base):
    __tablename__ = "approval"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(120), unique=True)
    requester_service: Mapped[str] = mapped_column(String(40))
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    case_ref: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision_kind: Mapped[str] = mapped_column(String(40))
    drafted_decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    case_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requested_by: Mapped[dict[str, Any]] = mapped_column(JSON)
    statutory_clock_id: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    statutory_due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    statutory_basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    statutory_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    statutory_calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The clock's calendar window (``shared.contracts.CalendarWindow``): days left are counted with it."""
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    step_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Optimistic locking: two processes deciding the same approval at once cannot both commit.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as the class declares it)


class ApprovalDecisionRow(Base):
    __tablename__ = "approval_decision"
    __table_args__ = (UniqueConstraint("approval_id", "step_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approval.id"), index=True)
    step_no: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[str] = mapped_column(String(60))
    decided_by_name: Mapped[str] = mapped_column(String(40))
    on_behalf_of: Mapped[str | None] = mapped_column(String(60), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedPhrase(Base):
    """常用意见 a leader saved for their comments (added and removed on /m/approvals/phrases)."""

    __tablename__ = "saved_phrase"
    __table_args__ = (UniqueConstraint("user_id", "text", name="uq_saved_phrase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(60), index=True)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApprovalEventRow(Base):
    __tablename__ = "approval_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    approval_id: Mapped[str] = mapped_column(ForeignKey("approval.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(40), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")


class DelegationRow(Base):
    __tablename__ = "approval_delegation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    delegator_id: Mapped[str] = mapped_column(String(60), index=True)
    delegate_id: Mapped[str] = mapped_column(String(60), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ChainRow(Base):
    __tablename__ = "approval_chain"

    jurisdiction: Mapped[str] = mapped_column(String(12), primary_key=True)
    decision_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
