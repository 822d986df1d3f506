"""Pending PC log-ins by QR code (浙政钉 扫码登录), shared by every web machine: the PC that shows the code
polls one machine while the phone's confirmation may arrive at another, so they live in Redis (an
in-process stub without it). Each lives five minutes and is finished once."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from shared.config import Settings

TTL_S = 300
KEY = "dm:qr-login:{state}"


@dataclass(frozen=True)
class QrLogin:
    """One PC waiting for a scan: the browser session that asked (``sid``), and the outcome once known."""

    state: str
    sid: str
    next_url: str
    status: str = "pending"  # pending | confirmed | refused | used
    person_id: str | None = None
    message: str | None = None


class QrLogins(Protocol):
    def put(self, login: QrLogin) -> None: ...

    def get(self, state: str) -> QrLogin | None: ...

    def take(self, state: str, sid: str) -> QrLogin | None:
        """The confirmed log-in of this browser, marked used (so it logs in once); None otherwise."""


class RedisQrLogins:
    def __init__(self, client: Any) -> None:
        self.client = client

    def put(self, login: QrLogin) -> None:
        self.client.set(KEY.format(state=login.state), json.dumps(asdict(login)), ex=TTL_S)

    def get(self, state: str) -> QrLogin | None:
        raw = self.client.get(KEY.format(state=state))
        return QrLogin(**json.loads(raw)) if raw else None

    def take(self, state: str, sid: str) -> QrLogin | None:
        key = KEY.format(state=state)
        with self.client.pipeline() as pipe:
            pipe.watch(key)
            raw = pipe.get(key)
            login = QrLogin(**json.loads(raw)) if raw else None
            if login is None or login.sid != sid or login.status != "confirmed":
                pipe.reset()
                return None
            pipe.multi()
            pipe.set(key, json.dumps({**asdict(login), "status": "used"}), ex=TTL_S)
            pipe.execute()  # a concurrent take makes this raise WatchError: one log-in only
        return login


class MemoryQrLogins:
    def __init__(self) -> None:
        self.logins: dict[str, tuple[float, QrLogin]] = {}
        self._lock = threading.Lock()

    def put(self, login: QrLogin) -> None:
        with self._lock:
            self.logins[login.state] = (time.monotonic() + TTL_S, login)

    def get(self, state: str) -> QrLogin | None:
        with self._lock:
            entry = self.logins.get(state)
        return entry[1] if entry and entry[0] > time.monotonic() else None

    def take(self, state: str, sid: str) -> QrLogin | None:
        with self._lock:
            entry = self.logins.get(state)
            if not entry or entry[0] <= time.monotonic():
                return None
            login = entry[1]
            if login.sid != sid or login.status != "confirmed":
                return None
            self.logins[state] = (entry[0], QrLogin(**{**asdict(login), "status": "used"}))
            return login


def qr_logins_for(settings: Settings, broker: Any = None) -> QrLogins:
    client = getattr(broker, "client", None)
    if client is None and settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
    return RedisQrLogins(client) if client is not None else MemoryQrLogins()
