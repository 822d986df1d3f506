"""Each service reaches another only through messages or its HTTP API (DESIGN.md "Services"): no service
imports another service's package — what they share lives in ``shared/``."""

from __future__ import annotations

import ast

from shared.config import REPO_ROOT, SERVICES


def _imports(path) -> set[str]:  # type: ignore[no-untyped-def]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_service_imports_another_services_code() -> None:
    crossings = []
    for service in SERVICES:
        for path in sorted((REPO_ROOT / "services" / service).rglob("*.py")):
            for module in _imports(path):
                parts = module.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != service:
                    crossings.append(f"{path.relative_to(REPO_ROOT)} imports {module}")
    assert crossings == []
