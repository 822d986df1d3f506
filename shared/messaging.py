"""The suite's delivery guarantee: outbox on the way out, inbox on the way in.

- A service changes state and records the messages that change causes in the *same* transaction
  (:meth:`UnitOfWork.publish` adds rows to the service's ``outbox`` table).
- After the commit, a fast path hands those rows to the broker at once; a periodic sweep
  (:meth:`Relay.publish_pending`) publishes whatever was left behind, e.g. while Redis was down.
- A consumer records each message's ``event_id`` in its ``inbox`` table in the same transaction as its
  effect (:meth:`MessageBus.handle`), so a message delivered twice changes nothing twice.

Messages between services are :class:`Envelope` s addressed to a *queue* (``intake``, ``deadlines``,
``devolution``, ``notify``): one service never imports another's code to talk to it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, func, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column

from shared import audit as audit_trail
from shared.db import Database, UTCDateTime, utcnow
from shared.errors import PermanentFailure
from shared.identity import Principal
from shared.logging import current_request_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Envelope:
    """One message between services: what happened or what is asked, and where it came from."""

    type: str
    payload: dict[str, Any]
    source: str
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    request_id: str | None = None
    occurred_at: str = field(default_factory=lambda: utcnow().isoformat())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Envelope:
        try:
            return cls(
                type=str(data["type"]),
                payload=dict(data["payload"]),
                source=str(data["source"]),
                event_id=str(data["event_id"]),
                request_id=data.get("request_id"),
                occurred_at=str(data.get("occurred_at") or utcnow().isoformat()),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedMessage(f"not an envelope: {exc}") from exc


class MalformedMessage(PermanentFailure, ValueError):
    """Raised when a queue message is not an envelope this suite understands; never retried."""


class OutboxMixin:
    """Columns of a service's ``outbox`` table; each service maps it on its own ``Base``."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    destination: Mapped[str] = mapped_column(String(40))
    message_type: Mapped[str] = mapped_column(String(80))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        # One Index object per table: each service maps this mixin on its own Base.
        return (Index("ix_outbox_pending", "published_at", "id"),)


class InboxMixin:
    """Columns of a service's ``inbox`` table: one row per message already applied."""

    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    message_type: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(40))
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)


def messaging_tables(base: type[DeclarativeBase]) -> tuple[type[OutboxMixin], type[InboxMixin]]:
    """A service's ``outbox`` and ``inbox`` tables, mapped on its own declarative ``base``.

    Every service declares them the same way, beside its ``Base``: ``Outbox, Inbox = messaging_tables(Base)``.
    """
    namespace = {"__module__": base.__module__}
    outbox = cast(type[OutboxMixin], type("Outbox", (OutboxMixin, base), dict(namespace)))
    inbox = cast(type[InboxMixin], type("Inbox", (InboxMixin, base), dict(namespace)))
    return outbox, inbox


class Sender(Protocol):
    """Hands one envelope to the broker, addressed to a queue; raises if the broker is unreachable."""

    def send(self, destination: str, envelope: dict[str, Any]) -> None: ...


class RecordingSender:
    """A sender that keeps what it was given: for unit tests and for tools that only want to look."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.fail = False

    def send(self, destination: str, envelope: dict[str, Any], **options: Any) -> None:
        if self.fail:
            raise ConnectionError("broker unreachable (simulated)")
        self.sent.append((destination, envelope))

    def of_type(self, message_type: str) -> list[dict[str, Any]]:
        return [env for _dest, env in self.sent if env["type"] == message_type]


class UnitOfWork:
    """One use case's transaction: rolls back unless :meth:`commit` is called; then relays its messages."""

    def __init__(
        self,
        db: Database,
        outbox_model: type[OutboxMixin],
        relay: Relay | None,
        source: str,
        before_commit: Sequence[Callable[[UnitOfWork], object]] = (),
    ) -> None:
        self.db = db
        self.outbox_model = outbox_model
        self.relay = relay
        self.source = source
        self.before_commit = before_commit
        self.session: Session = db.session()
        self._pending: list[OutboxMixin] = []
        self._after_commit: list[Callable[[], object]] = []
        self._audits: list[audit_trail.AuditDraft] = []
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._committed:
            self.session.rollback()
        self.session.close()
        if not self._committed:
            return
        if self._pending and self.relay is not None:
            self.relay.publish_committed(self._pending)
        for callback in self._after_commit:
            try:
                callback()
            except Exception:  # work done after a commit must be recoverable by a sweep; it never undoes it
                log.exception("after-commit work failed; the service's sweep must pick it up")

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once this transaction has committed (never if it rolls back).

        For slow work that must not hold the transaction open — calling an outside platform, say — and whose
        rows were made durable in the transaction, so a sweep can finish it if the process dies first.
        """
        self._after_commit.append(callback)

    def publish(self, destination: str, message_type: str, payload: dict[str, Any]) -> Envelope:
        """Record a message for ``destination`` to be sent if, and only if, this transaction commits."""
        envelope = Envelope(
            type=message_type, payload=payload, source=self.source, request_id=current_request_id()
        )
        row = cast(Any, self.outbox_model)(
            event_id=envelope.event_id,
            destination=destination,
            message_type=message_type,
            body=envelope.to_dict(),
        )
        self.session.add(row)
        self._pending.append(row)
        return envelope

    def audit(
        self,
        action: str,
        *,
        actor: Principal | None,
        summary: str,
        jurisdiction: str | None = None,
        object_type: str = "",
        object_id: str = "",
        details: dict[str, Any] | None = None,
        address: str | None = None,
    ) -> None:
        """Record an act in the service's audit trail (:mod:`shared.audit`) if, and only if, this transaction
        commits: ``action`` a stable code (``case.accept``, ``login``), ``actor`` who (``None``: the system),
        ``summary`` what, in Chinese; the time, the client's address and its place in the jurisdiction's
        hash chain are added at commit."""
        if audit_trail.table_of(self.outbox_model) is None:
            raise RuntimeError(f"{self.source} declares no audit_entry table (shared.audit.audit_table)")
        self._audits.append(
            audit_trail.AuditDraft.of(
                action,
                actor=actor,
                summary=summary,
                jurisdiction=jurisdiction,
                object_type=object_type,
                object_id=object_id,
                details=details,
                address=address,
            )
        )

    def commit(self) -> None:
        for hook in self.before_commit:  # in the transaction: what a hook writes commits with the rest
            hook(self)
        if self._audits:  # last, so that the chain's lock is held for the shortest time
            table = audit_trail.table_of(self.outbox_model)
            assert table is not None
            audit_trail.append(self.session, table, self.source, self._audits)
            self._audits.clear()
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()
        self._pending.clear()
        self._after_commit.clear()
        self._audits.clear()


class Relay:
    """Moves committed outbox rows to the broker: at once after a commit, and in periodic sweeps."""

    def __init__(self, db: Database, outbox_model: type[OutboxMixin], sender: Sender) -> None:
        self.db = db
        self.outbox_model = outbox_model
        self.sender = sender

    def publish_committed(self, rows: Sequence[OutboxMixin]) -> int:
        """The fast path: a transaction's rows, just committed, handed to the broker now — as the transaction
        wrote them, not read back — and marked in one UPDATE; anything that fails waits for the sweep. (A
        sweep that took a row in the few milliseconds since the commit sends it too, as it could while the
        fast path read its rows back: a consumer's inbox applies a message once.)"""
        model = self.outbox_model
        committed = sorted((r for r in rows if inspect(r).has_identity), key=lambda r: r.id)  # savepoints
        sent: list[int] = []
        failure: tuple[int, str] | None = None
        for row in committed:
            try:
                self.sender.send(row.destination, row.body)
            except Exception as exc:  # the broker is likely down: keep order, the sweep sends the rest
                failure = (row.id, f"{type(exc).__name__}: {exc}"[:500])
                log.warning("could not publish %s to %s: %s", row.event_id, row.destination, exc)
                break
            sent.append(row.id)
        try:
            with self.db.statements() as connection:
                if sent:  # a sweep that took one first has marked it already
                    published = model.published_at.is_(None)
                    mark = update(model).where(model.id.in_(sent), published).values(published_at=utcnow())
                    connection.execute(mark)
                if failure is not None:
                    count = update(model).where(model.id == failure[0])
                    connection.execute(count.values(attempts=model.attempts + 1, last_error=failure[1]))
        except Exception:  # a commit must never fail because the broker or the marking did
            log.warning("outbox fast path could not mark its rows; the sweep will send them", exc_info=True)
        return len(sent)

    def publish_pending(self, *, limit: int = 500) -> int:
        """The sweep: publish rows left unpublished, oldest first; safe to run in several processes."""
        model = self.outbox_model
        with self.db.transaction() as session:
            query = select(model).where(model.published_at.is_(None)).order_by(model.id).limit(limit)
            if self.db.is_postgresql:
                query = query.with_for_update(skip_locked=True)
            return self._send_rows(session, session.scalars(query).all())

    def _send_rows(self, session: Session, rows: Iterable[OutboxMixin]) -> int:
        sent = 0
        for row in rows:
            try:
                self.sender.send(row.destination, row.body)
            except Exception as exc:
                row.attempts += 1
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("could not publish %s to %s: %s", row.event_id, row.destination, exc)
                break  # the broker is likely down: keep order, try the rest in the next sweep
            row.published_at = utcnow()
            sent += 1
        return sent

    def pending_count(self) -> int:
        model = self.outbox_model
        with self.db.transaction() as session:
            query = select(func.count()).select_from(model).where(model.published_at.is_(None))
            return int(session.scalar(query) or 0)


Handler = Callable[[UnitOfWork, Envelope], None]


class MessageBus:
    """A service's inbound side: dispatches envelopes by type, applying each one at most once."""

    def __init__(
        self,
        db: Database,
        outbox_model: type[OutboxMixin],
        inbox_model: type[InboxMixin],
        relay: Relay | None,
        service: str,
    ) -> None:
        self.db = db
        self.outbox_model = outbox_model
        self.inbox_model = inbox_model
        self.relay = relay
        self.service = service
        self.handlers: dict[str, list[Handler]] = {}
        self.before_commit: list[Callable[[UnitOfWork], object]] = []

    def add_before_commit(self, hook: Callable[[UnitOfWork], object]) -> None:
        """Run ``hook`` in every unit of work of this service just before it commits (e.g. to derive rows
        from what the transaction changed); an error in it rolls the whole transaction back."""
        self.before_commit.append(hook)

    def register(self, message_type: str, handler: Handler) -> None:
        """Add ``handler`` for ``message_type``. A type's handlers run in the order registered, all in the
        message's one unit of work: a redelivery changes nothing twice, and a failure keeps none of them."""
        self.handlers.setdefault(message_type, []).append(handler)

    def on(self, message_type: str) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self.register(message_type, handler)
            return handler

        return decorator

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.db, self.outbox_model, self.relay, self.service, self.before_commit)

    def handle(self, data: dict[str, Any]) -> bool:
        """Apply one message; returns False when it had been applied before (a redelivery)."""
        envelope = Envelope.from_dict(data)
        handlers = self.handlers.get(envelope.type)
        if not handlers:
            raise MalformedMessage(f"{self.service} has no handler for {envelope.type!r}")
        with self.unit_of_work() as uow:
            if not self._claim(uow.session, envelope):
                log.info("skipping %s %s: already applied", envelope.type, envelope.event_id)
                return False
            for handler in handlers:
                handler(uow, envelope)
            try:
                uow.commit()
            except IntegrityError:
                # Another worker applied the same message concurrently; its effect stands, ours is dropped.
                uow.rollback()
                if self._already_applied(envelope.event_id):
                    return False
                raise
        return True

    def _claim(self, session: Session, envelope: Envelope) -> bool:
        """The inbox row of this message, unless it is there already. ``INSERT … ON CONFLICT DO NOTHING``:
        a concurrent worker applying the same message makes this one wait for its outcome and then skip,
        without a unique-key violation (which PostgreSQL would log at ERROR although nothing is wrong)."""
        table = cast(Any, self.inbox_model).__table__
        values = {"event_id": envelope.event_id, "message_type": envelope.type, "source": envelope.source}
        dialect = session.get_bind().dialect.name
        if dialect != "postgresql":  # SQLite: one writer at a time, a clash is caught at commit
            if session.get(self.inbox_model, envelope.event_id) is not None:
                return False
            session.add(cast(Any, self.inbox_model)(**values))
            return True
        statement = postgresql_insert(table).values(**values).on_conflict_do_nothing()
        return session.execute(statement.returning(table.c.event_id)).scalar() is not None

    def _already_applied(self, event_id: str) -> bool:
        with self.db.transaction() as session:
            return session.get(self.inbox_model, event_id) is not None
