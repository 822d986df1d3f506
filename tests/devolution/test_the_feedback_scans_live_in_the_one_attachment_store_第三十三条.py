"""The scans of the written feedback (第三十三条第五项) live in the suite's one attachment store — the folder
under DM_VAR_DIR or the S3 bucket, as intake's case materials — and the migration carries the scans that
devolution's own table held over to it; the allowed file types are one list (shared/uploads.py)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_every_link_devolution_sends_opens_a_page import _browser

from services.devolution.app import create_app
from shared.attachment_store import STORE_KEY, DirectoryStore, MemoryStore, store_for
from shared.migrations import alembic_config, upgrade
from shared.uploads import ALLOWED_TYPES, accept_attribute


def test_an_uploaded_scan_goes_to_the_store_intake_uses_and_is_read_back_from_it_第三十三条(
    devolution,
) -> None:  # type: ignore[no-untyped-def]
    clerk = _browser(devolution, "scjg.clerk")
    store = MemoryStore()
    clerk.application.extensions[STORE_KEY] = store
    base = {"csrf_token": clerk.csrf, "duty_name": "食品小作坊登记", "receiving_departments": "hs-scjg"}
    edit_path = (
        clerk.post("/devolution/new", data={**base, "action": "draft"}).headers["Location"].split("?")[0]
    )
    assert f'accept="{accept_attribute()}"' in clerk.get(edit_path).get_data(as_text=True)
    scan = b"%PDF-1.4\n" + b"1" * 4096
    clerk.post(
        edit_path,
        data={
            **base,
            "action": "draft",
            "feedback_departments": "hs-scjg:receiving",
            "feedback[0].file": (io.BytesIO(scan), "海曙反馈意见.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert store.blobs == {hashlib.sha256(scan).hexdigest(): scan}
    dv = edit_path.split("/")[2]
    case = clerk.get(f"/devolution/{dv}").get_data(as_text=True)
    link = case.split(f'href="/devolution/{dv}/feedback/', 1)[1].split('"', 1)[0]
    assert clerk.get(f"/devolution/{dv}/feedback/{link}").data == scan
    # the app builds the store the environment chooses: the same folder as intake's attachments
    assert isinstance(create_app(runtime=devolution).extensions[STORE_KEY], DirectoryStore)
    assert store_for(devolution.settings).root == devolution.settings.var_dir / "attachments"  # type: ignore[attr-defined]


def test_xlsx_and_wps_are_allowed_everywhere_from_the_one_list() -> None:
    assert {"pdf", "ofd", "docx", "xlsx", "doc", "xls", "wps", "png", "jpg", "jpeg"} == set(ALLOWED_TYPES)
    from services.intake.usecases import attachments

    assert not hasattr(attachments, "ALLOWED_TYPES")


def test_the_migration_carries_the_stored_scans_over_to_the_attachment_store_and_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DM_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DM_S3_BUCKET", raising=False)
    url = f"sqlite:///{tmp_path / 'devolution.db'}"
    upgrade("devolution", url, "devolution_0007")
    scan = b"%PDF-1.7\n" + b"2" * 1000
    digest = hashlib.sha256(scan).hexdigest()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO feedback_document (id, devolution_id, department, role, filename, content_type,"
                " size, sha256, data, uploaded_by, uploaded_at) VALUES ('fd-1', 'dv-1', 'hs-scjg',"
                " 'receiving', '反馈.pdf', 'application/pdf', :size, :sha, :data, 'scjg.clerk',"
                " '2026-12-01 01:00:00')"
            ),
            {"size": len(scan), "sha": digest, "data": scan},
        )
    upgrade("devolution", url)
    store: Any = DirectoryStore(tmp_path / "attachments")
    with store.open(digest) as stream:
        assert stream.read() == scan
    columns = {c["name"] for c in sa.inspect(engine).get_columns("feedback_document")}
    assert "data" not in columns and "sha256" in columns
    from alembic import command

    command.downgrade(alembic_config("devolution", url), "devolution_0007")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT data FROM feedback_document")).scalar_one() == scan
    engine.dispose()
