"""Attachments (第十五条、第十六条 materials: minutes with seals, the four materials of an application) live
on S3-compatible object storage chosen by environment variables, so every web machine serves what any of
them received; one upload limit, large enough for a scanned 20-page PDF, is told to the user and enforced.
Tested against a real S3-compatible server speaking HTTP (moto's server mode)."""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest
from casework_support import Desk

from services.intake.app import create_app
from services.intake.tables import Attachment
from shared.attachment_store import DirectoryStore, S3Store, s3_client, store_for
from shared.config import Settings

pytestmark = pytest.mark.integration

MB = 1024 * 1024


def _s3_settings(settings: Settings, endpoint: str, bucket: str) -> Settings:
    env = {
        "DM_S3_BUCKET": bucket,
        "DM_S3_ENDPOINT_URL": endpoint,
        "DM_S3_REGION": "us-east-1",
        "DM_S3_ACCESS_KEY_ID": "test-key",
        "DM_S3_SECRET_ACCESS_KEY": "test-secret",
        "DM_S3_PREFIX": "dm",
    }
    storage = Settings.from_env("intake", env)
    names = [n for n in settings.__dataclass_fields__ if n.startswith("s3_")]
    return settings.with_overrides(**{n: getattr(storage, n) for n in names})


@pytest.fixture
def bucket(s3_server: str, settings_for) -> str:  # type: ignore[no-untyped-def]
    name = f"dm-{uuid.uuid4().hex[:12]}"
    s3_client(_s3_settings(settings_for("intake"), s3_server, name)).create_bucket(Bucket=name)
    return name


def _machine(runtime, settings: Settings) -> Desk:  # type: ignore[no-untyped-def]
    """One web machine: its own app (and store, built from its settings) on the suite's database."""
    runtime.settings = settings
    desk = Desk(runtime)  # loads the demo directory (idempotent)
    desk.client = create_app(runtime=runtime).test_client()
    return desk


def scanned_pdf(size: int) -> bytes:
    """Stands in for a scanned document: a PDF header and incompressible page images."""
    return b"%PDF-1.7\n" + os.urandom(size - 9)


def test_the_environment_chooses_object_storage_and_local_disk_is_the_default(
    settings_for, s3_server
) -> None:
    local = settings_for("intake")
    assert isinstance(store_for(local), DirectoryStore)
    remote = store_for(_s3_settings(local, s3_server, "dm-files"))
    assert isinstance(remote, S3Store) and remote.bucket == "dm-files" and remote.prefix == "dm/attachments"


def test_a_file_uploaded_on_one_web_machine_is_served_by_the_other(make_runtime, s3_server, bucket) -> None:
    first_runtime = make_runtime("intake")
    settings = _s3_settings(first_runtime.settings, s3_server, bucket)
    first = _machine(first_runtime, settings)
    second_runtime = make_runtime("intake")
    second_runtime.db = first_runtime.db  # one database, two machines without a common disk
    second = _machine(second_runtime, settings.with_overrides(var_dir=settings.var_dir / "other"))
    minutes = scanned_pdf(200 * 1024)
    uploaded = first.upload("scjg.clerk", minutes, "协商纪要（盖章）.pdf")
    assert uploaded.status_code == 201, uploaded.json
    served = second.get("scjg.clerk", f"/attachments/{uploaded.json['id']}")
    assert served.status_code == 200 and served.data == minutes
    assert not (settings.var_dir / "attachments").exists()  # nothing went to local disk


def test_a_scanned_twenty_page_pdf_is_accepted_and_comes_back_whole(make_runtime, s3_server, bucket) -> None:
    runtime = make_runtime("intake")
    desk = _machine(runtime, _s3_settings(runtime.settings, s3_server, bucket))
    scan = scanned_pdf(30 * MB)  # 20 pages at 200 dpi in colour, about 1.5 MB a page
    uploaded = desk.upload("scjg.clerk", scan, "三定规定（扫描件）.pdf")
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["size"] == len(scan) and uploaded.json["sha256"] == hashlib.sha256(scan).hexdigest()
    served = desk.get("scjg.clerk", f"/attachments/{uploaded.json['id']}")
    assert hashlib.sha256(served.data).hexdigest() == uploaded.json["sha256"]
    assert int(served.headers["Content-Length"]) == len(scan)


def test_the_limit_is_told_before_upload_and_in_the_refusal(make_runtime) -> None:
    runtime = make_runtime("intake")
    desk = _machine(runtime, runtime.settings.with_overrides(max_upload_bytes=2 * MB))
    limits = desk.get("scjg.clerk", "/attachments/limits").json
    assert limits["max_bytes"] == 2 * MB and limits["text"].startswith("单个文件不超过 2 MB")
    refused = desk.upload("scjg.clerk", scanned_pdf(2 * MB + 1), "扫描件.pdf")
    assert refused.status_code == 413 and refused.json["code"] == "attachment_too_large"
    assert "单个文件不超过 2 MB" in refused.json["detail"]
    far_too_large = desk.upload("scjg.clerk", scanned_pdf(3 * MB), "扫描件.pdf")  # past the request limit
    assert far_too_large.status_code == 413 and "单个文件不超过 2 MB" in far_too_large.json["detail"]
    with desk.runtime.db.transaction() as session:
        assert session.query(Attachment).count() == 0


def test_the_default_limit_fits_a_scan_and_json_requests_keep_their_own_limit(settings_for) -> None:
    settings = settings_for("intake")
    assert settings.max_upload_bytes >= 40 * MB > settings.max_request_bytes


def test_when_the_storage_refuses_nothing_is_recorded(make_runtime, s3_server) -> None:
    runtime = make_runtime("intake")
    desk = _machine(runtime, _s3_settings(runtime.settings, s3_server, "dm-no-such-bucket"))
    refused = desk.upload("scjg.clerk", scanned_pdf(64 * 1024), "纪要.pdf")
    assert refused.status_code == 503 and refused.json["code"] == "storage_unavailable"
    with desk.runtime.db.transaction() as session:
        assert session.query(Attachment).count() == 0
