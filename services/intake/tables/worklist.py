"""The office worklist (待办) read model: one row per task any service has opened (``task.*`` events)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.tables.base import Base
from shared.db import UTCDateTime, utcnow


class WorklistTask(Base):
    """A step waiting for someone, as the last ``task.*`` event about it described it.

    ``changed_at`` is the instant of that event: an older event arriving later changes nothing. A
    ``task.closed`` for a task not seen yet is kept (``state`` closed, no title) so that its ``task.opened``,
    delivered after it, does not reopen it.
    """

    __tablename__ = "worklist_task"
    __table_args__ = (
        Index("ix_worklist_task_open", "state", "case_jurisdiction", "due_date"),
        Index("ix_worklist_task_assignee", "assignee_kind", "assignee_id", "assignee_jurisdiction"),
        # the supervision dashboard's 审核论证 figures (第三十四条): devolution's review steps by due date
        Index("ix_worklist_task_case_step", "case_jurisdiction", "case_kind", "step", "due_date"),
        # the tasks' reconciliation: a case's open tasks (a task_id LIKE 'prefix%' no index serves)
        Index("ix_worklist_task_case_open", "case_id", "state"),
    )

    task_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    service: Mapped[str] = mapped_column(String(20), default="")
    case_kind: Mapped[str] = mapped_column(String(40), default="")
    case_id: Mapped[str] = mapped_column(String(80), default="")
    case_title: Mapped[str] = mapped_column(String(300), default="")
    case_jurisdiction: Mapped[str] = mapped_column(String(12), default="")
    department: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    document_number: Mapped[str | None] = mapped_column(String(120), nullable=True)
    step: Mapped[str] = mapped_column(String(60), default="")
    step_name: Mapped[str] = mapped_column(String(100), default="")
    article: Mapped[str | None] = mapped_column(String(60), nullable=True)
    assignee_kind: Mapped[str] = mapped_column(String(20), default="")
    assignee_id: Mapped[str] = mapped_column(String(60), default="")
    assignee_jurisdiction: Mapped[str] = mapped_column(String(12), default="")
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """The calendar window of the clock ``due_date`` is from (``shared.contracts.CalendarWindow``), if the
    event carried one: the days left are counted with it as of today."""
    url: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)  # done | cancelled
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: closed after its statutory date (the local day of closing later than ``due_date``); None while open
    closed_late: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
