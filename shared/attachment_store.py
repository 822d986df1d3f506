"""The one attachment store of the suite: where uploaded bytes live (intake's case materials, devolution's
scans of the written feedback), keyed by their SHA-256 — a folder under ``DM_VAR_DIR`` by default,
S3-compatible object storage when ``DM_S3_BUCKET`` is set. Services share the bytes, never the rows: each
keeps its own table of what was uploaded to which case, and who may read it.

Two web machines must see the same files, so a deployment with more than one sets ``DM_S3_BUCKET`` (and the
endpoint and keys of what 政务云 offers: OSS, MinIO, Ceph RGW and others speak the S3 API). Files are
written whole or not at all and read as streams (a scanned 50 MB PDF never sits in memory twice).
:class:`MemoryStore` is the stub for tests. Each app builds its store once (``app.extensions[STORE_KEY]``).
"""

from __future__ import annotations

import errno
import io
import logging
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from shared.config import Settings
from shared.errors import ServiceUnavailable, StorageFull

CHUNK = 1024 * 1024
#: the errors of a store that has no room left: a full disk, an exhausted quota
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT})

log = logging.getLogger(__name__)


class AttachmentStore(Protocol):
    """Bytes by key (a SHA-256 in hex)."""

    def put(self, key: str, source: IO[bytes]) -> None:
        """Store ``source`` (read from where it stands to its end) under ``key``, whole or not at all."""

    def open(self, key: str) -> IO[bytes]:
        """The stored bytes as a stream; :class:`KeyError` when there is nothing under ``key``."""

    def exists(self, key: str) -> bool: ...


class MemoryStore:
    """The stub: bytes in a dict (tests, tools that only look)."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, key: str, source: IO[bytes]) -> None:
        self.blobs[key] = source.read()

    def open(self, key: str) -> IO[bytes]:
        return io.BytesIO(self.blobs[key])

    def exists(self, key: str) -> bool:
        return key in self.blobs


class DirectoryStore:
    """Files under a folder, fanned out by the first two hex digits; written to a temporary name first."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"DirectoryStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, key: str, source: IO[bytes]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{uuid.uuid4().hex}.part")
        try:
            with partial.open("wb") as target:
                shutil.copyfileobj(source, target, CHUNK)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)

    def open(self, key: str) -> IO[bytes]:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise KeyError(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).exists()


class S3Store:
    """An S3-compatible bucket through a boto3 client; large files go up in parts (``upload_fileobj``)."""

    def __init__(self, *, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def __repr__(self) -> str:
        return f"S3Store(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, source: IO[bytes]) -> None:
        # A multipart upload that fails is aborted by boto3: the object appears whole or not at all.
        self.client.upload_fileobj(source, self.bucket, self._key(key))

    def open(self, key: str) -> IO[bytes]:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except self.client.exceptions.NoSuchKey as exc:
            raise KeyError(key) from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client for the configured endpoint (path-style addressing unless told otherwise)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region or None,
        aws_access_key_id=settings.s3_access_key_id or None,
        aws_secret_access_key=settings.s3_secret_access_key or None,
        config=Config(
            s3={"addressing_style": settings.s3_addressing_style},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
        ),
    )


def store_once(store: AttachmentStore, key: str, source: IO[bytes]) -> None:
    """Put the bytes under their key unless they are there already (the same content is stored once).

    A store with no room left answers :class:`~shared.errors.StorageFull` (507, logged at ERROR for the
    operator), any other failure :class:`~shared.errors.ServiceUnavailable`; either way nothing was
    stored — :class:`DirectoryStore` removes its partial file — and the caller records no row."""
    try:
        if not store.exists(key):
            store.put(key, source)
    except OSError as exc:
        if exc.errno not in NO_ROOM:
            raise _unavailable(store, key) from exc
        log.error("attachment store %r is full: %s not stored (%s)", store, key, exc)
        raise StorageFull(
            "附件存储空间已满，文件未保存。请联系系统管理员扩容或清理后再上传", code="storage_full"
        ) from exc
    except Exception as exc:
        raise _unavailable(store, key) from exc


def _unavailable(store: AttachmentStore, key: str) -> ServiceUnavailable:
    log.exception("attachment store %r refused %s", store, key)
    return ServiceUnavailable("附件存储暂时不可用，文件未保存，请稍后再试", code="storage_unavailable")


def store_for(settings: Settings, folder: str = "attachments") -> AttachmentStore:
    """The bucket named by ``DM_S3_BUCKET``, else ``folder`` under ``DM_VAR_DIR``."""
    if settings.s3_bucket:
        prefix = "/".join(part for part in (settings.s3_prefix, folder) if part)
        return S3Store(client=s3_client(settings), bucket=settings.s3_bucket, prefix=prefix)
    return DirectoryStore(settings.var_dir / folder)


STORE_KEY = "attachment_store"


def plugged_or_default(extensions: Mapping[str, Any], settings: Settings) -> AttachmentStore:
    """The store plugged into the app (``app.extensions[STORE_KEY]``, set when the app is built), else the
    default."""
    plugged = extensions.get(STORE_KEY)
    return plugged if plugged is not None else store_for(settings)
