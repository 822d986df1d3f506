"""The life of one delivery, and what each platform answer does to it.

States: ``waiting`` (nobody found in the directory replica yet: re-resolved as it catches up, failed when
the wait runs out) → ``queued`` → ``sending`` (claimed by one worker, committed before the platform is
called) →
``delivered`` | ``queued`` again (a transient failure, retried later with exponential backoff and jitter) |
``failed`` (a permanent refusal or an unreachable recipient: flagged, never retried by itself) |
``parked`` (retries exhausted, or a robot message whose fate is unknown: waits for an operator's replay) |
``cancelled`` (the case was withdrawn before the message went out: never sent).

Exactly once, by channel:

* 浙政钉 work notifications carry ``bizMsgId`` = the delivery key; the platform refuses a repeat, which the
  adapter reports as delivered. A delivery stuck in ``sending`` (its worker died) is simply sent again.
* Webhooks carry ``webhook-id`` = the delivery key, stable across retries; receivers drop repeats
  (Standard Webhooks). A stuck delivery is sent again.
* Group robots have no idempotency key. A robot delivery is sent again only when the platform certainly
  did not take it (a refusal or a 5xx from the gateway in front); when its fate is unknown (the worker died
  after claiming it, or the answer was lost to a timeout) it is parked for an operator instead: at most
  once, never twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

QUEUED, SENDING, DELIVERED, FAILED, PARKED = "queued", "sending", "delivered", "failed", "parked"
WAITING, CANCELLED = "waiting", "cancelled"
STATES = (QUEUED, SENDING, DELIVERED, FAILED, PARKED, WAITING, CANCELLED)
STATE_NAMES = {
    QUEUED: "待发送",
    SENDING: "发送中",
    DELIVERED: "已送达",
    FAILED: "失败",
    PARKED: "待人工处理",
    WAITING: "等待组织目录同步",
    CANCELLED: "已撤销（未发送）",
}
REPLAYABLE = frozenset({PARKED, FAILED})
ACTIVE = frozenset({QUEUED, SENDING, WAITING})
"""States from which a delivery still moves on by itself."""

ZWD, ROBOT, WEBHOOK = "zwd_work_notification", "robot", "webhook"
IDEMPOTENT_KINDS = frozenset({ZWD, WEBHOOK})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently transient failures are retried."""

    max_attempts: int = 6
    base_delay_s: float = 5.0
    max_delay_s: float = 1800.0
    lease_s: float = 60.0
    """A delivery in ``sending`` longer than this is considered abandoned by a dead worker."""
    outage_patience_s: float = 86_400.0
    """How long after its request a work notification or webhook (safe to resend: the platform knows its
    id) is retried past ``max_attempts``: a platform down for hours must not park the whole backlog."""

    def backoff_s(self, attempts: int, rand: Callable[[], float] = random.random) -> float:
        """Exponential backoff with equal jitter: between half and all of ``base · 2^(attempts-1)``."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** max(attempts - 1, 0))
        return ceiling / 2 + rand() * ceiling / 2


@dataclass(frozen=True)
class Answer:
    """What the platform said, as far as the state machine cares."""

    outcome: str  # delivered | transient | permanent
    code: str | None = None
    message: str | None = None
    retry_after_s: float | None = None
    maybe_delivered: bool = False


@dataclass(frozen=True)
class Decision:
    """The next state of a delivery after an answer."""

    state: str
    next_attempt_at: datetime | None = None
    reason: str | None = None


def certainly_not_taken(answer: Answer) -> bool:
    """True when a transient failure proves the message was not taken: the platform answered with a refusal,
    or a gateway in front of it answered 5xx (a robot that handled a message answers 200)."""
    return not answer.maybe_delivered or (answer.code or "").startswith("http_5")


def decide(
    answer: Answer,
    *,
    channel_kind: str,
    attempts: int,
    now: datetime,
    policy: RetryPolicy,
    rand: Callable[[], float] = random.random,
    waited_s: float = 0.0,
) -> Decision:
    """The state after ``attempts`` attempts ended with ``answer``, ``waited_s`` after the request."""
    if answer.outcome == "delivered":
        return Decision(DELIVERED)
    if answer.outcome == "permanent":
        return Decision(FAILED, reason=f"平台拒绝（{answer.code}）：{answer.message or ''}")
    if channel_kind not in IDEMPOTENT_KINDS and not certainly_not_taken(answer):
        return Decision(PARKED, reason="群机器人可能已收到该消息但未确认，为避免重复发送，请人工核实后重放")
    patient = channel_kind in IDEMPOTENT_KINDS and waited_s < policy.outage_patience_s
    if attempts >= policy.max_attempts and not patient:
        return Decision(PARKED, reason=f"已重试{attempts}次仍未成功（{answer.code}），请人工处理")
    delay = max(policy.backoff_s(attempts, rand), answer.retry_after_s or 0.0)
    return Decision(QUEUED, next_attempt_at=now + timedelta(seconds=delay), reason=answer.message)


def recover_abandoned(channel_kind: str, *, now: datetime) -> Decision:
    """A delivery left in ``sending`` by a worker that died before recording the platform's answer."""
    if channel_kind in IDEMPOTENT_KINDS:
        return Decision(QUEUED, next_attempt_at=now, reason="发送进程中断，按幂等键重新发送")
    return Decision(PARKED, reason="发送进程中断，群机器人可能已收到该消息，为避免重复发送，请人工核实后重放")


# --------------------------------------------------------------------------- robot digests


@dataclass(frozen=True)
class DigestItem:
    title: str
    body: str
    link: str | None


def digest_markdown(items: Sequence[DigestItem], *, max_body_chars: int = 120) -> tuple[str, str]:
    """(title, markdown) of one robot message merging several reminders to the same group."""
    title = f"【职责管理】{len(items)}条提醒"
    lines = [f"#### {title}", ""]
    for number, item in enumerate(items, start=1):
        heading = f"[{item.title}]({item.link})" if item.link else item.title
        body = item.body.replace("\n", " ")
        if len(body) > max_body_chars:
            body = body[: max_body_chars - 1] + "…"
        lines += [f"{number}. **{heading}**", f"   {body}"]
    return title, "\n".join(lines)


# --------------------------------------------------------------------------- what a request achieved

DELIVERED_OUTCOME, UNCONFIRMED_OUTCOME, FAILED_OUTCOME = "delivered", "unconfirmed", "failed"


def request_outcome(person_states: Sequence[str]) -> str | None:
    """What one request achieved on the platform, from the states of its deliveries to people.

    ``delivered`` once any person has it; else ``unconfirmed`` while a delivery waits for an operator
    (retries exhausted); else ``failed`` when every delivery has ended without reaching anybody; ``None``
    (nothing to tell yet) while deliveries are still on their way.
    """
    if DELIVERED in person_states:
        return DELIVERED_OUTCOME
    if PARKED in person_states:
        return UNCONFIRMED_OUTCOME
    if any(state in ACTIVE for state in person_states):
        return None
    return FAILED_OUTCOME
