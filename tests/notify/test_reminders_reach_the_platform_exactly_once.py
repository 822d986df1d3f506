"""End to end: ``notify.send`` through a real Redis broker and a dramatiq worker to the stand-in of the
provincial platform over real HTTP — each message accepted exactly once, whatever fails on the way."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import requests
from notify_support import NINGBO, account_of, add_robot, party, records, send_request
from sqlalchemy import select, update

from services.notify.domain.delivery import DELIVERED, FAILED, PARKED, QUEUED, SENDING
from services.notify.tables import Attempt, Delivery
from services.notify.usecases import delivery
from shared.db import utcnow
from shared.identity import Principal, Role
from shared.messaging import Envelope

pytestmark = pytest.mark.integration


def fault(standin, **spec) -> None:
    requests.post(f"{standin.url}/sandbox/faults", json=spec, timeout=5).raise_for_status()


def attempts_of(runtime, delivery_id: str) -> list[Attempt]:
    with runtime.db.transaction() as session:
        return list(
            session.scalars(
                select(Attempt).where(Attempt.delivery_id == delivery_id).order_by(Attempt.id)
            ).all()
        )


def test_a_reply_reminder_to_a_department_reaches_its_contact_people_and_its_group_once_第20条(
    pipeline, standin
) -> None:
    line = pipeline()
    add_robot(line.runtime, standin.url)
    request = send_request("solicitation-7:due-soon", [party("department", "nb-scjg")])
    line.publish(request)
    line.publish(request)  # the broker redelivers the same message
    line.publish(send_request("solicitation-7:due-soon", [party("person", "scjg.clerk")]))  # a repeat request
    line.start()
    rows = line.wait_settled(3)

    assert sorted(r.recipient for r in rows) == [
        "channel:robot-scjg",
        "person:scjg.clerk",
        "person:scjg.leader",
    ]
    assert all(r.state == DELIVERED for r in rows)
    # each person once: one call to both, or two when the repeat request to the clerk is applied first
    notes = records(standin, "work_notification", accepted=True)
    receivers = sorted(receiver for note in notes for receiver in note["receivers"])
    assert receivers == sorted([account_of("scjg.clerk"), account_of("scjg.leader")])
    [robot] = records(standin, "robot", accepted=True)
    assert "协调申请solicitation-7:due-soon" in json.dumps(robot["msg"], ensure_ascii=False)
    text = notes[0]["msg"]["markdown"]["text"]
    assert "2026年12月4日（星期五），还剩2个工作日" in text and "http://127.0.0.1:8001/m/cases/c-1" in text


def test_an_approval_request_arrives_as_an_oa_card_that_opens_the_mobile_page(pipeline, standin) -> None:
    line = pipeline()
    line.publish(
        send_request(
            "approval-9",
            [party("person", "bb.leader")],
            template="approval_requested",
            params={
                "case_title": "关于某事项的协调申请",
                "decision_name": "受理决定",
                "requested_by": "张敏",
            },
            link="http://127.0.0.1:8001/m/approvals/9",
        )
    )
    line.start()
    line.wait_settled(1)
    [note] = records(standin, "work_notification", accepted=True)
    assert (
        note["msgtype"] == "oa" and note["msg"]["oa"]["message_url"] == "http://127.0.0.1:8001/m/approvals/9"
    )
    assert note["title"] == "待您审批：受理决定"


def test_a_failing_platform_is_retried_with_backoff_until_the_message_is_accepted_once(
    pipeline, standin
) -> None:
    line = pipeline()
    fault(standin, mode="fail", count=2, status=503, target="zwd")
    line.publish(
        send_request(
            "overdue-1",
            [party("person", "scjg.clerk")],
            template="reply_overdue",
            params={"case_title": "甲", "due_date": "2026-12-04", "overdue_working_days": 3},
        )
    )
    line.start()
    [row] = line.wait_settled(1)
    assert row.state == DELIVERED and row.attempts == 3
    outcomes = [a.outcome for a in attempts_of(line.runtime, row.id)]
    assert outcomes == ["transient", "transient", "delivered"]
    assert len(records(standin, "work_notification", accepted=True)) == 1
    first, _second, third = attempts_of(line.runtime, row.id)
    assert third.started_at - first.started_at >= __import__("datetime").timedelta(seconds=0.2)
    assert (
        "appsecret" not in json.dumps(first.request_summary) and first.request_summary["params"]["bizMsgId"]
    )


def test_a_message_still_failing_after_the_last_retry_is_parked_and_an_operator_replay_delivers_it(
    pipeline, standin
) -> None:
    line = pipeline(DM_NOTIFY_MAX_ATTEMPTS="2")
    fault(standin, mode="fail", count=2, status=500, target="zwd")
    line.publish(send_request("due-1", [party("person", "scjg.leader")]))
    line.start()
    [row] = line.wait_settled(1)
    assert row.state == PARKED and "已重试2次" in row.last_error
    admin = Principal("bb.admin", "赵磊", "330200", "nb-bb", frozenset({Role.OFFICE_ADMIN}))
    delivery.replay(delivery.context_of(line.runtime), row.id, actor=admin)
    [row] = line.wait_settled(1)
    assert row.state == DELIVERED
    assert len(records(standin, "work_notification", accepted=True)) == 1


def test_a_receiver_the_platform_refuses_fails_at_once_the_others_of_the_call_are_delivered(
    pipeline, standin
) -> None:
    line = pipeline()
    line.publish(send_request("due-2", [party("person", "scjg.staff"), party("department", "nb-nyj")]))
    standin.config["ACCOUNTS"].pop(account_of("scjg.staff"))  # the platform no longer knows this account
    line.start()
    rows = {r.recipient: r for r in line.wait_settled(3)}
    staff = rows["person:scjg.staff"]
    assert staff.state == FAILED and staff.last_code == "RECEIVER_NOT_FOUND"
    # refused with nyj.clerk in one call, then alone: never retried after that
    assert [a.outcome for a in attempts_of(line.runtime, staff.id)] == ["permanent", "permanent"]
    assert staff.batch_key == staff.key != rows["person:nyj.clerk"].batch_key
    assert rows["person:nyj.nobody"].state == FAILED and "浙政钉账号" in rows["person:nyj.nobody"].last_error
    assert rows["person:nyj.clerk"].state == DELIVERED


def test_a_worker_killed_after_sending_and_before_recording_never_delivers_twice(pipeline, standin) -> None:
    line = pipeline()
    add_robot(line.runtime, standin.url)
    ctx = delivery.context_of(line.runtime)
    with line.runtime.unit_of_work() as uow:
        delivery.record_request(uow, Envelope(**send_request("crash-1", [party("department", "nb-scjg")])))
        uow.commit()
    # The "dead" worker: claims everything, sends it, and dies before recording any answer.
    person_ids = [r.id for r in line.deliveries() if r.channel_kind != "robot"]
    person_items = delivery.claim(ctx, person_ids)
    robot_items = delivery.claim(ctx, channel_id="robot-scjg")
    assert delivery.send_group(ctx, person_items).delivered  # one call to both
    assert len(person_items) == 2 and len(robot_items) == 1
    assert delivery._send_robot(ctx, "robot-scjg", robot_items).delivered
    assert {r.state for r in line.deliveries()} == {SENDING}

    time.sleep(1.1)  # the lease (1 s here) runs out
    line.start()
    rows = {r.recipient: r for r in line.wait_settled(3)}

    assert rows["person:scjg.clerk"].state == rows["person:scjg.leader"].state == DELIVERED
    assert [a.outcome for a in attempts_of(line.runtime, rows["person:scjg.clerk"].id)] == [
        "abandoned",
        "delivered_duplicate",
    ]
    assert rows["channel:robot-scjg"].state == PARKED and "人工核实" in rows["channel:robot-scjg"].last_error
    [accepted] = records(standin, "work_notification", accepted=True)
    assert sorted(accepted["receivers"]) == [account_of("scjg.clerk"), account_of("scjg.leader")]
    assert len(records(standin, "work_notification", accepted=False)) == 1  # the repeat, refused as such
    assert "此前一次发送已送达" in rows["person:scjg.clerk"].note
    assert len(records(standin, "robot")) == 1


def test_a_robot_throttled_by_the_platform_is_held_back_then_delivered_once(pipeline, standin) -> None:
    line = pipeline()
    add_robot(line.runtime, standin.url)
    fault(standin, mode="throttle", count=1, target="robot")
    line.publish(send_request("robot-1", [party("channel", "robot-scjg")]))
    line.start()
    [row] = line.wait_settled(1)
    assert row.state == DELIVERED and row.attempts == 2
    assert [r["code"] for r in records(standin, "robot")] == ["130101", "0"]


def test_more_reminders_than_the_robot_rate_allows_are_merged_into_digests_none_dropped(
    pipeline, standin
) -> None:
    line = pipeline(DM_NOTIFY_ROBOT_RATE="3", DM_NOTIFY_ROBOT_WINDOW_MS="1500")
    add_robot(line.runtime, standin.url)
    for n in range(30):
        line.publish(
            send_request(
                f"digest-{n}",
                [party("channel", "robot-scjg")],
                params={"case_title": f"事项{n:02d}", "due_date": "2026-12-04", "remaining_working_days": 1},
            )
        )
    line.start()
    rows = line.wait_settled(30, timeout_s=40)
    assert all(r.state == DELIVERED for r in rows)
    sent = records(standin, "robot")
    assert all(r["accepted"] for r in sent) and len(sent) < 30
    texts = [json.dumps(r["msg"], ensure_ascii=False) for r in sent]
    assert all(sum(f"事项{n:02d}" in text for text in texts) == 1 for n in range(30))  # each in one message
    digests = [int(r["title"].split("】")[1].split("条")[0]) for r in sent if "条提醒" in (r["title"] or "")]
    assert digests and sum(digests) + (len(sent) - len(digests)) == 30


def test_the_rate_limit_is_shared_by_every_worker_through_redis(pipeline, standin) -> None:
    first = pipeline(DM_NOTIFY_ROBOT_RATE="2", DM_NOTIFY_ROBOT_SPACING_MS="0")
    second = pipeline(DM_NOTIFY_ROBOT_RATE="2", DM_NOTIFY_ROBOT_SPACING_MS="0")
    limiter_a = delivery.context_of(first.runtime).limiter
    limiter_b = delivery.context_of(second.runtime).limiter
    assert limiter_a.acquire("r").granted and limiter_b.acquire("r").granted
    refused = limiter_a.acquire("r")
    assert not refused.granted and 0 < refused.wait_ms <= 61_000
    assert not limiter_b.acquire("r").granted


def test_robot_messages_are_paced_so_a_burst_is_merged_rather_than_spending_the_minute(pipeline) -> None:
    limiter = delivery.context_of(pipeline(DM_NOTIFY_ROBOT_SPACING_MS="300").runtime).limiter
    assert limiter.acquire("r").granted
    paced = limiter.acquire("r")
    assert not paced.granted and 0 < paced.wait_ms <= 300
    time.sleep(paced.wait_ms / 1000 + 0.02)
    assert limiter.acquire("r").granted


def test_deliveries_recorded_by_a_worker_that_died_before_sending_them_are_dispatched_by_the_sweep(
    pipeline, standin
) -> None:
    line = pipeline()
    with line.runtime.unit_of_work() as uow:  # the inbox transaction commits, then the worker dies
        delivery.record_request(uow, Envelope(**send_request("lost-1", [party("person", "bb.admin")])))
        uow.commit()
    with line.runtime.db.transaction() as session:
        row = session.scalars(select(Delivery)).one()
        row.next_attempt_at = row.next_attempt_at.replace(year=2020)
    assert line.deliveries()[0].state == QUEUED
    line.start()
    [row] = line.wait_settled(1)
    assert row.state == DELIVERED and row.jurisdiction == NINGBO
    assert len(records(standin, "work_notification", accepted=True)) == 1


def test_a_signed_webhook_keeps_its_id_across_retries_and_is_accepted_once(pipeline, standin) -> None:
    line = pipeline()
    with line.runtime.db.transaction() as session:
        from services.notify.tables import Channel

        session.add(
            Channel(
                id="hook-oa",
                jurisdiction=NINGBO,
                kind="webhook",
                name="OA 系统",
                config={"url": f"{standin.url}/webhook/demo", "departments": ["nb-nyj"]},
                credentials={"secret": "whsec_ZGVtby13ZWJob29rLXNlY3JldC0wMDE="},
                enabled=True,
            )
        )
    fault(standin, mode="fail", count=1, status=503, target="webhook")
    line.publish(send_request("hook-1", [party("department", "nb-nyj")]))
    line.start()
    rows = {r.recipient: r for r in line.wait_settled(3)}
    assert rows["channel:hook-oa"].state == DELIVERED and rows["channel:hook-oa"].attempts == 2
    hooks = records(standin, "webhook")
    assert [h["accepted"] for h in hooks] == [False, True]
    assert {h["webhookId"] for h in hooks} == {rows["channel:hook-oa"].key}
    assert hooks[1]["duplicate"] is False and hooks[1]["title"].startswith("反馈意见即将到期")


def test_a_worker_killed_between_recording_a_request_and_sending_it_delivers_after_the_lease(
    pipeline, standin
) -> None:
    # a lease long enough for the resend on a loaded machine; the dead worker's claim is made older than it
    line = pipeline(DM_NOTIFY_LEASE_S="30")
    with line.runtime.unit_of_work() as uow:  # claimed with the request, then the worker dies
        recorded = delivery.record_and_claim(
            uow, Envelope(**send_request("died-1", [party("person", "bb.leader")]))
        )
        uow.commit()
    assert len(recorded.claimed) == 1 and {r.state for r in line.deliveries()} == {SENDING}
    with line.runtime.db.transaction() as session:
        session.execute(update(Delivery).values(claimed_at=utcnow() - timedelta(seconds=31)))
    line.start()
    [row] = line.wait_settled(1)
    assert row.state == DELIVERED
    assert [a.outcome for a in attempts_of(line.runtime, row.id)] == ["abandoned", "delivered"]
    assert len(records(standin, "work_notification", accepted=True)) == 1
