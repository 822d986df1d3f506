"""A 第三十四条 letter (暂不具备下放条件的函) that is numbered but not rendered behaves and reads as intake's
written documents do (one set of rules, shared.documents.rendering): the sweep tries a failed rendering
again after 1, 2, 4, 8 and 16 minutes and then leaves it to the office, whose page says it must 重新生成;
a letter its request left pending (the process died after the review's commit) is taken up once the grace
has passed, never while that request may still be rendering it; the office's 重新生成 gives the letter its
automatic tries back. The devolution's page and API say 文书生成中 / 生成失败（将自动重试） /
生成失败（已停止自动重试，请重新生成） as intake's case page does. And a double click on the review's
conclusion (or on 登记发文) on PostgreSQL takes the step once: one letter, numbered and rendered once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from devolution_factories import (
    READY_REVIEW,
    approval_decision,
    complete_application,
    concluded_not_ready,
    deliver,
    not_ready_review,
    sent,
)
from sqlalchemy import select, update
from test_every_link_devolution_sends_opens_a_page import _browser

from services.devolution import usecases
from services.devolution.tables import HandoverItem, IssuedDocument
from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST, NOTIFY_SEND
from shared.db import utcnow
from shared.documents import rendering
from shared.documents.pdf_render import FontMissing
from shared.localtime import today

APPLICANT, OFFICE = "scjg.clerk", "bb.clerk"
BUTTON = ">重新生成</button>"
pytestmark = pytest.mark.usefixtures("chinese_font")  # skips with the reason on a machine without one


def _no_font(document: Any) -> bytes:
    raise FontMissing("未找到中文字体")


def _letter(client: Any, auth: Any, devolution_id: str, user: str = OFFICE) -> dict[str, Any]:
    [letter] = client.get(f"/api/v1/devolutions/{devolution_id}", headers=auth(user)).get_json()["documents"]
    return dict(letter)


def _row(devolution: Any, document_id: str) -> IssuedDocument:
    with devolution.db.transaction() as db:
        row = db.get(IssuedDocument, document_id)
        assert row is not None
        db.expunge(row)
        return row


def _backdate(devolution: Any, document_id: str, **columns: datetime) -> None:
    """Let time pass for one letter: its retry is due, or its numbering is older than the grace."""
    with devolution.db.transaction() as db:
        db.execute(update(IssuedDocument).where(IssuedDocument.id == document_id).values(**columns))


def _page(devolution: Any, user: str, devolution_id: str) -> str:
    """The page's 书面文书 card, as ``user`` sees it (the history below has lines of its own)."""
    page = _browser(devolution, user).get(f"/devolution/{devolution_id}").get_data(as_text=True)
    return str(page.split('id="documents"', 1)[1].split('<div class="card"', 1)[0])


def _told(devolution: Any) -> list[dict[str, Any]]:
    return [n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "document_issued"]


def test_a_letter_that_keeps_failing_is_retried_after_1_2_4_8_16_minutes_then_left_to_the_office_第三十四条(
    client, auth, devolution, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(usecases, "render_pdf", _no_font)
    view = concluded_not_ready(client, auth)
    letter = _letter(client, auth, view["id"])
    assert letter["state"] == "failed" and letter["retried_automatically"]
    devolution.run_periodic()  # a tick before the first minute has passed tries nothing
    assert _row(devolution, letter["id"]).attempts == 1

    for tries in range(2, rendering.AUTOMATIC_TRIES + 1):  # each due retry fails again, the wait doubling
        _backdate(devolution, letter["id"], retry_at=utcnow() - timedelta(seconds=1))
        before = utcnow()
        devolution.run_periodic()
        row = _row(devolution, letter["id"])
        assert row.state == "failed" and row.attempts == tries and row.retry_at is not None
        wait = row.retry_at - before
        expected = timedelta(minutes=2 ** (tries - 1))
        assert expected - timedelta(seconds=1) <= wait <= expected + timedelta(seconds=5), (tries, wait)
    assert rendering.AUTOMATIC_TRIES == 6  # tries at 0, 1, 3, 7, 15 and 31 minutes

    given_up = _letter(client, auth, view["id"])
    assert given_up["state_text"] == "生成失败（已停止自动重试，请重新生成）"
    assert not given_up["retried_automatically"] and given_up["number"] == letter["number"]
    _backdate(devolution, letter["id"], retry_at=utcnow() - timedelta(seconds=1))
    devolution.run_periodic()  # no automatic try is left: it waits for the office
    assert _row(devolution, letter["id"]).attempts == rendering.AUTOMATIC_TRIES
    page = _page(devolution, OFFICE, view["id"])
    assert "生成失败（已停止自动重试，请重新生成）" in page and BUTTON in page
    assert not _told(devolution)
    history = client.get(f"/api/v1/devolutions/{view['id']}", headers=auth(OFFICE)).get_json()["history"]
    labels = [h["label"] for h in history]
    assert labels.count("书面文书生成失败（将自动重试）") == 1  # the sweep's own tries are not each a line


def test_a_letter_its_request_left_pending_is_taken_up_by_the_sweep_after_the_grace_not_before_第三十四条(
    client, auth, devolution, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(usecases, "render_document", lambda *args, **kwargs: False)  # died after the commit
    view = concluded_not_ready(client, auth)
    monkeypatch.undo()
    [pending] = view["documents"]
    assert pending["state"] == "pending" and pending["state_text"] == "文书生成中"
    assert pending["number"] == f"甬编办下放函〔{today().year}〕1号"
    rendered = []
    real = usecases.render_pdf
    monkeypatch.setattr(usecases, "render_pdf", lambda document: rendered.append(1) or real(document))

    devolution.run_periodic()  # the request that numbered it may still be rendering: the sweep waits
    assert _letter(client, auth, view["id"])["state"] == "pending" and not rendered
    _backdate(devolution, pending["id"], created_at=utcnow() - rendering.RENDER_GRACE - timedelta(seconds=1))
    devolution.run_periodic()  # left behind: the sweep renders it, with its number
    letter = _letter(client, auth, view["id"], user=APPLICANT)
    assert letter["state"] == "issued" and letter["number"] == pending["number"] and letter["pdf_url"]
    assert len(rendered) == 1 and len(_told(devolution)) == 1
    devolution.run_periodic()  # once issued it is never rendered or told again
    assert len(rendered) == 1 and len(_told(devolution)) == 1


def test_the_devolution_page_words_a_letter_not_rendered_as_intakes_case_page_does_第三十四条(
    client, auth, devolution, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(usecases, "render_document", lambda *args, **kwargs: False)
    view = concluded_not_ready(client, auth)
    monkeypatch.undo()
    letter_id = view["documents"][0]["id"]
    for user in (APPLICANT, OFFICE):  # numbered, not rendered yet: the number and that it is being made
        page = _page(devolution, user, view["id"])
        assert view["documents"][0]["number"] in page and "文书生成中" in page
        assert "查看 PDF" not in page and BUTTON not in page

    monkeypatch.setattr(usecases, "render_pdf", _no_font)
    _backdate(devolution, letter_id, created_at=utcnow() - rendering.RENDER_GRACE - timedelta(seconds=1))
    devolution.run_periodic()  # the sweep's try fails
    applicant = _page(devolution, APPLICANT, view["id"])
    assert (
        "生成失败（将自动重试）" in applicant and BUTTON not in applicant and "FontMissing" not in applicant
    )
    office = _page(devolution, OFFICE, view["id"])
    assert "生成失败（将自动重试）" in office and BUTTON in office and "原因：FontMissing" in office
    described = _letter(client, auth, view["id"], user=APPLICANT)
    assert (described["state"], described["state_text"], described["retried_automatically"]) == (
        "failed",
        rendering.state_text("failed", 1),
        True,
    )
    assert described["state_name"] == described["state_text"]  # the deprecated field says the same

    monkeypatch.undo()
    _backdate(devolution, letter_id, retry_at=utcnow() - timedelta(seconds=1))
    devolution.run_periodic()
    page = _page(devolution, APPLICANT, view["id"])
    issued = _letter(client, auth, view["id"], user=APPLICANT)
    assert (
        issued["state_text"] == ""
        and issued["state_name"] == "已制发"
        and not issued["retried_automatically"]
    )
    assert f'href="{issued["pdf_url"]}"' in page and "文书生成中" not in page and "生成失败" not in page

    described = client.get("/openapi.json").get_json()["components"]["schemas"]["IssuedDocument"][
        "properties"
    ]
    assert "文书生成中" in described["state"]["description"]
    assert "生成失败（将自动重试）" in described["state"]["description"]
    assert described["state_text"]["description"] == "事项页面上显示的状态（已制发时为空）"


def test_重新生成_gives_a_given_up_letter_its_automatic_tries_back_第三十四条(
    client, auth, devolution, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(usecases, "render_pdf", _no_font)
    view = concluded_not_ready(client, auth)
    letter_id = view["documents"][0]["id"]
    _backdate(devolution, letter_id, retry_at=utcnow() - timedelta(seconds=1))
    with devolution.db.transaction() as db:  # the sweep's tries are spent
        db.execute(
            update(IssuedDocument)
            .where(IssuedDocument.id == letter_id)
            .values(attempts=rendering.AUTOMATIC_TRIES)
        )
    assert not _letter(client, auth, view["id"])["retried_automatically"]

    office = _browser(
        devolution, OFFICE
    )  # still no font: 重新生成 fails too, but the sweep takes it up again
    posted = office.post(
        f"/devolution/{view['id']}/documents/{letter_id}/render", data={"csrf_token": office.csrf}
    )
    assert posted.status_code in (302, 303) and "done=render_failed" in posted.headers["Location"]
    again = _letter(client, auth, view["id"])
    assert again["state"] == "failed" and again["retried_automatically"]
    assert (
        again["state_text"] == "生成失败（将自动重试）" and again["number"] == view["documents"][0]["number"]
    )
    row = _row(devolution, letter_id)
    assert row.attempts == 1 and row.retry_at is not None
    assert row.retry_at - utcnow() <= rendering.FIRST_RETRY  # the first wait again, not the last one doubled
    told = office.get(f"/devolution/{view['id']}?done=render_failed").get_data(as_text=True)
    assert "将自动重试" in told

    monkeypatch.undo()  # the font installed: the sweep's retry renders it with its number
    _backdate(devolution, letter_id, retry_at=utcnow() - timedelta(seconds=1))
    devolution.run_periodic()
    issued = _letter(client, auth, view["id"], user=APPLICANT)
    assert issued["state"] == "issued" and issued["number"] == view["documents"][0]["number"]
    assert len(_told(devolution)) == 1


def _on_postgresql(devolution: Any) -> None:
    if devolution.db.engine.dialect.name != "postgresql":
        pytest.skip(
            "a double click at once is checked on PostgreSQL (DEVOLUTION_DATABASE_URL); SQLite has one writer"
        )


def _submitted(client: Any, auth: Any) -> str:
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT))
    devolution_id = str(created.get_json()["id"])
    client.post(f"/api/v1/devolutions/{devolution_id}/submission", headers=auth(APPLICANT))
    return devolution_id


def test_a_double_click_on_the_not_ready_conclusion_numbers_and_renders_one_letter_on_postgresql_第三十四条(
    client, auth, devolution, monkeypatch, at_once
) -> None:  # type: ignore[no-untyped-def]
    _on_postgresql(devolution)
    from services.devolution.app import create_app

    devolution_id, app, office = _submitted(client, auth), create_app(runtime=devolution), auth(OFFICE)
    rendered, real = [], usecases.render_pdf
    monkeypatch.setattr(usecases, "render_pdf", lambda document: rendered.append(1) or real(document))
    path, review = f"/api/v1/devolutions/{devolution_id}/review", not_ready_review()
    answers = at_once(2, lambda i: app.test_client().post(path, json=review, headers=office).status_code)
    assert sorted(answers) == [200, 409], answers  # the second meets the state the first left, not a 500
    with devolution.db.transaction() as db:
        letters = db.scalars(
            select(IssuedDocument).where(IssuedDocument.devolution_id == devolution_id)
        ).all()
        assert [(d.number, d.state) for d in letters] == [(f"甬编办下放函〔{today().year}〕1号", "issued")]
    assert len(rendered) == 1 and len(_told(devolution)) == 1
    next_one = concluded_not_ready(client, auth, "小餐饮店备案")["documents"][0]["number"]
    assert next_one == f"甬编办下放函〔{today().year}〕2号"  # the refused second click took no number


def test_a_double_click_on_登记发文_lists_the_handover_once_on_postgresql_第三十四条第二款(
    client, auth, devolution, at_once
) -> None:  # type: ignore[no-untyped-def]
    _on_postgresql(devolution)
    from services.devolution.app import create_app

    devolution_id = _submitted(client, auth)
    client.post(f"/api/v1/devolutions/{devolution_id}/review", json=READY_REVIEW, headers=auth(OFFICE))
    deliver(devolution, APPROVAL_DECIDED, approval_decision(sent(devolution, APPROVAL_REQUEST)[-1]), "intake")
    app, office = create_app(runtime=devolution), auth(OFFICE)
    path = f"/api/v1/devolutions/{devolution_id}/issuance"
    body = {"document_number": "甬编办〔2026〕12号", "document_date": today().isoformat()}
    answers = at_once(2, lambda i: app.test_client().post(path, json=body, headers=office).status_code)
    assert sorted(answers) == [200, 409], answers
    with devolution.db.transaction() as db:
        kinds = db.scalars(select(HandoverItem.kind).where(HandoverItem.devolution_id == devolution_id)).all()
    assert kinds and len(kinds) == len(set(kinds))  # one list, as one click makes
