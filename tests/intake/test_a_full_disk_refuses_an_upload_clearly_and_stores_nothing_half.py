"""The disk of the attachment store is full (a real 1 MB tmpfs): an upload of the 第十六条 materials is
refused with a clear Chinese problem+json (507 ``storage_full``), and nothing is half stored: no partial
file on the disk, no attachment row. Once room is made, the same upload goes through."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from casework_support import Desk

from services.intake.app import create_app
from services.intake.tables import Attachment
from shared.attachment_store import STORE_KEY, DirectoryStore

pytestmark = pytest.mark.integration

KB = 1024


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs of its own (root only; CI runs as root)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    folder = tmp_path / "attachments"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"tmpfs cannot be mounted here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_an_upload_onto_a_full_disk_is_refused_clearly_and_leaves_nothing_behind_第十六条(
    make_runtime, small_disk: Path
) -> None:
    runtime = make_runtime("intake")
    desk = Desk(runtime)
    app = create_app(runtime=runtime)
    app.extensions[STORE_KEY] = DirectoryStore(small_disk)
    desk.client = app.test_client()
    filler = small_disk / "filler.bin"
    filler.write_bytes(os.urandom(700 * KB))  # what else lives on the disk

    scan = b"%PDF-1.7\n" + os.urandom(600 * KB)
    refused = desk.upload("scjg.clerk", scan, "党组会议纪要（扫描件）.pdf")
    assert refused.status_code == 507, refused.get_data(as_text=True)
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "storage_full"
    assert "存储空间已满" in refused.json["detail"] and "文件未保存" in refused.json["detail"]
    assert _files(small_disk) == [filler]  # no partial file left
    with runtime.db.transaction() as session:
        assert session.query(Attachment).count() == 0

    filler.unlink()  # the operator makes room
    stored = desk.upload("scjg.clerk", scan, "党组会议纪要（扫描件）.pdf")
    assert stored.status_code == 201, stored.json
    assert [p.name for p in _files(small_disk)] == [stored.json["sha256"]]
