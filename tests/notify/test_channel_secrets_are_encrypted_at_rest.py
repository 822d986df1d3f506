"""Robot and webhook secrets are encrypted at rest with a key from the environment (SM4-GCM, the national
algorithm, or AES-256-GCM), rotatable, and the office admins can see which algorithm and key are in use."""

from __future__ import annotations

import base64
import json

import pytest
from notify_support import NINGBO, ROBOT_SECRET, ROBOT_TOKEN, add_people
from sqlalchemy import select

from services.notify.adapters import keyring
from services.notify.app import create_app
from services.notify.tables import Channel
from services.notify.usecases import channel_secrets
from services.notify.usecases.delivery import build_context
from shared.auth import Principal, issue_token
from shared.config import ConfigError, NotifySettings, Settings

SM4_KEY = base64.b64encode(bytes(range(16))).decode()
AES_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def notify(make_runtime, standin):
    """``notify(keys)``: the notify service started with ``DM_NOTIFY_CHANNEL_KEYS=keys`` — on the same
    database each time (a restart with other keys)."""
    made: list[object] = []

    def make(keys: str = "") -> object:
        if not made:
            made.append(make_runtime("notify"))
            made[0].settings = made[0].settings.with_overrides(platform_base_url=standin.url)
            add_people(made[0])
        runtime = made[0]
        runtime.extensions["notify.context"] = build_context(runtime, {"DM_NOTIFY_CHANNEL_KEYS": keys})
        return runtime

    return make


def headers(runtime) -> dict[str, str]:
    principal = Principal("bb.admin", "赵磊", NINGBO, "nb-bb", frozenset({"office_admin"}))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=60)
    return {"Authorization": f"Bearer {token}"}


def create_robot(client, runtime, standin) -> dict:
    body = {
        "kind": "robot",
        "name": "市场监管局工作群",
        "url": f"{standin.url}/robot/send",
        "access_token": ROBOT_TOKEN,
        "secret": ROBOT_SECRET,
    }
    created = client.post("/api/v1/channels", json=body, headers=headers(runtime))
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def stored(runtime) -> dict:
    with runtime.db.transaction() as session:
        return dict(session.scalars(select(Channel.credentials)).one())


def test_a_robots_token_and_secret_are_stored_encrypted_with_sm4_and_still_sign_its_messages(
    notify, standin
) -> None:
    runtime = notify(f"k1:sm4:{SM4_KEY}")
    client = create_app(runtime=runtime).test_client()
    channel = create_robot(client, runtime, standin)

    row = stored(runtime)
    assert ROBOT_TOKEN not in json.dumps(row) and ROBOT_SECRET not in json.dumps(row)
    assert row["alg"] == "SM4-GCM" and row["kid"] == "k1" and row["fields"] == ["access_token", "secret"]
    assert channel["encryption"] == {"algorithm": "SM4-GCM", "key_id": "k1"}
    tested = client.post(f"/api/v1/channels/{channel['id']}/test", json={}, headers=headers(runtime))
    assert tested.get_json()["delivered"] is True  # decrypted, signed, accepted
    shown = client.get("/api/v1/channels/encryption", headers=headers(runtime)).get_json()
    assert (
        shown["algorithm"] == "SM4-GCM" and shown["key_id"] == "k1" and shown["channels_by_key"] == {"k1": 1}
    )


def test_rotation_re_encrypts_every_channel_with_the_new_key_and_the_old_one_can_then_go(
    notify, standin
) -> None:
    runtime = notify(f"old:aes:{AES_KEY}")
    client = create_app(runtime=runtime).test_client()
    channel_id = create_robot(client, runtime, standin)["id"]
    assert stored(runtime)["alg"] == "AES-256-GCM"

    rotated = notify(f"new:sm4:{SM4_KEY},old:aes:{AES_KEY}")
    assert channel_secrets.status(rotated)["to_rotate"] == 1
    assert channel_secrets.rotate(rotated) == 1 and channel_secrets.rotate(rotated) == 0
    assert channel_secrets.status(rotated)["channels_by_key"] == {"new": 1}

    only_new = notify(f"new:sm4:{SM4_KEY}")
    with only_new.db.transaction() as session:
        config = channel_secrets.channel_config(only_new, session.get(Channel, channel_id))
    assert config.credentials == {"access_token": ROBOT_TOKEN, "secret": ROBOT_SECRET}


def test_a_secret_stored_in_the_clear_before_encryption_is_read_and_encrypted_by_rotation(notify) -> None:
    runtime = notify()
    with runtime.db.transaction() as session:
        session.add(
            Channel(
                id="legacy",
                jurisdiction=NINGBO,
                kind="robot",
                name="旧渠道",
                config={"url": "http://127.0.0.1/robot/send"},
                credentials={"access_token": "t", "secret": "s"},
            )
        )
    assert channel_secrets.status(runtime)["plaintext_channels"] == 1
    assert channel_secrets.rotate(runtime) == 1
    assert stored(runtime)["alg"] == "SM4-GCM" and channel_secrets.status(runtime)["plaintext_channels"] == 0


def test_a_ciphertext_moved_to_another_channel_or_altered_does_not_decrypt() -> None:
    for spec in (f"k:sm4:{SM4_KEY}", f"k:aes:{AES_KEY}"):
        ring = keyring.Keyring(keyring.parse_keys(spec))
        sealed = ring.encrypt({"secret": "s3cret"}, aad="channel-a")
        assert ring.decrypt(sealed, aad="channel-a") == {"secret": "s3cret"}
        with pytest.raises(keyring.SecretUnreadable):
            ring.decrypt(sealed, aad="channel-b")
        altered = {**sealed, "data": base64.b64encode(b"x" * 40).decode()}
        with pytest.raises(keyring.SecretUnreadable):
            ring.decrypt(altered, aad="channel-a")
    with pytest.raises(keyring.SecretUnreadable, match="已不在配置中"):
        keyring.Keyring(keyring.parse_keys(f"other:sm4:{SM4_KEY}")).decrypt(sealed, aad="channel-a")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (f"k1:des:{SM4_KEY}", "sm4 or aes"),
        (f"k1:sm4:{AES_KEY}", "16 bytes"),
        ("k1:sm4:not base64!", "id:algorithm:base64-key"),
        (f"k1:sm4:{SM4_KEY},k1:aes:{AES_KEY}", "twice"),
    ],
)
def test_a_malformed_key_list_is_refused_at_start_up_naming_the_variable(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        keyring.parse_keys(spec)
    assert "DM_NOTIFY_CHANNEL_KEYS" in str(raised.value)


def test_production_refuses_to_start_without_a_channel_key() -> None:
    settings = Settings(service="notify", env="production")
    with pytest.raises(ConfigError, match="DM_NOTIFY_CHANNEL_KEYS"):
        keyring.keyring_for(settings)
    keys = NotifySettings.from_env({"DM_NOTIFY_CHANNEL_KEYS": f"k1:sm4:{SM4_KEY}"})
    assert keyring.keyring_for(settings.with_overrides(notify=keys)).current.id == "k1"


def test_a_new_key_entry_is_printed_for_the_environment(capsys) -> None:
    assert channel_secrets.main(["new-key", "sm4", "--id", "k9"]) == 0
    entry = capsys.readouterr().out.strip()
    assert keyring.parse_keys(entry)[0].id == "k9" and entry.startswith("k9:sm4:")
