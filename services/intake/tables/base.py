"""Intake's declarative base, its outbox and inbox, and its ``Idempotency-Key`` table: every table of the
service is mapped on this ``Base`` (one metadata, one Alembic history)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from shared.audit import audit_table
from shared.dead_letters import dead_letter_table
from shared.idempotency import idempotency_table
from shared.messaging import messaging_tables


class Base(DeclarativeBase):
    pass


Outbox, Inbox = messaging_tables(Base)
DeadLetter = dead_letter_table(Base)
AuditEntry = audit_table(Base)
IdempotentRequest = idempotency_table(Base)
