"""Channel secrets: the adapter configuration of a channel with its secrets decrypted, which key holds
which channel, and rotation to the current key (see :mod:`services.notify.adapters.keyring`).

``python -m services.notify.usecases.channel_secrets status|rotate|new-key [sm4|aes]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections import Counter
from typing import Any

from services.notify.adapters.channels import ChannelConfig
from services.notify.adapters.keyring import ALGORITHMS, Keyring, is_encrypted
from services.notify.usecases import audit_log
from shared import audit
from shared.config import Settings
from shared.identity import Principal


def keyring_of(runtime: Any) -> Keyring:
    from services.notify.usecases.delivery import context_of

    return context_of(runtime).keyring


def channel_config(runtime: Any, row: Any) -> ChannelConfig:
    """The adapter configuration of a ``channel`` row, its secrets decrypted (never log or return it)."""
    credentials = keyring_of(runtime).decrypt(dict(row.credentials or {}), aad=row.id)
    return ChannelConfig(row.id, row.kind, dict(row.config or {}), credentials)


def status(runtime: Any) -> dict[str, Any]:
    """Which algorithm and key are in use, and how many channels each key (or none) holds."""
    from sqlalchemy import select

    from services.notify.tables import Channel

    keyring = keyring_of(runtime)
    with runtime.db.transaction() as session:
        stored = [dict(c or {}) for c in session.scalars(select(Channel.credentials)).all()]
    held = Counter(str(s.get("kid")) if is_encrypted(s) else "plaintext" for s in stored)
    return {
        **keyring.describe(),
        "channels": len(stored),
        "channels_by_key": {key: count for key, count in sorted(held.items()) if key != "plaintext"},
        "plaintext_channels": held.get("plaintext", 0),
        "to_rotate": sum(1 for s in stored if keyring.needs_rotation(s)),
    }


def rotate(runtime: Any) -> int:
    """Re-encrypt every channel whose secrets are not under the current key (or are in the clear); recorded
    in the audit trail of each jurisdiction whose channels it re-encrypted, by the command line."""
    from sqlalchemy import select

    from services.notify.tables import Channel

    keyring = keyring_of(runtime)
    rotated: dict[str, list[str]] = {}
    with runtime.unit_of_work() as uow:
        for row in uow.session.scalars(select(Channel).order_by(Channel.id)).all():
            stored = dict(row.credentials or {})
            if keyring.needs_rotation(stored):
                row.credentials = keyring.encrypt(keyring.decrypt(stored, aad=row.id), aad=row.id)
                rotated.setdefault(row.jurisdiction, []).append(row.id)
        for jurisdiction, channels in rotated.items():
            uow.audit(
                audit_log.SECRETS_ROTATE,
                actor=Principal(audit.CLI_ID, "命令行", jurisdiction, None, frozenset()),
                object_type="channel",
                object_id=",".join(channels)[:200],
                summary=f"以密钥 {keyring.current.id}（{keyring.current.algorithm_name}）重新加密渠道密钥"
                f" {len(channels)} 个",
                details={"channels": channels, "key_id": keyring.current.id},
            )
        uow.commit()
    return sum(len(channels) for channels in rotated.values())


def main(argv: list[str] | None = None) -> int:
    """``python -m services.notify.usecases.channel_secrets status|rotate|new-key [sm4|aes]``."""
    parser = argparse.ArgumentParser(
        prog="python -m services.notify.usecases.channel_secrets", description=(__doc__ or "").split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status", help="which algorithm and key are in use; channels per key")
    sub.add_parser("rotate", help="re-encrypt every channel with the first key of DM_NOTIFY_CHANNEL_KEYS")
    new = sub.add_parser("new-key", help="print a fresh key entry for DM_NOTIFY_CHANNEL_KEYS")
    new.add_argument("algorithm", nargs="?", default="sm4", choices=sorted(ALGORITHMS))
    new.add_argument("--id", default="k1")
    args = parser.parse_args(argv)
    if args.command == "new-key":
        raw = os.urandom(ALGORITHMS[args.algorithm][1])
        print(f"{args.id}:{args.algorithm}:{base64.b64encode(raw).decode()}")
        return 0
    from services.notify.app import SERVICE
    from shared.messaging import RecordingSender
    from shared.runtime import build_runtime

    settings = Settings.from_env("notify")
    runtime = build_runtime(
        settings, outbox_model=SERVICE.outbox_model, inbox_model=SERVICE.inbox_model, sender=RecordingSender()
    )
    SERVICE.register_handlers(runtime)
    if args.command == "rotate":
        print(f"re-encrypted {rotate(runtime)} channel(s) with {keyring_of(runtime).current!r}")
    print(json.dumps(status(runtime), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
