"""Written documents the office issued on cases (书面, GB/T 9704-2012) and the counters that number them.

A number is taken from :class:`DocumentCounter` (one row per jurisdiction, series and year, incremented under
its row lock) in the short transaction that records the :class:`IssuedDocument` as ``pending`` with its words:
a rolled-back issuance gives its number back, a committed one keeps it for ever (the counter never goes down,
the unique constraint refuses a double). The files are rendered after that commit, outside any lock; a
rendering that fails leaves the document ``failed`` with its number, tried again later (``retry_at``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.tables.base import Base
from shared.db import UTCDateTime, utcnow


class DocumentCounter(Base):
    __tablename__ = "document_counter"

    jurisdiction_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument(Base):
    __tablename__ = "issued_document"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "series", "year", "sequence"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("case_record.id"), index=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(12))
    series: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(30))
    event_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(300))
    main_recipient: Mapped[str] = mapped_column(String(300))
    #: the words as numbered (body blocks, copy-to, date, article…): what every rendering of it renders
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: pending (numbered, not rendered yet), issued (files attached, addressees told), failed (to retry)
    state: Mapped[str] = mapped_column(String(20), default="pending", server_default="issued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="1")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    docx_attachment_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    pdf_attachment_id: Mapped[str | None] = mapped_column(String(60), nullable=True)
    issued_by: Mapped[str] = mapped_column(String(60))
    #: when it was numbered
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
