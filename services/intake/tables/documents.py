"""Written documents the office issued on cases (书面, GB/T 9704-2012) and the counters that number them.

A number is taken from :class:`DocumentCounter` (one row per jurisdiction, series and year, incremented under
its row lock) in the same transaction that records the :class:`IssuedDocument`: a rolled-back issuance gives
its number back, a committed one keeps it for ever (the counter never goes down, the unique constraint refuses
a double).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
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
    docx_attachment_id: Mapped[str] = mapped_column(String(60))
    pdf_attachment_id: Mapped[str] = mapped_column(String(60))
    issued_by: Mapped[str] = mapped_column(String(60))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
