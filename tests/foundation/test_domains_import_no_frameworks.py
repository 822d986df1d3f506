"""Every domain package — the rules of the measures — loads without the web framework, the database or the
broker, not even indirectly (STYLE.md "Pure domain")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared.config import REPO_ROOT

FORBIDDEN = (
    "flask",
    "flask_smorest",
    "marshmallow",
    "sqlalchemy",
    "alembic",
    "dramatiq",
    "redis",
    "jwt",
    "requests",
)
DOMAINS = sorted(
    ".".join(path.relative_to(REPO_ROOT).parts)
    for path in (REPO_ROOT / "services").glob("**/domain")
    if (path / "__init__.py").exists()
)


def _loaded_after_importing(package: str) -> list[str]:
    root = REPO_ROOT / Path(*package.split("."))
    modules = [
        ".".join((package, *p.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
        for p in sorted(root.rglob("*.py"))
    ]  # every module, sub-packages included
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return [name for name in json.loads(out.stdout) if name in FORBIDDEN]


def test_there_is_a_domain_package_for_each_service() -> None:
    assert {d.split(".")[1] for d in DOMAINS} >= {"intake", "deadlines", "devolution"}


@pytest.mark.parametrize("package", DOMAINS)
def test_a_domain_package_loads_no_framework_database_or_broker(package: str) -> None:
    assert _loaded_after_importing(package) == []
