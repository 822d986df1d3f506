"""Notify's use cases on the queue: record a send request's deliveries, deliver them, retry, recover.

1. ``notify.send`` (from any service) is applied through the inbox: recipients are resolved, the template
   rendered (shortened to fit the platform's 2048 bytes), one ``queued`` delivery row per recipient
   inserted (the unique dedupe key + recipient makes a repeat a no-op) — in the inbox's transaction. The
   queued rows are the durable to-do list. A party the directory replica does not know yet (a fresh start)
   is kept ``waiting`` and resolved again as the replica catches up, until ``DM_NOTIFY_DIRECTORY_WAIT_S``.
2. Work notifications of one request carry the same message, so they go out together: up to 1000
   receivers per call under one ``bizMsgId`` (the rows' ``batch_key``), each person's row still tracked on
   its own. The rows of one batch always move together (claimed, answered, recovered, replayed), so a
   ``bizMsgId`` is never used for two different sets of receivers. A call refused for one of its receivers
   is retried receiver by receiver. Before each call the app's daily budget (20,000) is reserved.
3. Delivery happens after that commit, outside any transaction held across a platform call (see
   :mod:`services.notify.handlers`): each delivery is *claimed* (``queued`` → ``sending``, committed — for a
   new request's work notifications and webhooks, in the request's own transaction), sent, and its answer
   recorded with an ``attempt`` row. Claims are compare-and-set on the state, so a redelivered command, or
   two workers, cannot send the same delivery twice at once.
4. Retries: a transient failure re-queues the delivery with backoff and a delayed ``notify.deliver``; the
   periodic sweep dispatches due deliveries nobody is working on (a worker died right after recording
   them, a scheduled retry was lost) and recovers deliveries left in ``sending`` by a dead worker (see
   :mod:`services.notify.domain.delivery` for what is resent and what is parked).
5. Robots: before each robot message a slot is taken from the shared per-robot rate limit; the message
   carries every reminder waiting for that robot (up to ``digest_max``) — one item as itself, several as a
   digest. When no slot is free, one delayed wake-up per robot is scheduled for when one frees up.
6. A request that names ``report_to`` is told what it achieved (``notify.outcome``, see
   :mod:`services.notify.usecases.reports`) whenever that changes.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import dramatiq
from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from services.notify.adapters.channels import ChannelConfig, ChannelFactory
from services.notify.adapters.keyring import keyring_for
from services.notify.adapters.metrics import record_budget
from services.notify.adapters.ratelimit import (
    MemoryDailyBudget,
    MemoryRateLimiter,
    RedisDailyBudget,
    RedisRateLimiter,
    Reservation,
)
from services.notify.domain import delivery as rules
from services.notify.domain.recipients import (
    Directory,
    GroupChannel,
    Person,
    Target,
    delivery_key,
    party_of,
    resolve,
)
from services.notify.domain.templates import RenderedMessage, RenderError, render_fitting
from services.notify.tables import Attempt, Channel, Delivery, Recipient, SendRequest
from services.notify.usecases import audit_log, reports
from services.notify.usecases.channel_secrets import channel_config
from services.notify.usecases.templates import template_spec
from shared.broker import inbound_actor_name
from shared.config import NotifySettings
from shared.contracts import NOTIFY
from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.messaging import Envelope, UnitOfWork
from shared.platform import OutboundMessage, SendResult
from shared.platform.robot import THROTTLED, markdown_payload
from shared.platform.zwd import MAX_RECEIVERS_PER_CALL, PlatformCodes, fits_platform
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

DELIVER = "notify.deliver"
"""{delivery_ids: [...], robots?: [channel id]} — notify's own command (on its own queue, never through the
inbox): deliver these rows and wake these robots. Idempotent: every delivery is claimed by compare-and-set."""
LOST_DISPATCH_GRACE_S = 30.0
RECORD_EVERY = 10
BUDGET_EXHAUSTED = "DAILY_BUDGET_EXHAUSTED"
DEFAULT_DIRECTORY_WAIT_S = 3600.0


# --------------------------------------------------------------------------- context


@dataclass
class NotifyContext:
    """What notify's use cases need besides the runtime: retry policy, adapters, the robot rate limit, the
    daily budget of work notifications."""

    runtime: ServiceRuntime
    policy: rules.RetryPolicy
    channels: ChannelFactory
    limiter: Any
    budget: Any = None
    digest_max: int = 20
    robot_throttle_s: float = 600.0
    drain: int = 20
    directory_wait_s: float = 3600.0
    keyring: Any = None
    rand: Any = field(default=random.random)

    @property
    def db(self) -> Any:
        return self.runtime.db


def build_context(runtime: ServiceRuntime, environ: Mapping[str, str] | None = None) -> NotifyContext:
    """The delivery policy of ``settings.notify`` (``DM_NOTIFY_*``, see :class:`shared.config.NotifySettings`;
    a test may give the variables as ``environ``); the robot limiter and the daily budget on the broker's
    Redis (or ``REDIS_URL``), in memory when there is neither (unit tests)."""
    settings = runtime.settings
    notify = NotifySettings.from_env(environ) if environ is not None else settings.notify
    policy = rules.RetryPolicy(
        max_attempts=notify.max_attempts,
        base_delay_s=notify.base_delay_s,
        max_delay_s=notify.max_delay_s,
        lease_s=notify.lease_s,
        outage_patience_s=notify.outage_patience_s,
    )
    client = getattr(runtime.broker, "client", None)
    if client is None and settings.redis_url:
        import redis

        client = redis.Redis.from_url(settings.redis_url)
    rate, window, spacing = notify.robot_rate, notify.robot_window_ms, notify.robot_spacing_ms
    limiter: Any = (
        RedisRateLimiter(client, limit=rate, window_ms=window, spacing_ms=spacing)
        if client is not None
        else MemoryRateLimiter(limit=rate, window_ms=window, spacing_ms=spacing)
    )
    app = settings.platform_app_key
    budget: Any = (
        RedisDailyBudget(client, app=app, limit=notify.daily_budget)
        if client is not None
        else MemoryDailyBudget(app=app, limit=notify.daily_budget)
    )
    return NotifyContext(
        runtime=runtime,
        policy=policy,
        channels=ChannelFactory(settings),
        limiter=limiter,
        budget=budget,
        digest_max=notify.digest_max,
        robot_throttle_s=notify.robot_throttle_s,
        drain=notify.drain,
        directory_wait_s=notify.directory_wait_s,
        keyring=keyring_for(settings, notify),
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


def record_request(
    uow: UnitOfWork, envelope: Envelope, *, wait_s: float = DEFAULT_DIRECTORY_WAIT_S
) -> list[str]:
    """The ``notify.send`` handler's body; returns the ids of the deliveries it created and queued."""
    return [row.id for row in _record(uow, envelope, wait_s) if row.state == rules.QUEUED]


@dataclass
class Recorded:
    """What one send request left for the worker that recorded it: deliveries it already claimed (work
    notifications and webhooks, committed as ``sending`` with the request) and robots to wake."""

    claimed: list[Claimed] = field(default_factory=list)
    robots: list[str] = field(default_factory=list)


def record_and_claim(
    uow: UnitOfWork, envelope: Envelope, *, wait_s: float = DEFAULT_DIRECTORY_WAIT_S
) -> Recorded:
    """Like :func:`record_request`, but the new idempotent deliveries are claimed in the same transaction
    (one transaction fewer per message). If the worker dies before sending them, the sweep recovers them
    after the lease and sends them again under the same key — never twice at the platform."""
    return _claim_new(_record(uow, envelope, wait_s))


def _claim_new(rows: Iterable[Delivery]) -> Recorded:
    now, token = utcnow(), uuid.uuid4().hex
    recorded = Recorded()
    for row in rows:
        if row.state != rules.QUEUED:
            continue
        if row.channel_kind in rules.IDEMPOTENT_KINDS:
            row.state, row.claim_token, row.claimed_at, row.attempts = rules.SENDING, token, now, 1
            recorded.claimed.append(_claimed(row))
        elif row.channel_id and row.channel_id not in recorded.robots:
            recorded.robots.append(row.channel_id)
    return recorded


def _record(uow: UnitOfWork, envelope: Envelope, wait_s: float) -> list[Delivery]:
    payload = envelope.payload
    _check_request(payload)
    request = _remember(uow.session, envelope)
    rows = _record_parties(uow.session, request, [dict(p) for p in payload["recipients"]], wait_s=wait_s)
    uow.session.flush()
    reports.report(uow, {request.dedupe_key})  # a request that reaches nobody is reported at once
    return rows


def _remember(session: Session, envelope: Envelope) -> SendRequest:
    """The request's row (a repeat of the dedupe key updates it): what the waiting parties and the outcome
    report need later."""
    payload, now = envelope.payload, utcnow()
    key = str(payload["dedupe_key"])[:200]
    row = session.get(SendRequest, key)
    if row is None:
        case = payload.get("case") or {}
        row = SendRequest(
            dedupe_key=key,
            template=str(payload["template"])[:60],
            case_id=str(case["id"])[:80] if case.get("id") else None,
            jurisdiction=str(case.get("jurisdiction") or "")[:12],
            requested_at=_instant(envelope.occurred_at) or now,
            created_at=now,
        )
        session.add(row)
    row.payload = {name: value for name, value in payload.items() if name != "recipients"}
    row.report_to = str(payload["report_to"])[:40] if payload.get("report_to") else row.report_to
    row.updated_at = now
    return row


def _record_parties(
    session: Session, request: SendRequest, parties: list[dict[str, Any]], *, wait_s: float | None
) -> list[Delivery]:
    """Delivery rows for the parties' recipients not yet recorded under this dedupe key; a party nobody
    matches waits ``wait_s`` for the directory replica (``None``: it is left out, still unmatched)."""
    targets = resolve(parties, load_directory(session, parties))
    existing = set(
        session.scalars(
            select(Delivery.recipient).where(
                Delivery.dedupe_key == request.dedupe_key,
                Delivery.recipient.in_([t.recipient for t in targets]),
            )
        ).all()
    )
    fresh = [t for t in targets if t.recipient not in existing and not (t.waits and wait_s is None)]
    if not fresh:
        return []
    payload = {**request.payload, "dedupe_key": request.dedupe_key}
    message, problem = _render(session, payload)
    now = utcnow()
    rows = [
        _new_delivery(payload, t, message, problem, now=now, requested_at=request.requested_at) for t in fresh
    ]
    for row, target in zip(rows, fresh, strict=True):
        if target.waits and row.state == rules.FAILED and wait_s is not None:
            row.state, row.last_code = rules.WAITING, "directory_pending"
            row.next_attempt_at = now + timedelta(seconds=wait_s)
    _assign_batches(rows)
    session.add_all(rows)
    return rows


def _assign_batches(rows: Sequence[Delivery]) -> None:
    """Work notifications of one request share one message: up to 1000 to a call, one ``bizMsgId`` each
    (a lone receiver's is its own delivery key; a group's is derived from who is in it, so the same
    request recorded again makes the same batches). Webhooks go one by one, under their own key."""
    work = sorted((r for r in rows if r.channel_kind == rules.ZWD and r.state == rules.QUEUED), key=_by_rcpt)
    for row in rows:
        if row.channel_kind == rules.WEBHOOK:
            row.batch_key = row.key
    for start in range(0, len(work), MAX_RECEIVERS_PER_CALL):
        chunk = work[start : start + MAX_RECEIVERS_PER_CALL]
        key = chunk[0].key if len(chunk) == 1 else delivery_key(chunk[0].dedupe_key, _members(chunk))
        for row in chunk:
            row.batch_key = key


def _by_rcpt(row: Delivery) -> str:
    return row.recipient


def _members(rows: Sequence[Delivery]) -> str:
    return "batch:" + ",".join(row.recipient for row in rows)


def send_recorded(ctx: NotifyContext, recorded: Recorded) -> None:
    """Send what :func:`record_and_claim` claimed (after its transaction committed), then wake robots."""
    send_claimed(ctx, recorded.claimed)
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
        message = render_fitting(
            spec,
            dict(payload.get("params") or {}),
            fits=fits_work_notification,
            case=payload.get("case"),
            link=payload.get("link"),
            kind=payload.get("kind"),
            urgent=payload.get("urgency") == "urgent",
        )
    except RenderError as exc:
        return None, str(exc)
    return message, None


def fits_work_notification(message: RenderedMessage) -> bool:
    """True when ``message`` fits the 浙政钉 ``msg`` limit; every channel gets the same, shortened text."""
    return fits_platform(
        OutboundMessage(
            key="",
            title=message.title,
            text=message.body,
            kind=message.kind,  # type: ignore[arg-type]
            link_url=message.link,
            link_text=message.link_text,
            form=message.form,
        )
    )


def statutory_date(payload: Mapping[str, Any]) -> date | None:
    """The statutory date a notice is about: the request's ``due_date``, else its parameters'
    ``due_date`` or ``new_due_date`` (ISO dates); None when it names none (or not as a date)."""
    params = payload.get("params") or {}
    for value in (payload.get("due_date"), params.get("due_date"), params.get("new_due_date")):
        if isinstance(value, str) and value:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


#: the order a backlog drains in: urgent notices first, then the soonest statutory date, then the oldest
URGENCY_ORDER = (Delivery.urgency.desc(), Delivery.due_date.is_(None), Delivery.due_date)


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
        due_date=statutory_date(payload),
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
    batch_key: str | None = None
    dedupe_key: str = ""
    requested_at: datetime | None = None

    def outbound(self, receivers: Sequence[str] | None = None) -> OutboundMessage:
        """The message under the batch's ``bizMsgId``, to ``receivers`` (by default this person alone)."""
        own = (self.account_id,) if self.account_id else ()
        return OutboundMessage(
            key=self.batch_key or self.key,
            title=self.title,
            text=self.body,
            kind=self.kind,  # type: ignore[arg-type]
            link_url=self.link,
            link_text=self.link_text,
            receivers=tuple(receivers) if receivers is not None else own,
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
        batch_key=row.batch_key,
        dedupe_key=row.dedupe_key,
        requested_at=row.requested_at,
    )


def _due(now: datetime) -> Any:
    return or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now)


def _whole_batches(ids: Sequence[str]) -> Any:
    """These deliveries and every other delivery of their batches (a batch moves as one)."""
    batches = select(Delivery.batch_key).where(Delivery.id.in_(list(ids)), Delivery.batch_key.is_not(None))
    return or_(Delivery.id.in_(list(ids)), Delivery.batch_key.in_(batches.scalar_subquery()))


def claim(
    ctx: NotifyContext, ids: Iterable[str] = (), *, channel_id: str | None = None, limit: int = 100
) -> list[Claimed]:
    """``queued`` and due → ``sending``, committed before anything is sent; only this call gets these rows:
    the given ``ids`` (with the rest of their batches), or the oldest due deliveries of one robot."""
    now = utcnow()
    with ctx.db.transaction() as session:
        chosen = select(Delivery.id).where(Delivery.state == rules.QUEUED, _due(now))
        if channel_id is None:
            chosen = chosen.where(_whole_batches(list(ids)))
        else:
            chosen = chosen.where(Delivery.channel_id == channel_id)
            chosen = chosen.order_by(*URGENCY_ORDER, Delivery.created_at).limit(limit)
        wanted = list(session.scalars(chosen).all())
        return _claim_rows(session, wanted, now)


def deliver(
    ctx: NotifyContext, ids: Sequence[str], *, robots: Sequence[str] = (), drain: int | None = None
) -> None:
    """The ``notify.deliver`` command: send each given delivery that is still queued and due.

    Work notifications and webhooks are claimed, whole batches at a time, together with up to ``drain``
    other batches already due (so a backlog costs one claim and a few recording transactions per batch
    rather than per message) and sent; robot deliveries wake their robot, which sends whatever waits for
    it within its rate (see :func:`deliver_robot`).
    """
    taken = ctx.drain if drain is None else drain
    claimed, waiting = claim_direct(ctx, ids, drain=taken) if ids else ([], [])
    send_claimed(ctx, claimed)
    for robot in sorted({*waiting, *robots}):
        deliver_robot(ctx, robot)


def send_claimed(ctx: NotifyContext, claimed: Sequence[Claimed]) -> None:
    """Send claimed work notifications and webhooks, one call per batch, recording every few calls."""
    groups = batches_of(claimed)
    for start in range(0, len(groups), RECORD_EVERY):
        chunk = groups[start : start + RECORD_EVERY]
        record_outcomes(ctx, [(group, send_group(ctx, group)) for group in chunk])


def batches_of(claimed: Sequence[Claimed]) -> list[list[Claimed]]:
    """Claimed deliveries grouped by the call that carries them, in the order they came."""
    groups: dict[str, list[Claimed]] = {}
    for item in claimed:
        groups.setdefault(item.batch_key or item.key, []).append(item)
    return list(groups.values())


def claim_direct(
    ctx: NotifyContext, ids: Sequence[str], *, drain: int = 0
) -> tuple[list[Claimed], list[str]]:
    """Claim the given non-robot deliveries with their batches (and up to ``drain`` more batches that are
    due); name the robots the given robot deliveries wait for. One transaction."""
    now, token = utcnow(), uuid.uuid4().hex
    with ctx.db.transaction() as session:
        ready = [
            Delivery.state == rules.QUEUED,
            _due(now),
            Delivery.channel_kind != rules.ROBOT,
            Delivery.revoke_state.is_(None),  # being cancelled: the case was withdrawn
        ]
        wanted = _whole_batches(ids)
        if drain:
            more = (
                select(Delivery.batch_key)
                .where(*ready, Delivery.batch_key.is_not(None))
                .order_by(*URGENCY_ORDER, Delivery.next_attempt_at)
                .limit(drain)
            )
            wanted = or_(wanted, Delivery.batch_key.in_(more.scalar_subquery()))
        _mark_claimed(session, [wanted, *ready], token, now)  # one claim: its rows locked in one order
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
    """Claim the queued rows meeting ``conditions`` for ``token``, in one statement. On PostgreSQL its rows
    are locked in the order of their ids first, so claims made at once wait for each other in one order and
    never deadlock (a claim of a message's deliveries and then of the backlog, in two UPDATEs, held rows
    another claim's second UPDATE wanted: the loser's deliveries waited for the sweep); a row another claim
    took meanwhile is no longer queued when the lock is granted, and is left to it."""
    where = [*conditions, Delivery.state == rules.QUEUED]
    if session.get_bind().dialect.name == "postgresql":
        locked = select(Delivery.id).where(*where).order_by(Delivery.id).with_for_update()
        where = [Delivery.id.in_(locked.scalar_subquery()), Delivery.state == rules.QUEUED]
    session.execute(
        update(Delivery)
        .where(*where)
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
        .order_by(*URGENCY_ORDER, Delivery.created_at, Delivery.recipient)
    ).all()
    return [_claimed(row) for row in rows]


def _claim_rows(session: Session, wanted: Sequence[str], now: datetime) -> list[Claimed]:
    if not wanted:
        return []
    token = uuid.uuid4().hex
    _mark_claimed(session, [Delivery.id.in_(list(wanted))], token, now)
    return _claimed_by(session, token)


def send_group(ctx: NotifyContext, items: Sequence[Claimed]) -> SendResult:
    """One call for one batch: a work notification to every receiver in it (within the day's budget), or
    one webhook."""
    first = items[0]
    try:
        if first.channel_kind == rules.ZWD:
            return _send_work_notification(ctx, items)
        return ctx.channels.webhook(_channel_config(ctx, first.channel_id)).send(first.outbound())
    except Exception as exc:  # a message the adapter cannot send (too large, URL refused, bad config)
        return _failure_result(exc)


def _send_work_notification(ctx: NotifyContext, items: Sequence[Claimed]) -> SendResult:
    receivers = [item.account_id for item in items if item.account_id]
    reservation: Reservation | None = ctx.budget.reserve(len(receivers)) if ctx.budget else None
    if reservation is not None:
        record_budget(ctx.budget, reservation.used)
        if not reservation.granted:
            return SendResult(
                "transient",
                BUDGET_EXHAUSTED,
                f"今日浙政钉工作通知额度（{ctx.budget.limit}条）已用完，明日零时后发送",
                retry_after_s=_seconds_to_next_day(),
            )
    result = ctx.channels.zwd().send(items[0].outbound(receivers))
    if reservation is not None and not result.delivered and not result.maybe_delivered:
        ctx.budget.refund(reservation)
    return result


def _seconds_to_next_day() -> float:
    now = utcnow() + timedelta(hours=8)  # the platform counts days in Beijing time
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=5, microsecond=0)
    return (midnight - now).total_seconds()


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
        return channel_config(ctx.runtime, row)


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


# --------------------------------------------------------------------------- 3. record the answers


def record(
    ctx: NotifyContext, items: Sequence[Claimed], result: SendResult, *, robot_throttle_s: float | None = None
) -> None:
    """Record one answer for ``items`` (one message, one batch, or one robot digest of several)."""
    record_outcomes(ctx, [(items, result)], robot_throttle_s=robot_throttle_s)


DUPLICATE_NOTE = (
    "平台以“bizMsgId 重复”拒绝了重发：它只记得已接收的消息，可见此前一次发送已送达（当时的应答丢失），"
    "按已送达记录。"
)


def record_outcomes(
    ctx: NotifyContext,
    outcomes: Sequence[tuple[Sequence[Claimed], SendResult]],
    *,
    robot_throttle_s: float | None = None,
) -> None:
    """Write each attempt and the next state, in one transaction; a row someone else recovered meanwhile
    (its claim token changed) keeps its state. Retries are scheduled after the commit; requests that asked
    for it are told what they achieved (in the same transaction, through the outbox)."""
    now = utcnow()
    retry: dict[datetime, list[str]] = {}
    with ctx.runtime.unit_of_work() as uow:
        session = uow.session
        for items, result in outcomes:
            for at, ids in _record_one(ctx, session, items, result, now, robot_throttle_s).items():
                retry.setdefault(at, []).extend(ids)
        reports.report(uow, {item.dedupe_key for items, _result in outcomes for item in items})
        uow.commit()
    for at, ids in retry.items():
        schedule(ctx, ids, delay_ms=max(int((at - now).total_seconds() * 1000), 0))
    if any(result.delivered and items[0].channel_kind == rules.ZWD for items, result in outcomes):
        release_backlog(ctx)


#: what a work notification answers while the platform is away (network errors, 5xx, its system errors)
OUTAGE_CODES = frozenset(
    {
        "connect_timeout",
        "read_timeout",
        "connection_error",
        PlatformCodes.SYSTEM_BUSY,
        PlatformCodes.SYSTEM_ERROR,
    }
)


def _waiting_out_an_outage(now: datetime) -> list[Any]:
    return [
        Delivery.state == rules.QUEUED,
        Delivery.channel_kind == rules.ZWD,
        Delivery.attempts > 0,
        Delivery.next_attempt_at > now,
        Delivery.revoke_state.is_(None),
        or_(Delivery.last_code.in_(OUTAGE_CODES), Delivery.last_code.like("http_5%")),
    ]


def release_backlog(ctx: NotifyContext, *, limit: int = 5000) -> int:
    """The platform answers again: the work notifications that were waiting out its outage (each on its
    own backoff, up to ``DM_NOTIFY_MAX_DELAY_S``) are due now and dispatched most urgent first — urgent
    notices, then the soonest statutory date (:data:`URGENCY_ORDER`) — within the day's budget as always.
    Cheap when there is no backlog: one indexed query."""
    now = utcnow()
    with ctx.db.transaction() as session:
        ids = list(
            session.scalars(
                select(Delivery.id)
                .where(*_waiting_out_an_outage(now))
                .order_by(*URGENCY_ORDER, Delivery.created_at)
                .limit(limit)
            ).all()
        )
        if ids:
            session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.state == rules.QUEUED)
                .values(next_attempt_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
    if ids:
        ctx.runtime.sender.send(NOTIFY, deliver_envelope([], backlog=True))
        log.info(
            "the platform answers again: %d waiting work notification(s) released, most urgent first",
            len(ids),
        )
    return len(ids)


def drain_backlog(ctx: NotifyContext, *, budget_s: float = 30.0) -> int:
    """Send the due work notifications and webhooks, most urgent first, claim after claim in this one
    thread (so the order holds); after ``budget_s`` the rest is handed on to another command."""
    started, sent = time.monotonic(), 0
    while True:
        claimed, _robots = claim_direct(ctx, [], drain=ctx.drain or 20)
        if not claimed:
            return sent
        send_claimed(ctx, claimed)
        sent += len(claimed)
        if time.monotonic() - started > budget_s:
            ctx.runtime.sender.send(NOTIFY, deliver_envelope([], backlog=True))
            return sent


#: a backlog waiting longer than this for its next try is probed on the sweep (the scheduler's tick)
PROBE_AFTER_S = 60.0


def probe_outage(ctx: NotifyContext) -> int:
    """Periodic, while work notifications wait out an outage: the most urgent batch is tried now (one
    call a tick), so the backlog is released within a tick of the platform's return rather than after
    the longest backoff."""
    now = utcnow()
    with ctx.db.transaction() as session:
        # only a backlog whose next try is more than a tick away: shorter backoffs need no probe
        later = now + timedelta(seconds=PROBE_AFTER_S)
        first = session.scalars(
            select(Delivery.id)
            .where(*_waiting_out_an_outage(now), Delivery.next_attempt_at > later)
            .order_by(*URGENCY_ORDER)
            .limit(1)
        ).first()
        if first is None:
            return 0
        session.execute(
            update(Delivery)
            .where(_whole_batches([first]), Delivery.state == rules.QUEUED)
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
    ctx.runtime.sender.send(NOTIFY, deliver_envelope([first]))
    return 1


def _record_one(
    ctx: NotifyContext,
    session: Session,
    items: Sequence[Claimed],
    result: SendResult,
    now: datetime,
    robot_throttle_s: float | None,
) -> dict[datetime, list[str]]:
    digest_id = uuid.uuid4().hex if len(items) > 1 and items[0].channel_kind == rules.ROBOT else None
    session.execute(insert(Attempt), [_attempt(item, result, now=now, digest_id=digest_id) for item in items])
    if result.platform_code == BUDGET_EXHAUSTED:
        return _defer(session, items, result, now)
    if _split(items, result):
        return _retry_one_by_one(session, items, result, now)
    answer = _answer(result, robot_throttle_s)
    retry: dict[datetime, list[str]] = {}
    requested = min((item.requested_at for item in items if item.requested_at), default=now)
    for (token, attempts), ids in _by_claim(items).items():
        decision = rules.decide(
            answer,
            channel_kind=items[0].channel_kind,
            attempts=attempts,
            now=now,
            policy=ctx.policy,
            rand=ctx.rand,
            waited_s=(now - requested).total_seconds(),
        )
        _apply(session, ids, token, decision, result, now=now, digest_id=digest_id)
        if decision.state == rules.QUEUED and decision.next_attempt_at is not None:
            retry.setdefault(decision.next_attempt_at, []).extend(ids)
    return retry


def _by_claim(items: Sequence[Claimed]) -> dict[tuple[str, int], list[str]]:
    groups: dict[tuple[str, int], list[str]] = {}
    for item in items:
        groups.setdefault((item.token, item.attempts), []).append(item.id)
    return groups


def _split(items: Sequence[Claimed], result: SendResult) -> bool:
    """A call to several people refused for something other than the call itself: try them one by one."""
    return (
        len(items) > 1
        and items[0].channel_kind == rules.ZWD
        and result.outcome == "permanent"
        and result.platform_code not in PlatformCodes.WHOLE_CALL
    )


def _owned(ids: Sequence[str], token: str) -> list[Any]:
    return [Delivery.id.in_(list(ids)), Delivery.state == rules.SENDING, Delivery.claim_token == token]


def _retry_one_by_one(
    session: Session, items: Sequence[Claimed], result: SendResult, now: datetime
) -> dict[datetime, list[str]]:
    ids = [item.id for item in items]
    for (token, _attempts), owned in _by_claim(items).items():
        session.execute(
            update(Delivery)
            .where(*_owned(owned, token))
            .values(
                state=rules.QUEUED,
                batch_key=Delivery.key,
                claim_token=None,
                next_attempt_at=now,
                updated_at=now,
                last_code=(result.platform_code or "")[:60] or None,
                last_error=f"批量发送被拒绝（{result.platform_code}），改为逐人发送",
            )
            .execution_options(synchronize_session=False)
        )
    return {now: ids}


def _defer(
    session: Session, items: Sequence[Claimed], result: SendResult, now: datetime
) -> dict[datetime, list[str]]:
    """The day's budget is spent: the batch waits for tomorrow; this was no attempt at the platform."""
    until = now + timedelta(seconds=result.retry_after_s or 3600)
    for (token, _attempts), owned in _by_claim(items).items():
        session.execute(
            update(Delivery)
            .where(*_owned(owned, token))
            .values(
                state=rules.QUEUED,
                attempts=Delivery.attempts - 1,
                claim_token=None,
                next_attempt_at=until,
                updated_at=now,
                last_code=BUDGET_EXHAUSTED,
                last_error=result.platform_message,
            )
            .execution_options(synchronize_session=False)
        )
    return {until: [item.id for item in items]}


def _answer(result: SendResult, robot_throttle_s: float | None) -> rules.Answer:
    throttled = result.platform_code == str(THROTTLED)
    return rules.Answer(
        outcome=result.outcome,
        code=result.platform_code,
        message=result.platform_message,
        retry_after_s=robot_throttle_s if throttled and robot_throttle_s else result.retry_after_s,
        maybe_delivered=result.maybe_delivered,
    )


def _attempt(item: Claimed, result: SendResult, *, now: datetime, digest_id: str | None) -> dict[str, Any]:
    if result.platform_code == BUDGET_EXHAUSTED:
        outcome = "deferred"
    else:
        outcome = result.outcome + ("_duplicate" if result.already_delivered else "")
    return {
        "delivery_id": item.id,
        "number": item.attempts,
        "started_at": now - timedelta(milliseconds=result.latency_ms),
        "latency_ms": result.latency_ms,
        "outcome": outcome,
        "platform_code": (result.platform_code or "")[:60] or None,
        "platform_message": result.platform_message,
        "platform_msg_id": (result.platform_msg_id or "")[:200] or None,
        "request_summary": _plain(result.request_summary),
        "digest_id": digest_id,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _apply(
    session: Session,
    ids: Sequence[str],
    token: str,
    decision: rules.Decision,
    result: SendResult,
    *,
    now: datetime,
    digest_id: str | None,
) -> None:
    values: dict[str, Any] = {
        "state": decision.state,
        "updated_at": now,
        "last_code": (result.platform_code or "")[:60] or None,
        "digest_id": digest_id,
        "claim_token": None,
    }
    if decision.state == rules.DELIVERED:
        values.update(
            delivered_at=now,
            platform_msg_id=(result.platform_msg_id or "")[:200] or None,
            last_error=None,
            next_attempt_at=None,
            note=DUPLICATE_NOTE if result.already_delivered else None,
        )
    else:
        values.update(last_error=decision.reason, next_attempt_at=decision.next_attempt_at)
    session.execute(
        update(Delivery)
        .where(*_owned(ids, token))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- 4. dispatch and recovery


def deliver_envelope(
    ids: Sequence[str], *, robots: Sequence[str] = (), backlog: bool = False
) -> dict[str, Any]:
    payload: dict[str, Any] = {"delivery_ids": list(ids)}
    if robots:
        payload["robots"] = list(robots)
    if backlog:
        payload["backlog"] = True  # drain what is due, most urgent first (see drain_backlog)
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
    """Periodic: recover deliveries abandoned in ``sending``, re-dispatch due ones whose command was lost,
    resolve the parties that wait for the directory replica, show the day's budget."""
    ctx = context_of(runtime)
    recovered = recover_abandoned(ctx)
    dispatched = redispatch_due(ctx) + probe_outage(ctx)
    resolved = resolve_waiting(ctx)
    if ctx.budget is not None:
        record_budget(ctx.budget, ctx.budget.used_today())
    if recovered or dispatched or resolved:
        log.info("notify sweep: %d recovered, %d re-dispatched, %d resolved", recovered, dispatched, resolved)


def recover_abandoned(ctx: NotifyContext) -> int:
    """Deliveries left in ``sending`` past the lease, whole batches at a time (see the module notes)."""
    now = utcnow()
    cutoff = now - timedelta(seconds=ctx.policy.lease_s)
    count, requeued = 0, []
    with ctx.db.transaction() as session:
        stale = [Delivery.state == rules.SENDING, Delivery.claimed_at < cutoff]
        first = list(session.scalars(select(Delivery.id).where(*stale).limit(500)).all())
        rows = session.scalars(select(Delivery).where(_whole_batches(first), *stale)).all() if first else []
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
                .order_by(*URGENCY_ORDER, Delivery.next_attempt_at)
                .limit(1000)
            ).all()
        )
    for start in range(0, len(ids), 100):
        ctx.runtime.sender.send(NOTIFY, deliver_envelope(ids[start : start + 100]))
    return len(ids)


def resolve_waiting(ctx: NotifyContext) -> int:
    """Parties nobody in the directory replica matched when their request arrived: resolved again now.

    Found → the waiting row gives way to deliveries to the people (sent at once); still nobody and the
    wait (``DM_NOTIFY_DIRECTORY_WAIT_S``) is over → the row fails with the reason, as any unreachable party.
    """
    now = utcnow()
    with ctx.runtime.unit_of_work() as uow:
        session = uow.session
        waiting = session.scalars(
            select(Delivery).where(Delivery.state == rules.WAITING).order_by(Delivery.created_at).limit(200)
        ).all()
        fresh: list[Delivery] = []
        for row in waiting:
            request = session.get(SendRequest, row.dedupe_key)
            party = party_of(row.recipient, row.jurisdiction)
            expired = row.next_attempt_at is None or row.next_attempt_at <= now
            found = _record_parties(session, request, [party], wait_s=None) if request is not None else []
            if found:
                session.delete(row)
                fresh += found
            elif expired:
                row.state, row.last_code, row.updated_at = rules.FAILED, "unreachable", now
        session.flush()
        recorded = _claim_new(fresh)
        reports.report(uow, {row.dedupe_key for row in waiting})
        uow.commit()
    send_recorded(ctx, recorded)
    return len(fresh)


def replay(ctx: NotifyContext, delivery_id: str, *, actor: Principal) -> Delivery:
    """An operator sends a parked (or failed) delivery again — with the rest of its batch, so that its
    ``bizMsgId`` still names the same receivers; attempts start afresh, the key stays. Recorded in the audit
    trail with the batch it took along."""
    from shared.errors import Conflict, NotFound

    now = utcnow()
    with ctx.runtime.unit_of_work() as uow:
        session = uow.session
        row = session.get(Delivery, delivery_id)
        if row is None:
            raise NotFound("未找到该投递记录")
        if row.state not in rules.REPLAYABLE:
            raise Conflict(f"只有待人工处理或失败的投递可以重放，当前状态：{rules.STATE_NAMES[row.state]}")
        if row.channel_kind == "none":
            raise Conflict("该通知对象无法送达（没有浙政钉账号或渠道），请先更正组织目录或渠道配置")
        was = rules.STATE_NAMES[row.state]
        replayed = session.scalars(
            update(Delivery)
            .where(_whole_batches([row.id]), Delivery.state.in_(rules.REPLAYABLE))
            .values(state=rules.QUEUED, attempts=0, next_attempt_at=now, updated_at=now)
            .values(last_error=f"由{actor.name}人工重放")
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        ).all()
        session.refresh(row)
        uow.audit(
            audit_log.DELIVERY_REPLAY,
            actor=actor,
            jurisdiction=row.jurisdiction,
            object_type="delivery",
            object_id=row.id,
            summary=f"人工重放投递：{row.title}（{row.recipient_name}，原为{was}，同批 {len(replayed)} 条）",
            details={
                "template": row.template,
                "recipient": row.recipient,
                "case_id": row.case_id,
                "batch": sorted(replayed),
            },
        )
        uow.commit()
    ctx.runtime.sender.send(NOTIFY, deliver_envelope([delivery_id]))
    return row
