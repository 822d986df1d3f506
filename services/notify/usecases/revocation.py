"""Revoking the notices about a withdrawn case (``notify.revoke``).

Applied through the inbox: every work notification about the case requested before the withdrawal is
marked — sent ones ``revoke_state = pending`` (revoked on the platform with ``/message/revoke`` and their
``bizMsgId``, one call per batch, after the commit and again by the sweep until the platform confirms);
those not sent yet are cancelled and never go out (a claim skips a delivery whose revocation is pending, so a
worker cannot send one while it is being cancelled). Notices requested after the withdrawal — the withdrawal
notice itself — are left alone. Group robots and webhooks cannot be revoked; they stay as they are.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from services.notify.domain import delivery as rules
from services.notify.tables import Delivery
from services.notify.usecases import reports
from services.notify.usecases.delivery import NotifyContext, context_of
from shared.db import utcnow
from shared.messaging import Envelope, UnitOfWork
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

PENDING, REVOKED, REVOKE_FAILED = "pending", "revoked", "failed"
REVOKE_STATE_NAMES = {PENDING: "撤回中", REVOKED: "已撤回", REVOKE_FAILED: "撤回失败"}
NOT_SENT = (rules.QUEUED, rules.WAITING)
REVOCABLE = (rules.DELIVERED, rules.PARKED)
"""Sent (or maybe sent: parked after a lost answer), so there may be something to revoke."""


def request_revocation(uow: UnitOfWork, envelope: Envelope) -> None:
    """The ``notify.revoke`` handler's body (see the module notes)."""
    payload = envelope.payload
    case = payload.get("case") or {}
    if not case.get("id"):
        return
    before = _instant(payload.get("at")) or _instant(envelope.occurred_at) or utcnow()
    now = utcnow()
    about = [
        Delivery.case_id == str(case["id"]),
        Delivery.jurisdiction == str(case.get("jurisdiction") or ""),
        Delivery.requested_at < before,
        Delivery.channel_kind == rules.ZWD,
        Delivery.revoke_state.is_(None),
    ]
    session = uow.session
    session.execute(
        update(Delivery)
        .where(*about, Delivery.state.in_(NOT_SENT))
        .values(state=rules.CANCELLED, updated_at=now, next_attempt_at=None)
        .values(note=f"案件已撤回，未发送{_reason(payload)}")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Delivery)
        .where(*about, Delivery.state.in_((*REVOCABLE, rules.SENDING)))
        .values(revoke_state=PENDING, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    keys = session.scalars(select(Delivery.dedupe_key).where(*about[:3]).distinct()).all()
    reports.report(uow, keys)


def _reason(payload: dict[str, Any]) -> str:
    return f"（{payload['reason']}）" if payload.get("reason") else ""


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def run_revocations(ctx: NotifyContext, *, limit: int = 100) -> int:
    """Revoke on the platform what is pending: one call per ``bizMsgId``; returns how many succeeded.

    A delivery that was being sent when the case was withdrawn waits until its answer is recorded: then a
    delivered (or parked: maybe delivered) one is revoked, one to be retried is cancelled instead.
    """
    now = utcnow()
    with ctx.db.transaction() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.revoke_state == PENDING, Delivery.state.in_(NOT_SENT))
            .values(state=rules.CANCELLED, revoke_state=None, updated_at=now, next_attempt_at=None)
            .values(note="案件已撤回，未再发送")
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Delivery)
            .where(Delivery.revoke_state == PENDING, Delivery.state == rules.FAILED)
            .values(revoke_state=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        batches = list(
            session.scalars(
                select(Delivery.batch_key)
                .where(Delivery.revoke_state == PENDING, Delivery.state.in_(REVOCABLE))
                .where(Delivery.batch_key.is_not(None))
                .distinct()
                .limit(limit)
            ).all()
        )
    return sum(_revoke_batch(ctx, str(batch_key)) for batch_key in batches)


def _revoke_batch(ctx: NotifyContext, batch_key: str) -> int:
    result = ctx.channels.zwd().revoke(batch_key)
    if result.outcome == "transient":
        return 0  # the sweep tries again
    now = utcnow()
    if result.delivered:
        values: dict[str, Any] = {"revoke_state": REVOKED, "revoked_at": now, "note": "已在浙政钉撤回"}
    else:
        note = f"撤回失败（{result.platform_code}）：{result.platform_message or ''}"
        values = {"revoke_state": REVOKE_FAILED, "note": note}
    with ctx.db.transaction() as session:
        mine = [Delivery.batch_key == batch_key, Delivery.revoke_state == PENDING]
        session.execute(
            update(Delivery)
            .where(*mine, Delivery.state == rules.PARKED)
            .values(state=rules.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Delivery)
            .where(*mine)
            .values(updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
    return 1 if result.delivered else 0


def sweep(runtime: ServiceRuntime) -> None:
    """Periodic: revoke what is still pending (a lost after-commit call, a platform that was down)."""
    done = run_revocations(context_of(runtime))
    if done:
        log.info("notify revocations: %d revoked", done)
