"""The local stand-in of the provincial platform, through Flask's test client.

It must check every signature as the platform does and answer with the platform's shapes, so that
adapters tested against it behave the same against 浙政钉.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from services.notify.standin.app import create_app
from shared.platform.signing import robot_sign, webhook_signature, zwd_headers

APP_KEY, APP_SECRET = "demo-app-key", "demo-app-secret"
ROBOT_SECRET = "SECdemo-robot-secret"
WEBHOOK_SECRET = "whsec_ZGVtby13ZWJob29rLXNlY3JldC0wMDE="


class Clock:
    """A settable clock for the stand-in (epoch seconds)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(clock, tmp_path):
    return create_app({"CLOCK": clock, "RECORD_PATH": str(tmp_path / "records.jsonl"), "ENV": "test"})


@pytest.fixture
def client(app):
    return app.test_client()


def signed(path, params, *, method="POST", secret=APP_SECRET, now=None, nonce=None):
    return zwd_headers(
        api_key=APP_KEY,
        secret=secret,
        method=method,
        path=path,
        params=params,
        now=now or datetime.now(UTC),
        nonce=nonce,
    )


def notification(**overrides):
    params = {
        "tenantId": "196729",
        "receiverIds": "10001,10002",
        "bizMsgId": "reminder-1",
        "msg": json.dumps(
            {"msgtype": "text", "text": {"content": "协调意见还剩2个工作日"}}, ensure_ascii=False
        ),
    }
    params.update(overrides)
    return params


def post_notification(client, params, **sign_options):
    headers = signed("/message/workNotification", params, **sign_options)
    return client.post("/message/workNotification", data=params, headers=headers)


def messages(client, **filters):
    return client.get("/sandbox/messages", query_string=filters).get_json()["messages"]


# --------------------------------------------------------------------------- work notifications


def test_health_check_answers_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_a_correctly_signed_work_notification_is_accepted_and_shown_to_the_developer(client):
    answer = post_notification(client, notification()).get_json()
    assert answer["success"] is True and answer["content"]["msgId"]
    [record] = messages(client, kind="work_notification", receiver="10002")
    assert record["accepted"] is True and record["bizMsgId"] == "reminder-1"
    assert record["title"] == "协调意见还剩2个工作日"
    assert messages(client, receiver="20001") == []


def test_a_wrong_signature_gets_the_platforms_refusal_shape_and_is_recorded_as_refused(client):
    answer = post_notification(client, notification(), secret="not-the-secret").get_json()
    assert answer["success"] is False and answer["errorCode"] == "INVALID_SIGNATURE"
    assert answer["errorLevel"] == "error" and answer["errorMsg"]
    assert messages(client, accepted="false")[0]["code"] == "INVALID_SIGNATURE"


def test_a_parameter_changed_after_signing_breaks_the_signature(client):
    params = notification()
    headers = signed("/message/workNotification", params)
    tampered = {**params, "receiverIds": "10001,10002,10003"}
    answer = client.post("/message/workNotification", data=tampered, headers=headers).get_json()
    assert answer["errorCode"] == "INVALID_SIGNATURE"


def test_a_stale_timestamp_is_refused(client, clock):
    old = datetime.fromtimestamp(clock.now - 16 * 60, UTC)
    assert post_notification(client, notification(), now=old).get_json()["errorCode"] == "TIMESTAMP_EXPIRED"


def test_a_replayed_nonce_is_refused(client):
    params = notification(bizMsgId="replay")
    headers = signed("/message/workNotification", params, nonce="17643348000001234")
    assert client.post("/message/workNotification", data=params, headers=headers).get_json()["success"]
    again = client.post("/message/workNotification", data=params, headers=headers).get_json()
    assert again["errorCode"] == "NONCE_REUSED"


def test_an_unknown_api_key_is_refused(client):
    params = notification()
    headers = {**signed("/message/workNotification", params), "apiKey": "someone-else"}
    answer = client.post("/message/workNotification", data=params, headers=headers).get_json()
    assert answer["errorCode"] == "INVALID_API_KEY"


def test_a_repeated_biz_msg_id_is_refused_as_a_duplicate(client):
    assert post_notification(client, notification()).get_json()["success"] is True
    answer = post_notification(client, notification()).get_json()
    assert answer["success"] is False and answer["errorCode"] == "BIZ_MSG_ID_DUPLICATE"
    assert len(messages(client, accepted="true")) == 1


def test_more_than_a_thousand_receivers_in_one_call_are_refused(client):
    receivers = ",".join(str(n) for n in range(1001))
    answer = post_notification(client, notification(receiverIds=receivers)).get_json()
    assert answer["errorCode"] == "RECEIVERS_EXCEED_LIMIT"


def test_a_message_over_2048_bytes_is_refused(client):
    msg = json.dumps({"msgtype": "text", "text": {"content": "逾" * 700}}, ensure_ascii=False)
    assert len(msg.encode()) > 2048
    assert post_notification(client, notification(msg=msg)).get_json()["errorCode"] == "MSG_TOO_LONG"


def test_an_unknown_receiver_and_a_foreign_tenant_are_refused(client):
    assert post_notification(client, notification(receiverIds="99999")).get_json()["errorCode"] == (
        "RECEIVER_NOT_FOUND"
    )
    assert post_notification(client, notification(tenantId="1")).get_json()["errorCode"] == "TENANT_MISMATCH"


def test_a_message_that_is_not_a_known_msgtype_is_refused(client):
    msg = json.dumps({"msgtype": "video", "video": {}})
    assert post_notification(client, notification(msg=msg)).get_json()["errorCode"] == "INVALID_PARAMETER"


# --------------------------------------------------------------------------- mobile login


def get_token(client, secret=APP_SECRET):
    params = {"appkey": APP_KEY, "appsecret": secret}
    headers = signed("/gettoken.json", params, method="GET")
    return client.get("/gettoken.json", query_string=params, headers=headers).get_json()


def get_user(client, token, code, now=None):
    params = {"access_token": token, "auth_code": code}
    headers = signed("/rpc/oauth2/dingtalk_app_user.json", params, now=now)
    return client.post("/rpc/oauth2/dingtalk_app_user.json", data=params, headers=headers).get_json()


def test_gettoken_gives_an_access_token_valid_for_two_hours(client):
    content = get_token(client)["content"]
    assert content["responseCode"] == "0"
    assert content["data"]["accessToken"] and content["data"]["expiresIn"] == 7200


def test_gettoken_refuses_a_wrong_app_secret(client):
    params = {"appkey": APP_KEY, "appsecret": "wrong"}
    headers = signed("/gettoken.json", params, method="GET")
    content = client.get("/gettoken.json", query_string=params, headers=headers).get_json()["content"]
    assert content["success"] is False and content["responseCode"] == "INVALID_APP_CREDENTIALS"


def test_a_demo_auth_code_logs_in_a_configured_account(client):
    token = get_token(client)["content"]["data"]["accessToken"]
    data = get_user(client, token, "demo-10001")["content"]["data"]
    assert data["accountId"] == 10001 and data["lastName"] == "王建国"
    assert data["employeeCode"] == "GE_demo_10001" and data["realmId"] == 196729


def test_an_issued_auth_code_works_once_then_is_refused_with_240111(client):
    token = get_token(client)["content"]["data"]["accessToken"]
    code = client.post("/sandbox/auth-codes", json={"accountId": "10003"}).get_json()["authCode"]
    assert get_user(client, token, code)["content"]["data"]["accountId"] == 10003
    assert get_user(client, token, code)["content"]["responseCode"] == "240111"
    assert get_user(client, token, "demo-99999")["content"]["responseCode"] == "240111"


def test_an_unknown_or_expired_access_token_is_refused_with_240133(client, clock):
    assert get_user(client, "made-up", "demo-10001")["content"]["responseCode"] == "240133"
    token = get_token(client)["content"]["data"]["accessToken"]
    clock.now += 7201
    later = datetime.fromtimestamp(clock.now, UTC)
    assert get_user(client, token, "demo-10001", now=later)["content"]["responseCode"] == "240133"


# --------------------------------------------------------------------------- robots


def robot_url(token="demo-robot", *, secret=ROBOT_SECRET, timestamp_ms=None, sign=None):
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    sign = sign if sign is not None else quote_plus(robot_sign(secret, ts))
    return f"/robot/send?access_token={token}&timestamp={ts}&sign={sign}"


def text(content="【职责管理】协调意见即将到期"):
    return {"msgtype": "text", "text": {"content": content}}


def test_a_signed_robot_message_is_accepted(client):
    assert client.post(robot_url(), json=text()).get_json() == {"errcode": 0, "errmsg": "ok"}
    assert messages(client, kind="robot")[0]["title"] == "【职责管理】协调意见即将到期"


def test_a_robot_message_with_a_bad_sign_stale_timestamp_or_double_encoding_gets_310000(client, clock):
    assert client.post(robot_url(secret="SECwrong"), json=text()).get_json()["errcode"] == 310000
    stale = int((clock.now - 3601) * 1000)
    assert client.post(robot_url(timestamp_ms=stale), json=text()).get_json()["errcode"] == 310000
    ts = int(clock.now * 1000)
    twice = quote_plus(quote_plus(robot_sign(ROBOT_SECRET, ts)))
    assert client.post(robot_url(timestamp_ms=ts, sign=twice), json=text()).get_json()["errcode"] == 310000


def test_an_unknown_robot_token_is_refused(client):
    assert client.post(robot_url("nobody"), json=text()).get_json()["errcode"] == 300001


def test_a_robot_with_a_keyword_refuses_messages_without_it(tmp_path):
    app = create_app({"ENV": "test", "ROBOTS": {"kw": {"secret": None, "keywords": ["职责管理"]}}})
    client = app.test_client()
    assert client.post("/robot/send?access_token=kw", json=text("无关键词")).get_json()["errcode"] == 310000
    assert client.post("/robot/send?access_token=kw", json=text()).get_json()["errcode"] == 0


def test_the_21st_robot_message_in_a_minute_is_throttled_for_ten_minutes(client, clock):
    answers = [client.post(robot_url(), json=text()).get_json()["errcode"] for _ in range(21)]
    assert answers[:20] == [0] * 20 and answers[20] == 130101
    clock.now += 120
    assert client.post(robot_url(), json=text()).get_json()["errcode"] == 130101
    clock.now += 600
    assert client.post(robot_url(), json=text()).get_json()["errcode"] == 0


# --------------------------------------------------------------------------- webhooks


def webhook_headers(body, msg_id="reminder-1", *, secret=WEBHOOK_SECRET, ts=None):
    ts = int(time.time()) if ts is None else ts
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "content-type": "application/json",
        "webhook-signature": webhook_signature(secret, msg_id=msg_id, timestamp_s=ts, body=body),
    }


def test_a_signed_webhook_is_accepted_and_a_repeat_of_its_id_is_marked_duplicate(client):
    body = json.dumps({"type": "notify.message", "data": {"title": "受理决定", "receivers": ["10001"]}})
    assert client.post("/webhook/demo", data=body, headers=webhook_headers(body)).status_code == 204
    assert client.post("/webhook/demo", data=body, headers=webhook_headers(body)).status_code == 204
    first, second = messages(client, kind="webhook")
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    assert first["title"] == "受理决定" and first["receivers"] == ["10001"]


def test_a_badly_signed_or_unknown_webhook_is_refused(client):
    body = "{}"
    bad = webhook_headers(body, secret="whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUE=")
    assert client.post("/webhook/demo", data=body, headers=bad).status_code == 401
    assert client.post("/webhook/nobody", data=body, headers=webhook_headers(body)).status_code == 404


# --------------------------------------------------------------------------- sandbox


def test_injected_failures_hit_the_next_n_calls_only(client):
    client.post("/sandbox/faults", json={"mode": "fail", "count": 2, "status": 503})
    first = post_notification(client, notification(bizMsgId="f1"))
    second = post_notification(client, notification(bizMsgId="f2"))
    third = post_notification(client, notification(bizMsgId="f3"))
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.get_json()["errorCode"] == "SYSTEM_ERROR"


def test_injected_throttling_answers_in_each_platforms_own_way(client):
    client.post("/sandbox/faults", json={"mode": "throttle", "count": 1, "target": "robot"})
    assert client.post(robot_url(), json=text()).get_json()["errcode"] == 130101
    client.post("/sandbox/faults", json={"mode": "throttle", "count": 1})
    assert post_notification(client, notification()).get_json()["errorCode"] == "THROTTLED"


def test_injected_slowness_delays_the_answer(client):
    client.post("/sandbox/faults", json={"mode": "slow", "count": 1, "delay_ms": 200})
    started = time.perf_counter()
    assert post_notification(client, notification()).get_json()["success"] is True
    assert time.perf_counter() - started >= 0.2


def test_an_unknown_fault_mode_is_refused_in_chinese(client):
    answer = client.post("/sandbox/faults", json={"mode": "explode"})
    assert answer.status_code == 400 and "mode" in answer.get_json()["error"]


def test_reset_forgets_messages_and_biz_msg_ids(client):
    post_notification(client, notification())
    client.post("/sandbox/reset")
    assert messages(client) == []
    assert post_notification(client, notification()).get_json()["success"] is True


def test_every_record_is_also_appended_to_the_jsonl_file(client, app):
    post_notification(client, notification())
    lines = Path(app.config["RECORD_PATH"]).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["bizMsgId"] for line in lines] == ["reminder-1"]


def test_the_page_lists_received_messages_in_chinese_and_escapes_their_content(client):
    msg = json.dumps({"msgtype": "markdown", "markdown": {"title": "<script>x</script>审批", "text": "t"}})
    post_notification(client, notification(msg=msg))
    page = client.get("/").get_data(as_text=True)
    assert "收到的消息" in page and "工作通知" in page and "王建国" in page
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page
    assert 'http-equiv="refresh"' in page


def test_the_stand_in_refuses_to_start_in_production(monkeypatch):
    monkeypatch.setenv("DM_ENV", "production")
    with pytest.raises(RuntimeError, match="生产环境"):
        create_app()


def test_the_demo_people_of_make_run_are_accounts_the_stand_in_delivers_to():
    from shared.demo import demo_directory

    client = create_app({"ENV": "test"}).test_client()
    accounts = [person["zwd_account_id"] for person in demo_directory().people]
    assert accounts[0] == "100001"
    params = notification(receiverIds=",".join(accounts), bizMsgId="demo-all")
    assert post_notification(client, params).get_json()["success"] is True
