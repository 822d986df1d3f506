"""SQLAlchemy 2 engine and sessions, one :class:`Database` per service.

Each service declares its own ``Base`` (its own metadata, its own tables, its own Alembic history); this
module only knows how to connect to a URL and hand out sessions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC (instants are stored in UTC everywhere)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp column that only accepts aware datetimes and always gives back aware UTC datetimes.

    SQLite forgets time zones; PostgreSQL keeps them. This type makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC instant is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite file URL (``sqlite:///var/intake.db``) so the first connect succeeds."""
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Take the write lock at BEGIN so two processes never deadlock upgrading read locks.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """A service's connection to its own database."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 5) -> None:
        self.url = url
        self.engine: Engine = self._make_engine(url, echo=echo, pool_size=pool_size)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False, future=True)
        # the same pool: autocommit is set on a connection while it is checked out (psycopg: client-side)
        self._autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @staticmethod
    def _make_engine(url: str, *, echo: bool, pool_size: int) -> Engine:
        if url.startswith("sqlite"):
            ensure_sqlite_directory(url)
            engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            # pysqlite's own transaction handling is off so that BEGIN IMMEDIATE above takes effect.
            event.listen(engine, "connect", lambda c, _r: setattr(c, "isolation_level", None))
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        # A restarted PostgreSQL: pre-ping replaces the pool's dead connections; a server that does not answer
        # fails a connect in 5 s and a wait for a pooled connection in 10 s, so no request hangs on it.
        return create_engine(
            url,
            echo=echo,
            pool_size=pool_size,
            pool_pre_ping=True,
            pool_timeout=10,
            connect_args={"connect_timeout": 5},
            future=True,
        )

    def session(self) -> Session:
        return self.session_factory()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside a transaction that commits on success and rolls back on any error."""
        with self.session_factory() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reading only. On PostgreSQL its statements run outside a transaction: at READ
        COMMITTED each statement sees its own snapshot inside one too, so a read sees the same and is spared
        the BEGIN and COMMIT round trips. Elsewhere (SQLite) it is :meth:`transaction`."""
        if not self.is_postgresql:
            with self.transaction() as session:
                yield session
            return
        with self.session_factory(bind=self._autocommit_engine) as session:
            yield session

    @contextmanager
    def statements(self) -> Iterator[Connection]:
        """A connection for writes that need no transaction around them: on PostgreSQL each statement
        commits on its own (autocommit: a statement alone is its own transaction anyway, without the BEGIN
        and COMMIT round trips); elsewhere the block is one transaction."""
        if not self.is_postgresql:
            with self.engine.begin() as connection:
                yield connection
            return
        with self._autocommit_engine.connect() as connection:
            yield connection

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
