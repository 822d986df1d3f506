"""Deadlines' tables (the calendar and clocks are added by the deadlines issue)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.messaging import InboxMixin, OutboxMixin


class Base(DeclarativeBase):
    pass


class Outbox(OutboxMixin, Base):
    pass


class Inbox(InboxMixin, Base):
    pass
