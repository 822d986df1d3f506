"""Intake's old name for the suite's one attachment store, which lives in :mod:`shared.attachment_store`
(devolution stores its feedback scans there too). New code imports ``shared.attachment_store``."""

from shared.attachment_store import (
    CHUNK,
    STORE_KEY,
    AttachmentStore,
    DirectoryStore,
    MemoryStore,
    S3Store,
    plugged_or_default,
    s3_client,
    store_for,
)

__all__ = [
    "CHUNK",
    "STORE_KEY",
    "AttachmentStore",
    "DirectoryStore",
    "MemoryStore",
    "S3Store",
    "plugged_or_default",
    "s3_client",
    "store_for",
]
