"""Channel adapters end to end against the stand-in served over real HTTP on 127.0.0.1.

Every signature is checked by the stand-in exactly as the platform checks it; webhooks are also verified
with the ``standardwebhooks`` package.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from requests.adapters import BaseAdapter
from standardwebhooks.webhooks import Webhook
from werkzeug.serving import make_server

from services.notify.standin.app import create_app
from shared.platform import (
    AuthCodeInvalid,
    Channel,
    LoginUnavailable,
    MessageTooLarge,
    MobileLogin,
    OutboundMessage,
    OutboundUrlRefused,
    RobotChannel,
    SendResult,
    StubChannel,
    WebhookChannel,
    WorkNotificationChannel,
    ZwdGateway,
    check_outbound_url,
)
from shared.platform.zwd import batch_biz_msg_ids, encode_msg, render

APP_KEY, APP_SECRET, TENANT = "demo-app-key", "demo-app-secret", "196729"
ROBOT_SECRET = "SECdemo-robot-secret"
WEBHOOK_SECRET = "whsec_ZGVtby13ZWJob29rLXNlY3JldC0wMDE="
LOCAL = ["127.0.0.1"]
ACCOUNTS = {str(n): {"name": f"测试{n}", "employeeCode": f"GE_{n}"} for n in range(10001, 12600)}


@pytest.fixture(scope="module")
def standin():
    app = create_app({"ENV": "test", "ACCOUNTS": ACCOUNTS})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def base_url(standin):
    app, url = standin
    app.extensions["standin"].reset()
    return url


@pytest.fixture
def state(standin):
    return standin[0].extensions["standin"]


def gateway(base_url, *, secret=APP_SECRET, timeout=(2.0, 5.0)):
    return ZwdGateway(
        base_url=base_url, app_key=APP_KEY, app_secret=secret, allowed_hosts=LOCAL, timeout=timeout
    )


def notifications(base_url, **options):
    return WorkNotificationChannel(gateway=gateway(base_url, **options), tenant_id=TENANT)


def reminder(key="reminder-42", receivers=("10001", "10002"), **fields):
    values = {
        "key": key,
        "title": "协调意见即将到期",
        "text": "《关于市场监管职责的协调申请》还剩2个工作日",
        "kind": "oa",
        "link_url": "http://127.0.0.1:8001/m/approvals/7",
        "receivers": tuple(receivers),
        "form": (("截止日期", "2026年12月3日"),),
    }
    values.update(fields)
    return OutboundMessage(**values)


def fault(base_url, **spec):
    requests.post(f"{base_url}/sandbox/faults", json=spec, timeout=5).raise_for_status()


def accepted(state, kind="work_notification"):
    return [r for r in state.records if r["kind"] == kind and r["accepted"]]


# --------------------------------------------------------------------------- work notifications


def test_an_oa_reminder_is_delivered_with_the_platforms_msg_id(base_url, state):
    result = notifications(base_url).send(reminder())
    assert result.outcome == "delivered" and result.platform_msg_id
    [record] = accepted(state)
    assert record["receivers"] == ["10001", "10002"] and record["bizMsgId"] == "reminder-42"
    assert record["msg"]["oa"]["message_url"] == "http://127.0.0.1:8001/m/approvals/7"
    assert record["msg"]["oa"]["body"]["form"] == [{"key": "截止日期：", "value": "2026年12月3日"}]


@pytest.mark.parametrize("kind", ["text", "markdown", "link", "action_card"])
def test_every_message_kind_is_accepted_by_the_platform(base_url, state, kind):
    assert notifications(base_url).send(reminder(kind=kind)).delivered
    assert accepted(state)[0]["msgtype"] == kind


def test_sending_the_same_key_twice_reaches_people_once_and_counts_as_delivered(base_url, state):
    channel = notifications(base_url)
    first, second = channel.send(reminder()), channel.send(reminder())
    assert first.delivered and not first.already_delivered
    assert second.delivered and second.already_delivered and second.platform_code == "BIZ_MSG_ID_DUPLICATE"
    assert len(accepted(state)) == 1


def test_2500_receivers_go_out_in_three_calls_with_derived_biz_msg_ids(base_url, state):
    receivers = [str(n) for n in range(10001, 12501)]
    result = notifications(base_url).send(reminder(receivers=receivers))
    assert result.delivered and len(result.parts) == 3
    records = accepted(state)
    assert [r["bizMsgId"] for r in records] == ["reminder-42", "reminder-42-b2", "reminder-42-b3"]
    assert [len(r["receivers"]) for r in records] == [1000, 1000, 500]
    assert sorted(account for r in records for account in r["receivers"]) == receivers


def test_a_retry_after_a_partly_failed_batch_delivers_each_person_exactly_once(base_url, state):
    receivers = [str(n) for n in range(10001, 11501)]
    channel = notifications(base_url)
    fault(base_url, mode="fail", count=1, status=500, target="zwd")
    first = channel.send(reminder(receivers=receivers))
    assert first.outcome == "transient" and [p.outcome for p in first.parts] == ["transient", "delivered"]
    second = channel.send(reminder(receivers=receivers))
    assert second.delivered and [p.already_delivered for p in second.parts] == [False, True]
    delivered_to = [account for r in accepted(state) for account in r["receivers"]]
    assert sorted(delivered_to) == receivers


def test_a_read_timeout_is_transient_and_the_retry_never_duplicates(base_url, state):
    channel = notifications(base_url, timeout=(2.0, 0.3))
    fault(base_url, mode="slow", count=1, delay_ms=800, target="zwd")
    first = channel.send(reminder())
    assert first.outcome == "transient" and first.maybe_delivered and first.platform_code == "read_timeout"
    time.sleep(1.0)  # the slow call completes on the platform side
    second = channel.send(reminder())
    assert second.delivered and second.already_delivered
    assert len(accepted(state)) == 1


def test_a_message_over_2048_bytes_is_refused_before_anything_is_sent(base_url, state):
    with pytest.raises(MessageTooLarge, match="2048"):
        notifications(base_url).send(reminder(text="逾期" * 400))
    assert state.records == []


def test_a_wrong_app_secret_is_a_permanent_failure_never_a_delivery(base_url):
    result = notifications(base_url, secret="wrong").send(reminder())
    assert result.outcome == "permanent" and result.platform_code == "INVALID_SIGNATURE"


def test_an_unknown_receiver_is_a_permanent_failure(base_url):
    result = notifications(base_url).send(reminder(receivers=["99999"]))
    assert result.outcome == "permanent" and result.platform_code == "RECEIVER_NOT_FOUND"


def test_platform_errors_and_throttling_are_transient(base_url):
    channel = notifications(base_url)
    fault(base_url, mode="fail", count=1, status=502, target="zwd")
    assert channel.send(reminder(key="a")).outcome == "transient"
    fault(base_url, mode="throttle", count=1, target="zwd")
    throttled = channel.send(reminder(key="b"))
    assert throttled.outcome == "transient" and throttled.platform_code == "THROTTLED"
    assert throttled.retry_after_s


def test_an_unreachable_platform_is_transient(base_url):
    dead = ZwdGateway(
        base_url="http://127.0.0.1:9",
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        allowed_hosts=LOCAL,
        timeout=(0.5, 0.5),
    )
    result = WorkNotificationChannel(gateway=dead, tenant_id=TENANT).send(reminder())
    assert result.outcome == "transient"


def test_secrets_stay_out_of_reprs_and_request_summaries(base_url):
    channel = notifications(base_url)
    result = channel.send(reminder())
    assert APP_SECRET not in repr(channel) and APP_SECRET not in repr(channel.gateway)
    summary = json.dumps(dict(result.request_summary), ensure_ascii=False, default=str)
    assert APP_SECRET not in summary and "Signature" not in summary
    assert result.request_summary["params"]["receivers"] == 2
    assert isinstance(channel, Channel)


def test_the_encoded_msg_is_compact_utf8_json():
    encoded = encode_msg(render(reminder(kind="text")))
    assert json.loads(encoded)["text"]["content"].startswith("协调意见即将到期")
    assert ", " not in encoded and "\\u" not in encoded


def test_batch_biz_msg_ids_are_deterministic():
    assert batch_biz_msg_ids("k", 3) == ["k", "k-b2", "k-b3"]


# --------------------------------------------------------------------------- mobile login


def test_a_demo_auth_code_logs_in_and_the_access_token_is_reused(base_url, state):
    login = MobileLogin(gateway=gateway(base_url))
    user = login.get_user_by_auth_code("demo-10001")
    assert (user.account_id, user.employee_code, user.tenant_id, user.name) == (
        "10001",
        "GE_10001",
        TENANT,
        "测试10001",
    )
    login.get_user_by_auth_code("demo-10002")
    assert len([r for r in state.records if r["kind"] == "gettoken"]) == 1


def test_a_bad_auth_code_is_refused_as_unauthorized_in_chinese(base_url):
    with pytest.raises(AuthCodeInvalid) as caught:
        MobileLogin(gateway=gateway(base_url)).get_user_by_auth_code("demo-nobody")
    assert caught.value.status == 401 and "免登" in caught.value.title


def test_a_token_the_platform_forgot_is_refreshed_once(base_url, state):
    login = MobileLogin(gateway=gateway(base_url))
    login.get_access_token()
    state.reset()  # the platform no longer knows the cached token: it answers 240133
    assert login.get_user_by_auth_code("demo-10003").account_id == "10003"
    assert len([r for r in state.records if r["kind"] == "gettoken"]) == 1


def test_login_is_unavailable_when_the_platform_fails(base_url):
    fault(base_url, mode="fail", count=1, status=500, target="login")
    with pytest.raises(LoginUnavailable):
        MobileLogin(gateway=gateway(base_url)).get_user_by_auth_code("demo-10001")


# --------------------------------------------------------------------------- group robots


def robot(base_url, token="demo-robot", secret=ROBOT_SECRET):
    return RobotChannel(
        webhook_url=f"{base_url}/robot/send?access_token={token}", secret=secret, allowed_hosts=LOCAL
    )


def test_a_robot_message_is_delivered_with_a_once_encoded_sign(base_url, state):
    result = robot(base_url).send(reminder(kind="markdown"))
    assert result.delivered and result.platform_code == "0"
    [record] = accepted(state, "robot")
    assert record["msgtype"] == "markdown" and "截止日期：2026年12月3日" in record["msg"]["markdown"]["text"]


@pytest.mark.parametrize(
    "kind,msgtype", [("text", "text"), ("link", "link"), ("action_card", "actionCard"), ("oa", "markdown")]
)
def test_each_kind_becomes_a_robot_message_type(base_url, state, kind, msgtype):
    assert robot(base_url).send(reminder(kind=kind)).delivered
    assert accepted(state, "robot")[0]["msgtype"] == msgtype


def test_feed_cards_are_accepted(base_url):
    from shared.platform.robot import feed_card_payload

    payload = feed_card_payload(
        [
            ("受理决定已作出", "http://127.0.0.1:8001/m/1", ""),
            ("书面征求意见即将到期", "http://127.0.0.1:8001/m/2", ""),
        ]
    )
    assert robot(base_url).send_payload(payload).delivered


def test_a_throttled_robot_is_transient_with_a_ten_minute_hint(base_url):
    channel = robot(base_url)
    results = [channel.send(reminder(kind="text")) for _ in range(21)]
    assert all(r.delivered for r in results[:20])
    assert results[20].outcome == "transient" and results[20].platform_code == "130101"
    assert results[20].retry_after_s == 600


def test_a_robot_refusing_the_signature_is_permanent(base_url):
    result = robot(base_url, secret="SECwrong").send(reminder(kind="text"))
    assert result.outcome == "permanent" and result.platform_code == "310000"


def test_an_unknown_robot_is_permanent_and_its_token_never_shows(base_url):
    channel = robot(base_url, token="secret-token-123")
    result = channel.send(reminder(kind="text"))
    assert result.outcome == "permanent"
    assert "secret-token-123" not in repr(channel) and "secret-token-123" not in str(result.request_summary)
    assert ROBOT_SECRET not in repr(robot(base_url))


# --------------------------------------------------------------------------- webhooks


def webhook(base_url, name="demo"):
    return WebhookChannel(url=f"{base_url}/webhook/{name}", secret=WEBHOOK_SECRET, allowed_hosts=LOCAL)


def test_a_signed_webhook_is_delivered(base_url, state):
    assert webhook(base_url).send(reminder()).delivered
    [record] = accepted(state, "webhook")
    assert record["webhookId"] == "reminder-42" and record["msg"]["data"]["title"] == "协调意见即将到期"


def test_a_webhook_retry_keeps_its_id(base_url, state):
    channel = webhook(base_url)
    fault(base_url, mode="fail", count=1, status=503, target="webhook")
    assert channel.send(reminder()).outcome == "transient"
    assert channel.send(reminder()).delivered
    assert [r["webhookId"] for r in state.records] == ["reminder-42", "reminder-42"]


def test_webhook_answers_map_to_outcomes(base_url):
    assert webhook(base_url, name="nobody").send(reminder()).outcome == "permanent"
    fault(base_url, mode="throttle", count=1, target="webhook")
    throttled = webhook(base_url).send(reminder())
    assert throttled.outcome == "transient" and throttled.retry_after_s == 60


class CapturingAdapter(BaseAdapter):
    """A transport that keeps the prepared request and answers 200, for checks outside the stand-in."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.requests.append(request)
        response = requests.Response()
        response.status_code, response.request, response._content = 200, request, b""
        return response

    def close(self):
        pass


def test_the_webhook_request_verifies_with_the_standardwebhooks_package(monkeypatch):
    monkeypatch.setattr("shared.platform.base._resolve", lambda host, port: ["10.20.30.40"])
    session, capture = requests.Session(), CapturingAdapter()
    session.mount("https://", capture)
    channel = WebhookChannel(
        url="https://hooks.example.gov.cn/in",
        secret=WEBHOOK_SECRET,
        allowed_hosts=["hooks.example.gov.cn"],
        session=session,
    )
    assert channel.send(reminder()).delivered
    [sent] = capture.requests
    assert isinstance(sent.body, bytes)
    headers = {name: str(value) for name, value in sent.headers.items()}
    verified = Webhook(WEBHOOK_SECRET).verify(sent.body.decode(), headers)
    assert verified["type"] == "notify.message" and verified["data"]["key"] == "reminder-42"


# --------------------------------------------------------------------------- outbound URL guard


def fixed(*addresses):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "url,allow,addresses",
    [
        ("http://169.254.169.254/latest/meta-data", ["169.254.169.254"], ["169.254.169.254"]),
        ("http://100.100.100.200/latest", ["100.100.100.200"], ["100.100.100.200"]),
        ("http://metadata.google.internal/", ["metadata.google.internal"], ["169.254.169.254"]),
        ("https://evil.example.com/x", ["hooks.example.gov.cn"], ["93.184.216.34"]),
        ("https://hooks.example.gov.cn/x", ["hooks.example.gov.cn"], ["169.254.10.1"]),
        ("https://hooks.example.gov.cn/x", ["hooks.example.gov.cn"], ["fe80::1"]),
        ("https://hooks.example.gov.cn/x", ["hooks.example.gov.cn"], ["127.0.0.1"]),
        ("http://[::ffff:169.254.169.254]/", ["::ffff:169.254.169.254"], ["::ffff:169.254.169.254"]),
        ("ftp://hooks.example.gov.cn/x", ["hooks.example.gov.cn"], ["10.0.0.1"]),
        ("https://user:pw@hooks.example.gov.cn/x", ["hooks.example.gov.cn"], ["10.0.0.1"]),
    ],
)
def test_outbound_urls_to_metadata_link_local_loopback_or_unlisted_hosts_are_refused(url, allow, addresses):
    with pytest.raises(OutboundUrlRefused):
        check_outbound_url(url, allow, resolver=fixed(*addresses))


def test_allow_listed_hosts_on_the_government_network_and_explicit_loopback_are_allowed():
    assert check_outbound_url("https://a.hooks.gov.cn/x", ["*.hooks.gov.cn"], resolver=fixed("10.1.2.3"))
    assert check_outbound_url("http://127.0.0.1:8009/x", ["127.0.0.1"])
    assert check_outbound_url("http://localhost:8009/x", ["localhost"], resolver=fixed("127.0.0.1", "::1"))


def test_the_refusal_explains_itself_in_chinese():
    with pytest.raises(OutboundUrlRefused, match="允许列表"):
        check_outbound_url("https://evil.example.com/", ["hooks.example.gov.cn"], resolver=fixed("1.2.3.4"))


def test_adapters_refuse_an_unlisted_url_at_construction():
    with pytest.raises(OutboundUrlRefused):
        RobotChannel(webhook_url="http://169.254.169.254/robot/send?access_token=x", secret=None)


# --------------------------------------------------------------------------- stub channel and results


def test_the_stub_channel_records_deliveries_and_plays_its_script():
    stub = StubChannel(script=["transient", "permanent"])
    assert [stub.send(reminder(key=k)).outcome for k in "abc"] == ["transient", "permanent", "delivered"]
    assert [m.key for m in stub.sent] == ["c"]
    assert stub.send(reminder(key="c")).already_delivered
    assert isinstance(stub, Channel)


def test_send_results_are_immutable():
    result = SendResult("delivered", request_summary={"channel": "stub"})
    with pytest.raises(AttributeError):
        result.outcome = "permanent"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.request_summary["channel"] = "x"  # type: ignore[index]
