"""Notices at scale and over time: identical notices in calls of up to 1000 receivers, the app's daily budget,
a lost answer proven delivered by the duplicate refusal, revocation when a case is withdrawn, a reminder that
waits for the directory replica, and the delivery outcome reported to the requester (第20条)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from notify_support import NINGBO, account_of, add_people, party, records, send_request
from prometheus_client import REGISTRY
from sqlalchemy import select

from services.notify.domain.delivery import CANCELLED, DELIVERED, FAILED, QUEUED, WAITING
from services.notify.tables import Attempt, Delivery, Recipient
from services.notify.usecases import delivery, revocation
from services.notify.usecases.delivery import build_context
from shared.contracts import NOTIFY_OUTCOME, NOTIFY_REVOKE, PERSON_UPSERTED
from shared.messaging import Envelope

pytestmark = pytest.mark.integration


@pytest.fixture
def notify(make_runtime, standin):
    def make(**policy: str):
        runtime = make_runtime("notify")
        runtime.settings = runtime.settings.with_overrides(platform_base_url=standin.url)
        runtime.extensions["notify.context"] = build_context(runtime, policy)
        return runtime

    return make


def send_now(runtime, envelope: dict) -> None:
    """What the worker does with a ``notify.send``: record and claim in the inbox transaction, then send."""
    ctx = delivery.context_of(runtime)
    with runtime.unit_of_work() as uow:
        recorded = delivery.record_and_claim(uow, Envelope.from_dict(envelope), wait_s=ctx.directory_wait_s)
        uow.commit()
    delivery.send_recorded(ctx, recorded)


def rows_of(runtime, dedupe_key: str | None = None) -> list[Delivery]:
    with runtime.db.transaction() as session:
        query = select(Delivery).order_by(Delivery.recipient)
        if dedupe_key:
            query = query.where(Delivery.dedupe_key == dedupe_key)
        return list(session.scalars(query).all())


def add_many(runtime, standin, count: int, *, role: str = "dept_clerk") -> None:
    with runtime.db.transaction() as session:
        for n in range(count):
            account = str(700000 + n)
            session.add(
                Recipient(
                    id=f"p{n:05d}",
                    name=f"人员{n}",
                    jurisdiction=NINGBO,
                    department="nb-big",
                    roles=[role],
                    zwd_account_id=account,
                )
            )
            standin.config["ACCOUNTS"][account] = {"name": f"人员{n}"}


def outcomes(runtime) -> list[dict]:
    return [env["payload"] for env in runtime.sender.of_type(NOTIFY_OUTCOME)]


def test_one_notice_to_1500_people_goes_out_in_two_calls_and_each_person_is_tracked(notify, standin) -> None:
    runtime = notify()
    add_many(runtime, standin, 1500)
    send_now(runtime, send_request("broadcast-1", [party("department", "nb-big")]))

    calls = records(standin, "work_notification", accepted=True)
    assert sorted(len(call["receivers"]) for call in calls) == [500, 1000]
    received = [account for call in calls for account in call["receivers"]]
    assert len(received) == len(set(received)) == 1500  # every person exactly once
    rows = rows_of(runtime)
    assert len(rows) == 1500 and {r.state for r in rows} == {DELIVERED}
    assert {r.batch_key for r in rows} == {call["bizMsgId"] for call in calls}
    by_account = {call_account: call["bizMsgId"] for call in calls for call_account in call["receivers"]}
    assert all(by_account[r.account_id] == r.batch_key for r in rows)


def test_the_days_budget_is_shown_as_a_metric_and_a_call_beyond_it_waits_for_the_next_day(
    notify, standin
) -> None:
    runtime = notify(DM_NOTIFY_DAILY_BUDGET="3")
    add_people(runtime)
    send_now(runtime, send_request("k-1", [party("department", "nb-scjg")]))  # clerk and leader
    app = {"app": runtime.settings.platform_app_key}
    assert REGISTRY.get_sample_value("dm_notify_zwd_daily_used", app) == 2
    assert REGISTRY.get_sample_value("dm_notify_zwd_daily_budget", app) == 3

    send_now(runtime, send_request("k-2", [party("department", "nb-scjg")]))
    waiting = rows_of(runtime, "k-2")
    assert {r.state for r in waiting} == {QUEUED} and {r.attempts for r in waiting} == {0}
    assert waiting[0].last_code == "DAILY_BUDGET_EXHAUSTED" and "明日" in waiting[0].last_error
    beijing_tomorrow = (datetime.now(UTC) + timedelta(hours=8)).date() + timedelta(days=1)
    assert (waiting[0].next_attempt_at + timedelta(hours=8)).date() == beijing_tomorrow
    assert len(records(standin, "work_notification")) == 1  # nothing was tried at the platform
    with runtime.db.transaction() as session:
        tried = session.scalars(select(Attempt.outcome).where(Attempt.delivery_id == waiting[0].id)).all()
    assert tried == ["deferred"]


def test_a_lost_answer_then_a_duplicate_bizmsgid_refusal_is_recorded_as_delivered_with_the_evidence_第20条(
    notify, standin
) -> None:
    runtime = notify(DM_NOTIFY_BASE_DELAY_S="0.01", DM_NOTIFY_MAX_DELAY_S="0.01")
    add_people(runtime)
    ctx = delivery.context_of(runtime)
    ctx.channels.zwd().gateway.timeout = (1.0, 0.3)  # this thread's channel: a short read timeout
    requests.post(f"{standin.url}/sandbox/faults", json={"mode": "slow", "delay_ms": 600, "target": "zwd"})
    send_now(runtime, send_request("sol-1", [party("person", "scjg.clerk")], report_to="intake"))
    [row] = rows_of(runtime)
    assert row.state == QUEUED and row.last_code == "read_timeout"  # the platform took it; we never heard
    deadline = time.monotonic() + 10
    while not records(standin, "work_notification", accepted=True):  # the slow call is accepted meanwhile
        assert time.monotonic() < deadline
        time.sleep(0.05)

    delivery.deliver(ctx, [row.id])
    [row] = rows_of(runtime)
    assert row.state == DELIVERED and "bizMsgId 重复" in row.note and row.last_code == "BIZ_MSG_ID_DUPLICATE"
    with runtime.db.transaction() as session:
        tried = session.scalars(select(Attempt.outcome).where(Attempt.delivery_id == row.id)).all()
    assert tried == ["transient", "delivered_duplicate"]
    assert len(records(standin, "work_notification", accepted=True)) == 1
    [report] = outcomes(runtime)
    assert report["outcome"] == "delivered" and report["reached"][0]["recipient"] == "person:scjg.clerk"


def test_notices_about_a_withdrawn_case_are_revoked_and_those_not_sent_never_go_out(notify, standin) -> None:
    runtime = notify()
    add_people(runtime)
    send_now(runtime, send_request("c-1:submitted", [party("department", "nb-scjg")]))
    with runtime.unit_of_work() as uow:  # recorded, not sent yet
        delivery.record_request(uow, Envelope(**send_request("c-1:reminder", [party("person", "bb.leader")])))
        uow.commit()
    withdrawn = Envelope(
        type=NOTIFY_REVOKE,
        payload={"case": {"id": "c-1", "jurisdiction": NINGBO}, "reason": "申请部门撤回", "at": _now()},
        source="intake",
    ).to_dict()
    runtime.handle_inbound(withdrawn)
    runtime.handle_inbound(withdrawn)  # redelivered: nothing twice
    send_now(runtime, send_request("c-1:withdrawn", [party("person", "bb.leader")]))  # the notice of it

    rows = {(r.dedupe_key, r.recipient): r for r in rows_of(runtime)}
    sent = [rows[("c-1:submitted", "person:scjg.clerk")], rows[("c-1:submitted", "person:scjg.leader")]]
    assert {r.revoke_state for r in sent} == {revocation.REVOKED}
    assert rows[("c-1:reminder", "person:bb.leader")].state == CANCELLED
    assert rows[("c-1:withdrawn", "person:bb.leader")].state == DELIVERED
    assert rows[("c-1:withdrawn", "person:bb.leader")].revoke_state is None
    [revoke] = records(standin, "revoke", accepted=True)
    assert revoke["bizMsgId"] == sent[0].batch_key
    first = next(r for r in records(standin, "work_notification") if r["bizMsgId"] == sent[0].batch_key)
    assert first["revoked"] is True
    assert len(records(standin, "work_notification", accepted=True)) == 2  # never the cancelled reminder


def test_the_calendar_year_reminder_waits_for_the_directory_replica_on_a_fresh_start(notify, standin) -> None:
    runtime = notify()  # a fresh start: the replica is still empty
    reminder = send_request(
        "calendar/2027/missing/2026-11-02/330200",
        [{"kind": "role", "id": "office_admin", "jurisdiction": NINGBO}],
        template="calendar_year_missing",
        params={"year": 2027},
    )
    send_now(runtime, reminder)
    [row] = rows_of(runtime)
    assert row.state == WAITING and row.recipient == "role:office_admin"

    admin = {
        "id": "bb.admin",
        "name": "赵磊",
        "jurisdiction": NINGBO,
        "department": "nb-bb",
        "roles": ["office_admin"],
        "zwd_account_id": account_of("bb.admin"),
        "active": True,
    }
    runtime.handle_inbound(Envelope(type=PERSON_UPSERTED, payload=admin, source="intake").to_dict())

    [row] = rows_of(runtime)
    assert row.recipient == "person:bb.admin" and row.state == DELIVERED
    [note] = records(standin, "work_notification", accepted=True)
    assert note["receivers"] == [account_of("bb.admin")] and "2027" in note["title"]


def test_a_party_still_unknown_when_the_wait_runs_out_fails_with_its_reason(notify, standin) -> None:
    runtime = notify(DM_NOTIFY_DIRECTORY_WAIT_S="0")
    send_now(runtime, send_request("w-1", [party("department", "nb-unknown")], report_to="intake"))
    assert outcomes(runtime) == []  # waiting: nothing to tell yet
    delivery.resolve_waiting(delivery.context_of(runtime))
    [row] = rows_of(runtime)
    assert row.state == FAILED and row.last_error == "该部门没有联系人或群机器人"
    [report] = outcomes(runtime)
    assert report["outcome"] == "failed" and report["not_reached"][0]["recipient"] == "department:nb-unknown"


def test_a_solicitation_that_reaches_nobody_is_reported_failed_at_once_第20条(notify, standin) -> None:
    runtime = notify()
    add_people(runtime)
    with (
        runtime.db.transaction() as session
    ):  # 市农业农村局: its clerk left, its leader has no 浙政钉 account
        session.get(Recipient, "nyj.clerk").active = False
    send_now(runtime, send_request("sol-2", [party("department", "nb-nyj")], report_to="intake"))
    [report] = outcomes(runtime)
    assert report["outcome"] == "failed" and report["reached"] == []
    assert report["not_reached"][0]["reason"] == "该人员没有浙政钉账号（accountId）"
    assert report["case"]["id"] == "c-1"


def _now() -> str:
    return datetime.now(UTC).isoformat()
