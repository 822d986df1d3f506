"""API credentials: what an office admin issues to another system (the government app's back end, 一网通办, a
data platform) so that it can call the API — scoped to one jurisdiction and to reading or writing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.tables.base import Base
from shared.db import UTCDateTime, utcnow


class ApiCredential(Base):
    """One system's credential. Only a hash of its secret is kept: the secret is shown once, when issued."""

    __tablename__ = "api_credential"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    jurisdiction_code: Mapped[str] = mapped_column(ForeignKey("jurisdiction.code"), index=True)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("department.code"), nullable=True)
    scope: Mapped[str] = mapped_column(String(10))  # read | write
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
