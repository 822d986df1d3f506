"""Settings, read once from the environment (12-factor) with safe development defaults.

Nothing here runs at import time: ``create_app`` and worker start-up call :meth:`Settings.from_env`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SERVICES = ("intake", "deadlines", "devolution", "notify")
DEFAULT_PORTS = {"intake": 8001, "deadlines": 8002, "devolution": 8003, "notify": 8004, "standin": 8009}
DEVELOPMENT_SECRET = "dev-secret-do-not-use-in-production"
REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the environment describes a configuration the suite refuses to run with."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def default_service_urls(host: str = "127.0.0.1", port_base: int = 8000) -> dict[str, str]:
    """Base URLs of every service (and the platform stand-in) on one host, by the conventional ports."""
    return {name: f"http://{host}:{port - 8000 + port_base}" for name, port in DEFAULT_PORTS.items()}


@dataclass(frozen=True)
class Settings:
    """Everything a service process needs to know about its surroundings."""

    service: str
    env: str = "development"
    secret_key: str = DEVELOPMENT_SECRET
    database_url: str = ""
    redis_url: str | None = None
    var_dir: Path = REPO_ROOT / "var"
    token_ttl_seconds: int = 8 * 3600
    max_request_bytes: int = 1024 * 1024
    log_format: str = "text"
    log_level: str = "INFO"
    service_urls: Mapping[str, str] = field(default_factory=default_service_urls)
    public_base_url: str = "http://127.0.0.1:8001"
    platform_base_url: str = "http://127.0.0.1:8009"
    platform_app_key: str = "demo-app-key"
    platform_app_secret: str = "demo-app-secret"
    platform_tenant_id: str = "196729"
    outbound_allow: tuple[str, ...] = ("127.0.0.1", "localhost")
    timezone: str = "Asia/Shanghai"
    tick_seconds: float = 60.0
    #: the jurisdictions this deployment serves (宁波市 and the districts that adopted the measures, 第39条)
    jurisdictions: tuple[str, ...] = ("330200",)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_development(self) -> bool:
        return self.env in {"development", "test"}

    @classmethod
    def from_env(cls, service: str, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings of ``service`` from ``environ`` (the process environment by default)."""
        if service not in (*SERVICES, "standin", "scheduler", "tools"):
            raise ConfigError(f"unknown service {service!r}")
        env = dict(os.environ if environ is None else environ)
        mode = env.get("DM_ENV", "development")
        if mode not in {"development", "test", "production"}:
            raise ConfigError("DM_ENV must be development, test or production")
        var_dir = Path(env.get("DM_VAR_DIR") or REPO_ROOT / "var")
        port_base = _int(env, "DM_PORT_BASE", 8000)
        urls = default_service_urls(port_base=port_base)
        for name in urls:
            urls[name] = env.get(f"{name.upper()}_URL") or urls[name]
        settings = cls(
            service=service,
            env=mode,
            secret_key=env.get("DM_SECRET_KEY") or DEVELOPMENT_SECRET,
            database_url=env.get(f"{service.upper()}_DATABASE_URL") or f"sqlite:///{var_dir / service}.db",
            redis_url=env.get("REDIS_URL") or None,
            var_dir=var_dir,
            token_ttl_seconds=_int(env, "DM_TOKEN_TTL_SECONDS", 8 * 3600),
            max_request_bytes=_int(env, "DM_MAX_REQUEST_BYTES", 1024 * 1024),
            log_format=env.get("DM_LOG_FORMAT") or ("json" if mode == "production" else "text"),
            log_level=env.get("DM_LOG_LEVEL", "INFO").upper(),
            service_urls=urls,
            public_base_url=env.get("DM_PUBLIC_BASE_URL") or urls["intake"],
            platform_base_url=env.get("ZWD_BASE_URL") or urls["standin"],
            platform_app_key=env.get("ZWD_APP_KEY") or "demo-app-key",
            platform_app_secret=env.get("ZWD_APP_SECRET") or "demo-app-secret",
            platform_tenant_id=env.get("ZWD_TENANT_ID") or "196729",
            outbound_allow=tuple(
                host.strip()
                for host in env.get("DM_OUTBOUND_ALLOW", "127.0.0.1,localhost").split(",")
                if host
            ),
            tick_seconds=_float(env, "DM_TICK_SECONDS", 60.0),
            jurisdictions=tuple(
                code.strip() for code in env.get("DM_JURISDICTIONS", "330200").split(",") if code.strip()
            ),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse production with development secrets or embedded stand-ins."""
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32:
            problems.append("DM_SECRET_KEY must be set to a random value of at least 32 characters")
        if self.database_url.startswith("sqlite"):
            problems.append(f"{self.service.upper()}_DATABASE_URL must point at PostgreSQL")
        if not self.redis_url:
            problems.append("REDIS_URL must point at a Redis server")
        if self.platform_app_secret == "demo-app-secret" and self.service == "notify":
            problems.append("ZWD_APP_SECRET must be the real app secret")
        if problems:
            raise ConfigError("refusing to start in production: " + "; ".join(problems))

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some values replaced (tests use it instead of touching the environment)."""
        return replace(self, **changes)
