"""The per-robot rate limit (20 messages a minute), shared by every worker through Redis.

A sliding window: one sorted set per robot holds the instants (Redis server time, so workers' clocks do not
matter) of the messages sent in the last window. A Lua script trims, counts and adds atomically; when the
window is full it answers how long until the oldest entry leaves it. A robot the platform throttled anyway
(errcode 130101: refused for ten minutes) is blocked for all workers until then.

Messages are also *paced*: at most one per ``spacing_ms`` (by default the window divided by the limit,
about three seconds). A burst then does not spend the whole minute's allowance on its first few reminders
and leave the rest waiting a minute: whatever arrives during the spacing is merged into the next message
(see the digest in :mod:`services.notify.usecases.delivery`), so a burst of any size reaches the group within
seconds.

:class:`MemoryRateLimiter` is the stub for unit tests and single-process tools.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return blocked - now end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] and now - tonumber(last[2]) < tonumber(ARGV[4]) then
  return tonumber(last[2]) + tonumber(ARGV[4]) - now
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(tonumber(oldest[2]) + window - now, 1)
"""

_BLOCK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], now + tonumber(ARGV[1]), 'PX', tonumber(ARGV[1]))
return now
"""


@dataclass(frozen=True)
class Permit:
    """The answer to one request for a slot: granted (with a token to give it back) or a wait in ms."""

    granted: bool
    token: str | None = None
    wait_ms: int = 0


class RedisRateLimiter:
    """``limit`` messages per ``window_ms`` per robot, across every process that shares the Redis."""

    def __init__(
        self,
        client: Any,
        *,
        limit: int = 20,
        window_ms: int = 61_000,
        spacing_ms: int | None = None,
        prefix: str = "dm:notify",
    ) -> None:
        self.client = client
        self.limit = limit
        self.window_ms = window_ms
        self.spacing_ms = window_ms // limit if spacing_ms is None else spacing_ms
        self.prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._block = client.register_script(_BLOCK)

    def _keys(self, robot: str) -> list[str]:
        return [f"{self.prefix}:robot:{robot}:sent", f"{self.prefix}:robot:{robot}:blocked"]

    def acquire(self, robot: str) -> Permit:
        token = uuid.uuid4().hex
        wait = int(
            self._acquire(keys=self._keys(robot), args=[self.limit, self.window_ms, token, self.spacing_ms])
        )
        return Permit(True, token) if wait == 0 else Permit(False, wait_ms=wait)

    def release(self, robot: str, token: str) -> None:
        """Give back a slot that was not used (nothing was waiting after all)."""
        self.client.zrem(self._keys(robot)[0], token)

    def block(self, robot: str, seconds: float) -> None:
        """The platform throttled this robot: nobody sends to it for ``seconds``."""
        self._block(keys=[self._keys(robot)[1]], args=[max(int(seconds * 1000), 1)])


class MemoryRateLimiter:
    """The same contract in one process's memory (tests, tools)."""

    def __init__(self, *, limit: int = 20, window_ms: int = 61_000, spacing_ms: int | None = None) -> None:
        self.limit = limit
        self.window_ms = window_ms
        self.spacing_ms = window_ms // limit if spacing_ms is None else spacing_ms
        self._sent: dict[str, deque[tuple[float, str]]] = {}
        self._blocked: dict[str, float] = {}
        self._lock = threading.Lock()

    def acquire(self, robot: str) -> Permit:
        now = time.monotonic() * 1000
        with self._lock:
            blocked = self._blocked.get(robot, 0)
            if blocked > now:
                return Permit(False, wait_ms=int(blocked - now))
            sent = self._sent.setdefault(robot, deque())
            while sent and sent[0][0] <= now - self.window_ms:
                sent.popleft()
            if sent and now - sent[-1][0] < self.spacing_ms:
                return Permit(False, wait_ms=max(int(sent[-1][0] + self.spacing_ms - now), 1))
            if len(sent) < self.limit:
                token = uuid.uuid4().hex
                sent.append((now, token))
                return Permit(True, token)
            return Permit(False, wait_ms=max(int(sent[0][0] + self.window_ms - now), 1))

    def release(self, robot: str, token: str) -> None:
        with self._lock:
            sent = self._sent.get(robot, deque())
            self._sent[robot] = deque(entry for entry in sent if entry[1] != token)

    def block(self, robot: str, seconds: float) -> None:
        with self._lock:
            self._blocked[robot] = time.monotonic() * 1000 + seconds * 1000


# --------------------------------------------------------------------------- the 浙政钉 daily budget

_RESERVE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if used + wanted > tonumber(ARGV[2]) then return -1 - used end
used = redis.call('INCRBY', KEYS[1], wanted)
redis.call('EXPIRE', KEYS[1], 172800)
return used
"""

DAILY_BUDGET = 20_000
"""Work notifications per app per day the platform accepts (each receiver of a call counts as one)."""


@dataclass(frozen=True)
class Reservation:
    """Room for ``count`` work notifications today (``granted``), and how many the app has used today."""

    granted: bool
    count: int
    used: int
    day: str


def beijing_day(now: float | None = None) -> str:
    """The platform's day (Asia/Shanghai, UTC+8 all year) of an epoch instant: ``YYYY-MM-DD``."""
    return time.strftime("%Y-%m-%d", time.gmtime((time.time() if now is None else now) + 8 * 3600))


class RedisDailyBudget:
    """The app's 20,000 work notifications a day, counted for every worker in Redis.

    :meth:`reserve` takes room for a call's receivers before it is made (atomically: two workers cannot both
    take the last thousand); :meth:`refund` gives it back when the platform did not take the call.
    """

    def __init__(
        self,
        client: Any,
        *,
        app: str,
        limit: int = DAILY_BUDGET,
        prefix: str = "dm:notify",
        clock: Any = time.time,
    ) -> None:
        self.client = client
        self.app = app
        self.limit = limit
        self.prefix = prefix
        self.clock = clock
        self._reserve = client.register_script(_RESERVE)

    def _key(self, day: str) -> str:
        return f"{self.prefix}:zwd:{self.app}:{day}:used"

    def reserve(self, count: int) -> Reservation:
        day = beijing_day(self.clock())
        used = int(self._reserve(keys=[self._key(day)], args=[count, self.limit]))
        if used < 0:
            return Reservation(False, count, -1 - used, day)
        return Reservation(True, count, used, day)

    def refund(self, reservation: Reservation) -> None:
        if reservation.granted and reservation.count:
            self.client.decrby(self._key(reservation.day), reservation.count)

    def used_today(self) -> int:
        return int(self.client.get(self._key(beijing_day(self.clock()))) or 0)


class MemoryDailyBudget:
    """The same contract in one process's memory (tests, tools)."""

    def __init__(self, *, app: str, limit: int = DAILY_BUDGET, clock: Any = time.time) -> None:
        self.app = app
        self.limit = limit
        self.clock = clock
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def reserve(self, count: int) -> Reservation:
        day = beijing_day(self.clock())
        with self._lock:
            used = self._used.get(day, 0)
            if used + count > self.limit:
                return Reservation(False, count, used, day)
            self._used[day] = used + count
            return Reservation(True, count, used + count, day)

    def refund(self, reservation: Reservation) -> None:
        if reservation.granted:
            with self._lock:
                self._used[reservation.day] = self._used.get(reservation.day, 0) - reservation.count

    def used_today(self) -> int:
        with self._lock:
            return self._used.get(beijing_day(self.clock()), 0)
