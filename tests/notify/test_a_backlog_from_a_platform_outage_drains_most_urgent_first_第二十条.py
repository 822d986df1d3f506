"""The provincial platform down for an hour: the reply reminders of 第二十条 keep waiting — past their retry
attempts, not parked — and once the platform answers again the whole backlog goes out at once, urgent
notices first, then by the soonest statutory date, each person notified exactly once. Real Redis, a worker,
the stand-in over HTTP."""

from __future__ import annotations

import json
import random
import time
from datetime import date, timedelta

import pytest
import requests
from notify_support import party, records, send_request
from sqlalchemy import update

from services.notify.domain.delivery import DELIVERED, PARKED, QUEUED, SENDING
from services.notify.tables import Delivery
from services.notify.usecases.delivery import LOST_DISPATCH_GRACE_S
from shared.db import utcnow

pytestmark = pytest.mark.integration

BACKLOG = 30
URGENT = {4, 11, 23}  # 即将逾期 notices the sender marked urgent


def _fault(standin, **spec) -> None:  # type: ignore[no-untyped-def]
    requests.post(f"{standin.url}/sandbox/faults", json=spec, timeout=5).raise_for_status()


def _notice(number: int, due: date) -> dict:  # type: ignore[type-arg]
    return send_request(
        f"outage-{number}",
        [party("person", "scjg.clerk")],
        params={
            "case_title": f"协调申请第{number}件",
            "due_date": due.isoformat(),
            "remaining_working_days": 2,
        },
        urgency="urgent" if number in URGENT else "normal",
    )


def test_a_platform_down_for_an_hour_parks_nothing_and_its_backlog_drains_most_urgent_first(
    pipeline, standin
) -> None:
    line = pipeline(DM_NOTIFY_OUTAGE_PATIENCE_S="7200", DM_NOTIFY_MAX_ATTEMPTS="2")
    _fault(standin, mode="fail", count=1_000_000, status=503, target="zwd")
    first_day = date(2026, 12, 7)
    dues = {
        n: first_day + timedelta(days=d) for n, d in enumerate(random.Random(7).sample(range(60), BACKLOG))
    }
    for number, due in dues.items():
        line.publish(_notice(number, due))
    line.start()
    deadline = time.monotonic() + 60
    while True:  # every notice tried more often than its attempts allow, and still waiting
        rows = line.deliveries()
        if len(rows) == BACKLOG and all(r.attempts >= 3 and r.state in (QUEUED, SENDING) for r in rows):
            break
        assert time.monotonic() < deadline, [(r.attempts, r.state) for r in rows]
        assert not any(r.state == PARKED for r in rows), "parked during the outage"
        time.sleep(0.1)
    line.stop()
    an_hour_ago = utcnow() - timedelta(hours=1)
    with (
        line.runtime.db.transaction() as session
    ):  # the outage has lasted an hour; the next tries are far off
        session.execute(
            update(Delivery).values(
                requested_at=an_hour_ago, next_attempt_at=utcnow() + timedelta(minutes=30)
            )
        )
    # ... and so are the retries they had scheduled (a delayed notify.deliver each): not due in this test
    client = line.broker.client
    for key in client.keys("dramatiq:notify.DQ*"):
        client.delete(key)
    refused = len(records(standin, "work_notification"))

    _fault(standin, mode="none", count=0)  # the platform is back
    line.publish(_notice(99, date(2027, 3, 1)))  # the next notice anyone sends finds it answering
    line.start()
    # the drain, or for a delivery it left due (released while another claim held it), the sweep's
    # re-dispatch of what has been due for LOST_DISPATCH_GRACE_S (30 s)
    rows = line.wait_settled(BACKLOG + 1, timeout_s=30 + LOST_DISPATCH_GRACE_S)

    assert all(r.state == DELIVERED for r in rows)
    accepted = records(standin, "work_notification", accepted=True)
    titles = [json.dumps(note["msg"], ensure_ascii=False) for note in accepted]
    order = [n for text in titles for n in [*dues, 99] if f"协调申请第{n}件" in text]
    assert sorted(order) == sorted([*dues, 99]), "each notice exactly once"
    backlog = [n for n in order if n != 99]
    expected = sorted(dues, key=lambda n: (n not in URGENT, dues[n]))
    print(
        f"\nplatform down: {refused} calls refused, {BACKLOG} notices waited an hour past their attempts,"
        f" none parked; drained once back: {len(accepted)} accepted, each once, in order of urgency"
    )
    # claim after claim in order of urgency; a retry command still queued from the outage may take one early
    place = {n: backlog.index(n) for n in backlog}
    normal = [n for n in expected if n not in URGENT]
    soonest, latest = [*URGENT, *normal[:7]], normal[-10:]
    assert sum(place[n] for n in soonest) < sum(place[n] for n in latest), backlog
