"""Signing of the three channels, checked against vectors computed independently of our code.

浙政钉: strings spelled out per the official Java SDK's ``Signature`` class and HMACs computed with the
``openssl`` command line; robots: the ``dingtalkchatbot`` package; webhooks: the ``standardwebhooks`` package.
"""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
from dingtalkchatbot.chatbot import DingtalkChatbot
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from shared.platform.signing import (
    new_webhook_secret,
    robot_sign,
    robot_signed_url,
    verify_webhook_signature,
    webhook_secret_bytes,
    webhook_signature,
    zwd_canonical_params,
    zwd_headers,
    zwd_nonce,
    zwd_signature,
    zwd_string_to_sign,
    zwd_timestamp,
)

TIMESTAMP = "2026-11-28T10:00:00.000+08:00"
NONCE = "17643348000001234"
MSG = '{"msgtype":"text","text":{"content":"协调意见 还剩2个工作日 a&b=c"}}'
PARAMS = {
    "tenantId": "196729",
    "receiverIds": "10001,10002",
    "organizationCodes": "",
    "bizMsgId": "reminder-42",
    "msg": MSG,
}


# --------------------------------------------------------------------------- 浙政钉


def test_work_notification_string_to_sign_has_sorted_raw_params_and_drops_empty_ones():
    expected = (
        "POST\n2026-11-28T10:00:00.000+08:00\n17643348000001234\n/message/workNotification\n"
        f"bizMsgId=reminder-42&msg={MSG}&receiverIds=10001,10002&tenantId=196729"
    )
    assert zwd_string_to_sign("POST", TIMESTAMP, NONCE, "/message/workNotification", PARAMS) == expected


def test_work_notification_signature_matches_openssl_hmac_sha256_base64():
    # printf '<string above>' | openssl dgst -sha256 -hmac demo-app-secret -binary | base64
    signature = zwd_signature(
        "demo-app-secret",
        method="POST",
        timestamp=TIMESTAMP,
        nonce=NONCE,
        path="/message/workNotification",
        params=PARAMS,
    )
    assert signature == "H38jUPbFnvUtFgEWkXVkq4a6RBAGZRn9KPxVqZdMfv0="


def test_a_call_without_parameters_signs_only_method_timestamp_nonce_and_path():
    assert zwd_string_to_sign("GET", TIMESTAMP, NONCE, "/gettoken.json", {}) == (
        "GET\n2026-11-28T10:00:00.000+08:00\n17643348000001234\n/gettoken.json"
    )
    signature = zwd_signature(
        "demo-app-secret", method="GET", timestamp=TIMESTAMP, nonce=NONCE, path="/gettoken.json", params=None
    )
    assert signature == "JOS/JBPDmVzagcFCpAOrIuqztyVErenAgBDbOyI/yd4="


def test_parameter_keys_sort_like_javas_case_insensitive_order_not_pythons_default():
    # Java's CASE_INSENSITIVE_ORDER puts "a_b" before "aB" ('_' < 'b'); Python's sorted() would not.
    assert zwd_canonical_params({"b": "1", "aB": "4", "A": "2", "a_b": "3"}) == "A=2&a_b=3&aB=4&b=1"


def test_repeated_parameter_values_are_each_signed_in_sorted_order_and_blank_values_dropped():
    assert zwd_canonical_params({"employeeCodes": ["GE_2", "GE_1"], "tenantId": "1", "x": "  "}) == (
        "employeeCodes=GE_1&employeeCodes=GE_2&tenantId=1"
    )


def test_timestamp_is_beijing_time_with_milliseconds_whatever_the_server_time_zone(monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        instant = datetime(2026, 11, 28, 2, 0, 0, 7000, tzinfo=UTC)
        assert zwd_timestamp(instant) == "2026-11-28T10:00:00.007+08:00"
        assert zwd_timestamp(datetime(2026, 11, 28, 2, 0)) == "2026-11-28T10:00:00.000+08:00"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_nonce_is_epoch_milliseconds_followed_by_four_random_digits():
    instant = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    nonce = zwd_nonce(instant)
    assert len(nonce) == 17 and nonce.isdigit()
    assert nonce.startswith(str(int(instant.timestamp() * 1000)))


def test_signed_headers_carry_every_header_the_sdk_sends():
    headers = zwd_headers(
        api_key="demo-app-key",
        secret="demo-app-secret",
        method="POST",
        path="/message/workNotification",
        params=PARAMS,
        nonce=NONCE,
        now=datetime(2026, 11, 28, 2, 0, tzinfo=UTC),
    )
    assert headers == {
        "apiKey": "demo-app-key",
        "X-Hmac-Auth-Timestamp": TIMESTAMP,
        "X-Hmac-Auth-Nonce": NONCE,
        "X-Hmac-Auth-Version": "1.0",
        "X-Hmac-Auth-Signature": "H38jUPbFnvUtFgEWkXVkq4a6RBAGZRn9KPxVqZdMfv0=",
        "X-Hmac-Auth-IP": "127.0.0.1",
        "X-Hmac-Auth-MAC": "00:00:00:00:00:00",
    }


# --------------------------------------------------------------------------- robots


def _dingtalkchatbot_url(base: str, secret: str, timestamp_ms: int) -> str:
    bot = DingtalkChatbot(base, secret=secret)
    bot.webhook, bot.start_time = base, timestamp_ms / 1000
    bot.update_webhook()
    return bot.webhook


@pytest.mark.parametrize("timestamp_ms", [1795831200000, 1700000000123, 1764334800999])
def test_robot_signed_url_is_exactly_what_dingtalkchatbot_builds(timestamp_ms):
    base = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
    secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
    assert robot_signed_url(base, secret, timestamp_ms) == _dingtalkchatbot_url(base, secret, timestamp_ms)


def test_robot_sign_is_percent_encoded_exactly_once_and_requests_leaves_it_alone():
    base = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
    url = robot_signed_url(base, "SECdemo-robot-secret", 1795831200000)
    raw_sign = url.split("&sign=", 1)[1]
    assert unquote(raw_sign) == robot_sign("SECdemo-robot-secret", 1795831200000)
    assert "%25" not in raw_sign and "+" not in raw_sign and "/" not in raw_sign
    assert requests.Request("POST", url).prepare().url == url
    assert parse_qs(urlsplit(url).query)["sign"] == [robot_sign("SECdemo-robot-secret", 1795831200000)]


def test_an_unsigned_robot_keeps_its_url_unchanged():
    base = "https://oapi.dingtalk.com/robot/send?access_token=abc123"
    assert robot_signed_url(base, None, 1795831200000) == base


# --------------------------------------------------------------------------- standard webhooks


def test_webhook_signature_verifies_with_the_standardwebhooks_package():
    secret = new_webhook_secret()
    body = '{"type":"notify.message","data":{"title":"协调意见即将到期"}}'
    now = int(time.time())
    signature = webhook_signature(secret, msg_id="reminder-42", timestamp_s=now, body=body)
    headers = {"webhook-id": "reminder-42", "webhook-timestamp": str(now), "webhook-signature": signature}
    assert Webhook(secret).verify(body, headers) == {
        "type": "notify.message",
        "data": {"title": "协调意见即将到期"},
    }


def test_webhook_signature_equals_the_packages_own_signature():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    instant = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    expected = Webhook(secret).sign("msg_1", instant, '{"a":1}')
    assert (
        webhook_signature(secret, msg_id="msg_1", timestamp_s=int(instant.timestamp()), body='{"a":1}')
        == expected
    )


def test_a_tampered_webhook_body_fails_the_packages_verification():
    secret = new_webhook_secret()
    now = int(time.time())
    headers = {
        "webhook-id": "k",
        "webhook-timestamp": str(now),
        "webhook-signature": webhook_signature(secret, msg_id="k", timestamp_s=now, body="{}"),
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify('{"x":1}', headers)


def test_webhook_verification_accepts_any_matching_signature_and_refuses_stale_timestamps():
    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123").decode()
    instant = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    good = Webhook(secret).sign("m", instant, "{}")
    ts = int(instant.timestamp())
    header = f"v1,AAAA {good}"
    assert verify_webhook_signature(
        secret, msg_id="m", timestamp_s=ts, body="{}", signature_header=header, now_s=ts + 10
    )
    assert not verify_webhook_signature(
        secret, msg_id="m", timestamp_s=ts, body="{}", signature_header=header, now_s=ts + 301
    )


def test_a_webhook_secret_without_the_whsec_prefix_is_refused():
    with pytest.raises(ValueError):
        webhook_secret_bytes("c2VjcmV0")
