"""Attachments: uploaded once, stored under their SHA-256, limited in size and type, served only to people
entitled to the case. Where the bytes live is the store's business (:mod:`services.intake.adapters.
attachment_store`)."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.adapters.attachment_store import AttachmentStore
from services.intake.domain.actors import Actor
from services.intake.tables import Attachment
from shared.config import Settings
from shared.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from shared.runtime import ServiceRuntime

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

#: extension → (content type, the file's first bytes, any of them)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF",)),
    "ofd": ("application/ofd", (b"PK\x03\x04",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    "wps": ("application/vnd.ms-works", (b"\xd0\xcf\x11\xe0",)),
    "png": ("image/png", (b"\x89PNG",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def max_bytes(settings: Settings) -> int:
    """As large as a request may be (``DM_MAX_REQUEST_BYTES``), and never more than 10 MB."""
    return min(DEFAULT_MAX_BYTES, settings.max_request_bytes)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _check_type(upload: Upload) -> str:
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    allowed = ALLOWED_TYPES.get(extension)
    if allowed is None:
        names = "、".join(sorted(ALLOWED_TYPES))
        raise ValidationFailed.for_field("file", f"不支持的文件类型，允许：{names}", code="attachment_type")
    content_type, signatures = allowed
    if not upload.data.startswith(signatures):
        raise ValidationFailed.for_field("file", "文件内容与扩展名不符", code="attachment_type")
    return content_type


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
    """Store the bytes (once per content) and record this upload."""
    if not (actor.is_department_user or actor.is_office):
        raise Forbidden("只有部门或编办用户可以上传材料", code="role_required")
    if not item.data:
        raise ValidationFailed.for_field("file", "文件不能为空", code="attachment_empty")
    if len(item.data) > max_bytes(runtime.settings):
        raise PayloadTooLarge(
            f"文件不能超过 {max_bytes(runtime.settings) // 1024} KB", code="attachment_too_large"
        )
    content_type = _check_type(item)
    digest = hashlib.sha256(item.data).hexdigest()
    if not store.exists(digest):
        store.put(digest, item.data)
    with runtime.db.transaction() as session:
        row = Attachment(
            id=f"a-{uuid.uuid4().hex[:16]}",
            sha256=digest,
            size=len(item.data),
            content_type=content_type,
            filename=item.filename[-200:],
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
    return list(rows)


def find(session: Session, attachment_id: str) -> Attachment:
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("未找到该附件", code="not_found")
    return row
