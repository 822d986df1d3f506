"""Deadlines' command line — calendar data without a release::

    python -m services.deadlines.cli load-year 2027 --file notice.json [--by 姓名]
    python -m services.deadlines.cli add-override --jurisdiction 330200 --date 2027-09-10 \\
        --kind closure --reason "台风停止办公"
    python -m services.deadlines.cli years
    python -m services.deadlines.cli announce-clocks

``announce-clocks`` sends every open clock's schedule and calendar window to its owner again (run it once
after the upgrade that added the window to ``clock.scheduled``: the owners count days left with it).

``notice.json`` is the body of ``PUT /api/v1/calendar/years/{year}``:
``{"source": "国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕N号）",
"holidays": [{"date": "2027-01-01", "name": "元旦"}, …],
"adjusted_workdays": [{"date": "…", "name": "春节调休上班"}, …]}``. Messages (recomputed clocks, notices)
wait in the outbox for the workers' relay sweep. Each change is in the audit trail, by ``命令行（--by）``, in
the chain of ``--jurisdiction`` (a year: of the deployment's first jurisdiction).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from services.deadlines.adapters.calendar_store import calendars
from services.deadlines.app import SERVICE
from services.deadlines.domain.calendar import LocalOverride
from services.deadlines.usecases import calendar_admin
from shared import audit
from shared.config import Settings
from shared.db import utcnow
from shared.errors import AppError, ValidationFailed
from shared.identity import Principal
from shared.runtime import ServiceRuntime


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m services.deadlines.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load-year", help="load or replace a year of the State Council's notice")
    load.add_argument("year", type=int)
    load.add_argument("--file", type=Path, required=True, help="JSON: source, holidays, adjusted_workdays")
    load.add_argument("--by", default="命令行", help="who loads it (recorded)")
    override = sub.add_parser("add-override", help="a local closure or extra working day")
    override.add_argument("--jurisdiction", required=True)
    override.add_argument("--date", type=date.fromisoformat, required=True)
    override.add_argument("--kind", choices=["closure", "extra_workday"], required=True)
    override.add_argument("--reason", required=True)
    override.add_argument("--by", default="命令行")
    sub.add_parser("years", help="list the loaded years and their sources")
    sub.add_parser("announce-clocks", help="send every open clock's schedule and calendar window again")
    return parser


def operator(args: argparse.Namespace, runtime: ServiceRuntime) -> Principal:
    """Who the trail records for a command: the name given with ``--by``, acting from the command line."""
    where = getattr(args, "jurisdiction", None) or runtime.settings.jurisdictions[0]
    return Principal(audit.CLI_ID, args.by, where, None, frozenset())


def run(args: argparse.Namespace, runtime: ServiceRuntime) -> str:
    cache = calendars(runtime.db)
    with runtime.unit_of_work() as uow:
        if args.command == "years":
            lines = [
                f"{y['year']}  {y['source']}  ({y['loaded_by']})" for y in calendar_admin.list_years(uow)
            ]
            uow.commit()
            return "\n".join(lines)
        if args.command == "announce-clocks":
            count = calendar_admin.announce_open_clocks(uow, cache, now=utcnow())
            uow.commit()
            return f"已重新发送 {count} 项计时的到期日与工作日历"
        if args.command == "load-year":
            data = calendar_admin.year_from_json(args.year, _notice_file(args.file))
            result = calendar_admin.load_year(uow, cache, data, actor=operator(args, runtime), now=utcnow())
        else:
            override = LocalOverride(args.date, args.kind, args.reason)
            result = calendar_admin.set_override(
                uow, cache, args.jurisdiction, override, actor=operator(args, runtime), now=utcnow()
            )
        uow.commit()
    return f"已保存；重新计算 {result.recomputed} 项计时，其中 {result.moved} 项到期日变化"


def _notice_file(path: Path) -> dict[str, object]:
    """The JSON object in ``path``; ValidationFailed (field ``file``) when it is missing or not one."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValidationFailed.for_field("file", f"无法读取 {path}：{exc.strerror}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailed.for_field("file", f"{path} 不是有效的 JSON（UTF-8）：{exc}") from None
    if not isinstance(body, dict):
        message = f"{path} 须为 JSON 对象（source、holidays、adjusted_workdays）"
        raise ValidationFailed.for_field("file", message)
    return body


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        print(run(args, SERVICE.offline_runtime(Settings.from_env("deadlines"))))
    except AppError as exc:
        fields = "; ".join(f"{name}: {'，'.join(msgs)}" for name, msgs in exc.fields.items())
        print(f"error: {exc.detail}" + (f" ({fields})" if fields else ""), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
