"""Fixtures for the whole suite.

Databases: each service's tests get a database migrated to head — a fresh SQLite file per test on the embedded
defaults, or the PostgreSQL database named by ``<SERVICE>_DATABASE_URL`` (tables emptied before each test).
Redis: ``REDIS_URL`` when set, otherwise an embedded server started once for the session.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import redis
from openpyxl import load_workbook
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from shared import audit
from shared.config import Settings
from shared.embedded_redis import EmbeddedRedis
from shared.messaging import RecordingSender
from shared.migrations import upgrade
from shared.runtime import ServiceRuntime


def _metadata(service: str) -> MetaData:
    module = __import__(f"services.{service}.tables", fromlist=["Base"])
    return module.Base.metadata


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Per service: a SQLite file migrated to head once (copied per test), or the PostgreSQL URL."""
    folder = tmp_path_factory.mktemp("templates")
    templates = {}
    for service in ("intake", "deadlines", "devolution", "notify"):
        url = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if url:
            upgrade(service, url)
            templates[service] = url
        else:
            path = folder / f"{service}.db"
            upgrade(service, f"sqlite:///{path}")
            templates[service] = str(path)
    return templates


def _empty_tables(url: str, metadata: MetaData) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_templates: dict[str, str], tmp_path: Path) -> Callable[[str], str]:
    """``database_url("intake")``: a clean database for this test, migrated to head."""

    def make(service: str) -> str:
        template = migrated_templates[service]
        if "://" in template:
            _empty_tables(template, _metadata(service))
            return template
        target = tmp_path / f"{service}.db"
        if not target.exists():
            shutil.copy(template, target)
        return f"sqlite:///{target}"

    return make


@pytest.fixture
def at_once() -> Callable[[int, Callable[[int], Any]], list[Any]]:
    """``at_once(2, work)``: ``work(i)`` in that many threads released at the same moment (a double click,
    handlers racing); their results in order, an exception standing for the call that raised it."""

    def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
        barrier, results = threading.Barrier(count), [None] * count

        def run(index: int) -> None:
            barrier.wait()
            try:
                results[index] = work(index)
            except Exception as exc:  # reported by the caller's assertions
                results[index] = exc

        threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results

    return run_together


@pytest.fixture
def scratch_database_url(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """``scratch_database_url("devolution")``: an empty database of the service's own, not migrated (for the
    tests of a data migration): a SQLite file, or a scratch database beside ``<SERVICE>_DATABASE_URL``'s on
    PostgreSQL, dropped after the test."""
    dropped: list[tuple[Any, str]] = []

    def make(service: str) -> str:
        configured = os.environ.get(f"{service.upper()}_DATABASE_URL")
        if not configured or not configured.startswith("postgresql"):
            return f"sqlite:///{tmp_path / f'{service}-scratch.db'}"
        url = make_url(configured)
        scratch = url.set(database=f"{url.database}_migrations")
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}"'))
            conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
        dropped.append((admin, str(scratch.database)))
        return scratch.render_as_string(hide_password=False)

    yield make
    for admin, name in dropped:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def settings_for(database_url: Callable[[str], str], tmp_path: Path) -> Callable[..., Settings]:
    def make(service: str, **overrides: object) -> Settings:
        base = Settings.from_env(service, {"DM_ENV": "test", "DM_VAR_DIR": str(tmp_path)})
        return base.with_overrides(database_url=database_url(service), **overrides)

    return make


@pytest.fixture
def make_runtime(settings_for: Callable[..., Settings]) -> Iterator[Callable[..., ServiceRuntime]]:
    """``make_runtime("intake")``: a wired service whose messages land in a RecordingSender."""
    made: list[ServiceRuntime] = []

    def make(service: str, *, sender: object | None = None, broker: object | None = None) -> ServiceRuntime:
        app_module = __import__(f"services.{service}.app", fromlist=["SERVICE"])
        definition = app_module.SERVICE
        settings = settings_for(service)
        if broker is not None:
            runtime = definition.runtime(settings, broker)
        else:
            from shared.runtime import build_runtime

            runtime = build_runtime(
                settings,
                outbox_model=definition.outbox_model,
                inbox_model=definition.inbox_model,
                dead_letter_model=definition.dead_letter_model,
                sender=sender or RecordingSender(),  # type: ignore[arg-type]
            )
            definition.register_handlers(runtime)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.db.dispose()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis URL: ``REDIS_URL`` when set, else an embedded server for the session."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    with EmbeddedRedis(workdir=tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """A Redis URL whose database is empty for this test (and emptied again after it)."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.flushdb()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An S3-compatible server over HTTP on 127.0.0.1 (moto's server mode), for the session: its endpoint."""
    import subprocess
    import sys
    import time

    import requests

    from shared.embedded_redis import free_port

    port = free_port()
    log = (tmp_path_factory.mktemp("s3") / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(endpoint, timeout=5)  # moto's first answer loads its backends: not instant
                break
            except (requests.ConnectionError, requests.Timeout):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 test server did not start") from None
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def chinese_font() -> Path:
    """The Chinese font the PDF documents are set in; without one the test skips with the reason (in CI,
    ``DM_REQUIRE_FONTS=1`` makes it fail instead, as ``.ci/run`` installs ``fonts-wqy-microhei``)."""
    from shared.documents.pdf_render import FontMissing
    from shared.documents.pdf_render import chinese_font as installed

    try:
        return installed()
    except FontMissing as exc:
        reason = f"{exc} — the PDF document tests need it"
        if os.environ.get("DM_REQUIRE_FONTS") == "1":
            pytest.fail(reason + "; DM_REQUIRE_FONTS=1 says they must run")
        pytest.skip(reason)


class AuditTrail:
    """A service's audit trail as a test reads it: ``trail.entries(runtime, action="login")`` (chain by chain,
    in order) and ``trail.intact(runtime, "330200")`` (its hash chain verified)."""

    @staticmethod
    def table(runtime: ServiceRuntime) -> Any:
        return __import__(f"services.{runtime.service}.tables", fromlist=["AuditEntry"]).AuditEntry

    def entries(self, runtime: ServiceRuntime, **where: str) -> list[Any]:
        model = self.table(runtime)
        with runtime.db.transaction() as session:
            query = select(model).order_by(model.jurisdiction, model.seq)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return list(session.scalars(query))

    def intact(self, runtime: ServiceRuntime, jurisdiction: str = "330200") -> bool:
        with runtime.db.transaction() as session:
            return audit.verify(session, self.table(runtime).__table__, runtime.service, jurisdiction).intact

    def codes_shown(self, runtime: ServiceRuntime, admin: Any, also: Iterable[str] = ()) -> list[str]:
        """What the office admin reads on ``/admin/audit/<service>`` (``admin``: a test client logged in as
        them) and in its Excel export that is a bare code where a name belongs — every ASCII word left once
        the identifiers people use are taken out (accounts, a case's or credential's id, addresses, hashes,
        links; ``also``: others the test knows of), with the text around it. ``[]``: all reads in Chinese."""
        page = admin.get(f"/admin/audit/{runtime.service}")
        assert page.status_code == 200
        export = admin.get(f"/admin/audit/{runtime.service}.xlsx")
        assert export.status_code == 200
        sheet = load_workbook(io.BytesIO(export.data)).active
        readable = [row[:READABLE_COLUMNS] for row in sheet.iter_rows(values_only=True)]
        texts = [_visible_text(page.get_data(as_text=True))]
        texts += ["　".join(str(v) for v in row if v is not None) for row in readable]
        known = self._identifiers(runtime) | set(also)
        return [found for text in texts for found in _codes_in(text, known)]

    def _identifiers(self, runtime: ServiceRuntime) -> set[str]:
        known: set[str] = set()
        for entry in self.entries(runtime):
            if entry.actor_id not in audit.NOT_ACCOUNTS:
                known.add(entry.actor_id)
            if entry.object_type in IDENTIFIED_OBJECTS:
                known.update(entry.object_id.split(","))
        return known - {""}


#: what the trail records by an id people use (a case's number, a person's account, a credential's key, a
#: channel's or delivery's id): the pages show it as it is. Every other object is recorded by a code (a
#: period's, a setting's, a service's, a jurisdiction's, a date) the pages must name.
IDENTIFIED_OBJECTS = {
    "case",
    "devolution",
    "person",
    "login",
    "api_credential",
    "approval",
    "delegation",
    "channel",
    "delivery",
    "dead_letter",
}
#: the words of the pages themselves that are not codes
NOT_CODES = {"SM3", "Excel", "Webhook", "SM4-GCM", "AES-256-GCM"}
#: the export's columns people read (the hashes and the record as stored come after)
READABLE_COLUMNS = 9
_NOT_WORDS = re.compile(r"https?://\S+|\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[0-9a-f]{32,}\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")


def _visible_text(html: str) -> str:
    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []
            self.hidden = 0

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            self.hidden += tag in ("script", "style", "title")

        def handle_endtag(self, tag: str) -> None:
            self.hidden -= tag in ("script", "style", "title")

        def handle_data(self, data: str) -> None:
            if not self.hidden:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _codes_in(text: str, identifiers: set[str]) -> list[str]:
    text = _NOT_WORDS.sub(" ", text)
    for identifier in sorted(identifiers, key=len, reverse=True):
        text = text.replace(identifier, " ")
    return [
        f"{m.group()} in “{text[max(0, m.start() - 30) : m.end() + 30].strip()}”"
        for m in _WORD.finditer(text)
        if m.group().rstrip(".:-") not in NOT_CODES
    ]


@pytest.fixture
def trail() -> AuditTrail:
    return AuditTrail()
