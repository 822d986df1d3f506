"""The audit trail (等保 2.0 安全审计): who did what, when, from where — append-only and tamper-evident.

Every state change, log-in (failed ones too), export and administrative act is one :class:`AuditEntry` row
in the ``audit_entry`` table of the service where it happened. A use case records it on its unit of work
(:meth:`shared.messaging.UnitOfWork.audit`); the entry is written in ``commit()``, in the same transaction as
the change — a change that rolls back leaves no entry, a change that commits never lacks one.

Each service keeps **one chain per jurisdiction**: entry ``seq`` n carries ``prev_hash`` = the ``hash`` of
entry n−1 (the first carries :data:`GENESIS`), and its own ``hash`` is SM3 (GB/T 32905, the national
standard hash; SHA-256's length) over a canonical JSON of the entry's fields and ``prev_hash``
(:func:`entry_hash`). Changing any field of an entry, deleting one or inserting one breaks the chain at that
entry, which :func:`verify` reports. On PostgreSQL a trigger refuses ``UPDATE`` and ``DELETE`` on the table
(:func:`append_only_triggers`, created by each service's migration; ``TRUNCATE`` stays possible for the
test suite — deploy/README.md says to deny it to the application's role), and appends to one chain are
serialised by a transaction-scoped advisory lock; on SQLite triggers refuse them too, and ``BEGIN IMMEDIATE``
serialises every writer.

Each service maps the table on its own ``Base``: ``AuditEntry = audit_table(Base)``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import JSON, Index, Integer, String, Table, Text, UniqueConstraint, func, insert, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column

from shared.db import UTCDateTime, utcnow
from shared.identity import Principal
from shared.jsonable import jsonable
from shared.jurisdictions import jurisdiction_name

log = logging.getLogger(__name__)

TABLE = "audit_entry"
ALGORITHM = "SM3"
GENESIS = "0" * 64
SYSTEM_ID, SYSTEM_NAME = "system", "系统"
#: who acted when no person did: an operator's command line, an account not logged in, an unknown sender
CLI_ID, ANONYMOUS_ID, UNKNOWN_ID = "cli", "anonymous", "unknown"

#: column sizes (values are cut to them: an entry is never refused for a long name)
SIZES = {"actor_id": 120, "actor_name": 120, "client_address": 64, "action": 60, "object_type": 40}
OBJECT_ID_SIZE = 200
SUMMARY_SIZE = 2000


class AuditEntryMixin:
    """Columns of a service's ``audit_entry`` table: one row per recorded act, chained per jurisdiction."""

    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jurisdiction: Mapped[str] = mapped_column(String(20))  # the chain
    seq: Mapped[int] = mapped_column(Integer)  # position in the chain, from 1
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str] = mapped_column(String(120))
    actor_name: Mapped[str] = mapped_column(String(120))
    actor_roles: Mapped[list[str]] = mapped_column(JSON)
    client_address: Mapped[str | None] = mapped_column(String(64), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (
            UniqueConstraint("jurisdiction", "seq", name="uq_audit_entry_chain_seq"),
            Index("ix_audit_entry_chain_at", "jurisdiction", "at"),
        )


def audit_table(base: type[DeclarativeBase]) -> type[AuditEntryMixin]:
    """A service's ``audit_entry`` table, mapped on its own declarative ``base``."""
    return cast(
        type[AuditEntryMixin], type("AuditEntry", (AuditEntryMixin, base), {"__module__": base.__module__})
    )


def table_of(metadata_holder: Any) -> Table | None:
    """The ``audit_entry`` table beside a service's other tables (``None`` if the service has none)."""
    return cast(Table | None, metadata_holder.metadata.tables.get(TABLE))


# --- the hash ---


def sm3_hex(data: bytes) -> str:
    """SM3 (GB/T 32905-2016) of ``data`` in hex: OpenSSL's through hashlib, else ``cryptography``'s."""
    try:
        return hashlib.new("sm3", data).hexdigest()
    except ValueError:  # an OpenSSL built without SM3
        from cryptography.hazmat.primitives import hashes

        digest = hashes.Hash(hashes.SM3())
        digest.update(data)
        return digest.finalize().hex()


HASHED_FIELDS = (
    "jurisdiction",
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "actor_roles",
    "client_address",
    "action",
    "object_type",
    "object_id",
    "summary",
    "details",
    "prev_hash",
)


def instant_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(service: str, values: Mapping[str, Any]) -> bytes:
    """What is hashed: the service and the entry's fields (the instant in UTC to the microsecond) as JSON with
    sorted keys, no spaces, UTF-8."""
    content: dict[str, Any] = {"service": service}
    for name in HASHED_FIELDS:
        value = values[name]
        content[name] = instant_text(value) if isinstance(value, datetime) else value
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_hash(service: str, values: Mapping[str, Any]) -> str:
    return sm3_hex(canonical(service, values))


# --- recording ---


def _clean(value: Any, size: int | None = None) -> str:
    """Text as the databases take it: no NUL, no lone surrogate, cut to the column."""
    cleaned = str(value or "").replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return cleaned[:size] if size else cleaned


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_clean(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def client_address() -> str | None:
    """Where the request came from: the last ``X-Forwarded-For`` entry (the address nginx or the dev gateway
    saw, each appends it), else the peer's address; ``None`` outside a request (a worker, a command)."""
    try:
        from flask import has_request_context, request
    except ImportError:  # pragma: no cover - flask is a dependency of every service
        return None
    if not has_request_context():
        return None
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-1] if forwarded else request.remote_addr


@dataclass(frozen=True)
class AuditDraft:
    """One act to record, before it has its place in the chain (given at commit)."""

    action: str
    actor_id: str
    actor_name: str
    actor_roles: list[str]
    jurisdiction: str
    object_type: str
    object_id: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    client_address: str | None = None

    @classmethod
    def of(
        cls,
        action: str,
        *,
        actor: Principal | None,
        summary: str,
        jurisdiction: str | None = None,
        object_type: str = "",
        object_id: str = "",
        details: Mapping[str, Any] | None = None,
        address: str | None = None,
    ) -> AuditDraft:
        where = jurisdiction or (actor.jurisdiction if actor else None)
        if not where:
            raise ValueError("an audit entry needs a jurisdiction (its chain)")
        return cls(
            action=_clean(action, SIZES["action"]),
            actor_id=_clean(actor.user_id if actor else SYSTEM_ID, SIZES["actor_id"]),
            actor_name=_clean(actor.name if actor else SYSTEM_NAME, SIZES["actor_name"]),
            actor_roles=sorted(str(r) for r in (actor.roles if actor else ())),
            jurisdiction=_clean(where, 20),
            object_type=_clean(object_type, SIZES["object_type"]),
            object_id=_clean(object_id, OBJECT_ID_SIZE),
            summary=_clean(summary, SUMMARY_SIZE),
            details=_clean_json(jsonable(dict(details or {}), drop_none=True)),
            client_address=_clean(address or client_address(), SIZES["client_address"]) or None,
        )


def _lock_key(jurisdiction: str) -> int:
    digest = hashlib.sha256(f"dm-audit:{jurisdiction}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _last(session: Session, table: Table, jurisdiction: str) -> tuple[int, str]:
    row = session.execute(
        select(table.c.seq, table.c.hash)
        .where(table.c.jurisdiction == jurisdiction)
        .order_by(table.c.seq.desc())
        .limit(1)
    ).first()
    return (int(row.seq), str(row.hash)) if row else (0, GENESIS)


def append(session: Session, table: Table, service: str, drafts: Sequence[AuditDraft]) -> None:
    """Give each draft its place at the end of its jurisdiction's chain, in ``session``'s transaction.

    PostgreSQL: a transaction-scoped advisory lock per chain makes concurrent appends wait for each other (it
    is held until the transaction ends, so the last entry read is the last committed one). SQLite: the suite
    begins every transaction ``IMMEDIATE``, so there is one writer at a time anyway.
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    heads: dict[str, tuple[int, str]] = {}
    for draft in drafts:
        if draft.jurisdiction not in heads:
            if postgresql:
                session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(draft.jurisdiction)}
                )
            heads[draft.jurisdiction] = _last(session, table, draft.jurisdiction)
        seq, prev = heads[draft.jurisdiction]
        values: dict[str, Any] = {
            "jurisdiction": draft.jurisdiction,
            "seq": seq + 1,
            "at": utcnow(),
            "actor_id": draft.actor_id,
            "actor_name": draft.actor_name,
            "actor_roles": list(draft.actor_roles),
            "client_address": draft.client_address,
            "action": draft.action,
            "object_type": draft.object_type,
            "object_id": draft.object_id,
            "summary": draft.summary,
            "details": draft.details,
            "prev_hash": prev,
        }
        values["hash"] = entry_hash(service, values)
        session.execute(insert(table).values(**values))
        heads[draft.jurisdiction] = (seq + 1, values["hash"])


def record(runtime: Any, action: str, *, actor: Principal | None, summary: str, **more: Any) -> None:
    """An act that changes nothing else (a log-in, an export, a test message sent) as one entry in a
    transaction of its own, on ``runtime``'s unit of work (``more``: as :meth:`UnitOfWork.audit` takes)."""
    with runtime.unit_of_work() as uow:
        uow.audit(action, actor=actor, summary=summary, **more)
        uow.commit()


EXPORT = "ledger.export"


def exported(runtime: Any, actor: Principal, what: str, filters: list[str], count: int) -> None:
    """An Excel ledger exported (等保 2.0 安全审计): what, with which filters, how many rows."""
    record(
        runtime,
        EXPORT,
        actor=actor,
        object_type="export",
        object_id=what,
        summary=f"导出{what}（{'；'.join(filters) or '无筛选条件'}）",
        details={"filters": filters, "rows": count},
    )


# --- checking ---


@dataclass(frozen=True)
class ChainCheck:
    """The outcome of :func:`verify`: intact, or the first entry where the chain breaks and how."""

    jurisdiction: str
    count: int
    intact: bool
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str | None = None
    last_hash: str = GENESIS

    @property
    def message(self) -> str:
        if self.intact:
            return f"完整：共 {self.count} 条记录，哈希链（{ALGORITHM}）逐条核对无误。"
        return f"不完整：第 {self.broken_seq} 条记录{self.problem}。"


def _problem(service: str, values: Mapping[str, Any], expected_seq: int, prev: str) -> str | None:
    """What is wrong with one entry read in chain order, or ``None``."""
    seq = int(values["seq"])
    if seq > expected_seq:
        missing = f"第 {expected_seq} 条" if seq == expected_seq + 1 else f"第 {expected_seq}–{seq - 1} 条"
        return f"之前缺少{missing}记录（已被删除）"
    if seq < expected_seq:
        return "的序号重复或被改动"
    if values["prev_hash"] != prev:
        return f"所载前一条哈希与第 {seq - 1} 条不符（第 {seq - 1} 条被改写或替换）"
    if entry_hash(service, values) != values["hash"]:
        return "的内容与其哈希不符（该条被改动）"
    return None


def verify(
    session: Session, table: Table, service: str, jurisdiction: str, *, batch: int = 1000
) -> ChainCheck:
    """Walk one chain from its first entry and report the first broken link (or that it is intact)."""
    expected_seq, prev, count, last_seq = 1, GENESIS, 0, 0
    columns = [table.c.id, *(table.c[name] for name in HASHED_FIELDS), table.c.hash]
    while True:
        rows = session.execute(
            select(*columns)
            .where(table.c.jurisdiction == jurisdiction, table.c.seq > last_seq)
            .order_by(table.c.seq)
            .limit(batch)
        ).all()
        if not rows:
            return ChainCheck(jurisdiction, count, True, last_hash=prev)
        for row in rows:
            values = cast(Mapping[str, Any], row._mapping)
            last_seq = int(values["seq"])
            problem = _problem(service, values, expected_seq, prev)
            if problem is not None:
                return ChainCheck(
                    jurisdiction,
                    count,
                    False,
                    broken_seq=last_seq,
                    broken_id=int(values["id"]),
                    problem=problem,
                    last_hash=prev,
                )
            prev, expected_seq, count = str(values["hash"]), expected_seq + 1, count + 1


def chains(session: Session, table: Table) -> list[str]:
    return [
        str(j)
        for j in session.scalars(select(table.c.jurisdiction).distinct().order_by(table.c.jurisdiction))
    ]


def count(session: Session, table: Table, jurisdiction: str) -> int:
    query = select(func.count()).select_from(table).where(table.c.jurisdiction == jurisdiction)
    return int(session.scalar(query) or 0)


# --- the migration's part ---

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '审计记录只能追加，不能修改或删除 (audit_entry is append-only: % refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
_PG_TRIGGER = (
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
)
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_entry_no_{op.lower()} BEFORE {op} ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"
    for op in ("UPDATE", "DELETE")
]


def append_only_triggers(dialect: str) -> list[str]:
    """The SQL a migration runs after creating ``audit_entry``: refuse UPDATE and DELETE (not TRUNCATE)."""
    if dialect == "postgresql":
        return [_PG_FUNCTION, _PG_TRIGGER]
    if dialect == "sqlite":
        return list(_SQLITE_TRIGGERS)
    return []


def drop_append_only_triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
            "DROP FUNCTION IF EXISTS audit_entry_append_only()",
        ]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS audit_entry_no_{op}" for op in ("update", "delete")]
    return []


def run_in_migration(op: Any, statements: Iterable[str]) -> None:
    for statement in statements:
        op.execute(statement)


# --- reading ---

#: the services that keep an audit trail, and what the pages call them (each serves its own page)
SERVICE_NAMES = {
    "intake": "受理服务",
    "deadlines": "期限服务",
    "devolution": "职责下放服务",
    "notify": "通知服务",
}
#: Chinese names of action codes (services add theirs with :func:`name_actions`)
ACTION_NAMES: dict[str, str] = {
    "login": "登录",
    "login.refused": "登录失败",
    "logout": "退出登录",
    "credential.issue": "签发接口凭证",
    "credential.revoke": "撤销接口凭证",
    "audit.export": "导出审计日志",
    "audit.verify": "校验审计日志",
    "ledger.export": "导出台账",
    "directory.load": "组织目录变更",
}

#: what the pages call the objects acted on
OBJECT_NAMES: dict[str, str] = {
    "case": "事项",
    "person": "人员",
    "login": "登录账号",
    "api_credential": "接口凭证",
    "audit_log": "审计日志",
    "export": "导出",
    "directory": "组织目录",
}

#: how the pages name an object whose id is a code, by its type (services add theirs with
#: :func:`name_actions`): a service by its name, a jurisdiction by its name. Any other id (a case's, a
#: person's account, a credential's) is one people use, and is shown as it is.
OBJECT_IDS: dict[str, Callable[[str], str]] = {
    "audit_log": lambda code: SERVICE_NAMES.get(code, code),
    "directory": jurisdiction_name,
}

#: actors that are no one's account, and what the pages say beside their name ("" — nothing: the name says
#: it all): the suite itself, an operator's command line, someone not logged in
NOT_ACCOUNTS = {SYSTEM_ID: "", CLI_ID: "命令行", ANONYMOUS_ID: "", UNKNOWN_ID: ""}


def name_actions(
    names: Mapping[str, str],
    objects: Mapping[str, str] | None = None,
    ids: Mapping[str, Callable[[str], str]] | None = None,
) -> None:
    """A service's action codes, the objects it acts on and, for objects whose id is a code (a period's, a
    setting's), how to name that id — in the words of the pages."""
    ACTION_NAMES.update(names)
    OBJECT_NAMES.update(objects or {})
    OBJECT_IDS.update(ids or {})


def action_name(code: str) -> str:
    return ACTION_NAMES.get(code, code)


def object_text(object_type: str, object_id: str) -> str:
    """What an entry acted on, as the pages say it: ``事项 c-1a2b``, ``审计日志 期限服务``."""
    name = OBJECT_NAMES.get(object_type, object_type)
    label = _object_label(object_type, object_id)
    return f"{name} {label}".strip()


def _object_label(object_type: str, object_id: str) -> str:
    namer = OBJECT_IDS.get(object_type)
    if namer is None or not object_id:
        return object_id
    try:
        return namer(object_id)
    except (KeyError, ValueError):  # an id recorded before its code was renamed: shown as it was
        return object_id


def actor_account(actor_id: str, actor_name: str) -> str:
    """The account shown beside an actor's name: none for the system or someone not logged in, 命令行 for
    an operator's command run under a person's name."""
    if actor_id not in NOT_ACCOUNTS:
        return actor_id
    shown = NOT_ACCOUNTS[actor_id]
    return "" if shown == actor_name else shown


@dataclass(frozen=True)
class Filters:
    """What the reader asks for: instants in [start, end), an actor (id or part of a name), an action."""

    start: datetime | None = None
    end: datetime | None = None
    actor: str = ""
    action: str = ""


def _where(table: Table, jurisdiction: str, filters: Filters) -> list[Any]:
    conditions: list[Any] = [table.c.jurisdiction == jurisdiction]
    if filters.start is not None:
        conditions.append(table.c.at >= filters.start)
    if filters.end is not None:
        conditions.append(table.c.at < filters.end)
    if filters.actor:
        needle = filters.actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(
            (table.c.actor_id == filters.actor) | table.c.actor_name.like(f"%{needle}%", escape="\\")
        )
    if filters.action:
        conditions.append(table.c.action == filters.action)
    return conditions


def search(
    session: Session, table: Table, jurisdiction: str, filters: Filters, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[dict[str, Any]]]:
    """How many entries match, and those of one page, newest first."""
    conditions = _where(table, jurisdiction, filters)
    total = int(session.scalar(select(func.count()).select_from(table).where(*conditions)) or 0)
    rows = session.execute(
        select(table).where(*conditions).order_by(table.c.seq.desc()).offset(offset).limit(limit)
    ).all()
    return total, [dict(row._mapping) for row in rows]


def actions_in(session: Session, table: Table, jurisdiction: str) -> list[str]:
    query = select(table.c.action).where(table.c.jurisdiction == jurisdiction).distinct()
    return sorted(str(a) for a in session.scalars(query))
