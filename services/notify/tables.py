"""Notify's tables: the directory replica it resolves recipients from, channels, templates, deliveries and
their attempts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.audit import audit_table
from shared.db import UTCDateTime, utcnow
from shared.dead_letters import dead_letter_table
from shared.messaging import messaging_tables


class Base(DeclarativeBase):
    pass


Outbox, Inbox = messaging_tables(Base)
DeadLetter = dead_letter_table(Base)
AuditEntry = audit_table(Base)


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
        Index("ix_delivery_batch", "batch_key", "state"),
        Index("ix_delivery_dedupe", "dedupe_key"),
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
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    """The statutory date the notice is about (a reply due, a clock overdue): a backlog drains the urgent and
    the soonest first."""
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
    batch_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    """The ``bizMsgId`` of the call that carries this delivery: deliveries of one request with the same
    message share it (up to 1000 receivers a call) and always change state together."""
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the delivery stands as it does when the answer alone does not say (e.g. the evidence that a
    repeated ``bizMsgId`` proves an earlier, unanswered call arrived)."""
    revoke_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SendRequest(Base):
    """One ``notify.send`` (by dedupe key, repeats merged): what it asked, for re-resolving recipients the
    directory replica did not know yet, and the delivery outcome last reported to the requester."""

    __tablename__ = "send_request"
    __table_args__ = (Index("ix_send_request_case", "case_id"),)

    dedupe_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    template: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    report_to: Mapped[str | None] = mapped_column(String(40), nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reported_outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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


class TodoTask(Base):
    """A step that waits for someone (``task.*`` events): the latest facts, merged by the events' instants
    so that a late or repeated event never undoes a newer one. ``generation`` counts the versions whose
    to-dos were created (a new assignee, a moved due date, a new title, a reopening)."""

    __tablename__ = "todo_task"
    __table_args__ = (Index("ix_todo_task_state", "state", "resolved"),)

    task_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_ref: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    case_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    jurisdiction: Mapped[str] = mapped_column(String(12), default="")
    step: Mapped[str] = mapped_column(String(60), default="")
    step_name: Mapped[str] = mapped_column(String(80), default="")
    assignee: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    due_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(12), nullable=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether the assignee matched anybody in the directory replica (re-planned on every sweep if not)."""
    state_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    assignee_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    details_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Todo(Base):
    """One person's to-do in the 浙政钉 to-do centre for one generation of a task: what it should be
    (``desired``: open, done, cancelled) and what the platform has (``platform``: none, open, closed,
    failed). The reconciler moves ``platform`` towards ``desired``, each row claimed by compare-and-set."""

    __tablename__ = "todo"
    __table_args__ = (
        UniqueConstraint("task_id", "generation", "person_id", name="uq_todo_task_generation_person"),
        Index("ix_todo_work", "desired", "platform", "next_attempt_at"),
        Index("ix_todo_person", "account_id", "platform"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(200), index=True)
    generation: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[str] = mapped_column(String(60))
    person_name: Mapped[str] = mapped_column(String(80))
    account_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    biz_task_id: Mapped[str] = mapped_column(String(64), unique=True)
    task_uuid: Mapped[str | None] = mapped_column(String(120), nullable=True)
    subject: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    due_time: Mapped[str | None] = mapped_column(String(19), nullable=True)
    package_uuid: Mapped[str | None] = mapped_column(String(64), nullable=True)
    desired: Mapped[str] = mapped_column(String(12))
    platform: Mapped[str] = mapped_column(String(12), default="none")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    create_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
