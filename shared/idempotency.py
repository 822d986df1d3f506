"""One ``Idempotency-Key`` mechanism for every service: a request repeated with the same key does nothing
again and is answered with the thing the first one made or acted on.

- A key belongs to the caller (``user_id``): the same key from two people are two keys. It is at most
  :data:`KEY_MAX` characters of printable ASCII; a longer or malformed one is a 422 naming ``Idempotency-Key``
  (never stored cut, so two keys sharing a prefix never collide).
- The key is recorded by the use case itself, in the same transaction as its effect (:func:`record`): a
  refused request does not use it up, and of two concurrent repeats one commits and the other is answered
  from it (:func:`run_once`).
- A repeat is answered with the same status and the thing's current view, and the header
  ``Idempotent-Replayed: true``. The same key sent to another endpoint, or with another body, is a 409
  ``idempotency_key_reused``.

Each service maps the table on its own ``Base``: ``IdempotentRequest = idempotency_table(Base)``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from flask import request
from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shared.db import Database, UTCDateTime, utcnow
from shared.errors import Conflict, ValidationFailed

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX = 120
_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")

#: the OpenAPI parameter of every endpoint that honours the header
PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX, "pattern": "^[\\x21-\\x7e]+$"},
    "description": "重复提交时携带同一键（本人范围内唯一），返回第一次提交的结果，不会重复办理",
}


class IdempotencyMixin:
    """Columns of a service's ``idempotent_request`` table: one row per key a caller has used."""

    __tablename__ = "idempotent_request"

    user_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_MAX), primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resource_id: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def idempotency_table(base: type[DeclarativeBase]) -> type[IdempotencyMixin]:
    """A service's ``idempotent_request`` table, mapped on its own declarative ``base``."""
    return cast(
        type[IdempotencyMixin],
        type("IdempotentRequest", (IdempotencyMixin, base), {"__module__": base.__module__}),
    )


@dataclass(frozen=True)
class IdempotencyClaim:
    """A key sent by a caller to an endpoint, with the fingerprint of what was sent."""

    user_id: str
    key: str
    endpoint: str
    fingerprint: str


def parse_key(raw: str | None) -> str | None:
    """The header's key, or ``None`` when none was sent; a 422 naming the header when it is malformed."""
    if raw is None or raw == "":
        return None
    if len(raw) > KEY_MAX:
        message = f"{HEADER} 不能超过{KEY_MAX}个字符"
        raise ValidationFailed.for_field(HEADER, message, code="idempotency_key_invalid")
    if not _PRINTABLE.match(raw):
        message = f"{HEADER} 只能由可见的英文字母、数字和符号组成"
        raise ValidationFailed.for_field(HEADER, message, code="idempotency_key_invalid")
    return raw


def fingerprint(body: bytes) -> str:
    """What identifies a request's content: its JSON (keys sorted) or its bytes."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(canonical).hexdigest()


def claim_of_request(user_id: str) -> IdempotencyClaim | None:
    """The claim of the current Flask request, if it carries the header."""
    key = parse_key(request.headers.get(HEADER))
    if key is None:
        return None
    return IdempotencyClaim(user_id, key, request.path, fingerprint(request.get_data(cache=True)))


def record(
    session: Session, model: type[IdempotencyMixin], claim: IdempotencyClaim | None, resource_id: str
) -> None:
    """Record the key in the use case's own transaction (a concurrent repeat then fails on the key)."""
    if claim is not None:
        session.add(
            cast(Any, model)(
                user_id=claim.user_id,
                key=claim.key,
                endpoint=claim.endpoint,
                fingerprint=claim.fingerprint,
                resource_id=resource_id,
            )
        )


class Repeat(Exception):
    """Raised by a use case that checks the key in its own transaction (:func:`check_unused`): the request
    repeats one that acted on ``resource_id``; :func:`run_once` answers it as a repeat."""

    def __init__(self, resource_id: str) -> None:
        super().__init__(resource_id)
        self.resource_id = resource_id


def earlier(db: Database, model: type[IdempotencyMixin], claim: IdempotencyClaim) -> str | None:
    """The resource a first request with this key acted on; a 409 if the key was used for something else."""
    with db.reading() as session:
        return earlier_in(session, model, claim)


def earlier_in(session: Session, model: type[IdempotencyMixin], claim: IdempotencyClaim) -> str | None:
    """:func:`earlier`, asked in ``session``."""
    row = session.get(model, (claim.user_id, claim.key))
    if row is None:
        return None
    if row.endpoint != claim.endpoint or (row.fingerprint and row.fingerprint != claim.fingerprint):
        raise Conflict(
            f"该 {HEADER} 已用于另一项提交，请为新的提交换一个键",
            code="idempotency_key_reused",
            fields={HEADER: ["已用于另一项提交"]},
        )
    return row.resource_id


def check_unused(session: Session, model: type[IdempotencyMixin], claim: IdempotencyClaim | None) -> None:
    """First thing in a use case run with ``run_once(..., checked_by_act=True)``: :class:`Repeat` when the key
    was used already (a 409 when for something else) — asked in the use case's own transaction, so that a
    submission needs no transaction of its own for it."""
    if claim is not None and (first := earlier_in(session, model, claim)) is not None:
        raise Repeat(first)


def run_once(
    db: Database,
    model: type[IdempotencyMixin],
    claim: IdempotencyClaim | None,
    act: Callable[[IdempotencyClaim | None], str],
    *,
    checked_by_act: bool = False,
) -> tuple[str, bool]:
    """Run ``act`` (which records ``claim`` with :func:`record`) unless the key was used already — asked here
    first, or by ``act`` itself (``checked_by_act``: it calls :func:`check_unused` in its transaction).

    Returns the resource acted on and whether this was a repeat.
    """
    if claim is None:
        return act(None), False
    first = None if checked_by_act else earlier(db, model, claim)
    if first is not None:
        return first, True
    try:
        return act(claim), False
    except Repeat as repeat:
        return repeat.resource_id, True
    except IntegrityError:
        first = earlier(db, model, claim)  # a concurrent repeat committed first
        if first is None:
            raise
        return first, True


def respond_once(
    db: Database,
    model: type[IdempotencyMixin],
    user_id: str,
    status: int,
    act: Callable[[IdempotencyClaim | None], str],
    view: Callable[[str], Any],
    *,
    checked_by_act: bool = False,
) -> tuple[Any, int] | tuple[Any, int, dict[str, str]]:
    """A view's answer: ``view`` of what ``act`` made (or made before, for a repeat) with ``status``."""
    claim = claim_of_request(user_id)
    resource_id, replayed = run_once(db, model, claim, act, checked_by_act=checked_by_act)
    if replayed:
        return view(resource_id), status, {REPLAYED_HEADER: "true"}
    return view(resource_id), status
