"""Attachments: uploaded once, stored under their SHA-256, limited in size and type, served only to people
entitled to the case.

The bytes live in the store the environment chooses (:mod:`shared.attachment_store`) — a
folder under ``DM_VAR_DIR`` by default, an S3-compatible bucket when ``DM_S3_BUCKET`` is set (two web
machines must see the same files) — and are streamed, never held whole in memory. One limit applies
everywhere: ``DM_MAX_UPLOAD_BYTES`` (50 MB by default, enough for a scanned 20-page PDF), told to the user in
the upload form, the API description and the refusal; nginx's ``client_max_body_size`` is kept just above it.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.domain.actors import Actor
from services.intake.tables import Attachment, opened
from shared.attachment_store import CHUNK, AttachmentStore, store_once
from shared.config import Settings
from shared.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from shared.runtime import ServiceRuntime
from shared.uploads import checked_type, clean_filename, type_names

log = logging.getLogger(__name__)


def max_bytes(settings: Settings) -> int:
    """The one upload limit (``DM_MAX_UPLOAD_BYTES``)."""
    return settings.max_upload_bytes


def limit_text(settings: Settings) -> str:
    """What the user is told before and after uploading: 单个文件不超过 50 MB，格式：…"""
    return f"单个文件不超过 {_size_text(max_bytes(settings))}，格式：{type_names()}"


def _size_text(size: int) -> str:
    megabytes = size / (1024 * 1024)
    if megabytes >= 1:
        return f"{megabytes:g} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
    return f"{max(size // 1024, 1)} KB"


@dataclass(frozen=True)
class Upload:
    """One uploaded file: its name and a stream positioned at its first byte."""

    filename: str
    stream: IO[bytes]


def _check_type(upload: Upload) -> str:
    start = upload.stream.tell()
    head = upload.stream.read(8)
    upload.stream.seek(start)
    return checked_type(upload.filename, head, field="file")


def _measure(upload: Upload, limit: int, settings: Settings) -> tuple[str, int]:
    """SHA-256 and size, read in chunks; refused as soon as the size passes the limit."""
    start, digest, size = upload.stream.tell(), hashlib.sha256(), 0
    while chunk := upload.stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"文件过大：{limit_text(settings)}", code="attachment_too_large")
        digest.update(chunk)
    upload.stream.seek(start)
    return digest.hexdigest(), size


def attachment_payload(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "case_id": row.case_id,
        "uploaded_by": row.uploaded_by,
        "created_at": row.created_at,
    }


def upload(runtime: ServiceRuntime, store: AttachmentStore, actor: Actor, item: Upload) -> dict[str, Any]:
    """Store the bytes (once per content) and record this upload; the row only after the bytes are stored."""
    if not (actor.is_department_user or actor.is_office):
        raise Forbidden("只有部门或编办用户可以上传材料", code="role_required")
    item = Upload(filename=clean_filename(item.filename, field="file"), stream=item.stream)
    content_type = _check_type(item)
    digest, size = _measure(item, max_bytes(runtime.settings), runtime.settings)
    store_once(store, digest, item.stream)
    with runtime.db.transaction() as session:
        row = Attachment(
            id=f"a-{uuid.uuid4().hex[:16]}",
            sha256=digest,
            size=size,
            content_type=content_type,
            filename=item.filename,
            jurisdiction_code=actor.jurisdiction,
            department_code=actor.department,
            uploaded_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        return attachment_payload(row)


def claim(
    session: Session, actor: Actor, case_id: str, ids: list[str], field: str = "attachment_ids"
) -> list[Attachment]:
    """Tie uploaded attachments to a case; only the uploader's own (or department's) unclaimed files.
    A refusal names ``field``, the input that carried the ids."""
    if not ids:
        return []
    rows = session.scalars(select(Attachment).where(Attachment.id.in_(ids))).all()
    found = {row.id: row for row in rows}
    bad = [
        i
        for i in ids
        if i not in found
        or found[i].jurisdiction_code != actor.jurisdiction
        or (found[i].uploaded_by != actor.user_id and found[i].department_code != actor.department)
        or found[i].case_id not in (None, case_id)
    ]
    if bad:
        raise ValidationFailed.for_field(field, f"附件不存在或不可用：{'、'.join(bad)}")
    for row in rows:
        row.case_id = case_id
    opened.keep(session, rows)  # a case opened in this transaction has them (tables.opened)
    return list(rows)


def find(session: Session, attachment_id: str) -> Attachment:
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("未找到该附件", code="not_found")
    return row
