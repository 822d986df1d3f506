"""A production process starts only on a safe, complete configuration, and says in one line which variable
is at fault: the example copied without filling it in, an empty or demo 浙政钉 credential, a short or
placeholder secret, SQLite, plain http for the public address. The scheduler needs no database of its own."""

from __future__ import annotations

import subprocess
import sys

import pytest
from deploy_support import EXAMPLE, example_variables, filled_example, read_unit

from shared.config import DEVELOPMENT_SECRET, REPO_ROOT, SERVICES, ConfigError, RecordingEnvironment, Settings
from shared.serve import EX_CONFIG

PROCESSES = (*SERVICES, "scheduler")


def _refusal(service: str, env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(service, env)
    message = str(refused.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("service", SERVICES)
def test_the_example_as_shipped_is_refused_naming_every_value_left_to_fill(service) -> None:
    shipped = {name: value for name, value in example_variables().items() if value is not None}
    message = _refusal(service, shipped)
    for name in ("DM_SECRET_KEY", f"{service.upper()}_DATABASE_URL", "REDIS_URL"):
        assert name in message
    for name in ("ZWD_APP_KEY", "ZWD_APP_SECRET", "ZWD_TENANT_ID", "ZWD_JSAPI_URL"):
        assert name in message


def test_only_intake_needs_the_js_sdk_address_of_the_login_page() -> None:
    assert "ZWD_JSAPI_URL is not set" in _refusal("intake", filled_example(ZWD_JSAPI_URL=""))
    assert Settings.from_env("deadlines", filled_example(ZWD_JSAPI_URL="")).is_production


@pytest.mark.parametrize("service", PROCESSES)
def test_the_example_filled_in_starts_every_process(service) -> None:
    settings = Settings.from_env(service, filled_example())
    assert settings.is_production and settings.log_format == "json"
    assert settings.platform_base_url == "https://openplatform-pro.ding.zj.gov.cn"


@pytest.mark.parametrize("name", ["ZWD_APP_KEY", "ZWD_APP_SECRET", "ZWD_TENANT_ID", "ZWD_BASE_URL"])
def test_an_empty_platform_setting_is_refused_and_never_becomes_the_demo_app(name) -> None:
    assert f"{name} is not set" in _refusal("notify", filled_example(**{name: ""}))


@pytest.mark.parametrize(
    ("name", "demo"), [("ZWD_APP_KEY", "demo-app-key"), ("ZWD_APP_SECRET", "demo-app-secret")]
)
def test_the_stand_ins_demo_app_is_refused_in_production(name, demo) -> None:
    assert name in _refusal("intake", filled_example(**{name: demo}))


@pytest.mark.parametrize(
    "secret",
    [
        "too-short",
        "x" * 48,
        "abababababababababababababababababab",
        "change-me-to-64-random-characters-from-a-password-manager-0123456789",
        DEVELOPMENT_SECRET,
    ],
)
def test_a_short_repetitive_placeholder_or_development_secret_is_refused(secret) -> None:
    assert "DM_SECRET_KEY" in _refusal("deadlines", filled_example(DM_SECRET_KEY=secret))


def test_sqlite_is_refused_in_production() -> None:
    message = _refusal("devolution", filled_example(DEVOLUTION_DATABASE_URL="sqlite:////var/lib/dm/x.db"))
    assert "DEVOLUTION_DATABASE_URL must point at PostgreSQL" in message


def test_the_public_address_must_be_https() -> None:
    assert "DM_PUBLIC_BASE_URL" in _refusal("intake", filled_example(DM_PUBLIC_BASE_URL="http://zzgl"))


def test_object_storage_needs_its_endpoint_and_keys() -> None:
    message = _refusal("intake", filled_example(DM_S3_BUCKET="dm-attachments"))
    for name in ("DM_S3_ENDPOINT_URL", "DM_S3_ACCESS_KEY_ID", "DM_S3_SECRET_ACCESS_KEY"):
        assert name in message


def test_the_scheduler_needs_no_database_of_its_own() -> None:
    env = RecordingEnvironment(filled_example())
    settings = Settings.from_env("scheduler", env)
    assert not settings.has_database and settings.database_url == ""
    assert not [name for name in env.asked if "DATABASE_URL" in name]


def _run(module: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("unit", "module", "args"),
    [
        ("dm-web@.service", "shared.serve", ("web", "intake")),
        ("dm-worker@.service", "shared.serve", ("worker", "notify")),
        ("dm-scheduler.service", "shared.scheduler", ()),
    ],
)
def test_a_refused_process_says_why_in_one_line_and_is_not_restarted(unit, module, args) -> None:
    shipped = {name: value for name, value in example_variables(EXAMPLE).items() if value is not None}
    done = _run(module, *args, env=shipped)
    assert done.returncode == EX_CONFIG
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refusing to start in production" in lines[0] and "DM_SECRET_KEY" in lines[0]
    assert EX_CONFIG in read_unit(unit, "intake").restart_prevent_exit_status
