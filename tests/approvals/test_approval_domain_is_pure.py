"""The approval engine's rules import nothing from the web framework, the database or the broker (STYLE.md
"Pure domain"): chains, decisions, delegation, recall and working days left are plain Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FORBIDDEN = (
    "flask",
    "flask_smorest",
    "marshmallow",
    "sqlalchemy",
    "alembic",
    "dramatiq",
    "redis",
    "requests",
)
DOMAIN = Path(__file__).resolve().parents[2] / "services" / "intake" / "approvals" / "domain"


def test_importing_the_approval_domain_loads_no_framework_database_or_broker() -> None:
    modules = [f"services.intake.domain.approvals.{path.stem}" for path in sorted(DOMAIN.glob("*.py"))]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))\n"
    )
    root = DOMAIN.parents[3]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
