"""Notify's tables: the directory replica it resolves recipients from, channels, templates, deliveries and
their attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime, utcnow
from shared.messaging import messaging_tables


class Base(DeclarativeBase):
    pass


Outbox, Inbox = messaging_tables(Base)


class Recipient(Base):
    """A person from intake's directory, as notify needs them: 浙政钉 account, department, roles."""

    __tablename__ = "recipient"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    department: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    title: Mapped[str | None] = mapped_column(String(40), nullable=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    zwd_account_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DepartmentReplica(Base):
    """A department from intake's directory."""

    __tablename__ = "department"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    function: Mapped[str | None] = mapped_column(String(30), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Channel(Base):
    """A group robot or signed webhook of one jurisdiction (the 浙政钉 work-notification channel comes from
    the deployment's settings). ``credentials`` hold its secrets: stored, never logged or returned."""

    __tablename__ = "channel"
    __table_args__ = (Index("ix_channel_jurisdiction_kind", "jurisdiction", "kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(80))
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    credentials: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Template(Base):
    """A message's Chinese wording (Jinja2, rendered in a sandbox); seeded from the built-in catalogue."""

    __tablename__ = "template"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_kind: Mapped[str] = mapped_column(String(20))
    link_text: Mapped[str] = mapped_column(String(20))
    sample: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    """One message to one recipient: at most one per dedupe key and recipient (the unique constraint)."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("dedupe_key", "recipient", name="uq_delivery_dedupe_recipient"),
        Index("ix_delivery_due", "state", "next_attempt_at"),
        Index("ix_delivery_jurisdiction_state", "jurisdiction", "state", "created_at"),
        Index("ix_delivery_channel_state", "channel_id", "state", "next_attempt_at"),
        Index("ix_delivery_case", "case_id"),
        Index("ix_delivery_recipient", "recipient"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(120))
    recipient_name: Mapped[str] = mapped_column(String(80))
    account_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel_kind: Mapped[str] = mapped_column(String(30))
    channel_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    jurisdiction: Mapped[str] = mapped_column(String(12))
    case_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    template: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text, nullable=True)
    link_text: Mapped[str] = mapped_column(String(20), default="查看详情")
    form: Mapped[list[Any]] = mapped_column(JSON, default=list)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    digest_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    platform_msg_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Attempt(Base):
    """One call to a platform for a delivery: what was sent (no secrets), the answer, how long it took."""

    __tablename__ = "attempt"
    __table_args__ = (Index("ix_attempt_delivery", "delivery_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20))
    platform_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    platform_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    platform_msg_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
