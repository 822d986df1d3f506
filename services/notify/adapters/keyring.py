"""Channel secrets at rest: robots' ``access_token`` and signing secret, webhooks' ``whsec_`` secret.

They are encrypted in the ``channel`` row with a key from the environment, never stored in the clear:

``DM_NOTIFY_CHANNEL_KEYS`` = ``id:algorithm:base64-key[,id:algorithm:base64-key…]`` — the first key encrypts,
every listed key decrypts. Algorithms: ``sm4`` (SM4-GCM, GB/T 32907 — the national algorithm China's
government systems are assessed against; a 16-byte key) and ``aes`` (AES-256-GCM; a 32-byte key). Both come
from ``cryptography`` on its bundled OpenSSL 3. The channel's id is the associated data, so a ciphertext
copied to another row does not decrypt.

Rotation: put the new key first and keep the old one after it; ``python -m
services.notify.usecases.channel_secrets rotate`` re-encrypts every channel with the new key; then drop the
old key. ``… status`` (and ``GET /api/v1/channels/encryption``) says which algorithm and key are in use and
how many channels each key holds. Without the variable, development and tests derive an SM4 key from
``DM_SECRET_KEY``; production refuses to start.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config import ConfigError, NotifySettings, Settings

ALGORITHMS = {"sm4": ("SM4-GCM", 16), "aes": ("AES-256-GCM", 32)}
ENVIRONMENT_VARIABLE = "DM_NOTIFY_CHANNEL_KEYS"
DEVELOPMENT_KEY_ID = "dev"
NONCE_BYTES, TAG_BYTES = 12, 16


class SecretUnreadable(LookupError):
    """Raised when a stored secret cannot be decrypted: its key is no longer configured, or it was altered."""


@dataclass(frozen=True)
class ChannelKey:
    """One key of the keyring: its id (stored beside each ciphertext), algorithm and bytes."""

    id: str
    algorithm: str
    key: bytes

    def __repr__(self) -> str:
        return f"ChannelKey(id={self.id!r}, algorithm={self.algorithm!r})"

    @property
    def algorithm_name(self) -> str:
        return ALGORITHMS[self.algorithm][0]

    def encrypt(self, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        if self.algorithm == "aes":
            return nonce, AESGCM(self.key).encrypt(nonce, plaintext, aad)
        encryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        return nonce, encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        if self.algorithm == "aes":
            return AESGCM(self.key).decrypt(nonce, data, aad)
        body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(body) + decryptor.finalize()


def parse_keys(spec: str) -> list[ChannelKey]:
    """``id:algorithm:base64-key`` entries, comma-separated; :class:`ConfigError` names what is wrong."""
    keys: list[ChannelKey] = []
    for entry in (part.strip() for part in spec.split(",") if part.strip()):
        try:
            key_id, algorithm, encoded = entry.split(":", 2)
            raw = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            got = key_id_of(entry)
            raise ConfigError(f"{ENVIRONMENT_VARIABLE}: expected id:algorithm:base64-key, got {got}") from exc
        if algorithm not in ALGORITHMS:
            raise ConfigError(f"{ENVIRONMENT_VARIABLE}: algorithm of key {key_id!r} must be sm4 or aes")
        if len(raw) != ALGORITHMS[algorithm][1]:
            size = ALGORITHMS[algorithm][1]
            raise ConfigError(f"{ENVIRONMENT_VARIABLE}: key {key_id!r} ({algorithm}) must be {size} bytes")
        if any(key.id == key_id for key in keys):
            raise ConfigError(f"{ENVIRONMENT_VARIABLE}: key id {key_id!r} appears twice")
        keys.append(ChannelKey(key_id, algorithm, raw))
    return keys


def key_id_of(entry: str) -> str:
    return repr(entry.split(":", 1)[0]) if ":" in entry else "an entry without an id"


class Keyring:
    """The keys channel secrets are encrypted with: the first encrypts, all decrypt."""

    def __init__(self, keys: Sequence[ChannelKey]) -> None:
        if not keys:
            raise ConfigError(f"{ENVIRONMENT_VARIABLE} names no key")
        self.keys = list(keys)
        self.current = self.keys[0]
        self._by_id = {key.id: key for key in self.keys}

    def __repr__(self) -> str:
        return f"Keyring(current={self.current!r}, keys={len(self.keys)})"

    def encrypt(self, secrets: Mapping[str, Any], *, aad: str) -> dict[str, Any]:
        """The stored form of ``secrets``: key id, algorithm, nonce, ciphertext; the field names in clear."""
        plaintext = json.dumps(dict(secrets), ensure_ascii=False, sort_keys=True).encode()
        nonce, data = self.current.encrypt(plaintext, aad.encode())
        return {
            "enc": 1,
            "kid": self.current.id,
            "alg": self.current.algorithm_name,
            "nonce": base64.b64encode(nonce).decode(),
            "data": base64.b64encode(data).decode(),
            "fields": sorted(name for name, value in secrets.items() if value),
        }

    def decrypt(self, stored: Mapping[str, Any], *, aad: str) -> dict[str, Any]:
        """The secrets of a stored value (a value stored in the clear before encryption is read as is)."""
        if not is_encrypted(stored):
            return dict(stored)
        key = self._by_id.get(str(stored.get("kid")))
        if key is None:
            raise SecretUnreadable(f"渠道密钥由已不在配置中的密钥（{stored.get('kid')}）加密，无法解密")
        try:
            nonce, data = base64.b64decode(stored["nonce"]), base64.b64decode(stored["data"])
            return dict(json.loads(key.decrypt(nonce, data, aad.encode())))
        except (InvalidTag, ValueError, KeyError) as exc:
            raise SecretUnreadable("渠道密钥无法解密（密文被改动或与该渠道不符）") from exc

    def needs_rotation(self, stored: Mapping[str, Any]) -> bool:
        return not is_encrypted(stored) or stored.get("kid") != self.current.id

    def describe(self) -> dict[str, Any]:
        return {
            "algorithm": self.current.algorithm_name,
            "key_id": self.current.id,
            "keys": [{"key_id": key.id, "algorithm": key.algorithm_name} for key in self.keys],
        }


def is_encrypted(stored: Mapping[str, Any]) -> bool:
    return stored.get("enc") == 1


def field_names(stored: Mapping[str, Any]) -> list[str]:
    """The names of the secrets a stored value holds (readable without the key)."""
    if is_encrypted(stored):
        return list(stored.get("fields") or [])
    return sorted(name for name, value in stored.items() if value)


def keyring_for(settings: Settings, notify: NotifySettings | None = None) -> Keyring:
    """The keyring of ``DM_NOTIFY_CHANNEL_KEYS`` (``settings.notify.channel_keys``); without it, an SM4 key
    derived from ``DM_SECRET_KEY`` outside production, and :class:`ConfigError` in production."""
    spec = (notify or settings.notify).channel_keys
    if spec.strip():
        return Keyring(parse_keys(spec))
    if settings.is_production:
        raise ConfigError(
            f"refusing to start in production: {ENVIRONMENT_VARIABLE} must name the key that encrypts channel"
            " secrets (e.g. k1:sm4:<16 random bytes, base64>)"
        )
    derived = hashlib.sha256(b"dm-notify-channel-secrets\n" + settings.secret_key.encode()).digest()[:16]
    return Keyring([ChannelKey(DEVELOPMENT_KEY_ID, "sm4", derived)])
