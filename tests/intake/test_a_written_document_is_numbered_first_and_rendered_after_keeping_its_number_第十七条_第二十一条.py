"""A written document is issued in three phases: numbered in a short transaction and recorded (文书生成中),
rendered (.docx and PDF) outside any lock, then attached to the case and told to its addressees with the
links. A rendering that fails keeps the number (生成失败（将自动重试）); the intake sweep tries it again with
backoff, and the document it renders carries that number — a number is never reused nor skipped, also when
the office's handlers issue at once on PostgreSQL (第十七条 受理函, 第二十一条 协调意见, every written
step)."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from casework_support import OPINION, Desk, accepted_application, application_body
from docx import Document
from pypdf import PdfReader
from sqlalchemy import text, update

from services.intake.pages.login import session_user
from services.intake.tables import IssuedDocument
from services.intake.usecases import directory
from services.intake.usecases import documents as written
from shared.db import utcnow
from shared.documents import rendering
from shared.documents.pdf_render import FontMissing, render_pdf
from shared.localtime import today
from shared.web import session

pytestmark = pytest.mark.usefixtures("chinese_font")  # skips with the reason on a machine without one


def _number(sequence: int) -> str:
    return f"甬编办函〔{today().year}〕{sequence}号"


def _real_pdf() -> Callable[[Any], bytes]:
    """The renderer itself (the module's name for it is patched in these tests)."""
    return render_pdf


def _no_font(document: Any) -> bytes:
    raise FontMissing("未找到中文字体")


def _documents(desk: Desk, case_id: str, user: str = "bb.clerk") -> list[dict[str, Any]]:
    response = desk.get(user, f"/cases/{case_id}/documents")
    assert response.status_code == 200, response.json
    return list(response.json)


def _backdate(desk: Desk, document_id: str, **columns: Any) -> None:
    """Let time pass for one document: its retry is due, or its numbering is older than the grace."""
    with desk.runtime.db.transaction() as db:
        db.execute(update(IssuedDocument).where(IssuedDocument.id == document_id).values(**columns))


def _texts(desk: Desk, user: str, issued: dict[str, Any]) -> tuple[str, str]:
    docx = desk.get(user, f"/attachments/{issued['docx_attachment_id']}")
    pdf = desk.get(user, f"/attachments/{issued['pdf_attachment_id']}")
    assert docx.status_code == 200 and pdf.status_code == 200
    paragraphs = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    return paragraphs, "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)


def _log_in(desk: Desk, user: str) -> str:
    person = session_user(desk.runtime, directory.find_person(desk.runtime, user))
    web = session.new_session(desk.runtime.settings, person)
    desk.client.set_cookie(
        session.COOKIE_NAME, session.dump(web, desk.runtime.settings), path=session.COOKIE_PATH
    )
    return web.csrf_token


def _page(desk: Desk, case_id: str) -> str:
    response = desk.client.get(f"/cases/{case_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_render_failure_keeps_the_number_and_the_sweeps_retry_produces_the_letter_with_it_第十七条(
    make_runtime, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(written, "render_pdf", _no_font)
    desk = Desk(make_runtime("intake"))
    case_id = accepted_application(desk)  # the acceptance letter is numbered, its rendering fails
    [failed] = _documents(desk, case_id)
    assert failed["state"] == "failed" and failed["number"] == _number(1)
    assert failed["state_text"] == "生成失败（将自动重试）" and failed["retried_automatically"]
    assert failed["last_error"] == "FontMissing: 未找到中文字体"  # for the office
    assert failed["docx_url"] is None and failed["pdf_url"] is None
    assert "document_issued" not in desk.templates()

    other = accepted_application(desk)  # the next letter takes the next number: 1 is not given again
    assert [d["number"] for d in _documents(desk, other)] == [_number(2)]

    monkeypatch.setattr(written, "render_pdf", _real_pdf())  # the font installed
    desk.runtime.run_periodic()  # a tick before the backoff has passed tries nothing
    assert _documents(desk, case_id)[0]["state"] == "failed"

    _backdate(desk, failed["id"], retry_at=utcnow() - timedelta(seconds=1))
    desk.runtime.run_periodic()  # the intake sweep on the scheduler's tick
    [issued] = _documents(desk, case_id, user="zhzf.clerk")
    assert issued["state"] == "issued" and issued["number"] == _number(1) and issued["id"] == failed["id"]
    assert issued["state_text"] == "" and issued["last_error"] is None  # a department never sees the error
    docx, pdf = _texts(desk, "zhzf.clerk", issued)
    assert _number(1) in docx and "第十七条" in docx and _number(1) in pdf.replace("\n", "")

    notices = [p for p in desk.sent("notify.send") if p["template"] == "document_issued"]
    [notice] = [n for n in notices if n["params"]["document_number"] == _number(1)]
    assert notice["params"]["pdf_link"].endswith(f"/api/v1/attachments/{issued['pdf_attachment_id']}")
    assert [r["id"] for r in notice["recipients"]] == ["nb-sthj", "nb-zhzf", "nb-zjj"]

    desk.runtime.run_periodic()  # once issued it is never rendered, attached or told again
    assert len([n for n in desk.sent("notify.send") if n["template"] == "document_issued"]) == len(notices)
    third = accepted_application(desk)
    assert [d["number"] for d in _documents(desk, third)] == [_number(3)]  # no number skipped


def test_an_issued_coordination_opinion_that_fails_to_render_is_retried_with_its_number_第二十一条(
    make_runtime, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(written, "render_pdf", _no_font)
    desk = Desk(make_runtime("intake"))
    case_id = accepted_application(desk)  # 1: the acceptance letter (its rendering fails too)
    assert desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意"}).status_code == 200
    assert desk.act("bb.clerk", case_id, "opinion", OPINION).status_code == 200
    [request] = desk.sent("approval.request")
    decided = {**request, "outcome": "approved", "decided_by": {"user_id": "bb.leader", "name": "王建国"}}
    desk.deliver("approval.decided", decided, source="intake")
    issued = desk.act(
        "bb.clerk", case_id, "issue", {"document_number": "甬编办〔2026〕9号", "issued_on": "2026-12-21"}
    )
    assert issued.status_code == 200, issued.json  # the issuance stands though its opinion did not render
    numbered = {d["step"]: d for d in _documents(desk, case_id)}
    assert {s: (d["number"], d["state"]) for s, d in numbered.items()} == {
        "acceptance": (_number(1), "failed"),
        "coordination_opinion": (_number(2), "failed"),
    }

    monkeypatch.setattr(written, "render_pdf", _real_pdf())
    for document in numbered.values():
        _backdate(desk, document["id"], retry_at=utcnow() - timedelta(seconds=1))
    desk.runtime.run_periodic()
    rendered = {d["step"]: d for d in _documents(desk, case_id, user="sthj.clerk")}
    opinion = rendered["coordination_opinion"]
    assert opinion["state"] == "issued" and opinion["number"] == _number(2)
    docx, pdf = _texts(desk, "sthj.clerk", opinion)
    assert _number(2) in docx and "经协调，餐厨垃圾收运环节由市综合行政执法局监管" in docx
    assert "第二十一条" in docx and _number(2) in pdf.replace("\n", "")


def test_the_sweeps_retries_back_off_and_stop_after_their_tries_then_the_office_renders_it_第十七条(
    make_runtime, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    delays = [rendering.retry_delay(n) for n in (1, 2, 3, 4, 5)]
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    monkeypatch.setattr(written, "render_pdf", _no_font)
    desk = Desk(make_runtime("intake"))
    case_id = accepted_application(desk)
    [failed] = _documents(desk, case_id)
    for tries in range(2, rendering.AUTOMATIC_TRIES + 1):  # each due retry fails again, the wait doubling
        _backdate(desk, failed["id"], retry_at=utcnow() - timedelta(seconds=1))
        before = utcnow()
        desk.runtime.run_periodic()
        with desk.runtime.db.transaction() as db:
            row = db.get(IssuedDocument, failed["id"])
            assert row is not None and row.attempts == tries and row.retry_at is not None
            assert row.retry_at - before >= rendering.retry_delay(tries) - timedelta(seconds=1)
    [given_up] = _documents(desk, case_id)
    assert given_up["state_text"] == "生成失败（已停止自动重试，请重新生成）"
    assert not given_up["retried_automatically"] and given_up["number"] == _number(1)
    _backdate(desk, failed["id"], retry_at=utcnow() - timedelta(seconds=1))
    desk.runtime.run_periodic()  # no automatic try is left
    with desk.runtime.db.transaction() as db:
        assert db.get(IssuedDocument, failed["id"]).attempts == rendering.AUTOMATIC_TRIES  # type: ignore[union-attr]

    monkeypatch.setattr(written, "render_pdf", _real_pdf())  # the font installed: 重新生成 on the case page
    csrf = _log_in(desk, "bb.admin")
    posted = desk.client.post(f"/cases/{case_id}/documents/{failed['id']}/render", data={"csrf_token": csrf})
    assert posted.status_code == 303
    [issued] = _documents(desk, case_id)
    assert issued["state"] == "issued" and issued["number"] == _number(1)


def test_the_case_page_says_文书生成中_then_生成失败_then_links_and_only_the_office_retries_第十七条(
    make_runtime, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(make_runtime("intake"))
    rendered = written.render_document
    monkeypatch.setattr(written, "render_document", lambda *args, **kwargs: False)  # died after numbering
    case_id = accepted_application(desk)
    [pending] = _documents(desk, case_id)
    assert pending["state"] == "pending" and pending["number"] == _number(1)

    applicant = _log_in(desk, "zhzf.clerk")  # the applicant sees the number and that it is being made
    page = _page(desk, case_id)
    assert _number(1) in page and "文书生成中" in page and "下载 PDF" not in page and "重新生成" not in page

    monkeypatch.setattr(written, "render_document", rendered)
    monkeypatch.setattr(written, "render_pdf", _no_font)
    desk.runtime.run_periodic()  # the request that numbered it may still be rendering: the sweep waits
    assert _documents(desk, case_id)[0]["state"] == "pending"
    _backdate(desk, pending["id"], issued_at=utcnow() - rendering.RENDER_GRACE - timedelta(seconds=1))
    desk.runtime.run_periodic()  # left behind: the sweep renders it — and the rendering fails
    assert _documents(desk, case_id)[0]["state"] == "failed"
    page = _page(desk, case_id)
    assert "生成失败（将自动重试）" in page and "重新生成" not in page and "FontMissing" not in page
    refused = desk.client.post(
        f"/cases/{case_id}/documents/{pending['id']}/render", data={"csrf_token": applicant}
    )
    assert refused.status_code == 403  # not the office's: no retry from a department

    csrf = _log_in(desk, "bb.clerk")  # the office handler sees why, and may retry at once
    page = _page(desk, case_id)
    assert "生成失败（将自动重试）" in page and "重新生成" in page and "原因：FontMissing" in page
    assert (
        desk.client.post(
            f"/cases/{case_id}/documents/{pending['id']}/render", data={"csrf_token": csrf}
        ).status_code
        == 303
    )
    assert _documents(desk, case_id)[0]["state"] == "failed"  # still no font: still failed, number kept
    monkeypatch.setattr(written, "render_pdf", _real_pdf())
    desk.client.post(f"/cases/{case_id}/documents/{pending['id']}/render", data={"csrf_token": csrf})
    [issued] = _documents(desk, case_id)
    page = _page(desk, case_id)
    assert issued["state"] == "issued" and issued["number"] == _number(1)
    assert f'href="/m/attachments/{issued["pdf_attachment_id"]}"' in page
    assert f'href="/m/attachments/{issued["docx_attachment_id"]}"' in page
    assert "文书生成中" not in page and "生成失败" not in page


def test_the_number_lock_is_not_held_while_the_document_renders_第十七条(make_runtime, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(make_runtime("intake"))
    runtime = desk.runtime
    real = _real_pdf()
    seen: list[int] = []

    def render_while_another_takes_a_number(document: Any) -> bytes:
        """Another handler numbers a document while this one renders: it need not wait (rolled back)."""
        with pytest.raises(RuntimeError), runtime.db.transaction() as db:
            if runtime.db.engine.dialect.name == "postgresql":
                db.execute(text("SET LOCAL lock_timeout = '2s'"))
            seen.append(written.next_number(db, "330200", "甬编办函", today().year))
            raise RuntimeError("rolled back: the number goes back")
        return real(document)

    monkeypatch.setattr(written, "render_pdf", render_while_another_takes_a_number)
    case_id = accepted_application(desk)
    [issued] = _documents(desk, case_id)
    assert seen == [2] and issued["state"] == "issued" and issued["number"] == _number(1)
    assert [d["number"] for d in _documents(desk, accepted_application(desk))] == [_number(2)]


def test_handlers_issuing_at_once_on_postgresql_get_gapless_unique_numbers_failures_included_第十七条(
    make_runtime, monkeypatch, at_once
) -> None:  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip(
            "concurrent issuance is checked on PostgreSQL (INTAKE_DATABASE_URL); SQLite has one writer"
        )
    from services.intake.usecases import cases

    monkeypatch.setattr(cases, "produce_after_commit", lambda *args, **kwargs: None)  # issued on request only
    desk = Desk(runtime)
    case_ids = [accepted_application(desk) for _ in range(6)]
    real, calls, lock = _real_pdf(), [0], threading.Lock()

    def every_third_fails(document: Any) -> bytes:
        with lock:
            calls[0] += 1
            fail = calls[0] % 3 == 0
        return _no_font(document) if fail else real(document)

    monkeypatch.setattr(written, "render_pdf", every_third_fails)
    office = directory.principal_of(directory.find_person(runtime, "bb.clerk"))
    store = written.store_for(runtime.settings)
    asks = [*case_ids, case_ids[0], case_ids[1]]  # two double clicks: the same step asked twice at once
    results = at_once(
        len(asks), lambda i: written.issue_document(runtime, store, office, asks[i], "acceptance")
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    by_case = {
        case_id: {r["id"] for r, c in zip(results, asks, strict=True) if c == case_id} for case_id in case_ids
    }
    assert all(len(ids) == 1 for ids in by_case.values()), by_case  # one document per step, never two
    with runtime.db.transaction() as db:
        rows = db.query(IssuedDocument).all()
        assert sorted(row.sequence for row in rows) == [1, 2, 3, 4, 5, 6]  # none twice, none skipped
        failed = [row.id for row in rows if row.state == "failed"]
    assert len(failed) == 2  # the 3rd and 6th renderings failed (each document rendered once), numbers kept
    monkeypatch.setattr(written, "render_pdf", real)
    for document_id in failed:
        _backdate(desk, document_id, retry_at=utcnow() - timedelta(seconds=1))
    runtime.run_periodic()
    with runtime.db.transaction() as db:
        rows = db.query(IssuedDocument).all()
        assert {row.state for row in rows} == {"issued"}
        numbers = {row.case_id: row.number for row in rows}
    assert set(numbers.values()) == {_number(n) for n in range(1, 7)}
    for case_id, number in numbers.items():
        [issued] = _documents(desk, case_id)
        assert number in _texts(desk, "zhzf.clerk", issued)[0]  # each letter carries its own number
    other = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    assert desk.act("bb.head", other, "accept", {"note": "材料齐全"}).status_code == 200
    assert desk.post("bb.clerk", f"/cases/{other}/documents", {"step": "acceptance"}).json[
        "number"
    ] == _number(7)
