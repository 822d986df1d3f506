"""Where attachment bytes live, keyed by their SHA-256.

Storage is pluggable (:class:`AttachmentStore`): a directory under ``var_dir`` on embedded defaults, an
S3-compatible bucket in production (any client with ``put_object``/``get_object``/``head_object``, e.g.
boto3 pointed at MinIO or OSS), and an in-memory store for tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from shared.config import Settings


class AttachmentStore(Protocol):
    """Where attachment bytes live, keyed by their SHA-256."""

    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...


class MemoryStore:
    """The stub: bytes in a dict (tests, tools that only look)."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, key: str, data: bytes) -> None:
        self.blobs[key] = data

    def get(self, key: str) -> bytes:
        return self.blobs[key]

    def exists(self, key: str) -> bool:
        return key in self.blobs


class DirectoryStore:
    """Files under a directory, fanned out by the first two hex digits; written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
        partial.write_bytes(data)
        partial.replace(path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).exists()


class S3Store:
    """An S3-compatible bucket through a boto3-style client (MinIO, OSS and others speak the same API)."""

    def __init__(self, *, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read())

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception:
            return False
        return True


def store_for(settings: Settings) -> AttachmentStore:
    """The default store: a directory under ``var_dir``."""
    return DirectoryStore(settings.var_dir / "attachments")


STORE_KEY = "intake.attachment_store"


def plugged_or_default(extensions: Mapping[str, Any], settings: Settings) -> AttachmentStore:
    """The store plugged into the app (``app.extensions[STORE_KEY]``: tests, a bucket), else the default."""
    plugged = extensions.get(STORE_KEY)
    return plugged if plugged is not None else store_for(settings)
