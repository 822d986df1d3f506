"""DingTalk and 浙政钉 group robots (群机器人): signed URL, JSON body, the answer's ``errcode`` read.

A robot always answers HTTP 200, so the status says nothing; ``errcode`` does: 0 delivered, 130101
throttled (over 20 messages a minute; the robot then refuses for 10 minutes: transient, retry after
600 s), 310000 refused (bad signature, stale timestamp or a missing keyword: permanent). Unknown non-zero
codes are permanent; -1 (system busy) is transient. Robots have no idempotency key, so a read timeout is
transient with ``maybe_delivered`` set and the caller decides whether a duplicate is acceptable.

The per-robot rate of 20 a minute across workers is enforced by the delivery layer (Redis), not here.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from .base import DEFAULT_TIMEOUT, OutboundMessage, Outcome, SendResult, check_outbound_url, redacted_url
from .signing import robot_signed_url
from .zwd import PLATFORM_HOSTS

log = logging.getLogger(__name__)

ROBOT_HOSTS = ("oapi.dingtalk.com", *PLATFORM_HOSTS)

OK = 0
THROTTLED = 130101
TRANSIENT_ERRCODES = frozenset({-1, THROTTLED, 130102})
THROTTLE_RETRY_AFTER_S = 600.0


# --------------------------------------------------------------------------- payload builders


def _at(mobiles: Sequence[str], at_all: bool) -> dict[str, Any]:
    return {"atMobiles": list(mobiles), "isAtAll": at_all}


def text_payload(content: str, *, at_mobiles: Sequence[str] = (), at_all: bool = False) -> dict[str, Any]:
    """A text message; a robot with a keyword rule needs the keyword in ``content``."""
    return {"msgtype": "text", "text": {"content": content}, "at": _at(at_mobiles, at_all)}


def markdown_payload(
    title: str, text: str, *, at_mobiles: Sequence[str] = (), at_all: bool = False
) -> dict[str, Any]:
    """A markdown message; ``title`` shows in the conversation list."""
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}, "at": _at(at_mobiles, at_all)}


def link_payload(title: str, text: str, message_url: str, pic_url: str = "") -> dict[str, Any]:
    """A link card."""
    return {
        "msgtype": "link",
        "link": {"title": title, "text": text, "messageUrl": message_url, "picUrl": pic_url},
    }


def action_card_payload(title: str, text: str, *, buttons: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """An action card: one button (``singleTitle``/``singleURL``) or several (``btns``)."""
    card: dict[str, Any] = {"title": title, "text": text, "btnOrientation": "0"}
    if len(buttons) == 1:
        card["singleTitle"], card["singleURL"] = buttons[0]
    else:
        card["btns"] = [{"title": label, "actionURL": url} for label, url in buttons]
    return {"msgtype": "actionCard", "actionCard": card}


def feed_card_payload(links: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """A feed card: (title, message URL, picture URL) per entry — the digest of several reminders."""
    return {
        "msgtype": "feedCard",
        "feedCard": {
            "links": [{"title": title, "messageURL": url, "picURL": pic} for title, url, pic in links]
        },
    }


def render(message: OutboundMessage) -> dict[str, Any]:
    """The robot payload for a channel-neutral message (robots have no OA card: markdown instead)."""
    url = message.link_url
    if message.kind == "text":
        return text_payload(f"{message.title}\n{message.text}" if message.title else message.text)
    if message.kind == "link" and url:
        return link_payload(message.title, message.text, url)
    if message.kind == "action_card" and url:
        return action_card_payload(message.title, message.text, buttons=[(message.link_text, url)])
    lines = [f"#### {message.title}", "", message.text]
    lines += [f"- {key}：{value}" for key, value in message.form]
    if url:
        lines += ["", f"[{message.link_text}]({url})"]
    return markdown_payload(message.title, "\n".join(lines))


# --------------------------------------------------------------------------- channel


class RobotChannel:
    """One group robot, given its webhook URL (with ``access_token``) and its signing secret (``SEC…``)."""

    kind = "robot"

    def __init__(
        self,
        *,
        webhook_url: str,
        secret: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        allowed_hosts: Sequence[str] | None = ROBOT_HOSTS,
        clock_ms: Callable[[], int] | None = None,
    ) -> None:
        if allowed_hosts is not None:
            check_outbound_url(webhook_url, allowed_hosts)
        if not parse_qs(urlsplit(webhook_url).query).get("access_token"):
            raise ValueError("robot webhook URL must carry access_token")
        self._webhook_url = webhook_url
        self._secret = secret
        self._session = session or requests.Session()
        self.timeout = timeout
        self._clock_ms = clock_ms or (lambda: int(time.time() * 1000))

    def __repr__(self) -> str:
        return f"RobotChannel(url={redacted_url(self._webhook_url)!r}, signed={bool(self._secret)})"

    def send(self, message: OutboundMessage) -> SendResult:
        """Render ``message`` for the group and send it."""
        return self.send_payload(render(message))

    def send_payload(self, payload: Mapping[str, Any]) -> SendResult:
        """Send a ready robot payload; the URL is signed now, so the timestamp is always fresh."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        summary = {
            "channel": self.kind,
            "url": redacted_url(self._webhook_url),
            "msgtype": payload.get("msgtype"),
            "body_bytes": len(body),
        }
        url = robot_signed_url(self._webhook_url, self._secret, self._clock_ms())
        started = time.perf_counter()
        try:
            # The URL goes out literally: no params=, so requests never encodes ``sign`` a second time.
            response = self._session.post(
                url,
                data=body,
                timeout=self.timeout,
                allow_redirects=False,
                headers={"Content-Type": "application/json; charset=utf-8"},
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
        result = classify_robot_answer(response, latency_ms=_ms(started), summary=summary)
        log.info(
            "robot send: outcome=%s errcode=%s latency_ms=%d",
            result.outcome,
            result.platform_code,
            result.latency_ms,
        )
        return result


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def classify_robot_answer(
    response: requests.Response, *, latency_ms: int, summary: Mapping[str, Any]
) -> SendResult:
    """Map a robot's answer by ``errcode`` (and by HTTP status only when it is not 200)."""
    common: dict[str, Any] = {"latency_ms": latency_ms, "request_summary": summary}
    status = response.status_code
    if status == 429 or status >= 500:
        return SendResult("transient", f"http_{status}", "平台暂时不可用", maybe_delivered=True, **common)
    try:
        body = response.json()
        errcode = int(body.get("errcode"))
    except (ValueError, TypeError, AttributeError):
        outcome: Outcome = "transient" if status == 200 else "permanent"
        return SendResult(outcome, f"http_{status}", "机器人应答无法解析", maybe_delivered=True, **common)
    errmsg = str(body.get("errmsg") or "")
    if errcode == OK and status == 200:
        return SendResult("delivered", "0", errmsg or "ok", **common)
    if errcode in TRANSIENT_ERRCODES:
        wait = THROTTLE_RETRY_AFTER_S if errcode != -1 else 30.0
        return SendResult("transient", str(errcode), errmsg, retry_after_s=wait, **common)
    return SendResult("permanent", str(errcode), errmsg or "机器人拒绝了消息", **common)
