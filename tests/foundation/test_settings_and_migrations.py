"""Settings come from the environment; production refuses development secrets; migrations match models."""

from __future__ import annotations

import pytest

from shared.config import DEVELOPMENT_SECRET, ConfigError, Settings
from shared.migrations import differences


def test_development_defaults_use_sqlite_files_under_var() -> None:
    settings = Settings.from_env("intake", {"DM_VAR_DIR": "/tmp/x"})
    assert settings.database_url == "sqlite:////tmp/x/intake.db"
    assert settings.secret_key == DEVELOPMENT_SECRET
    assert settings.service_urls["deadlines"] == "http://127.0.0.1:8002"


def test_production_refuses_to_start_with_development_secrets() -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env("notify", {"DM_ENV": "production"})
    message = str(refused.value)
    assert "DM_SECRET_KEY" in message and "NOTIFY_DATABASE_URL" in message and "REDIS_URL" in message


def test_production_starts_with_real_settings() -> None:
    settings = Settings.from_env(
        "intake",
        {
            "DM_ENV": "production",
            "DM_SECRET_KEY": "q3V8-kLm2Zp9Rt5Yw1Xc7Nb4Hg6Jd0Fs8Ae",
            "INTAKE_DATABASE_URL": "postgresql+psycopg://dm@db/intake",
            "REDIS_URL": "redis://redis:6379/0",
            "DM_PUBLIC_BASE_URL": "https://zzgl.nbbb.gov.cn",
            "ZWD_BASE_URL": "https://openplatform-pro.ding.zj.gov.cn",
            "ZWD_APP_KEY": "zzgl-app",
            "ZWD_APP_SECRET": "a-real-secret-from-the-platform",
            "ZWD_TENANT_ID": "50000123",
            "ZWD_JSAPI_URL": "https://zzgl.nbbb.gov.cn/static/zwd/jsapi.js",
        },
    )
    assert settings.is_production and settings.log_format == "json"


@pytest.mark.parametrize("service", ["intake", "deadlines", "devolution", "notify"])
def test_each_services_migrations_agree_with_its_models(service, database_url) -> None:
    module = __import__(f"services.{service}.tables", fromlist=["Base"])
    assert differences(database_url(service), module.Base.metadata) == []


def test_every_migration_was_read_by_hand_no_autogenerate_marker_is_left() -> None:
    """Alembic marks what it generates "please adjust!"; a migration still carrying the mark was not read."""
    from shared.config import REPO_ROOT

    unread = [
        str(path.relative_to(REPO_ROOT))
        for path in sorted(REPO_ROOT.glob("services/*/migrations/versions/*.py"))
        if "please adjust" in path.read_text(encoding="utf-8")
    ]
    assert unread == []
