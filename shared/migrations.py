"""Alembic, one history per service under ``services/<name>/migrations``.

``python -m shared.migrations upgrade intake`` (or ``all``) brings a service's database to the head revision;
``check`` fails when a service's models and its migrations disagree (CI runs it through the tests).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, create_engine

from shared.config import REPO_ROOT, SERVICES, Settings
from shared.db import ensure_sqlite_directory


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    ensure_sqlite_directory(database_url)
    command.upgrade(alembic_config(service, database_url), revision)


def differences(database_url: str, metadata: MetaData) -> list[Any]:
    """What autogenerate would add to make the database match the models (empty when they agree)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def run_env(target_metadata: MetaData, config: Config) -> None:
    """The body of each service's ``migrations/env.py``."""
    from alembic import context

    url = config.get_main_option("sqlalchemy.url") or ""
    ensure_sqlite_directory(url)
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.migrations")
    parser.add_argument("action", choices=["upgrade", "revision"])
    parser.add_argument("service", choices=[*SERVICES, "all"])
    parser.add_argument("-m", "--message", default="change")
    args = parser.parse_args(argv)
    services = SERVICES if args.service == "all" else (args.service,)
    for service in services:
        url = Settings.from_env(service).database_url
        if args.action == "upgrade":
            upgrade(service, url)
            print(f"{service}: database at head ({url.split('@')[-1]})")
        else:  # autogenerate compares the tables with a database at head: bring a scratch one there first
            upgrade(service, url)
            command.revision(alembic_config(service, url), message=args.message, autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
