"""Notify's use cases on the queue: record a send request's deliveries, deliver them, retry, recover.

1. ``notify.send`` (from any service) is applied through the inbox: recipients are resolved, the template
   rendered, one ``queued`` delivery row per recipient inserted (the unique dedupe key + recipient makes a
   repeat a no-op) — in the inbox's transaction. The queued rows are the durable to-do list.
2. Delivery happens after that commit, outside any transaction held across a platform call (see
   :mod:`services.notify.handlers`): each delivery is *claimed* (``queued`` → ``sending``, committed — for a
   new request's work notifications and webhooks, in the request's own transaction), sent, and its answer
   recorded with an ``attempt`` row. Claims are compare-and-set on the state, so a redelivered command, or
   two workers, cannot send the same delivery twice at once.
3. Retries: a transient failure re-queues the delivery with backoff and a delayed ``notify.deliver``; the
   periodic sweep dispatches due deliveries nobody is working on (a worker died right after recording
   them, a scheduled retry was lost) and recovers deliveries left in ``sending`` by a dead worker (see
   :mod:`services.notify.domain.delivery` for what is resent and what is parked).
4. Robots: before each robot message a slot is taken from the shared per-robot rate limit; the message
   carries every reminder waiting for that robot (up to ``digest_max``) — one item as itself, several as a
   digest. When no slot is free, one delayed wake-up per robot is scheduled for when one frees up.
"""

from __future__ import annotations

import logging
import os
import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import dramatiq
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from services.notify.adapters.channels import ChannelConfig, ChannelFactory
from services.notify.adapters.ratelimit import MemoryRateLimiter, RedisRateLimiter
from services.notify.domain import delivery as rules
from services.notify.domain.recipients import Directory, GroupChannel, Person, Target, delivery_key, resolve
from services.notify.domain.templates import RenderedMessage, RenderError, render
from services.notify.tables import Attempt, Channel, Delivery, Recipient
from services.notify.usecases.templates import template_spec
from shared.broker import inbound_actor_name
from shared.contracts import NOTIFY
from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.messaging import Envelope, UnitOfWork
from shared.platform import OutboundMessage, SendResult
from shared.platform.robot import THROTTLED, markdown_payload
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

DELIVER = "notify.deliver"
"""{delivery_ids: [...], robots?: [channel id]} — notify's own command (on its own queue, never through the
inbox): deliver these rows and wake these robots. Idempotent: every delivery is claimed by compare-and-set."""
LOST_DISPATCH_GRACE_S = 30.0
RECORD_EVERY = 10


# --------------------------------------------------------------------------- context


@dataclass
class NotifyContext:
    """What notify's use cases need besides the runtime: retry policy, adapters, the robot rate limit."""

    runtime: ServiceRuntime
    policy: rules.RetryPolicy
    channels: ChannelFactory
    limiter: Any
    digest_max: int = 20
    robot_throttle_s: float = 600.0
    drain: int = 20
    rand: Any = field(default=random.random)

    @property
    def db(self) -> Any:
        return self.runtime.db


def _number(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(f"DM_NOTIFY_{name}")
    return float(raw) if raw not in (None, "") else default


def build_context(runtime: ServiceRuntime, environ: Mapping[str, str] | None = None) -> NotifyContext:
    """Policy from ``DM_NOTIFY_*`` environment variables (read once, at start-up); the robot limiter on the
    broker's Redis (or ``REDIS_URL``), in memory when there is neither (unit tests).

    ``DM_NOTIFY_MAX_ATTEMPTS`` (6), ``…_BASE_DELAY_S`` (5), ``…_MAX_DELAY_S`` (1800), ``…_LEASE_S`` (60),
    ``…_ROBOT_RATE`` (20 a window), ``…_ROBOT_WINDOW_MS`` (61000: a minute and a second of margin for
    clock and network skew), ``…_ROBOT_SPACING_MS`` (window / rate), ``…_ROBOT_THROTTLE_S`` (600),
    ``…_DIGEST_MAX`` (20 reminders per digest), ``…_DRAIN`` (20 due deliveries taken along per command).
    """
    env = os.environ if environ is None else environ
    settings = runtime.settings
    policy = rules.RetryPolicy(
        max_attempts=int(_number(env, "MAX_ATTEMPTS", 6)),
        base_delay_s=_number(env, "BASE_DELAY_S", 5.0),
        max_delay_s=_number(env, "MAX_DELAY_S", 1800.0),
        lease_s=_number(env, "LEASE_S", 60.0),
    )
    limit = int(_number(env, "ROBOT_RATE", 20))
    window_ms = int(_number(env, "ROBOT_WINDOW_MS", 61_000))
    client = getattr(runtime.broker, "client", None)
    if client is None and settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
    spacing = env.get("DM_NOTIFY_ROBOT_SPACING_MS")
    spacing_ms = int(spacing) if spacing not in (None, "") else None
    limiter: Any = (
        RedisRateLimiter(client, limit=limit, window_ms=window_ms, spacing_ms=spacing_ms)
        if client is not None
        else MemoryRateLimiter(limit=limit, window_ms=window_ms, spacing_ms=spacing_ms)
    )
    return NotifyContext(
        runtime=runtime,
        policy=policy,
        channels=ChannelFactory(settings),
        limiter=limiter,
        digest_max=int(_number(env, "DIGEST_MAX", 20)),
        robot_throttle_s=_number(env, "ROBOT_THROTTLE_S", 600.0),
        drain=int(_number(env, "DRAIN", 20)),
    )


CONTEXT_KEY = "notify.context"


def context_of(runtime: ServiceRuntime) -> NotifyContext:
    """The runtime's notify context, built once."""
    ctx = runtime.extensions.get(CONTEXT_KEY)
    if ctx is None:
        ctx = runtime.extensions[CONTEXT_KEY] = build_context(runtime)
    return ctx


# --------------------------------------------------------------------------- 1. record a request


def _person(row: Recipient) -> Person:
    return Person(
        id=row.id,
        name=row.name,
        jurisdiction=row.jurisdiction,
        department=row.department,
        roles=tuple(row.roles or ()),
        zwd_account_id=row.zwd_account_id,
        active=row.active,
    )


def _group(row: Channel) -> GroupChannel:
    return GroupChannel(
        id=row.id,
        kind=row.kind,
        name=row.name,
        jurisdiction=row.jurisdiction,
        departments=tuple((row.config or {}).get("departments") or ()),
        enabled=row.enabled,
    )


def load_directory(session: Session, parties: Sequence[Mapping[str, str]]) -> Directory:
    """Only the rows these parties can reach: people by id, departments' members, role holders, channels."""
    ids = {p["id"] for p in parties if p.get("kind") == "person"}
    departments = {p["id"] for p in parties if p.get("kind") == "department"}
    role_jurisdictions = {p["jurisdiction"] for p in parties if p.get("kind") == "role"}
    conditions = []
    if ids:
        conditions.append(Recipient.id.in_(ids))
    if departments:
        conditions.append(Recipient.department.in_(departments))
    if role_jurisdictions:
        conditions.append(Recipient.jurisdiction.in_(role_jurisdictions))
    people = session.scalars(select(Recipient).where(or_(*conditions))).all() if conditions else []
    channel_ids = {p["id"] for p in parties if p.get("kind") == "channel"}
    jurisdictions = {p.get("jurisdiction") for p in parties if p.get("kind") == "department"}
    channel_rows: list[Channel] = []
    if channel_ids or jurisdictions:
        channel_rows = list(
            session.scalars(
                select(Channel).where(
                    or_(Channel.id.in_(channel_ids), Channel.jurisdiction.in_(jurisdictions))
                )
            ).all()
        )
    return Directory([_person(row) for row in people], [_group(row) for row in channel_rows])


def _check_request(payload: Mapping[str, Any]) -> None:
    if not str(payload.get("dedupe_key") or "").strip():
        raise ValidationFailed.for_field("dedupe_key", "必填项，不能缺少")
    if not payload.get("template"):
        raise ValidationFailed.for_field("template", "必填项，不能缺少")
    recipients = payload.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise ValidationFailed.for_field("recipients", "至少需要一个通知对象")


def record_request(uow: UnitOfWork, envelope: Envelope) -> list[str]:
    """The ``notify.send`` handler's body; returns the ids of the deliveries it created and queued."""
    return [row.id for row in _record(uow, envelope) if row.state == rules.QUEUED]


@dataclass
class Recorded:
    """What one send request left for the worker that recorded it: deliveries it already claimed (work
    notifications and webhooks, committed as ``sending`` with the request) and robots to wake."""

    claimed: list[Claimed] = field(default_factory=list)
    robots: list[str] = field(default_factory=list)


def record_and_claim(uow: UnitOfWork, envelope: Envelope) -> Recorded:
    """Like :func:`record_request`, but the new idempotent deliveries are claimed in the same transaction
    (one transaction fewer per message). If the worker dies before sending them, the sweep recovers them
    after the lease and sends them again under the same key — never twice at the platform."""
    now, token = utcnow(), uuid.uuid4().hex
    recorded = Recorded()
    for row in _record(uow, envelope):
        if row.state != rules.QUEUED:
            continue
        if row.channel_kind in rules.IDEMPOTENT_KINDS:
            row.state, row.claim_token, row.claimed_at, row.attempts = rules.SENDING, token, now, 1
            recorded.claimed.append(_claimed(row))
        elif row.channel_id and row.channel_id not in recorded.robots:
            recorded.robots.append(row.channel_id)
    return recorded


def _record(uow: UnitOfWork, envelope: Envelope) -> list[Delivery]:
    payload = envelope.payload
    _check_request(payload)
    session = uow.session
    parties = [dict(p) for p in payload["recipients"]]
    targets = resolve(parties, load_directory(session, parties))
    existing = set(
        session.scalars(
            select(Delivery.recipient).where(
                Delivery.dedupe_key == payload["dedupe_key"],
                Delivery.recipient.in_([t.recipient for t in targets]),
            )
        ).all()
    )
    fresh = [t for t in targets if t.recipient not in existing]
    if not fresh:
        return []
    message, problem = _render(session, payload)
    now = utcnow()
    requested_at = _instant(envelope.occurred_at) or now
    rows = [_new_delivery(payload, t, message, problem, now=now, requested_at=requested_at) for t in fresh]
    session.add_all(rows)
    return rows


def send_recorded(ctx: NotifyContext, recorded: Recorded) -> None:
    """Send what :func:`record_and_claim` claimed (after its transaction committed), then wake robots."""
    for start in range(0, len(recorded.claimed), RECORD_EVERY):
        batch = recorded.claimed[start : start + RECORD_EVERY]
        record_outcomes(ctx, [([item], _send_one(ctx, item)) for item in batch])
    for robot in recorded.robots:
        deliver_robot(ctx, robot)


def _instant(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _render(session: Session, payload: Mapping[str, Any]) -> tuple[RenderedMessage | None, str | None]:
    spec = template_spec(session, str(payload["template"]))
    if spec is None:
        return None, f"没有编码为 {payload['template']} 的消息模板"
    try:
        message = render(
            spec,
            dict(payload.get("params") or {}),
            case=payload.get("case"),
            link=payload.get("link"),
            kind=payload.get("kind"),
            urgent=payload.get("urgency") == "urgent",
        )
    except RenderError as exc:
        return None, str(exc)
    return message, None


def _new_delivery(
    payload: Mapping[str, Any],
    target: Target,
    message: RenderedMessage | None,
    problem: str | None,
    *,
    now: datetime,
    requested_at: datetime,
) -> Delivery:
    problem = target.problem or problem
    case = payload.get("case") or {}
    return Delivery(
        id=uuid.uuid4().hex,
        key=delivery_key(str(payload["dedupe_key"]), target.recipient),
        dedupe_key=str(payload["dedupe_key"])[:200],
        recipient=target.recipient,
        recipient_name=target.name[:80],
        account_id=target.account_id,
        channel_kind=target.channel_kind,
        channel_id=target.channel_id,
        jurisdiction=target.jurisdiction or str(case.get("jurisdiction") or ""),
        case_ref=dict(case) or None,
        case_id=str(case["id"]) if case.get("id") else None,
        template=str(payload["template"])[:60],
        kind=message.kind if message else "text",
        title=(message.title if message else str(payload["template"]))[:120],
        body=message.body if message else "",
        link=message.link if message else None,
        link_text=message.link_text if message else "查看详情",
        form=[list(pair) for pair in message.form] if message else [],
        urgency=str(payload.get("urgency") or "normal"),
        state=rules.FAILED if problem else rules.QUEUED,
        attempts=0,
        next_attempt_at=None if problem else now,
        last_error=problem,
        last_code="unreachable" if target.problem else ("render_failed" if problem else None),
        requested_at=requested_at,
        created_at=now,
        updated_at=now,
    )


# --------------------------------------------------------------------------- 2. deliver


@dataclass(frozen=True)
class Claimed:
    """A delivery claimed for one attempt: everything needed to send it, without the session."""

    id: str
    key: str
    channel_kind: str
    channel_id: str | None
    account_id: str | None
    kind: str
    title: str
    body: str
    link: str | None
    link_text: str
    form: tuple[tuple[str, str], ...]
    attempts: int
    token: str

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(
            key=self.key,
            title=self.title,
            text=self.body,
            kind=self.kind,  # type: ignore[arg-type]
            link_url=self.link,
            link_text=self.link_text,
            receivers=(self.account_id,) if self.account_id else (),
            form=self.form,
        )


def _claimed(row: Delivery) -> Claimed:
    return Claimed(
        id=row.id,
        key=row.key,
        channel_kind=row.channel_kind,
        channel_id=row.channel_id,
        account_id=row.account_id,
        kind=row.kind,
        title=row.title,
        body=row.body,
        link=row.link,
        link_text=row.link_text,
        form=tuple((str(k), str(v)) for k, v in (row.form or [])),
        attempts=row.attempts,
        token=row.claim_token or "",
    )


def _due(now: datetime) -> Any:
    return or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now)


def claim(
    ctx: NotifyContext, ids: Iterable[str] = (), *, channel_id: str | None = None, limit: int = 100
) -> list[Claimed]:
    """``queued`` and due → ``sending``, committed before anything is sent; only this call gets these rows:
    the given ``ids``, or the oldest due deliveries of one robot ``channel_id``."""
    now = utcnow()
    with ctx.db.transaction() as session:
        chosen = select(Delivery.id).where(Delivery.state == rules.QUEUED, _due(now))
        if channel_id is None:
            chosen = chosen.where(Delivery.id.in_(list(ids)))
        else:
            chosen = chosen.where(Delivery.channel_id == channel_id)
        wanted = list(session.scalars(chosen.order_by(Delivery.created_at).limit(limit)).all())
        return _claim_rows(session, wanted, now)


def deliver(
    ctx: NotifyContext, ids: Sequence[str], *, robots: Sequence[str] = (), drain: int | None = None
) -> None:
    """The ``notify.deliver`` command: send each given delivery that is still queued and due.

    Work notifications and webhooks are claimed together with up to ``drain`` other direct deliveries
    already due (so a backlog costs one claim and a few recording transactions per batch rather than per
    message) and sent one by one; robot deliveries wake their robot, which sends whatever waits for it
    within its rate (see :func:`deliver_robot`).
    """
    taken = ctx.drain if drain is None else drain
    claimed, waiting = claim_direct(ctx, ids, drain=taken) if ids else ([], [])
    for start in range(0, len(claimed), RECORD_EVERY):
        batch = claimed[start : start + RECORD_EVERY]
        record_outcomes(ctx, [([item], _send_one(ctx, item)) for item in batch])
    for robot in sorted({*waiting, *robots}):
        deliver_robot(ctx, robot)


def claim_direct(
    ctx: NotifyContext, ids: Sequence[str], *, drain: int = 0
) -> tuple[list[Claimed], list[str]]:
    """Claim the given non-robot deliveries (and up to ``drain`` more that are due); name the robots the
    given robot deliveries wait for. One transaction."""
    now, token = utcnow(), uuid.uuid4().hex
    with ctx.db.transaction() as session:
        ready = [Delivery.state == rules.QUEUED, _due(now), Delivery.channel_kind != rules.ROBOT]
        _mark_claimed(session, [Delivery.id.in_(list(ids)), *ready], token, now)
        if drain:
            more = select(Delivery.id).where(*ready).order_by(Delivery.next_attempt_at).limit(drain)
            _mark_claimed(session, [Delivery.id.in_(more.scalar_subquery())], token, now)
        claimed = _claimed_by(session, token)
        robots: list[str] = []
        if len([c for c in claimed if c.id in set(ids)]) < len(ids):
            robots = sorted(
                r
                for r in session.scalars(
                    select(Delivery.channel_id)
                    .where(Delivery.id.in_(list(ids)), Delivery.state == rules.QUEUED)
                    .where(Delivery.channel_kind == rules.ROBOT)
                    .distinct()
                ).all()
                if r
            )
        return claimed, robots


def _mark_claimed(session: Session, conditions: Sequence[Any], token: str, now: datetime) -> None:
    session.execute(
        update(Delivery)
        .where(*conditions, Delivery.state == rules.QUEUED)
        .values(
            state=rules.SENDING,
            claimed_at=now,
            claim_token=token,
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )


def _claimed_by(session: Session, token: str) -> list[Claimed]:
    rows = session.scalars(
        select(Delivery)
        .where(Delivery.claim_token == token, Delivery.state == rules.SENDING)
        .order_by(Delivery.created_at)
    ).all()
    return [_claimed(row) for row in rows]


def _claim_rows(session: Session, wanted: Sequence[str], now: datetime) -> list[Claimed]:
    if not wanted:
        return []
    token = uuid.uuid4().hex
    _mark_claimed(session, [Delivery.id.in_(list(wanted))], token, now)
    return _claimed_by(session, token)


def _send_one(ctx: NotifyContext, item: Claimed) -> SendResult:
    try:
        if item.channel_kind == rules.ZWD:
            return ctx.channels.zwd().send(item.outbound())
        return ctx.channels.webhook(_channel_config(ctx, item.channel_id)).send(item.outbound())
    except Exception as exc:  # a message the adapter cannot send (too large, URL refused, bad config)
        return _failure_result(exc)


def _failure_result(exc: Exception) -> SendResult:
    from shared.errors import PermanentFailure

    if isinstance(exc, PermanentFailure | ValueError | LookupError):
        return SendResult("permanent", type(exc).__name__, str(exc)[:500])
    log.exception("unexpected error while sending")
    return SendResult("transient", type(exc).__name__, str(exc)[:500], maybe_delivered=True)


class ChannelUnavailable(LookupError):
    """Raised when a delivery's channel was deleted or disabled after the delivery was recorded."""


def _channel_config(ctx: NotifyContext, channel_id: str | None) -> ChannelConfig:
    with ctx.db.transaction() as session:
        row = session.get(Channel, channel_id) if channel_id else None
        if row is None or not row.enabled:
            raise ChannelUnavailable("通知渠道不存在或已停用")
        return ChannelConfig(row.id, row.kind, dict(row.config or {}), dict(row.credentials or {}))


def deliver_robot(ctx: NotifyContext, channel_id: str, *, rounds: int = 5) -> None:
    """Send what waits for one robot: a slot from the shared rate limit, then one message (or digest)."""
    for _ in range(rounds):
        if not _has_due(ctx, channel_id):
            return
        permit = ctx.limiter.acquire(channel_id)
        if not permit.granted:
            schedule_wakeup(ctx, channel_id, permit.wait_ms)
            return
        items = claim(ctx, channel_id=channel_id, limit=ctx.digest_max)
        if not items:
            ctx.limiter.release(channel_id, permit.token)
            return
        result = _send_robot(ctx, channel_id, items)
        if result.platform_code == str(THROTTLED):
            ctx.limiter.block(channel_id, ctx.robot_throttle_s)
        record(ctx, items, result, robot_throttle_s=ctx.robot_throttle_s)


def _send_robot(ctx: NotifyContext, channel_id: str, items: Sequence[Claimed]) -> SendResult:
    try:
        robot = ctx.channels.robot(_channel_config(ctx, channel_id))
        if len(items) == 1:
            return robot.send(items[0].outbound())
        title, text = rules.digest_markdown([rules.DigestItem(i.title, i.body, i.link) for i in items])
        return robot.send_payload(markdown_payload(title, text))
    except Exception as exc:
        return _failure_result(exc)


def _has_due(ctx: NotifyContext, channel_id: str) -> bool:
    now = utcnow()
    with ctx.db.transaction() as session:
        found = session.scalar(
            select(Delivery.id)
            .where(Delivery.channel_id == channel_id, Delivery.state == rules.QUEUED, _due(now))
            .limit(1)
        )
    return found is not None


def record(
    ctx: NotifyContext, items: Sequence[Claimed], result: SendResult, *, robot_throttle_s: float | None = None
) -> None:
    """Record one answer for ``items`` (one message, or one digest of several)."""
    record_outcomes(ctx, [(items, result)], robot_throttle_s=robot_throttle_s)


def record_outcomes(
    ctx: NotifyContext,
    outcomes: Sequence[tuple[Sequence[Claimed], SendResult]],
    *,
    robot_throttle_s: float | None = None,
) -> None:
    """Write each attempt and the next state, in one transaction; a row someone else recovered meanwhile
    (its claim token changed) keeps its state. Retries are scheduled after the commit."""
    now = utcnow()
    retry: dict[datetime, list[str]] = {}
    with ctx.db.transaction() as session:
        for items, result in outcomes:
            digest_id = uuid.uuid4().hex if len(items) > 1 else None
            answer = _answer(result, robot_throttle_s)
            for item in items:
                session.add(_attempt(item, result, now=now, digest_id=digest_id))
                row = session.get(Delivery, item.id)
                if row is None or row.state != rules.SENDING or row.claim_token != item.token:
                    continue
                decision = rules.decide(
                    answer,
                    channel_kind=item.channel_kind,
                    attempts=item.attempts,
                    now=now,
                    policy=ctx.policy,
                    rand=ctx.rand,
                )
                _apply(row, decision, result, now=now, digest_id=digest_id)
                if decision.state == rules.QUEUED and decision.next_attempt_at is not None:
                    retry.setdefault(decision.next_attempt_at, []).append(item.id)
    for at, ids in retry.items():
        schedule(ctx, ids, delay_ms=max(int((at - now).total_seconds() * 1000), 0))


def _answer(result: SendResult, robot_throttle_s: float | None) -> rules.Answer:
    throttled = result.platform_code == str(THROTTLED)
    return rules.Answer(
        outcome=result.outcome,
        code=result.platform_code,
        message=result.platform_message,
        retry_after_s=robot_throttle_s if throttled and robot_throttle_s else result.retry_after_s,
        maybe_delivered=result.maybe_delivered,
    )


def _attempt(item: Claimed, result: SendResult, *, now: datetime, digest_id: str | None) -> Attempt:
    return Attempt(
        delivery_id=item.id,
        number=item.attempts,
        started_at=now - timedelta(milliseconds=result.latency_ms),
        latency_ms=result.latency_ms,
        outcome=result.outcome + ("_duplicate" if result.already_delivered else ""),
        platform_code=(result.platform_code or "")[:60] or None,
        platform_message=result.platform_message,
        platform_msg_id=(result.platform_msg_id or "")[:200] or None,
        request_summary=_plain(result.request_summary),
        digest_id=digest_id,
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _apply(
    row: Delivery, decision: rules.Decision, result: SendResult, *, now: datetime, digest_id: str | None
) -> None:
    row.state = decision.state
    row.updated_at = now
    row.last_code = (result.platform_code or "")[:60] or None
    row.digest_id = digest_id
    row.claim_token = None
    if decision.state == rules.DELIVERED:
        row.delivered_at = now
        row.platform_msg_id = (result.platform_msg_id or "")[:200] or None
        row.last_error = None
        row.next_attempt_at = None
    else:
        row.last_error = decision.reason
        row.next_attempt_at = decision.next_attempt_at


# --------------------------------------------------------------------------- 3. dispatch and recovery


def deliver_envelope(ids: Sequence[str], *, robots: Sequence[str] = ()) -> dict[str, Any]:
    payload: dict[str, Any] = {"delivery_ids": list(ids)}
    if robots:
        payload["robots"] = list(robots)
    return Envelope(type=DELIVER, payload=payload, source=NOTIFY).to_dict()


def schedule(ctx: NotifyContext, ids: Sequence[str], *, delay_ms: int, robots: Sequence[str] = ()) -> None:
    """A delayed ``notify.deliver`` on the broker; without one (unit tests) the sweep picks them up."""
    broker = ctx.runtime.broker
    if broker is None or not (ids or robots):
        return
    message: dramatiq.Message[Any] = dramatiq.Message(
        queue_name=NOTIFY,
        actor_name=inbound_actor_name(NOTIFY),
        args=(deliver_envelope(ids, robots=robots),),
        kwargs={},
        options={},
    )
    try:
        broker.enqueue(message, delay=delay_ms or None)
    except Exception:
        log.warning("could not schedule a retry; the sweep will dispatch it", exc_info=True)


def schedule_wakeup(ctx: NotifyContext, channel_id: str, wait_ms: int) -> None:
    """One delayed wake-up per robot and window, however many workers found it busy."""
    client = getattr(ctx.limiter, "client", None)
    delay = wait_ms + int(ctx.rand() * 250)
    if client is not None and not client.set(
        f"dm:notify:robot:{channel_id}:wakeup", "1", nx=True, px=max(delay, 1)
    ):
        return
    schedule(ctx, [], delay_ms=delay, robots=[channel_id])


def sweep(runtime: ServiceRuntime) -> None:
    """Periodic: recover deliveries abandoned in ``sending``, re-dispatch due ones whose command was lost."""
    ctx = context_of(runtime)
    recovered = recover_abandoned(ctx)
    dispatched = redispatch_due(ctx)
    if recovered or dispatched:
        log.info("notify sweep: %d recovered, %d re-dispatched", recovered, dispatched)


def recover_abandoned(ctx: NotifyContext) -> int:
    now = utcnow()
    cutoff = now - timedelta(seconds=ctx.policy.lease_s)
    count, requeued = 0, []
    with ctx.db.transaction() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.state == rules.SENDING, Delivery.claimed_at < cutoff).limit(500)
        ).all()
        for row in rows:
            decision = rules.recover_abandoned(row.channel_kind, now=now)
            session.add(
                Attempt(
                    delivery_id=row.id,
                    number=row.attempts,
                    started_at=row.claimed_at or now,
                    outcome="abandoned",
                    platform_code="worker_lost",
                    platform_message="发送进程在记录平台应答前中断",
                    request_summary={},
                )
            )
            row.state, row.last_error, row.claim_token = decision.state, decision.reason, None
            row.next_attempt_at, row.updated_at, row.last_code = decision.next_attempt_at, now, "worker_lost"
            count += 1
            if decision.state == rules.QUEUED:
                requeued.append(row.id)
    for start in range(0, len(requeued), 100):
        ctx.runtime.sender.send(NOTIFY, deliver_envelope(requeued[start : start + 100]))
    return count


def redispatch_due(ctx: NotifyContext, *, grace_s: float = LOST_DISPATCH_GRACE_S) -> int:
    cutoff = utcnow() - timedelta(seconds=grace_s)
    with ctx.db.transaction() as session:
        ids = list(
            session.scalars(
                select(Delivery.id)
                .where(Delivery.state == rules.QUEUED, Delivery.next_attempt_at <= cutoff)
                .order_by(Delivery.next_attempt_at)
                .limit(1000)
            ).all()
        )
    for start in range(0, len(ids), 100):
        ctx.runtime.sender.send(NOTIFY, deliver_envelope(ids[start : start + 100]))
    return len(ids)


def replay(ctx: NotifyContext, delivery_id: str, *, by: str) -> Delivery:
    """An operator sends a parked (or failed) delivery again; attempts start afresh, the key stays."""
    from shared.errors import Conflict, NotFound

    now = utcnow()
    with ctx.db.transaction() as session:
        row = session.get(Delivery, delivery_id)
        if row is None:
            raise NotFound("未找到该投递记录")
        if row.state not in rules.REPLAYABLE:
            raise Conflict(f"只有待人工处理或失败的投递可以重放，当前状态：{rules.STATE_NAMES[row.state]}")
        if row.channel_kind == "none":
            raise Conflict("该通知对象无法送达（没有浙政钉账号或渠道），请先更正组织目录或渠道配置")
        row.state, row.attempts, row.next_attempt_at = rules.QUEUED, 0, now
        row.last_error, row.updated_at = f"由{by}人工重放", now
    ctx.runtime.sender.send(NOTIFY, deliver_envelope([delivery_id]))
    return row
