"""The notify API: office admins of a jurisdiction manage its channels, see its deliveries and replay them,
and preview templates; secrets never come back; other roles and other jurisdictions see nothing."""

from __future__ import annotations

import pytest
from notify_support import NINGBO, ROBOT_SECRET, ROBOT_TOKEN, add_people, party, records, send_request

from services.notify.app import create_app
from services.notify.domain.delivery import PARKED
from services.notify.tables import Delivery
from services.notify.usecases import delivery
from services.notify.usecases.delivery import build_context
from shared.auth import Principal, issue_token
from shared.messaging import Envelope

WEBHOOK_SECRET = "whsec_ZGVtby13ZWJob29rLXNlY3JldC0wMDE="


@pytest.fixture
def notify(make_runtime, standin):
    runtime = make_runtime("notify")
    runtime.settings = runtime.settings.with_overrides(platform_base_url=standin.url)
    runtime.extensions["notify.context"] = build_context(runtime, {})
    add_people(runtime)
    return runtime


@pytest.fixture
def client(notify):
    return create_app(runtime=notify).test_client()


def headers(runtime, *, roles=("office_admin",), jurisdiction=NINGBO, user="bb.admin"):
    principal = Principal(user, "赵磊", jurisdiction, "nb-bb", frozenset(roles))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def robot_body(standin, **changes):
    return {
        "kind": "robot",
        "name": "市场监管局工作群",
        "url": f"{standin.url}/robot/send",
        "access_token": ROBOT_TOKEN,
        "secret": ROBOT_SECRET,
        "departments": ["nb-scjg"],
        **changes,
    }


def test_a_robot_is_created_and_listed_without_its_secrets(client, notify, standin) -> None:
    created = client.post("/api/v1/channels", json=robot_body(standin), headers=headers(notify))
    assert created.status_code == 201, created.get_json()
    body = created.get_data(as_text=True)
    assert ROBOT_SECRET not in body and ROBOT_TOKEN not in body
    assert created.get_json()["credentials_set"] == ["access_token", "secret"]
    listed = client.get("/api/v1/channels", headers=headers(notify)).get_json()
    assert listed[0]["id"] == "zwd-default" and len(listed) == 2
    assert ROBOT_SECRET not in client.get("/api/v1/channels", headers=headers(notify)).get_data(as_text=True)


def test_the_test_endpoint_returns_the_platforms_answer(client, notify, standin) -> None:
    channel = client.post("/api/v1/channels", json=robot_body(standin), headers=headers(notify)).get_json()
    answer = client.post(
        f"/api/v1/channels/{channel['id']}/test", json={}, headers=headers(notify)
    ).get_json()
    assert answer["delivered"] is True and answer["platform_code"] == "0"
    zwd = client.post("/api/v1/channels/zwd-default/test", json={}, headers=headers(notify)).get_json()
    assert zwd["delivered"] is True and zwd["platform_msg_id"]
    assert [r["receivers"] for r in records(standin, "work_notification")] == [["100001"]]


def test_a_wrongly_signed_robot_answers_its_refusal_through_the_test_endpoint(
    client, notify, standin
) -> None:
    body = robot_body(standin, secret="SECwrong")
    channel = client.post("/api/v1/channels", json=body, headers=headers(notify)).get_json()
    answer = client.post(
        f"/api/v1/channels/{channel['id']}/test", json={}, headers=headers(notify)
    ).get_json()
    assert answer["outcome"] == "permanent" and answer["platform_code"] == "310000"


def test_urls_outside_the_allow_list_and_malformed_secrets_are_refused_as_problems(
    client, notify, standin
) -> None:
    bad_url = client.post(
        "/api/v1/channels",
        json=robot_body(standin, url="http://169.254.169.254/robot/send"),
        headers=headers(notify),
    )
    assert bad_url.status_code == 422 and bad_url.mimetype == "application/problem+json"
    assert bad_url.get_json()["errors"][0]["field"] == "url"
    bad_secret = client.post(
        "/api/v1/channels",
        json={"kind": "webhook", "name": "OA", "url": f"{standin.url}/webhook/demo", "secret": "plain"},
        headers=headers(notify),
    )
    assert bad_secret.status_code == 422 and bad_secret.get_json()["errors"][0]["field"] == "secret"


def test_a_disabled_channel_stays_listed_as_disabled(client, notify, standin) -> None:
    channel = client.post(
        "/api/v1/channels",
        json={
            "kind": "webhook",
            "name": "OA",
            "url": f"{standin.url}/webhook/demo",
            "secret": WEBHOOK_SECRET,
        },
        headers=headers(notify),
    ).get_json()
    disabled = client.post(f"/api/v1/channels/{channel['id']}/disable", headers=headers(notify)).get_json()
    assert disabled["enabled"] is False
    assert client.post("/api/v1/channels/zwd-default/disable", headers=headers(notify)).status_code == 409


def test_deliveries_are_listed_filtered_shown_with_attempts_and_a_parked_one_replayed(client, notify) -> None:
    with notify.unit_of_work() as uow:
        delivery.record_request(uow, Envelope(**send_request("k-1", [party("department", "nb-scjg")])))
        uow.commit()
    ctx = delivery.context_of(notify)
    with notify.db.transaction() as session:
        parked = session.query(Delivery).filter_by(recipient="person:scjg.clerk").one()
        parked.state = PARKED
    listed = client.get("/api/v1/deliveries?state=parked", headers=headers(notify)).get_json()
    assert [d["recipient"] for d in listed] == ["person:scjg.clerk"] and listed[0][
        "state_name"
    ] == "待人工处理"
    by_case = client.get("/api/v1/deliveries?case_id=c-1", headers=headers(notify)).get_json()
    assert len(by_case) == 2
    delivery.deliver(ctx, [d["id"] for d in by_case])
    leader = next(d for d in by_case if d["recipient"] == "person:scjg.leader")
    shown = client.get(f"/api/v1/deliveries/{leader['id']}", headers=headers(notify)).get_json()
    assert shown["state"] == "delivered" and shown["attempt_log"][0]["outcome"] == "delivered"
    replayed = client.post(f"/api/v1/deliveries/{parked.id}/replay", headers=headers(notify))
    assert replayed.status_code == 202 and replayed.get_json()["state"] == "queued"
    again = client.post(f"/api/v1/deliveries/{leader['id']}/replay", headers=headers(notify))
    assert again.status_code == 409 and again.mimetype == "application/problem+json"


def test_other_jurisdictions_and_roles_see_nothing(client, notify) -> None:
    with notify.unit_of_work() as uow:
        delivery.record_request(uow, Envelope(**send_request("k-2", [party("person", "bb.leader")])))
        uow.commit()
    [row] = client.get("/api/v1/deliveries", headers=headers(notify)).get_json()
    haishu = headers(notify, jurisdiction="330203", user="hs.bb.admin")
    assert client.get("/api/v1/deliveries", headers=haishu).get_json() == []
    assert client.get(f"/api/v1/deliveries/{row['id']}", headers=haishu).status_code == 404
    clerk = client.get("/api/v1/deliveries", headers=headers(notify, roles=("office_clerk",)))
    assert clerk.status_code == 403 and clerk.get_json()["code"] == "role_required"
    assert client.get("/api/v1/channels").status_code == 401


def test_every_template_is_listed_and_previewed_in_chinese(client, notify) -> None:
    templates = client.get("/api/v1/templates", headers=headers(notify)).get_json()
    codes = {t["code"] for t in templates}
    assert {"solicitation_request", "reply_due_soon", "reply_overdue", "approval_requested"} <= codes
    for template in templates:
        shown = client.post(f"/api/v1/templates/{template['code']}/preview", json={}, headers=headers(notify))
        assert shown.status_code == 200, (template["code"], shown.get_json())
    overdue = client.post(
        "/api/v1/templates/reply_overdue/preview",
        json={"params": {"overdue_working_days": 4, "case_title": "某协调申请"}},
        headers=headers(notify),
    ).get_json()
    assert "已逾期4个工作日" in overdue["body"] and "某协调申请" in overdue["title"]
    missing = client.post(
        "/api/v1/templates/devolution_not_ready/preview",
        json={"params": {"reason": None}},
        headers=headers(notify),
    )
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "params"
    assert "reason" in missing.get_json()["detail"]
    assert client.post("/api/v1/templates/nope/preview", json={}, headers=headers(notify)).status_code == 404
