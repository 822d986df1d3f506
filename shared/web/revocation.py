"""Ending log-in sessions before they expire: this device, every device of a person, a person who left.

Sessions are signed cookies that every service reads on its own (:mod:`shared.web.session`), so ending one
must reach every service on every machine at once: the revocations live in Redis, the suite's shared
memory. A revoked session id, and "everything this person logged in before T", are kept only as long as a
session can live (``DM_TOKEN_TTL_SECONDS``); :func:`install` makes every service's pages refuse what they
name (the person is sent to log in again). Without Redis (unit tests) an in-process stub stands in.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from flask import Flask

from shared.config import Settings
from shared.web.session import WebSession, add_session_check

SID_KEY = "dm:session:revoked:{sid}"
PERSON_KEY = "dm:session:logout-before:{user_id}"
REVOCATIONS_KEY = "dm_web.revocations"


class Revocations(Protocol):
    """Where ended sessions are remembered."""

    def revoke(self, sid: str) -> None:
        """This one session (log out on this device)."""

    def revoke_person(self, user_id: str) -> None:
        """Every session of the person started until now (log out everywhere; the person left)."""

    def accepts(self, session: WebSession) -> bool: ...


def _issued_at(session: WebSession, settings: Settings) -> float:
    return session.expires_at - settings.token_ttl_seconds


class RedisRevocations:
    """Revocations in Redis, each expiring when the sessions it names would have."""

    def __init__(self, client: Any, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def revoke(self, sid: str) -> None:
        self.client.set(SID_KEY.format(sid=sid), "1", ex=self.settings.token_ttl_seconds)

    def revoke_person(self, user_id: str) -> None:
        self.client.set(
            PERSON_KEY.format(user_id=user_id), repr(time.time()), ex=self.settings.token_ttl_seconds
        )

    def accepts(self, session: WebSession) -> bool:
        if session.user is None:
            return True
        revoked, before = self.client.mget(
            SID_KEY.format(sid=session.sid), PERSON_KEY.format(user_id=session.user.user_id)
        )
        if revoked is not None:
            return False
        return before is None or _issued_at(session, self.settings) > float(before)


class MemoryRevocations:
    """The stub: revocations of this process only (tests, a single process without Redis)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sids: set[str] = set()
        self.people: dict[str, float] = {}
        self._lock = threading.Lock()

    def revoke(self, sid: str) -> None:
        with self._lock:
            self.sids.add(sid)

    def revoke_person(self, user_id: str) -> None:
        with self._lock:
            self.people[user_id] = time.time()

    def accepts(self, session: WebSession) -> bool:
        if session.user is None:
            return True
        with self._lock:
            if session.sid in self.sids:
                return False
            before = self.people.get(session.user.user_id)
        return before is None or _issued_at(session, self.settings) > before


def revocations_for(settings: Settings, broker: Any = None) -> Revocations:
    """On the broker's Redis (or ``REDIS_URL``); the in-process stub when there is neither."""
    client = getattr(broker, "client", None)
    if client is None and settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
    return RedisRevocations(client, settings) if client is not None else MemoryRevocations(settings)


def for_runtime(runtime: Any) -> Revocations:
    """The service's revocations (built once per process, kept in ``runtime.extensions``)."""
    if REVOCATIONS_KEY not in runtime.extensions:
        runtime.extensions[REVOCATIONS_KEY] = revocations_for(runtime.settings, runtime.broker)
    return runtime.extensions[REVOCATIONS_KEY]


def install(app: Flask, revocations: Revocations) -> None:
    """Every page of ``app`` refuses a revoked session (the person is asked to log in again)."""
    app.extensions[REVOCATIONS_KEY] = revocations
    add_session_check(app, revocations.accepts)


def of(app: Flask) -> Revocations:
    return app.extensions[REVOCATIONS_KEY]
