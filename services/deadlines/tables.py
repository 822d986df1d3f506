"""Deadlines' tables: the working-day calendar, clocks, the reminders already sent, and the local rules of
districts and counties (第三十九条)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.audit import audit_table
from shared.db import UTCDateTime, utcnow
from shared.dead_letters import dead_letter_table
from shared.messaging import messaging_tables


class Base(DeclarativeBase):
    pass


Outbox, Inbox = messaging_tables(Base)
DeadLetter = dead_letter_table(Base)
AuditEntry = audit_table(Base)


class CalendarYear(Base):
    """One year of the State Council's notice: holidays and adjusted working days as ``{date: name}``."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[dict[str, str]] = mapped_column(JSON)
    adjusted_workdays: Mapped[dict[str, str]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(120))


class CalendarOverride(Base):
    """A local closure (e.g. a typhoon day) or extra working day, decided by one jurisdiction's office."""

    __tablename__ = "calendar_override"
    __table_args__ = (UniqueConstraint("jurisdiction", "date", name="uq_calendar_override_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jurisdiction: Mapped[str] = mapped_column(String(40))
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))


class CalendarRevision(Base):
    """A single row whose token changes with every calendar change: the in-process caches compare it."""

    __tablename__ = "calendar_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClockRecord(Base):
    """One statutory clock: the domain aggregate's fields, its event log, and when the sweep next looks."""

    __tablename__ = "clock"
    __table_args__ = (
        Index("ix_clock_next_reminder_at", "next_reminder_at"),
        Index("ix_clock_jurisdiction", "jurisdiction"),
        Index("ix_clock_state_due_date", "state", "due_date"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    case: Mapped[dict[str, Any]] = mapped_column(JSON)
    case_reference: Mapped[str] = mapped_column(String(300))
    owner_service: Mapped[str] = mapped_column(String(40))
    responsible: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    responsible_party: Mapped[str] = mapped_column(Text)
    escalate_to: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, nullable=True)
    jurisdiction: Mapped[str] = mapped_column(String(40))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20))
    stop_outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    start_date: Mapped[date] = mapped_column(Date)
    period_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    length_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    fixed_due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    counting_from: Mapped[date] = mapped_column(Date)
    working_days_used: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar_version: Mapped[str] = mapped_column(String(32))
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SentReminder(Base):
    """A reminder or event already sent: at most one row per key and recipient (idempotent sending)."""

    __tablename__ = "sent_reminder"
    __table_args__ = (
        UniqueConstraint("key", "recipient", name="uq_sent_reminder_key_recipient"),
        Index("ix_sent_reminder_clock_id", "clock_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300))
    recipient: Mapped[str] = mapped_column(String(80))
    clock_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    stage: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LocalPeriod(Base):
    """A district's or county's own period for one of the measures' limits (第三十九条), with its source."""

    __tablename__ = "local_period"

    jurisdiction: Mapped[str] = mapped_column(String(40), primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    length: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120))


class LocalPeriodChange(Base):
    """Who set, changed or withdrew a local period, when, from what to what (append-only)."""

    __tablename__ = "local_period_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jurisdiction: Mapped[str] = mapped_column(String(40), index=True)
    rule_code: Mapped[str] = mapped_column(String(40))
    old_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    new_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120))


class LocalSetting(Base):
    """A district's or county's own reply range (第二十条), extension (第二十二条) or reminder plan, adopted
    under 第三十九条 with its source (``shared.local_rules``): the figures as JSON, one row per setting."""

    __tablename__ = "local_setting"

    jurisdiction: Mapped[str] = mapped_column(String(40), primary_key=True)
    setting: Mapped[str] = mapped_column(String(40), primary_key=True)
    figures: Mapped[dict[str, int]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120))


class LocalSettingChange(Base):
    """Who set, changed or withdrew a local setting, when, from what to what (append-only)."""

    __tablename__ = "local_setting_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jurisdiction: Mapped[str] = mapped_column(String(40), index=True)
    setting: Mapped[str] = mapped_column(String(40))
    old_figures: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    new_figures: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    source: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120))
