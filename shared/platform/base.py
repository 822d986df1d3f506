"""What every channel adapter shares: the message it is given, the result it returns, the guard on its URL.

A channel turns one :class:`OutboundMessage` into one platform call (or a few, for large receiver lists)
and answers with a :class:`SendResult` that never calls "delivered" what the platform refused.
:class:`StubChannel` records messages in memory for tests and development.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable
from urllib.parse import urlsplit

from shared.errors import PermanentFailure

Outcome = Literal["delivered", "transient", "permanent"]
MessageKind = Literal["text", "markdown", "link", "oa", "action_card"]

DEFAULT_TIMEOUT: tuple[float, float] = (3.05, 10.0)
"""(connect, read) seconds for every outbound call; no adapter ever waits without a limit."""


class MessageTooLarge(PermanentFailure):
    """Raised when a message exceeds the platform's size limit; it is refused before anything is sent."""


class OutboundUrlRefused(PermanentFailure):
    """Raised when a channel URL is not allowed: not allow-listed, link-local, metadata or unresolvable."""


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """What to say, independent of the channel; each adapter renders it in its platform's format.

    ``key`` is the dedupe key: it becomes the 浙政钉 ``bizMsgId`` and the ``webhook-id``, so a retry of
    the same message can never arrive twice where the platform supports idempotency.
    """

    key: str
    title: str
    text: str
    kind: MessageKind = "markdown"
    link_url: str | None = None
    link_text: str = "查看详情"
    receivers: tuple[str, ...] = ()
    form: tuple[tuple[str, str], ...] = ()
    author: str | None = None


@dataclass(frozen=True, slots=True)
class SendResult:
    """The outcome of one send, as the platform answered it.

    ``outcome``: ``delivered`` (the platform accepted it, or had already accepted the same key),
    ``transient`` (worth retrying with backoff: timeouts, 5xx, throttling) or ``permanent`` (retrying
    cannot help: bad credentials, unknown receiver, malformed message). ``maybe_delivered`` marks a
    transient failure after which the platform may nevertheless have the message (a read timeout).
    ``request_summary`` never holds secrets, tokens or signatures.
    """

    outcome: Outcome
    platform_code: str | None = None
    platform_message: str | None = None
    platform_msg_id: str | None = None
    latency_ms: int = 0
    request_summary: Mapping[str, Any] = field(default_factory=dict)
    retry_after_s: float | None = None
    already_delivered: bool = False
    maybe_delivered: bool = False
    parts: tuple[SendResult, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "request_summary", MappingProxyType(dict(self.request_summary)))

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"

    @property
    def retryable(self) -> bool:
        return self.outcome == "transient"


def combine_results(parts: Sequence[SendResult], *, request_summary: Mapping[str, Any]) -> SendResult:
    """One result for several platform calls: the worst outcome wins (permanent, then transient)."""
    if len(parts) == 1:
        return parts[0]
    worst = next(
        (part for severity in ("permanent", "transient") for part in parts if part.outcome == severity),
        parts[-1],
    )
    waits = [part.retry_after_s for part in parts if part.retry_after_s is not None]
    return SendResult(
        outcome=worst.outcome,
        platform_code=worst.platform_code,
        platform_message=worst.platform_message,
        platform_msg_id=",".join(part.platform_msg_id for part in parts if part.platform_msg_id) or None,
        latency_ms=sum(part.latency_ms for part in parts),
        request_summary=request_summary,
        retry_after_s=max(waits) if waits else None,
        already_delivered=all(part.already_delivered for part in parts),
        maybe_delivered=any(part.maybe_delivered for part in parts),
        parts=tuple(parts),
    )


@runtime_checkable
class Channel(Protocol):
    """A way to reach people: 浙政钉 work notifications, a group robot, a signed webhook, or the stub."""

    kind: str

    def send(self, message: OutboundMessage) -> SendResult:
        """Deliver ``message`` once; raises only for a message it cannot send, never for a refusal."""
        ...


class StubChannel:
    """An in-memory channel for tests and development: records what it is given, answers as scripted.

    ``script`` lists outcomes for the next sends (then every send is delivered). A repeated ``key`` is
    answered as already delivered, as the real work-notification platform treats a repeated ``bizMsgId``.
    """

    kind = "stub"

    def __init__(self, *, script: Sequence[Outcome] = (), name: str = "stub") -> None:
        self.name = name
        self.sent: list[OutboundMessage] = []
        self._script = list(script)
        self._delivered_keys: set[str] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"StubChannel(name={self.name!r}, sent={len(self.sent)})"

    def send(self, message: OutboundMessage) -> SendResult:
        """Record ``message`` unless the script says otherwise; a repeated key is already delivered."""
        summary = {"channel": self.kind, "key": message.key, "receivers": len(message.receivers)}
        with self._lock:
            if message.key in self._delivered_keys:
                return SendResult(
                    "delivered", "duplicate", "已发送过", request_summary=summary, already_delivered=True
                )
            outcome: Outcome = self._script.pop(0) if self._script else "delivered"
            if outcome == "delivered":
                self._delivered_keys.add(message.key)
                self.sent.append(message)
                return SendResult(
                    outcome, "0", "成功", platform_msg_id=f"stub-{message.key}", request_summary=summary
                )
        retry_after = 1.0 if outcome == "transient" else None
        return SendResult(
            outcome, f"stub_{outcome}", "模拟失败", request_summary=summary, retry_after_s=retry_after
        )


# --------------------------------------------------------------------------- outbound URL guard

METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.tencentyun.com",
        "instance-data",
        "169.254.169.254",
        "100.100.100.200",
        "fd00:ec2::254",
    }
)
"""Cloud metadata endpoints (AWS/GCP/Azure/Tencent, Alibaba Cloud's 100.100.100.200): never reachable."""

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})
Resolver = Callable[[str, int], Sequence[str]]


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})


def _host_allowed(host: str, allow: Sequence[str]) -> bool:
    for entry in (item.strip().lower().rstrip(".") for item in allow):
        if entry.startswith("*.") and host.endswith(entry[1:]):
            return True
        if host == entry:
            return True
    return False


def _loopback_allowed(allow: Sequence[str]) -> bool:
    for entry in (item.strip().lower() for item in allow):
        if entry in _LOOPBACK_NAMES:
            return True
        try:
            if ipaddress.ip_address(entry.strip("[]")).is_loopback:
                return True
        except ValueError:
            continue
    return False


def _address_refusal(address: str, *, loopback_ok: bool) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if str(ip) in METADATA_HOSTS:
        return "云平台元数据地址"
    if ip.is_link_local:
        return "链路本地地址"
    if ip.is_loopback:
        return None if loopback_ok else "本机回环地址（仅开发环境显式允许时可用）"
    if ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return "保留地址"
    return None


def check_outbound_url(url: str, allow: Sequence[str], *, resolver: Resolver | None = None) -> str:
    """Return ``url`` if the suite may call it; raise :class:`OutboundUrlRefused` (in Chinese) otherwise.

    The host must be in ``allow`` (exact names or ``*.suffix``); every address it resolves to must not be
    link-local (169.254/16, fe80::/10), a cloud metadata address, unspecified or multicast; loopback is
    refused unless ``allow`` names a loopback host explicitly, as development configuration does.
    Private addresses are allowed when allow-listed: the e-government network uses them.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in {"http", "https"} or not host:
        raise OutboundUrlRefused(f"出站地址必须是 http(s) 地址：{_redact(url)}")
    if parts.username or parts.password:
        raise OutboundUrlRefused("出站地址不得包含用户名或密码")
    if host in METADATA_HOSTS:
        raise OutboundUrlRefused(f"禁止访问云平台元数据地址：{host}")
    if not _host_allowed(host, allow):
        raise OutboundUrlRefused(f"出站地址的主机不在允许列表中：{host}")
    try:
        addresses = (resolver or _resolve)(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as exc:
        raise OutboundUrlRefused(f"无法解析出站地址的主机：{host}") from exc
    if not addresses:
        raise OutboundUrlRefused(f"无法解析出站地址的主机：{host}")
    loopback_ok = _loopback_allowed(allow)
    for address in addresses:
        reason = _address_refusal(address, loopback_ok=loopback_ok)
        if reason:
            raise OutboundUrlRefused(f"出站地址 {host} 解析到{reason}（{address}），已拒绝")
    return url


def _redact(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


def redacted_url(url: str) -> str:
    """``url`` without its query string, which may carry tokens and signatures (for logs and summaries)."""
    return _redact(url)


def elapsed_ms(started: float) -> int:
    """Milliseconds since ``started`` (a ``time.perf_counter()`` reading)."""
    return int((time.perf_counter() - started) * 1000)
