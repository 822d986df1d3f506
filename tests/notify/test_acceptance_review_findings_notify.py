"""Found in an acceptance review of the channels API, run as an office admin would: the address a channel
shows is the one it was given (port included), and a robot that answers 130101 to a test message is held
back for ten minutes for every worker, as it is when a reminder meets the same answer."""

from __future__ import annotations

import pytest
from notify_support import NINGBO, ROBOT_SECRET, ROBOT_TOKEN, add_people, party, send_request
from sqlalchemy import select

from services.notify.app import create_app
from services.notify.tables import Delivery
from services.notify.usecases import delivery
from services.notify.usecases.delivery import build_context
from shared.auth import Principal, issue_token
from shared.messaging import Envelope


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


def admin(runtime):
    principal = Principal("bb.admin", "赵磊", NINGBO, "nb-bb", frozenset({"office_admin"}))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def a_robot(standin):
    return {
        "kind": "robot",
        "name": "市场监管局工作群",
        "url": f"{standin.url}/robot/send?access_token=ignored",
        "access_token": ROBOT_TOKEN,
        "secret": ROBOT_SECRET,
        "departments": ["nb-scjg"],
    }


def test_a_channel_shows_the_address_it_was_given_with_its_port_and_without_the_query(
    client, notify, standin
) -> None:
    created = client.post("/api/v1/channels", json=a_robot(standin), headers=admin(notify)).get_json()
    assert created["config"]["url"] == f"{standin.url}/robot/send"
    [listed] = [
        c
        for c in client.get("/api/v1/channels", headers=admin(notify)).get_json()
        if c["id"] != "zwd-default"
    ]
    assert listed["config"]["url"] == f"{standin.url}/robot/send"


def test_an_address_with_credentials_in_it_is_refused_so_none_is_ever_shown(client, notify, standin) -> None:
    body = {**a_robot(standin), "url": standin.url.replace("http://", "http://user:pw@") + "/robot/send"}
    refused = client.post("/api/v1/channels", json=body, headers=admin(notify))
    assert refused.status_code == 422 and "pw" not in refused.get_data(as_text=True)
    assert [error["field"] for error in refused.get_json()["errors"]] == ["url"]


def test_a_robot_throttled_during_a_test_message_is_held_back_for_every_worker(
    client, notify, standin
) -> None:
    channel = client.post("/api/v1/channels", json=a_robot(standin), headers=admin(notify)).get_json()
    standin.test_client().post("/sandbox/faults", json={"mode": "throttle", "count": 1, "target": "robot"})
    answer = client.post(f"/api/v1/channels/{channel['id']}/test", json={}, headers=admin(notify)).get_json()
    assert (answer["delivered"], answer["platform_code"]) == (False, "130101")
    permit = notify.extensions["notify.context"].limiter.acquire(channel["id"])
    assert not permit.granted and permit.wait_ms > 500_000  # ten minutes, not the 3-second spacing


def test_previewing_a_template_with_a_malformed_due_date_is_a_422_naming_params(client, notify) -> None:
    response = client.post(
        "/api/v1/templates/due_soon/preview",
        json={"params": {"due_date": "2026-13-01"}},
        headers=admin(notify),
    )
    assert response.status_code == 422, response.get_json()
    assert [error["field"] for error in response.get_json()["errors"]] == ["params"]


def test_a_request_with_a_malformed_due_date_is_recorded_as_a_failed_delivery_not_lost_第20条(notify) -> None:
    request = send_request(
        "bad-date",
        [party("person", "bb.leader")],
        params={"case_title": "协调申请", "due_date": "2026-02-30", "remaining_working_days": 2},
    )
    with notify.unit_of_work() as uow:
        queued = delivery.record_request(uow, Envelope(**request))
        uow.commit()
    assert queued == []
    with notify.db.transaction() as session:
        [row] = session.scalars(select(Delivery)).all()
        assert (row.state, row.last_code) == ("failed", "render_failed")
        assert "2026-02-30" in (row.last_error or "")
