"""Telling a requester what its ``notify.send`` achieved (``notify.outcome`` to its ``report_to`` queue).

Intake needs it for the written solicitation (第二十条): silence counts as no objection only when the notice
reached the department — at least one of its people received the work notification on 浙政钉. The report is
written in the same transaction as the state change that caused it (outbox), and only when the outcome
changes (see :func:`services.notify.domain.delivery.request_outcome`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from services.notify.domain import delivery as rules
from services.notify.tables import Delivery, SendRequest
from shared.contracts import NOTIFY_OUTCOME
from shared.db import utcnow
from shared.messaging import UnitOfWork

PERSON_KINDS = (rules.ZWD, "none")
"""Deliveries to people (or parties that should have been people); robots and webhooks reach no person."""


def report(uow: UnitOfWork, dedupe_keys: Iterable[str]) -> None:
    """Report every request among ``dedupe_keys`` that asked for it and whose outcome changed."""
    keys = sorted({key for key in dedupe_keys if key})
    if not keys:
        return
    session = uow.session
    requests = session.scalars(
        select(SendRequest).where(SendRequest.dedupe_key.in_(keys), SendRequest.report_to.is_not(None))
    ).all()
    for request in requests:
        rows = session.scalars(
            select(Delivery)
            .where(Delivery.dedupe_key == request.dedupe_key, Delivery.channel_kind.in_(PERSON_KINDS))
            .order_by(Delivery.delivered_at, Delivery.recipient)
        ).all()
        outcome = rules.request_outcome([row.state for row in rows])
        if outcome is None or outcome == request.reported_outcome:
            continue
        now = utcnow()
        uow.publish(str(request.report_to), NOTIFY_OUTCOME, outcome_payload(request, outcome, rows, now))
        request.reported_outcome, request.reported_at = outcome, now


def outcome_payload(request: SendRequest, outcome: str, rows: Iterable[Delivery], now: Any) -> dict[str, Any]:
    reached, not_reached = [], []
    for row in rows:
        if row.state == rules.DELIVERED:
            delivered_at = row.delivered_at.isoformat() if row.delivered_at else None
            reached.append(
                {"recipient": row.recipient, "name": row.recipient_name, "delivered_at": delivered_at}
            )
        else:
            not_reached.append(
                {
                    "recipient": row.recipient,
                    "name": row.recipient_name,
                    "state": row.state,
                    "reason": row.last_error or rules.STATE_NAMES.get(row.state, row.state),
                }
            )
    payload: dict[str, Any] = {
        "dedupe_key": request.dedupe_key,
        "outcome": outcome,
        "reached": reached,
        "not_reached": not_reached,
        "at": now.isoformat(),
    }
    case = (request.payload or {}).get("case")
    if case:
        payload["case"] = case
    return payload
