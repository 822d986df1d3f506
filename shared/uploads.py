"""What a scanned document may be: the file types the suite accepts, recognised by extension and first bytes.

Pure (no framework): a service checks an upload with :func:`content_type_of` before it stores it; the size
limit is ``DM_MAX_UPLOAD_BYTES`` (``Settings.max_upload_bytes``), told on the form before upload.
"""

from __future__ import annotations

from shared.errors import PayloadTooLarge, ValidationFailed

#: extension → (content type, the file's first bytes, any of them) — the one list of the suite
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


#: the characters a stored file name never keeps: controls (NUL included) become nothing
_CONTROL = dict.fromkeys([*range(0x00, 0x20), 0x7F])


def base_name(filename: str) -> str:
    """The last path component of a name a browser or a client sent (``../../etc/passwd`` → ``passwd``,
    ``C:\\scans\\纪要.pdf`` → ``纪要.pdf``), without control characters, at most 200 characters (the
    extension kept): what is stored and what ``Content-Disposition`` names."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].translate(_CONTROL).strip().lstrip(".")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = f"{stem[: 199 - len(extension)]}.{extension}" if dot and len(extension) < 20 else name[:200]
    return name


def clean_filename(filename: str, *, field: str) -> str:
    """:func:`base_name` of an upload's name; refused (naming ``field``) with a NUL or empty."""
    if "\x00" in filename:
        raise ValidationFailed.for_field(field, "文件名不能包含空字符（NUL）", code="nul_character")
    name = base_name(filename)
    if not name:
        raise ValidationFailed.for_field(field, "文件名无效", code="attachment_name")
    return name


def content_type_of(filename: str, head: bytes, size: int, *, max_bytes: int, field: str) -> str:
    """The content type of an acceptable upload; a refusal names ``field`` and says why, in Chinese."""
    if size == 0:
        raise ValidationFailed.for_field(field, "文件不能为空", code="attachment_empty")
    if size > max_bytes:
        megabytes = max_bytes / (1024 * 1024)
        raise PayloadTooLarge(
            f"文件不能超过 {megabytes:g} MB",
            code="attachment_too_large",
            fields={field: [f"文件不能超过 {megabytes:g} MB"]},
        )
    return checked_type(filename, head, field=field)


def checked_type(filename: str, head: bytes, *, field: str) -> str:
    """The content type of a file by its extension, its first bytes (``head``) agreeing; refusals name
    ``field``."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = ALLOWED_TYPES.get(extension)
    if allowed is None:
        raise ValidationFailed.for_field(
            field, f"不支持的文件类型，允许：{type_names()}", code="attachment_type"
        )
    if not head:
        raise ValidationFailed.for_field(field, "文件不能为空", code="attachment_empty")
    content_type, signatures = allowed
    if not head.startswith(signatures):
        raise ValidationFailed.for_field(field, "文件内容与扩展名不符", code="attachment_type")
    return content_type


def type_names() -> str:
    """The allowed extensions as told to people: pdf、ofd、docx…"""
    return "、".join(ALLOWED_TYPES)


def accept_attribute() -> str:
    """The ``accept`` of a file input for these types: .pdf,.ofd,…"""
    return ",".join(f".{extension}" for extension in ALLOWED_TYPES)
