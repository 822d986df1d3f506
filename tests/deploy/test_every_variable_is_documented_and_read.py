"""Every environment variable a process of the suite reads is in the guide's table (deploy/README.md) and in
the example environment file; nothing in the example is read by nobody (the old ``DM_X_TICK_SECONDS``)."""

from __future__ import annotations

import re

import pytest
from deploy_support import DEPLOY, example_variables, filled_example, read_unit

from services.notify.usecases.delivery import build_context
from shared.config import REPO_ROOT, SERVICES, RecordingEnvironment, Settings

#: read by development tools only (the stand-in, make run), not by a production process
DEVELOPMENT_ONLY = {"STANDIN_PORT"}
#: set by the systemd units themselves (per service), not by the operator
SET_BY_THE_UNITS = {"PROMETHEUS_MULTIPROC_DIR"}
#: the usual meaning, read by the HTTP library for notify's outbound calls
STANDARD = {"HTTPS_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE"}
_DIRECT_READ = re.compile(r"""os\.environ(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def _documented() -> set[str]:
    rows = [
        line
        for line in (DEPLOY / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("|")
    ]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def _read_by_settings() -> set[str]:
    asked: set[str] = set()
    for environment in (filled_example(), {}):
        for process in (*SERVICES, "scheduler"):
            recorder = RecordingEnvironment(environment)
            Settings.from_env(process, recorder)
            asked.update(recorder.asked)
    return asked


def _read_directly() -> set[str]:
    names: set[str] = set()
    for folder in ("shared", "services"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            names.update(_DIRECT_READ.findall(path.read_text(encoding="utf-8")))
    return names


@pytest.fixture
def read_by_the_suite(make_runtime) -> set[str]:  # type: ignore[no-untyped-def]
    recorder = RecordingEnvironment({})
    build_context(make_runtime("notify"), environ=recorder)
    return _read_by_settings() | _read_directly() | set(recorder.asked)


def test_every_variable_read_is_in_the_guides_table(read_by_the_suite) -> None:
    assert read_by_the_suite - _documented() == set()


def test_every_variable_read_in_production_is_in_the_example(read_by_the_suite) -> None:
    assert read_by_the_suite - set(example_variables()) - DEVELOPMENT_ONLY - SET_BY_THE_UNITS == set()
    for unit in ("dm-web@.service", "dm-worker@.service"):
        assert set(read_unit(unit, "notify").environment) >= SET_BY_THE_UNITS


def test_nothing_in_the_example_or_the_table_goes_unread(read_by_the_suite) -> None:
    assert set(example_variables()) - read_by_the_suite == set()
    assert _documented() - read_by_the_suite - STANDARD == set()
