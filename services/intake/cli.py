"""Intake's command line: ``python -m services.intake.cli seed|token USER|accounts``."""

from __future__ import annotations

import argparse
import sys

from services.intake.app import SERVICE
from services.intake.usecases import directory
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
    args = parser.parse_args(argv)
    settings = Settings.from_env("intake")
    runtime = SERVICE.offline_runtime(settings)
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
