"""Intake's declarative base and its outbox and inbox: every table of the service is mapped on this ``Base``
(one metadata, one Alembic history)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.messaging import messaging_tables


class Base(DeclarativeBase):
    pass


Outbox, Inbox = messaging_tables(Base)
