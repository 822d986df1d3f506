"""The register of deliberation and coordination bodies (议事协调机构, 第29条): one row per body of a
jurisdiction — its lead unit, its member units, the document that set it up — kept by the office (which may
register a body before any filing) and brought up to date by each division the lead unit files."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.tables.base import Base
from shared.db import UTCDateTime, utcnow


class DeliberationBody(Base):
    """One body on the register of its jurisdiction (its name is unique there)."""

    __tablename__ = "deliberation_body"
    __table_args__ = (UniqueConstraint("jurisdiction_code", "name", name="uq_deliberation_body_name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    jurisdiction_code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    lead_department: Mapped[str] = mapped_column(String(40))
    member_departments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: the document that set the body up (设立文件), when the office registered it
    established_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the filing whose division is current (None: registered, nothing filed yet)
    current_case_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    registered_by: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
