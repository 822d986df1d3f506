"""Notify's audit trail (等保 2.0 安全审计): a robot or webhook created or disabled, a test message sent
through a channel, a delivery replayed by hand (the notices of 第二十条 and the rest reach people through
these) and the channel secrets re-encrypted are each an entry with who, when, from where and what — never
a secret; a refused act leaves none; the office admin reads the trail on /admin/audit/notify."""

from __future__ import annotations

import json

import pytest
from notify_support import NINGBO, ROBOT_SECRET, ROBOT_TOKEN, add_people, party, send_request

from services.notify.app import create_app
from services.notify.domain.delivery import PARKED
from services.notify.tables import Channel, Delivery
from services.notify.usecases import channel_secrets, delivery
from services.notify.usecases.delivery import build_context
from shared.auth import Principal, issue_token
from shared.messaging import Envelope
from shared.web import session as web_session

PROXIED = {"X-Forwarded-For": "10.30.0.2, 192.168.50.9"}


@pytest.fixture
def notify(make_runtime, standin):  # type: ignore[no-untyped-def]
    runtime = make_runtime("notify")
    runtime.settings = runtime.settings.with_overrides(platform_base_url=standin.url)
    runtime.extensions["notify.context"] = build_context(runtime, {})
    add_people(runtime)
    return runtime


@pytest.fixture
def client(notify):  # type: ignore[no-untyped-def]
    return create_app(runtime=notify).test_client()


def _admin(runtime, roles=("office_admin",)) -> dict[str, str]:  # type: ignore[no-untyped-def]
    principal = Principal("bb.admin", "赵磊", NINGBO, "nb-bb", frozenset(roles))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
    return {"Authorization": f"Bearer {token}", **PROXIED}


def _robot(standin) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "kind": "robot",
        "name": "市场监管局工作群",
        "url": f"{standin.url}/robot/send",
        "access_token": ROBOT_TOKEN,
        "secret": ROBOT_SECRET,
        "departments": ["nb-scjg"],
    }


def _legacy_channel(runtime) -> None:  # type: ignore[no-untyped-def]
    """A channel stored before secrets were encrypted."""
    with runtime.db.transaction() as session:
        session.add(
            Channel(
                id="legacy",
                jurisdiction=NINGBO,
                kind="robot",
                name="旧渠道",
                config={"url": "http://127.0.0.1/robot/send"},
                credentials={"access_token": "t0ken", "secret": "s3cret"},
            )
        )


def _parked_delivery(runtime) -> Delivery:  # type: ignore[no-untyped-def]
    """A delivery waiting for an operator (待人工处理)."""
    with runtime.unit_of_work() as uow:
        delivery.record_request(uow, Envelope(**send_request("k-1", [party("person", "scjg.clerk")])))
        uow.commit()
    with runtime.db.transaction() as session:
        parked = session.query(Delivery).filter_by(recipient="person:scjg.clerk").one()
        parked.state = PARKED
    return parked


def _log_in_admin(client, runtime) -> str:  # type: ignore[no-untyped-def]
    """The office admin's session on the pages; its CSRF token."""
    person = web_session.SessionUser(
        "bb.admin", "赵磊", NINGBO, "nb-bb", frozenset({"office_admin"}), "编办", "宁波市"
    )
    started = web_session.new_session(runtime.settings, person)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, runtime.settings), path="/")
    return started.csrf_token


def test_a_robot_created_tested_and_disabled_is_recorded_without_its_secrets(
    client, notify, standin, trail
) -> None:
    channel = client.post("/api/v1/channels", json=_robot(standin), headers=_admin(notify)).get_json()
    assert (
        client.post(f"/api/v1/channels/{channel['id']}/test", json={}, headers=_admin(notify)).status_code
        == 200
    )
    assert client.post(f"/api/v1/channels/{channel['id']}/disable", headers=_admin(notify)).status_code == 200
    assert client.post(f"/api/v1/channels/{channel['id']}/disable", headers=_admin(notify)).status_code == 200
    created, tested, disabled = trail.entries(notify, object_id=channel["id"])  # disabled twice: once
    assert (created.action, created.actor_id, created.client_address) == (
        "channel.create",
        "bb.admin",
        "192.168.50.9",
    )
    assert created.summary == f"新建群机器人：市场监管局工作群（{standin.url}/robot/send）"
    assert created.details["secrets"] == ["access_token", "secret"]
    assert tested.action == "channel.test" and tested.summary.endswith("市场监管局工作群，已送达")
    assert tested.details["platform_code"] == "0"
    assert disabled.action == "channel.disable" and disabled.summary.startswith("停用群机器人：")
    everything = json.dumps([e.details for e in trail.entries(notify)], ensure_ascii=False)
    assert ROBOT_SECRET not in everything and ROBOT_TOKEN not in everything
    assert trail.intact(notify)


def test_a_refused_channel_leaves_no_entry(client, notify, standin, trail) -> None:
    bad = {**_robot(standin), "url": "http://169.254.169.254/robot/send"}
    assert client.post("/api/v1/channels", json=bad, headers=_admin(notify)).status_code == 422
    clerk = _admin(notify, roles=("office_clerk",))
    assert client.post("/api/v1/channels", json=_robot(standin), headers=clerk).status_code == 403
    assert client.post("/api/v1/channels/zwd-default/disable", headers=_admin(notify)).status_code == 409
    assert trail.entries(notify) == []


def test_a_delivery_replayed_by_hand_is_recorded_with_its_batch_第二十条(client, notify, trail) -> None:
    parked = _parked_delivery(notify)
    assert client.post(f"/api/v1/deliveries/{parked.id}/replay", headers=_admin(notify)).status_code == 202
    assert client.post(f"/api/v1/deliveries/{parked.id}/replay", headers=_admin(notify)).status_code == 409
    [replayed] = trail.entries(notify, action="delivery.replay")
    assert replayed.object_id == parked.id and replayed.client_address == "192.168.50.9"
    assert "原为待人工处理，同批 1 条" in replayed.summary and replayed.details["batch"] == [parked.id]


def test_re_encrypting_the_channel_secrets_is_recorded_by_the_command_line(notify, trail) -> None:
    _legacy_channel(notify)
    assert channel_secrets.rotate(notify) == 1 and channel_secrets.rotate(notify) == 0  # the second: nothing
    [rotated] = trail.entries(notify, action="channel.rotate_secrets")
    assert (rotated.actor_id, rotated.actor_name, rotated.object_id) == ("cli", "命令行", "legacy")
    assert rotated.summary.endswith("重新加密渠道密钥 1 个") and "s3cret" not in json.dumps(rotated.details)


def test_the_office_admin_reads_the_notify_trail_in_chinese(client, notify, standin) -> None:
    client.post("/api/v1/channels", json=_robot(standin), headers=_admin(notify))
    _log_in_admin(client, notify)
    page = client.get("/admin/audit/notify?action=channel.create").get_data(as_text=True)
    assert "通知服务" in page and "新建通知渠道" in page and "共 1 条记录" in page and "通知渠道" in page


def test_every_entry_names_its_channel_and_delivery_in_chinese_第二十条(
    client, notify, standin, trail
) -> None:
    channel = client.post("/api/v1/channels", json=_robot(standin), headers=_admin(notify)).get_json()
    client.post(f"/api/v1/channels/{channel['id']}/test", json={}, headers=_admin(notify))
    client.post(f"/api/v1/channels/{channel['id']}/disable", headers=_admin(notify))
    client.post("/api/v1/channels/zwd-default/test", json={}, headers=_admin(notify))
    parked = _parked_delivery(notify)
    client.post(f"/api/v1/deliveries/{parked.id}/replay", headers=_admin(notify))
    _legacy_channel(notify)
    channel_secrets.rotate(notify)
    csrf = _log_in_admin(client, notify)
    client.post("/admin/audit/notify/verify", data={"csrf_token": csrf})
    assert {e.action for e in trail.entries(notify)} >= {
        "channel.create",
        "channel.test",
        "channel.disable",
        "delivery.replay",
        "channel.rotate_secrets",
        "audit.verify",
    }

    key = notify.extensions["notify.context"].keyring.current.id
    assert trail.codes_shown(notify, client, also={key, "k-1"}) == []  # the key's id, the test case's title
    page = client.get("/admin/audit/notify").get_data(as_text=True)
    assert "通知渠道 浙政钉工作通知（部署配置）" in page and "审计日志 通知服务" in page
