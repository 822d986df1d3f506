"""Drafts (草稿) of the new-submission forms: what a department typed and saved to finish later.

A submission opens its case and starts the statutory clock at once, so a draft is not a case: it is the
form's typed values, kept here until the department submits or deletes it. It belongs to the department
(``jurisdiction_code`` + ``department_code``): any of its people may open, change, submit or delete it.
``attachment_ids`` lists the uploads its values refer to, so that they stay while the draft does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.tables.base import Base
from shared.db import UTCDateTime, utcnow


class CaseDraft(Base):
    """One saved, unsubmitted form of a department."""

    __tablename__ = "case_draft"
    __table_args__ = (Index("ix_case_draft_owner", "jurisdiction_code", "department_code", "saved_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: the form (``NewSubmission.slug``: coordination, filing, …)
    form_kind: Mapped[str] = mapped_column(String(40))
    jurisdiction_code: Mapped[str] = mapped_column(String(12))
    department_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    #: the typed values as ``[[name, value], …]`` in the form's order (a name may repeat)
    form_values: Mapped[list[Any]] = mapped_column(JSON, default=list)
    attachment_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(60))
    saved_by: Mapped[str] = mapped_column(String(60))
    saved_by_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
