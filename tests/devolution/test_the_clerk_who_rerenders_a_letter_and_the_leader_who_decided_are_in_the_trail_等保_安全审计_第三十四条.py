"""Devolution's audit trail names the person behind every page-driven or decided act (等保 2.0 安全审计: who,
when, from where, what): the office clerk who clicks 重新生成 on a not-ready letter (第三十四条) — with the
address they clicked from — not the system; and the leader whose approval decision (第三十四条) reaches
devolution by intake's message, in the roles they decided in (the message's ``decider``), not as a service.
A message sent before ``decider`` existed is still applied, its leader recorded in the role of a service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from devolution_factories import READY_REVIEW, approval_decision, complete_application, deliver, sent
from sqlalchemy import update
from test_every_link_devolution_sends_opens_a_page import _browser

from services.devolution import usecases
from services.devolution.tables import IssuedDocument
from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST, decider
from shared.db import utcnow
from shared.documents import rendering
from shared.documents.pdf_render import FontMissing

APPLICANT, OFFICE = "scjg.clerk", "bb.clerk"
PROXIED = {"X-Forwarded-For": "10.20.0.1, 172.18.5.6"}


def _not_ready(client: Any, auth: Any) -> dict[str, Any]:
    checklist = [dict(e) for e in READY_REVIEW["checklist"]]
    checklist[3] = {"item": "support_measures", "satisfied": False, "note": "经费未列入预算"}
    review = {**READY_REVIEW, "checklist": checklist, "conclusion": "not_ready", "reasons": "承接能力不足"}
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT))
    devolution_id = created.get_json()["id"]
    client.post(f"/api/v1/devolutions/{devolution_id}/submission", headers=auth(APPLICANT))
    reviewed = client.post(f"/api/v1/devolutions/{devolution_id}/review", json=review, headers=auth(OFFICE))
    assert reviewed.status_code == 200, reviewed.get_json()
    return reviewed.get_json()


def _pending_approval(client: Any, auth: Any, devolution: Any) -> tuple[str, dict[str, Any]]:
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT))
    devolution_id = created.get_json()["id"]
    client.post(f"/api/v1/devolutions/{devolution_id}/submission", headers=auth(APPLICANT))
    client.post(f"/api/v1/devolutions/{devolution_id}/review", json=READY_REVIEW, headers=auth(OFFICE))
    return devolution_id, sent(devolution, APPROVAL_REQUEST)[-1]


def test_the_clerk_who_clicks_rerender_is_recorded_with_their_address_not_the_system_等保_安全审计_第三十四条(
    client, auth, devolution, trail, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def no_font(document: Any) -> bytes:
        raise FontMissing("未找到中文字体")

    monkeypatch.setattr(usecases, "render_pdf", no_font)
    view = _not_ready(client, auth)
    [document] = view["documents"]
    office = _browser(devolution, OFFICE)
    path = f"/devolution/{view['id']}/documents/{document['id']}/render"

    failed = office.post(path, data={"csrf_token": office.csrf}, headers=PROXIED)  # still no font
    assert "done=render_failed" in failed.headers["Location"]
    tried = trail.entries(devolution, object_id=view["id"])[-1]
    assert (tried.action, tried.actor_id, tried.actor_roles, tried.client_address) == (
        "devolution.document_failed",
        OFFICE,
        ["office_clerk"],
        "172.18.5.6",
    )

    monkeypatch.setattr(usecases, "render_pdf", lambda document: b"%PDF-1.7 rendered")
    monkeypatch.setattr(usecases, "render_docx", lambda document: b"PK docx")
    done = office.post(path, data={"csrf_token": office.csrf}, headers=PROXIED)
    assert "done=rendered" in done.headers["Location"]
    issued = trail.entries(devolution, object_id=view["id"])[-1]
    assert (issued.action, issued.actor_id, issued.actor_name, issued.client_address) == (
        "devolution.document_issued",
        OFFICE,
        OFFICE,
        "172.18.5.6",
    )
    assert issued.actor_roles == ["office_clerk"] and issued.details["number"] == document["number"]
    history = client.get(f"/api/v1/devolutions/{view['id']}", headers=auth(OFFICE)).get_json()
    assert trail.intact(devolution) and history["state"] == "not_ready"


def test_the_sweeps_rendering_stays_the_systems_等保_安全审计_第三十四条(
    client, auth, devolution, trail, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(usecases, "render_document", lambda *args, **kwargs: False)  # died after the commit
    view = _not_ready(client, auth)
    monkeypatch.undo()
    monkeypatch.setattr(usecases, "render_pdf", lambda document: b"%PDF-1.7 rendered")
    monkeypatch.setattr(usecases, "render_docx", lambda document: b"PK docx")
    with devolution.db.transaction() as db:  # left behind longer than the grace: the sweep takes it up
        numbered_at = utcnow() - rendering.RENDER_GRACE - timedelta(seconds=1)
        db.execute(update(IssuedDocument).values(created_at=numbered_at))
    devolution.run_periodic()
    issued = trail.entries(devolution, object_id=view["id"])[-1]
    assert (issued.action, issued.actor_id, issued.actor_name) == (
        "devolution.document_issued",
        "system",
        "系统",
    )


def test_a_leaders_decision_is_recorded_in_the_roles_the_message_names_等保_安全审计_第三十四条(
    client, auth, devolution, trail
) -> None:  # type: ignore[no-untyped-def]
    devolution_id, request = _pending_approval(client, auth, devolution)
    decision = {
        **approval_decision(request),
        "decider": decider("bb.leader", "王建国", ["office_leader", "office_clerk"]),
    }
    deliver(devolution, APPROVAL_DECIDED, decision, "intake")
    decided = trail.entries(devolution, action="devolution.approval_approved", object_id=devolution_id)[-1]
    assert (decided.actor_id, decided.actor_name, decided.actor_roles) == (
        "bb.leader",
        "王建国",
        ["office_clerk", "office_leader"],
    )
    assert decided.client_address is None and trail.intact(devolution)  # a message: no request


def test_a_decision_message_from_before_the_decider_field_is_still_applied_as_a_services_第三十四条(
    client, auth, devolution, trail
) -> None:  # type: ignore[no-untyped-def]
    devolution_id, request = _pending_approval(client, auth, devolution)
    deliver(devolution, APPROVAL_DECIDED, approval_decision(request, "returned"), "intake")
    view = client.get(f"/api/v1/devolutions/{devolution_id}", headers=auth(OFFICE)).get_json()
    assert view["state"] == "under_review"
    sent_back = trail.entries(devolution, object_id=devolution_id)[-1]
    assert (sent_back.actor_id, sent_back.actor_name, sent_back.actor_roles) == (
        "bb.leader",
        "王建国",
        ["service"],
    )
