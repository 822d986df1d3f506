"""Workers claiming the same backlog at once (the platform back after an outage, 第二十条's reminders all due
together): on PostgreSQL their claims lock rows in one order, so they wait for each other and never deadlock —
a claim made in two UPDATEs held rows another claim's second UPDATE wanted, and the loser's reminders waited
for the sweep — and every delivery is claimed by exactly one of them."""

from __future__ import annotations

from typing import Any

import pytest
from notify_support import party, send_request

from services.notify.usecases import delivery
from shared.messaging import Envelope

pytestmark = pytest.mark.integration

NOTICES = 40
CLAIMS = 8


def test_claims_made_at_once_each_take_their_own_deliveries_and_none_deadlocks_第二十条(
    pipeline, at_once
) -> None:  # type: ignore[no-untyped-def]
    line = pipeline()
    if line.runtime.db.engine.dialect.name != "postgresql":
        pytest.skip(
            "concurrent claims are checked on PostgreSQL (NOTIFY_DATABASE_URL); SQLite has one writer"
        )
    with line.runtime.unit_of_work() as uow:
        for n in range(NOTICES):
            people = [party("person", "scjg.clerk"), party("person", "scjg.leader")]
            delivery.record_request(uow, Envelope(**send_request(f"claim-{n}", people)))
        uow.commit()
    ids = sorted(r.id for r in line.deliveries())
    ctx = delivery.context_of(line.runtime)

    def claim(i: int) -> list[Any]:  # each worker its own message's deliveries, overlapping, and a drain
        mine = ids[i * 5 : i * 5 + 30]
        claimed, _robots = delivery.claim_direct(ctx, mine, drain=20)
        return [c.id for c in claimed]

    results = at_once(CLAIMS, claim)
    assert not [r for r in results if isinstance(r, Exception)], results
    taken = [i for r in results for i in r]
    assert len(taken) == len(set(taken))  # none claimed twice
    rest, _robots = delivery.claim_direct(ctx, ids, drain=0)
    assert sorted(taken + [c.id for c in rest]) == ids  # and none lost: what none of them took is still there
