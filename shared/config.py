"""Settings, read once from the environment (12-factor) with safe development defaults.

Nothing here runs at import time: ``create_app`` and worker start-up call :meth:`Settings.from_env`.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SERVICES = ("intake", "deadlines", "devolution", "notify")
DEFAULT_PORTS = {
    "gateway": 8000,
    "intake": 8001,
    "deadlines": 8002,
    "devolution": 8003,
    "notify": 8004,
    "standin": 8009,
}
DEVELOPMENT_SECRET = "dev-secret-do-not-use-in-production"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: 浙政钉's scan-login page for third-party sites (专有钉钉 扫码登录)
PRODUCTION_QR_LOGIN_URL = "https://login-pro.ding.zj.gov.cn/oauth2/auth.htm"
#: processes without a database of their own
DATABASELESS = frozenset({"gateway", "scheduler", "standin", "tools"})
#: the stand-in's demo app: accepted in development, refused in production
DEMO_PLATFORM = {
    "ZWD_APP_KEY": "demo-app-key",
    "ZWD_APP_SECRET": "demo-app-secret",
    "ZWD_TENANT_ID": "196729",
}
#: a value copied from ``deploy/production.env.example`` without being filled in
PLACEHOLDER = re.compile(r"change-?me|placeholder|x{6,}", re.IGNORECASE)


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


class RecordingEnvironment(Mapping[str, str]):
    """The environment, remembering every variable asked for (read or not) and which of them were set.

    :meth:`Settings.from_env` reads through it, so the production check can name each variable it refuses
    and a test can list every variable the suite reads.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.asked: list[str] = []

    def __getitem__(self, name: str) -> str:
        if name not in self.asked:
            self.asked.append(name)
        return self.environ[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.environ)

    def __len__(self) -> int:
        return len(self.environ)


@dataclass(frozen=True)
class NotifySettings:
    """Notify's delivery policy (``DM_NOTIFY_*``): retries, the robots' rate, digests, the daily budget, and
    the keys that encrypt channel secrets. Read with the other settings, by notify's processes only."""

    max_attempts: int = 6
    base_delay_s: float = 5.0
    max_delay_s: float = 1800.0
    lease_s: float = 60.0
    # how long a work notification or webhook keeps being retried past max_attempts while the platform is
    # down (their bizMsgId / id makes a retry safe): a day, so an outage of hours drains by itself
    outage_patience_s: float = 86_400.0
    robot_rate: int = 20  # messages per window
    robot_window_ms: int = 61_000  # a minute and a second of margin for clock and network skew
    robot_spacing_ms: int | None = None  # window / rate unless set
    robot_throttle_s: float = 600.0
    digest_max: int = 20  # reminders per digest
    drain: int = 20  # due batches taken along per command
    daily_budget: int = 20_000  # work notifications per app per day
    directory_wait_s: float = 3600.0  # how long a party nobody in the replica matches waits for it
    channel_keys: str = ""  # DM_NOTIFY_CHANNEL_KEYS (services.notify.usecases.channel_secrets)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> NotifySettings:
        spacing = _int(env, "DM_NOTIFY_ROBOT_SPACING_MS", -1)  # 0: no pacing; unset: window / rate
        return cls(
            max_attempts=_int(env, "DM_NOTIFY_MAX_ATTEMPTS", 6),
            base_delay_s=_float(env, "DM_NOTIFY_BASE_DELAY_S", 5.0),
            max_delay_s=_float(env, "DM_NOTIFY_MAX_DELAY_S", 1800.0),
            lease_s=_float(env, "DM_NOTIFY_LEASE_S", 60.0),
            outage_patience_s=_float(env, "DM_NOTIFY_OUTAGE_PATIENCE_S", 86_400.0),
            robot_rate=_int(env, "DM_NOTIFY_ROBOT_RATE", 20),
            robot_window_ms=_int(env, "DM_NOTIFY_ROBOT_WINDOW_MS", 61_000),
            robot_spacing_ms=spacing if spacing >= 0 else None,
            robot_throttle_s=_float(env, "DM_NOTIFY_ROBOT_THROTTLE_S", 600.0),
            digest_max=_int(env, "DM_NOTIFY_DIGEST_MAX", 20),
            drain=_int(env, "DM_NOTIFY_DRAIN", 20),
            daily_budget=_int(env, "DM_NOTIFY_DAILY_BUDGET", 20_000),
            directory_wait_s=_float(env, "DM_NOTIFY_DIRECTORY_WAIT_S", 3600.0),
            channel_keys=env.get("DM_NOTIFY_CHANNEL_KEYS") or "",
        )


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
    public_base_url: str = "http://127.0.0.1:8000"
    platform_base_url: str = "http://127.0.0.1:8009"
    platform_app_key: str = DEMO_PLATFORM["ZWD_APP_KEY"]
    platform_app_secret: str = DEMO_PLATFORM["ZWD_APP_SECRET"]
    platform_tenant_id: str = DEMO_PLATFORM["ZWD_TENANT_ID"]
    #: the 浙政钉 micro-app JS-SDK the 免登 page loads (empty in development: the page offers a form instead)
    platform_jsapi_url: str = ""
    #: the platform's scan-login page the PC login page's QR code points at (浙政钉 扫码登录)
    platform_qr_login_url: str = ""
    #: (jurisdiction, 浙政钉 organisation code of its root): departments are the organisations under it
    directory_roots: tuple[tuple[str, str], ...] = ()
    outbound_allow: tuple[str, ...] = ("127.0.0.1", "localhost")
    timezone: str = "Asia/Shanghai"
    tick_seconds: float = 60.0
    #: the jurisdictions this deployment serves (宁波市 and the districts that adopted the measures, 第39条)
    jurisdictions: tuple[str, ...] = ("330200",)
    #: where this process listens (web processes; ``python -m shared.serve``)
    bind_address: str = "127.0.0.1"
    port: int = 0
    #: gunicorn processes and threads of a web process; Dramatiq processes and threads of a worker
    web_workers: int = 2
    web_threads: int = 4
    worker_processes: int = 1
    worker_threads: int = 4
    #: the largest attachment (a scanned 20-page PDF is 10–40 MB); nginx's client_max_body_size follows it
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    #: S3-compatible object storage for attachments (OSS, MinIO, Ceph); local disk under var_dir when unset
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    s3_prefix: str = ""
    s3_addressing_style: str = "path"
    #: notify's delivery policy (read by notify only)
    notify: NotifySettings = field(default_factory=NotifySettings)
    #: variables refused in production, with the reason (empty elsewhere)
    problems: tuple[str, ...] = ()

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_development(self) -> bool:
        return self.env in {"development", "test"}

    @property
    def has_database(self) -> bool:
        return self.service not in DATABASELESS

    @classmethod
    def from_env(cls, service: str, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings of ``service`` from ``environ`` (the process environment by default).

        In production, :class:`ConfigError` names every variable that is unset, a placeholder or unsafe.
        """
        if service not in (*SERVICES, *DATABASELESS):
            raise ConfigError(f"unknown service {service!r}")
        env = (
            environ
            if isinstance(environ, RecordingEnvironment)
            else RecordingEnvironment(os.environ if environ is None else environ)
        )
        mode = env.get("DM_ENV") or "development"
        if mode not in {"development", "test", "production"}:
            raise ConfigError("DM_ENV must be development, test or production")
        settings = cls(service=service, env=mode, **_read(env, service, mode))
        problems = settings.production_problems(env) if mode == "production" else ()
        settings = replace(settings, problems=tuple(problems))
        settings.check()
        return settings

    def production_problems(self, env: Mapping[str, str]) -> list[str]:
        """What production refuses, one entry per variable: unset, a placeholder, or unsafe."""
        problems: list[str] = []
        required = ["DM_SECRET_KEY", "REDIS_URL", "DM_PUBLIC_BASE_URL", "ZWD_BASE_URL", *DEMO_PLATFORM]
        if self.has_database:
            required.append(f"{self.service.upper()}_DATABASE_URL")
        if self.service == "intake":
            required.append("ZWD_JSAPI_URL")  # without it the 免登 page waits forever
        for name in required:
            if not (env.get(name) or "").strip():
                problems.append(f"{name} is not set")
        for name in list(getattr(env, "asked", ())):
            if PLACEHOLDER.search(env.get(name) or ""):
                problems.append(f"{name} still holds the example's placeholder")
        problems += self._unsafe_values(env)
        return list(dict.fromkeys(problems))

    def _unsafe_values(self, env: Mapping[str, str]) -> list[str]:
        problems = []
        secret = env.get("DM_SECRET_KEY") or ""
        if secret and (len(secret) < 32 or len(set(secret)) < 12 or secret == DEVELOPMENT_SECRET):
            problems.append("DM_SECRET_KEY must be a random value of at least 32 characters")
        database_set = self.has_database and env.get(f"{self.service.upper()}_DATABASE_URL")
        if database_set and not self.database_url.startswith("postgresql"):
            problems.append(f"{self.service.upper()}_DATABASE_URL must point at PostgreSQL")
        for name, demo in DEMO_PLATFORM.items():
            if env.get(name) == demo:
                problems.append(f"{name} is the local stand-in's demo value")
        if self.s3_bucket:
            for name in ("DM_S3_ENDPOINT_URL", "DM_S3_ACCESS_KEY_ID", "DM_S3_SECRET_ACCESS_KEY"):
                if not (env.get(name) or "").strip():
                    problems.append(f"{name} is not set (DM_S3_BUCKET names object storage)")
        public = env.get("DM_PUBLIC_BASE_URL") or ""
        if public and not public.startswith("https://"):
            problems.append("DM_PUBLIC_BASE_URL must be the https:// address people open")
        return problems

    def check(self) -> None:
        """Refuse production on anything unset, a placeholder or unsafe (one line naming each variable)."""
        if self.problems:
            raise ConfigError(f"{self.service}: refusing to start in production: " + "; ".join(self.problems))

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some values replaced (tests use it instead of touching the environment)."""
        return replace(self, **changes)


#: ``DM_*`` variables read outside the settings (test tools)
READ_ELSEWHERE = frozenset({"DM_REQUIRE_BROWSER", "DM_REQUIRE_FONTS", "DM_REQUIRE_HOSTS", "DM_REQUIRE_NGINX"})


def known_variables() -> frozenset[str]:
    """Every ``DM_*`` (and other) variable some process of the suite reads, in any mode."""
    names = set(READ_ELSEWHERE)
    for process in (*SERVICES, *DATABASELESS):
        for mode in ("development", "production"):
            recorder = RecordingEnvironment({"DM_ENV": mode})
            with contextlib.suppress(ConfigError):  # production refuses it, having asked for every variable
                Settings.from_env(process, recorder)
            names.update(recorder.asked)
    return frozenset(names)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """The ``DM_*`` variables in ``environ`` that no process reads."""
    known = known_variables()
    return sorted(name for name in environ if name.startswith("DM_") and name not in known)


def _scaled(env: Mapping[str, str], service: str, name: str, default: int) -> int:
    """Workers of one queue: ``<SERVICE>_<NAME>``, else ``DM_<NAME>`` for every queue, else ``default``."""
    if service not in SERVICES:
        return default
    return _int(env, f"{service.upper()}_{name}", _int(env, f"DM_{name}", default))


def _read(env: Mapping[str, str], service: str, mode: str) -> dict[str, Any]:
    var_dir = Path(env.get("DM_VAR_DIR") or REPO_ROOT / "var")
    port_base = _int(env, "DM_PORT_BASE", 8000)
    urls = default_service_urls(port_base=port_base)
    # The one HTTP call between services: intake counts working days with the deadlines calendar.
    urls["deadlines"] = env.get("DEADLINES_URL") or urls["deadlines"]
    database_url = ""
    if service not in DATABASELESS:
        database_url = env.get(f"{service.upper()}_DATABASE_URL") or f"sqlite:///{var_dir / service}.db"
    default_port = DEFAULT_PORTS.get(service, 8000) - 8000 + port_base if service in DEFAULT_PORTS else 0
    return {
        "secret_key": env.get("DM_SECRET_KEY") or DEVELOPMENT_SECRET,
        "database_url": database_url,
        "redis_url": env.get("REDIS_URL") or None,
        "var_dir": var_dir,
        "token_ttl_seconds": _int(env, "DM_TOKEN_TTL_SECONDS", 8 * 3600),
        "max_request_bytes": _int(env, "DM_MAX_REQUEST_BYTES", 1024 * 1024),
        "log_format": env.get("DM_LOG_FORMAT") or ("json" if mode == "production" else "text"),
        "log_level": (env.get("DM_LOG_LEVEL") or "INFO").upper(),
        "service_urls": urls,
        "public_base_url": env.get("DM_PUBLIC_BASE_URL") or urls["gateway"],  # the one address
        "platform_base_url": env.get("ZWD_BASE_URL") or urls["standin"],
        "platform_jsapi_url": env.get("ZWD_JSAPI_URL") or "",
        "platform_qr_login_url": env.get("ZWD_QR_LOGIN_URL")
        or (PRODUCTION_QR_LOGIN_URL if mode == "production" else urls["standin"] + "/oauth2/auth.htm"),
        # In production an empty value stays empty (and is refused): never the stand-in's demo app.
        **{
            field_name: env.get(name) or ("" if mode == "production" else demo)
            for field_name, (name, demo) in zip(
                ("platform_app_key", "platform_app_secret", "platform_tenant_id"),
                DEMO_PLATFORM.items(),
                strict=True,
            )
        },
        "outbound_allow": tuple(
            host.strip()
            for host in (env.get("DM_OUTBOUND_ALLOW") or "127.0.0.1,localhost").split(",")
            if host
        ),
        "tick_seconds": _float(env, "DM_TICK_SECONDS", 60.0),
        "jurisdictions": tuple(
            code.strip() for code in (env.get("DM_JURISDICTIONS") or "330200").split(",") if code.strip()
        ),
        "bind_address": env.get("DM_BIND_ADDRESS") or "127.0.0.1",
        "port": _int(env, f"{service.upper()}_PORT", default_port) if service in DEFAULT_PORTS else 0,
        "web_workers": _int(env, "DM_WEB_WORKERS", 2),
        "web_threads": _int(env, "DM_WEB_THREADS", 4),
        "worker_processes": _scaled(env, service, "WORKER_PROCESSES", 1),
        "worker_threads": _scaled(env, service, "WORKER_THREADS", 4),
        "max_upload_bytes": _int(env, "DM_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
        "directory_roots": _roots(env.get("DM_ZWD_DIRECTORY_ROOTS") or ""),
        **_object_storage(env),
        "timezone": _timezone(env),
        **({"notify": NotifySettings.from_env(env)} if service == "notify" else {}),
    }


def _timezone(env: Mapping[str, str]) -> str:
    """``DM_TIMEZONE``: where the suite's dates are counted and shown (北京时间 unless a test says so)."""
    name = (env.get("DM_TIMEZONE") or "Asia/Shanghai").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"DM_TIMEZONE must name a time zone (such as Asia/Shanghai), got {name!r}") from exc
    return name


def _roots(raw: str) -> tuple[tuple[str, str], ...]:
    """``330200:GO_xxx,330203:GO_yyy`` → ((jurisdiction, organisation code), …)."""
    roots = []
    for part in (p.strip() for p in raw.split(",") if p.strip()):
        jurisdiction, _, organisation = part.partition(":")
        if not jurisdiction.strip() or not organisation.strip():
            raise ConfigError("DM_ZWD_DIRECTORY_ROOTS must read <jurisdiction>:<organisation code>,…")
        roots.append((jurisdiction.strip(), organisation.strip()))
    return tuple(roots)


def _object_storage(env: Mapping[str, str]) -> dict[str, str]:
    names = ("bucket", "endpoint_url", "region", "access_key_id", "secret_access_key", "prefix")
    values = {f"s3_{name}": (env.get(f"DM_S3_{name.upper()}") or "").strip() for name in names}
    style = (env.get("DM_S3_ADDRESSING_STYLE") or "path").strip()
    if style not in {"path", "virtual"}:
        raise ConfigError("DM_S3_ADDRESSING_STYLE must be path (MinIO, Ceph) or virtual (OSS)")
    return {**values, "s3_addressing_style": style}
