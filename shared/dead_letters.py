"""Dead letters: a message a service's worker gave up on is never dropped silently.

Only a truly permanent failure is not retried — a message that is not an envelope, or a refusal by the rules
(:func:`shared.errors.is_permanent`); anything else (the database away, a concurrent change, a row that has
not arrived yet) is retried with backoff. When a message is given up — refused, or its retries exhausted —
it is recorded in the service's ``dead_letter`` table with the error, counted in
``dm_queue_dead_letters_total`` (the alert in ``deploy/prometheus/alerts.yml`` fires on it) and logged at
ERROR. An operator lists, replays or closes them::

    python -m shared.dead_letters intake list
    python -m shared.dead_letters intake replay 12      # after fixing the cause: the same envelope again
    python -m shared.dead_letters intake resolve 12 --note "重复消息，已人工核对"

Each service maps the table on its own ``Base``: ``DeadLetter = dead_letter_table(Base)``. A replay and a
resolution are recorded in the service's audit trail (``dead_letter.replay``, ``dead_letter.resolve``: by the
command line, in the deployment's first jurisdiction's chain), in the transaction that closes the letter.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from typing import Any, cast

from sqlalchemy import JSON, Integer, String, Text, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared import audit
from shared.contracts import message_name
from shared.db import Database, UTCDateTime, utcnow
from shared.identity import Principal
from shared.metrics import DEAD_LETTERS, DEAD_LETTERS_OPEN

log = logging.getLogger(__name__)

REFUSED, MALFORMED, RETRIES_EXHAUSTED = "refused", "malformed", "retries_exhausted"
REASON_NAMES = {REFUSED: "业务规则拒绝", MALFORMED: "消息格式错误", RETRIES_EXHAUSTED: "多次重试仍失败"}
REPLAY, RESOLVE = "dead_letter.replay", "dead_letter.resolve"
audit.name_actions({REPLAY: "重放失败消息", RESOLVE: "关闭失败消息"}, objects={"dead_letter": "失败消息"})


class DeadLetterMixin:
    """Columns of a service's ``dead_letter`` table: one row per message its worker gave up on."""

    __tablename__ = "dead_letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    message_type: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(40))
    queue: Mapped[str] = mapped_column(String(40))
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(30))
    error: Mapped[str] = mapped_column(Text)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)


def dead_letter_table(base: type[DeclarativeBase]) -> type[DeadLetterMixin]:
    """A service's ``dead_letter`` table, mapped on its own declarative ``base``."""
    return cast(
        type[DeadLetterMixin], type("DeadLetter", (DeadLetterMixin, base), {"__module__": base.__module__})
    )


def describe(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    detail = getattr(exc, "detail", None) or str(exc)
    return f"{type(exc).__name__}{f' [{code}]' if code else ''}: {detail}"[:4000]


class DeadLetterBox:
    """Where one service's given-up messages are kept and looked at."""

    def __init__(self, db: Database, model: type[DeadLetterMixin], service: str) -> None:
        self.db = db
        self.model = model
        self.service = service

    def record(self, envelope: Any, exc: BaseException, *, reason: str, retries: int) -> None:
        """Keep the message and why it failed (in a transaction of its own: the handler's rolled back)."""
        data = envelope if isinstance(envelope, dict) else {"raw": repr(envelope)[:4000]}
        message_type = str(data.get("type") or "?")[:80]
        DEAD_LETTERS.labels(service=self.service, type=message_type, reason=reason).inc()
        log.error(
            "%s gave up on %s %s (%s after %d retries): %s",
            self.service,
            message_type,
            data.get("event_id"),
            reason,
            retries,
            describe(exc),
        )
        try:
            with self.db.transaction() as session:
                session.add(
                    cast(Any, self.model)(
                        event_id=str(data.get("event_id") or "")[:36] or None,
                        message_type=message_type,
                        source=str(data.get("source") or "?")[:40],
                        queue=self.service,
                        envelope=data,
                        reason=reason,
                        error=describe(exc),
                        retries=retries,
                    )
                )
        except Exception:  # the broker's own dead-letter queue still holds it; say so loudly
            log.critical("could not record the dead letter of %s", data.get("event_id"), exc_info=True)

    def open_count(self) -> int:
        with self.db.transaction() as session:
            query = select(func.count()).select_from(self.model).where(self.model.resolved_at.is_(None))
            count = int(session.scalar(query) or 0)
        DEAD_LETTERS_OPEN.labels(self.service).set(count)
        return count

    def open_letters(self) -> list[DeadLetterMixin]:
        with self.db.transaction() as session:
            query = select(self.model).where(self.model.resolved_at.is_(None)).order_by(self.model.id)
            return list(session.scalars(query).all())

    def resolve(
        self, letter_id: int, resolution: str, *, by: Principal | None = None, replayed: bool = False
    ) -> DeadLetterMixin:
        """Close a letter (``replayed``: after sending its envelope again); recorded in the audit trail as
        ``by``'s act when the service keeps one."""
        with self.db.transaction() as session:
            letter = session.get(self.model, letter_id)
            if letter is None:
                raise LookupError(f"no dead letter {letter_id} in {self.service}")
            letter.resolved_at, letter.resolution = utcnow(), resolution
            trail = audit.table_of(self.model)
            if trail is not None and by is not None:
                audit.append(session, trail, self.service, [_act(letter, by, replayed)])
            return letter


def _act(letter: DeadLetterMixin, by: Principal, replayed: bool) -> audit.AuditDraft:
    verb = "重放" if replayed else "关闭"
    return audit.AuditDraft.of(
        REPLAY if replayed else RESOLVE,
        actor=by,
        object_type="dead_letter",
        object_id=str(letter.id),
        summary=f"{verb}失败消息“{message_name(letter.message_type)}”"
        f"（{REASON_NAMES.get(letter.reason, letter.reason)}）：{letter.resolution}",
        details={"event_id": letter.event_id, "message_type": letter.message_type, "source": letter.source},
    )


def _main(argv: list[str] | None = None) -> int:
    from shared.broker import DramatiqSender, build_broker
    from shared.config import SERVICES, Settings

    parser = argparse.ArgumentParser(prog="python -m shared.dead_letters")
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("action", choices=["list", "replay", "resolve"])
    parser.add_argument("id", nargs="?", type=int)
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    settings = Settings.from_env(args.service)
    tables = __import__(f"services.{args.service}.tables", fromlist=["DeadLetter"])
    box = DeadLetterBox(Database(settings.database_url), tables.DeadLetter, args.service)
    operator = Principal(audit.CLI_ID, "命令行", settings.jurisdictions[0], None, frozenset())
    if args.action == "list":
        for x in box.open_letters():
            print(f"{x.id}\t{x.failed_at:%Y-%m-%d %H:%M}\t{x.message_type}\t{x.reason}\t{x.error}")
        return 0
    if args.id is None:
        parser.error("replay and resolve need the dead letter's id")
    if args.action == "replay":
        found = next((x for x in box.open_letters() if x.id == args.id), None)
        if found is None:
            print(f"no open dead letter {args.id}", file=sys.stderr)
            return 1
        DramatiqSender(build_broker(settings)).send(args.service, found.envelope)
        box.resolve(args.id, args.note or "已重新投递", by=operator, replayed=True)  # resolved_at: when
        return 0
    box.resolve(args.id, args.note or "已人工关闭", by=operator)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
