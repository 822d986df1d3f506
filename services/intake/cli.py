"""Intake's command line: ``python -m services.intake.cli seed|token USER|accounts``."""

from __future__ import annotations

import argparse
import sys

from services.intake.app import SERVICE
from services.intake.usecases import directory, directory_sync
from shared import demo
from shared.config import Settings
from shared.errors import AppError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.intake.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed", help="load the demo directory (idempotent)")
    token = sub.add_parser("token", help="print a bearer token for a demo user (development only)")
    token.add_argument("user")
    sub.add_parser("accounts", help="list the demo accounts")
    sync = sub.add_parser("sync-directory", help="bring the directory in line with the 浙政钉 address book")
    sync.add_argument(
        "--register", action="store_true", help="also subscribe to the address book's change events"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env("intake")
    if args.command in ("seed", "token") and not settings.is_development:
        print(
            "refusing: the demo directory (演示通讯录) and demo tokens are for development only; in "
            "production the directory comes from the 浙政钉 address book (sync-directory) or an Excel sheet",
            file=sys.stderr,
        )
        return 2
    runtime = SERVICE.offline_runtime(settings)
    if args.command == "sync-directory":
        book = directory_sync.address_book(settings)
        if args.register:
            print(f"intake: change events will be posted to {directory_sync.register_events(runtime, book)}")
        print(f"intake: directory synchronised from the address book: {directory_sync.sync(runtime, book)}")
        return 0
    if args.command == "seed":
        directory.load_directory(runtime, demo.demo_directory())
        print("intake: demo directory loaded")
    elif args.command == "accounts":
        for user_id, name, dept, roles in demo.demo_accounts():
            print(f"{user_id:16} {name:6} {roles:34} {dept}")
    else:
        try:
            print(directory.development_token(runtime, args.user))
        except AppError as exc:
            print(f"error: {exc.detail}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
