"""Signed webhooks for any other system, per Standard Webhooks (https://www.standardwebhooks.com/).

Headers: ``webhook-id`` (the dedupe key, identical on every retry so the receiver can drop repeats),
``webhook-timestamp`` (Unix seconds, fresh on every attempt), ``webhook-signature``
(``v1,<base64 HMAC-SHA256>`` over ``id.timestamp.body`` with the ``whsec_`` secret). Body:
``{"type", "timestamp", "data"}`` as the specification recommends.

2xx delivered; 429, 5xx and network errors transient (``Retry-After`` honoured); other 4xx and 3xx
permanent (redirects are not followed: the allow-list checked the URL we were given, not another).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from .base import DEFAULT_TIMEOUT, OutboundMessage, SendResult, check_outbound_url, redacted_url
from .signing import webhook_secret_bytes, webhook_signature

log = logging.getLogger(__name__)

EVENT_TYPE = "notify.message"


def render(message: OutboundMessage) -> dict[str, Any]:
    """The ``data`` of a webhook for a channel-neutral message."""
    return {
        "key": message.key,
        "kind": message.kind,
        "title": message.title,
        "text": message.text,
        "link_url": message.link_url,
        "receivers": list(message.receivers),
        "form": [{"key": key, "value": value} for key, value in message.form],
    }


class WebhookChannel:
    """POSTs signed JSON to one allow-listed URL."""

    kind = "webhook"

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        allowed_hosts: Sequence[str],
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = check_outbound_url(url, allowed_hosts)
        webhook_secret_bytes(secret)  # refuse a malformed secret now, not at the first send
        self._secret = secret
        self._session = session or requests.Session()
        self.timeout = timeout
        self._clock = clock

    def __repr__(self) -> str:
        return f"WebhookChannel(url={redacted_url(self.url)!r})"

    def send(self, message: OutboundMessage) -> SendResult:
        """Send ``message`` with ``webhook-id`` = its dedupe key."""
        return self.send_event(msg_id=message.key, data=render(message))

    def send_event(self, *, msg_id: str, data: Mapping[str, Any], event_type: str = EVENT_TYPE) -> SendResult:
        """Send one event; ``msg_id`` must stay the same across retries of the same event."""
        now = self._clock()
        envelope = {
            "type": event_type,
            "timestamp": datetime.fromtimestamp(now, UTC).isoformat(),
            "data": dict(data),
        }
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        signature = webhook_signature(self._secret, msg_id=msg_id, timestamp_s=int(now), body=body)
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now)),
            "webhook-signature": signature,
        }
        summary = {
            "channel": self.kind,
            "url": redacted_url(self.url),
            "webhook_id": msg_id,
            "type": event_type,
            "body_bytes": len(body.encode("utf-8")),
        }
        started = time.perf_counter()
        try:
            response = self._session.post(
                self.url,
                data=body.encode("utf-8"),
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.ConnectTimeout:
            return SendResult(
                "transient", "connect_timeout", "连接超时", request_summary=summary, latency_ms=_ms(started)
            )
        except requests.RequestException as exc:
            return SendResult(
                "transient",
                type(exc).__name__,
                "网络错误或超时",
                request_summary=summary,
                latency_ms=_ms(started),
                maybe_delivered=True,
            )
        result = classify_webhook_answer(response, latency_ms=_ms(started), summary=summary)
        log.info("webhook %s: outcome=%s status=%s", msg_id, result.outcome, result.platform_code)
        return result


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.strip().isdigit() else None


def classify_webhook_answer(
    response: requests.Response, *, latency_ms: int, summary: Mapping[str, Any]
) -> SendResult:
    """2xx delivered; 429/5xx transient; anything else permanent."""
    status = response.status_code
    common: dict[str, Any] = {
        "platform_code": str(status),
        "platform_message": response.reason or "",
        "latency_ms": latency_ms,
        "request_summary": summary,
    }
    if 200 <= status < 300:
        return SendResult("delivered", **common)
    if status == 429 or status >= 500:
        return SendResult(
            "transient", retry_after_s=_retry_after(response), maybe_delivered=status >= 500, **common
        )
    return SendResult("permanent", **common)
