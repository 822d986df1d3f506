"""Pure signing functions for the three outbound channels: no I/O, no clock unless one is passed in.

Each function reproduces a published reference, so the stand-in and the adapters agree with the platform:

* 浙政钉 open platform (工作通知, 免登): ``com.alibaba.xxpt.gateway.shared.client.sign.Signature``
  of the official Java SDK (zwdd-sdk-java 1.2.0). String to sign: ``METHOD\\nTIMESTAMP\\nNONCE\\nPATH``
  and, when any parameter is left, ``\\n`` + ``k=v`` pairs joined by ``&``. Keys are ordered like
  Java's ``String.CASE_INSENSITIVE_ORDER``; values are raw (not URL-encoded); blank names and values
  are dropped; a repeated key gives one pair per value, values sorted.
  Signature = base64(HMAC-SHA256(appSecret, string to sign)).
* DingTalk and 浙政钉 group robots: ``sign`` =
  urlencode(base64(HMAC-SHA256(secret, f"{timestamp_ms}\\n{secret}"))), as the robot documentation
  and the ``dingtalkchatbot`` package compute it.
* Standard Webhooks (https://www.standardwebhooks.com/): ``v1,`` +
  base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), the key being the base64 after ``whsec_``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote_plus

# China has kept UTC+8 without daylight saving since 1991: a fixed offset is exact, no tz database needed.
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

ParamValue = str | int | Sequence[str] | None
Params = Mapping[str, ParamValue]


# --------------------------------------------------------------------------- 浙政钉 gateway


def zwd_timestamp(now: datetime | None = None) -> str:
    """``X-Hmac-Auth-Timestamp``: ISO-8601, Beijing time, milliseconds: ``2026-11-28T10:00:00.000+08:00``.

    Computed from an aware instant, so the server's own time zone never leaks in; a naive ``now`` is UTC.
    """
    instant = now or datetime.now(UTC)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    local = instant.astimezone(BEIJING)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}+08:00"


def parse_zwd_timestamp(value: str) -> datetime:
    """The instant an ``X-Hmac-Auth-Timestamp`` names; ``ValueError`` unless ISO-8601 with an offset."""
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError("timestamp has no UTC offset")
    return instant


def zwd_nonce(now: datetime | None = None) -> str:
    """``X-Hmac-Auth-Nonce``: 13-digit epoch milliseconds and 4 random digits (the SDK samples' advice)."""
    instant = now or datetime.now(UTC)
    millis = int(instant.timestamp() * 1000)
    return f"{millis}{secrets.randbelow(10_000):04d}"


def _java_case_insensitive_key(name: str) -> tuple[int, ...]:
    # Java compares toLowerCase(toUpperCase(c)) char by char; str.lower() alone differs for a few code points.
    folded = []
    for char in name:
        upper = char.upper()
        folded.append(ord((upper if len(upper) == 1 else char).lower()[0]))
    return tuple(folded)


def _values(value: ParamValue) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str | int):
        return [str(value)]
    return [str(item) for item in value]


def zwd_clean_params(params: Params | None) -> dict[str, list[str]]:
    """The parameters sent and signed: blank names and blank (whitespace-only) values dropped, as the SDK."""
    cleaned: dict[str, list[str]] = {}
    for name, value in (params or {}).items():
        kept = [item for item in _values(value) if item.strip()]
        if name and kept:
            cleaned[name] = kept
    return cleaned


def zwd_canonical_params(params: Params | None) -> str:
    """``k=v`` pairs joined by ``&``: keys case-insensitively sorted, values raw, repeated values sorted."""
    merged: dict[tuple[int, ...], tuple[str, list[str]]] = {}
    for name, values in zwd_clean_params(params).items():
        key = _java_case_insensitive_key(name)
        # The SDK's TreeMap merges names equal ignoring case and keeps the first spelling.
        first_name, existing = merged.get(key, (name, []))
        merged[key] = (first_name, existing + values)
    pairs: list[str] = []
    for _key, (name, values) in sorted(merged.items()):
        ordered = sorted(values) if len(values) > 1 else values
        pairs.extend(f"{name}={value}" for value in ordered)
    return "&".join(pairs)


def zwd_string_to_sign(method: str, timestamp: str, nonce: str, path: str, params: Params | None) -> str:
    """``METHOD\\nTIMESTAMP\\nNONCE\\nPATH`` plus ``\\n`` and the canonical parameters when there are any."""
    head = f"{method.upper()}\n{timestamp}\n{nonce}\n{path}"
    canonical = zwd_canonical_params(params)
    return f"{head}\n{canonical}" if canonical else head


def zwd_signature(
    secret: str, *, method: str, timestamp: str, nonce: str, path: str, params: Params | None
) -> str:
    """``X-Hmac-Auth-Signature``: base64(HMAC-SHA256(appSecret, string to sign))."""
    message = zwd_string_to_sign(method, timestamp, nonce, path, params)
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def zwd_headers(
    *,
    api_key: str,
    secret: str,
    method: str,
    path: str,
    params: Params | None,
    now: datetime | None = None,
    nonce: str | None = None,
    client_ip: str = "127.0.0.1",
    client_mac: str = "00:00:00:00:00:00",
) -> dict[str, str]:
    """Every header the SDK sends with a signed call (IP and MAC are informative and not signed)."""
    instant = now or datetime.now(UTC)
    timestamp = zwd_timestamp(instant)
    nonce = nonce or zwd_nonce(instant)
    signature = zwd_signature(
        secret, method=method, timestamp=timestamp, nonce=nonce, path=path, params=params
    )
    return {
        "apiKey": api_key,
        "X-Hmac-Auth-Timestamp": timestamp,
        "X-Hmac-Auth-Nonce": nonce,
        "X-Hmac-Auth-Version": "1.0",
        "X-Hmac-Auth-Signature": signature,
        "X-Hmac-Auth-IP": client_ip,
        "X-Hmac-Auth-MAC": client_mac,
    }


# --------------------------------------------------------------------------- group robots


def robot_sign(secret: str, timestamp_ms: int) -> str:
    """The robot signature before URL encoding: base64(HMAC-SHA256(secret, f"{timestamp_ms}\\n{secret}"))."""
    message = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def robot_signed_url(webhook_url: str, secret: str | None, timestamp_ms: int) -> str:
    """``webhook_url`` with ``&timestamp=…&sign=…`` appended; ``sign`` is percent-encoded exactly once.

    The result must be sent as the literal URL (no ``params=``), so no HTTP library encodes ``sign`` again.
    """
    if not secret:
        return webhook_url
    separator = "&" if "?" in webhook_url else "?"
    sign = quote_plus(robot_sign(secret, timestamp_ms))
    return f"{webhook_url}{separator}timestamp={timestamp_ms}&sign={sign}"


# --------------------------------------------------------------------------- standard webhooks

WEBHOOK_SECRET_PREFIX = "whsec_"


def new_webhook_secret() -> str:
    """A fresh ``whsec_…`` secret (24 random bytes, as the Standard Webhooks libraries generate)."""
    return WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def webhook_secret_bytes(secret: str) -> bytes:
    """The HMAC key inside a ``whsec_<base64>`` secret; raises ``ValueError`` for anything else."""
    if not secret.startswith(WEBHOOK_SECRET_PREFIX):
        raise ValueError("webhook secret must start with whsec_")
    key = base64.b64decode(secret[len(WEBHOOK_SECRET_PREFIX) :] + "==")
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def webhook_signature(secret: str, *, msg_id: str, timestamp_s: int, body: str | bytes) -> str:
    """``webhook-signature`` value: ``v1,`` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))."""
    payload = body.decode("utf-8") if isinstance(body, bytes) else body
    message = f"{msg_id}.{timestamp_s}.{payload}".encode()
    digest = hmac.new(webhook_secret_bytes(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def verify_webhook_signature(
    secret: str,
    *,
    msg_id: str,
    timestamp_s: int,
    body: str | bytes,
    signature_header: str,
    now_s: float,
    tolerance_s: int = 300,
) -> bool:
    """True when one ``v1`` signature in the space-separated header matches and the timestamp is fresh."""
    if abs(now_s - timestamp_s) > tolerance_s:
        return False
    expected = webhook_signature(secret, msg_id=msg_id, timestamp_s=timestamp_s, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in _v1_signatures(signature_header))


def _v1_signatures(header: str) -> Iterable[str]:
    return (part for part in header.split(" ") if part.startswith("v1,"))
