"""Devolution's command line::

    python -m services.devolution.cli hand-over-rectifications
    python -m services.devolution.cli refresh-figures

限期纠正 (第三十七条, 第四项 included) is intake's casework. Run this once after ``devolution_0009``: every
finding devolution raised before goes to intake (``rectification.handed_over``; intake opens the case under
the same id), an open one's clock and task here are ended (intake starts its own), and the row is stamped
``handed_over_at``, so running it again sends nothing. The messages wait in the outbox for the workers'
relay sweep; the rows stay in devolution's ``rectification`` table, read-only.

``refresh-figures``: run once after ``devolution_0014``. Each devolution's facts for 监督统计
(``figures.py``) are computed, stored, and their change published to intake's counters (in the outbox, for
the workers' relay sweep); from then on every change keeps them. Running it again finds nothing to change.
"""

from __future__ import annotations

import argparse
import sys

from services.devolution import figures, usecases
from services.devolution.app import SERVICE
from shared.config import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.devolution.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "hand-over-rectifications",
        help="send the rectification findings raised here to intake, their owner (once; idempotent)",
    )
    sub.add_parser(
        "refresh-figures",
        help="compute every devolution's facts for the supervision dashboard and tell intake (idempotent)",
    )
    args = parser.parse_args(argv)
    runtime = SERVICE.offline_runtime(Settings.from_env("devolution"))
    if args.command == "refresh-figures":
        changed = figures.refresh_all(runtime)
        print(f"devolution: the figures of {changed} devolution(s) changed and were sent to intake")
        return 0
    count = usecases.hand_over_rectifications(runtime)
    print(f"devolution: {count} rectification finding(s) handed over to intake")
    return 0


if __name__ == "__main__":
    sys.exit(main())
