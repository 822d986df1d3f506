"""Configuration comes only through the settings object: notify's DM_NOTIFY_* and the time zone are read
there, no service reads the environment itself, and a DM_* variable nobody reads is warned about at start-up
(a typo would otherwise change nothing, silently)."""

from __future__ import annotations

import re

from shared import localtime
from shared.config import REPO_ROOT, Settings, unknown_variables
from shared.process import start_process

_READS_ENVIRONMENT = re.compile(r"os\.environ|os\.getenv")
#: what reads the environment for a reason of its own: the settings themselves; starting processes (make run,
#: python -m shared.serve, the dev gateway, gunicorn, the metrics folder units set); the platform stand-in;
#: the HTTP library's standard proxy and CA-bundle variables for notify's outbound calls
_ALLOWED = {
    "shared/config.py",
    "shared/process.py",
    "shared/devrun.py",
    "shared/serve.py",
    "shared/gateway.py",
    "shared/gunicorn_conf.py",
    "shared/metrics.py",
    "services/notify/standin/app.py",
    "services/notify/adapters/channels.py",
}


def test_no_service_reads_the_environment_outside_the_settings() -> None:
    readers = sorted(
        str(path.relative_to(REPO_ROOT))
        for folder in ("shared", "services")
        for path in (REPO_ROOT / folder).rglob("*.py")
        if _READS_ENVIRONMENT.search(path.read_text(encoding="utf-8"))
    )
    assert set(readers) - _ALLOWED == set()


def test_notifys_delivery_policy_is_part_of_its_settings() -> None:
    settings = Settings.from_env(
        "notify", {"DM_NOTIFY_MAX_ATTEMPTS": "3", "DM_NOTIFY_ROBOT_SPACING_MS": "500"}
    )
    assert (settings.notify.max_attempts, settings.notify.robot_spacing_ms) == (3, 500)
    assert Settings.from_env("notify", {}).notify.robot_spacing_ms is None


def test_a_dm_variable_nobody_reads_is_warned_about_at_start_up(capfd) -> None:  # type: ignore[no-untyped-def]
    environ = {"DM_TICK_SECOND": "5", "DM_TICK_SECONDS": "5", "DM_NOTIFY_LEASE_S": "30", "HOME": "/root"}
    assert unknown_variables(environ) == ["DM_TICK_SECOND"]

    warned = start_process("tests", Settings.from_env("intake", environ), environ)

    assert warned == ["DM_TICK_SECOND"]
    assert "DM_TICK_SECOND is set but no part of the suite reads it" in capfd.readouterr().err


def test_the_time_zone_of_every_date_is_the_settings_one() -> None:
    try:
        start_process("tests", Settings.from_env("intake", {"DM_TIMEZONE": "Asia/Urumqi"}), {})
        assert localtime.zone().key == "Asia/Urumqi"
    finally:
        localtime.configure("Asia/Shanghai")
    assert localtime.zone().key == "Asia/Shanghai"
