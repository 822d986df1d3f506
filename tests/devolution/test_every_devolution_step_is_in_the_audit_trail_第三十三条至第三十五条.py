"""Devolution's audit trail (等保 2.0 安全审计): every step of a devolution — the application drafted and
submitted (第三十三条), returned for supplements, reviewed and decided (第三十四条), issued, reported on
(第三十五条) — and every note the suite takes by itself (a clock run out) is an entry with who, when, from
where and what, in the order of the devolution's history; a refused step leaves none; a deleted draft is
recorded though its history goes with it; the office admin reads the trail on /admin/audit/devolution."""

from __future__ import annotations

from typing import Any

from devolution_factories import READY_REVIEW, approval_decision, complete_application, deliver, sent
from sqlalchemy import select

from services.devolution.tables import DevolutionEvent
from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST, CLOCK_OVERDUE
from shared.web import session as web_session

APPLICANT, OFFICE = "scjg.clerk", "bb.clerk"
PROXIED = {"X-Forwarded-For": "10.20.0.1, 172.18.3.4"}


def _history(runtime: Any, devolution_id: str) -> list[str]:
    with runtime.db.transaction() as session:
        query = select(DevolutionEvent.action).where(DevolutionEvent.devolution_id == devolution_id)
        return list(session.scalars(query.order_by(DevolutionEvent.id)))


def _post(client: Any, auth: Any, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/devolutions{path}", json=body or {}, headers={**auth(user), **PROXIED})


def _log_in(client: Any, runtime: Any, user: str, department: str, role: str) -> str:
    """The suite's one session for the pages; returns its CSRF token."""
    person = web_session.SessionUser(user, user, "330200", department, frozenset({role}), "部门", "宁波市")
    started = web_session.new_session(runtime.settings, person)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, runtime.settings), path="/")
    return started.csrf_token


def test_every_step_of_a_devolution_is_recorded_with_who_from_where_in_its_historys_order_第三十四条(
    client, auth, devolution, trail
) -> None:
    devolution_id = _post(client, auth, APPLICANT, "", complete_application()).get_json()["id"]
    assert _post(client, auth, APPLICANT, f"/{devolution_id}/submission").status_code == 200
    returned = {"reasons": "请补充承接部门的书面意见", "items": ["feedback"]}
    assert _post(client, auth, OFFICE, f"/{devolution_id}/return", returned).status_code == 200
    assert _post(client, auth, APPLICANT, f"/{devolution_id}/submission").status_code == 200
    assert _post(client, auth, OFFICE, f"/{devolution_id}/review", READY_REVIEW).status_code == 200
    deliver(devolution, APPROVAL_DECIDED, approval_decision(sent(devolution, APPROVAL_REQUEST)[-1]), "intake")
    body = {"document_number": "甬编办〔2026〕12号", "document_date": "2026-08-31"}
    assert _post(client, auth, OFFICE, f"/{devolution_id}/issuance", body).status_code == 200

    entries = trail.entries(devolution, object_id=devolution_id)
    assert [e.action for e in entries] == [f"devolution.{a}" for a in _history(devolution, devolution_id)]
    drafted, submitted, sent_back = entries[0], entries[1], entries[2]
    assert (drafted.actor_id, drafted.actor_roles, drafted.client_address) == (
        APPLICANT,
        ["dept_clerk"],
        "172.18.3.4",
    )
    assert (
        drafted.summary == "起草申请：关于下放“食品小作坊登记”职责的申请（草稿（尚未提交，审核期限未起算））"
    )
    assert submitted.action == "devolution.submit" and "→ 审核论证中" in submitted.summary
    assert sent_back.actor_id == OFFICE and sent_back.details["reasons"] == "请补充承接部门的书面意见"
    decided = next(e for e in entries if e.action == "devolution.approval_approved")
    assert decided.actor_name == "王建国" and decided.client_address is None  # intake's message, no request
    issued = entries[-1]
    assert issued.action == "devolution.issue" and issued.details["document_number"] == "甬编办〔2026〕12号"
    assert {e.object_type for e in entries} == {"devolution"} and trail.intact(devolution)


def test_a_clock_run_out_is_recorded_as_the_systems_第三十四条(client, auth, devolution, trail) -> None:
    devolution_id = _post(client, auth, APPLICANT, "", complete_application()).get_json()["id"]
    _post(client, auth, APPLICANT, f"/{devolution_id}/submission")
    overdue = {"clock_id": f"devolution:{devolution_id}:review", "rule": "devolution_review"}
    deliver(devolution, CLOCK_OVERDUE, {**overdue, "overdue_working_days": 1}, "deadlines")
    last = trail.entries(devolution, object_id=devolution_id)[-1]
    assert (last.action, last.actor_id, last.actor_name) == ("devolution.clock_overdue", "system", "系统")
    assert last.summary.startswith("期限已逾期：")


def test_a_refused_step_leaves_no_entry_and_a_deleted_draft_is_recorded_第三十三条(
    client, auth, devolution, trail
) -> None:
    devolution_id = _post(client, auth, APPLICANT, "", {"duty_name": "食品小作坊登记"}).get_json()["id"]
    before = [e.id for e in trail.entries(devolution)]
    assert _post(client, auth, APPLICANT, f"/{devolution_id}/submission").status_code == 422  # incomplete
    assert _post(client, auth, OFFICE, f"/{devolution_id}/return", {"reasons": "x"}).status_code in (
        403,
        404,
        409,
    )
    assert [e.id for e in trail.entries(devolution)] == before
    csrf = _log_in(client, devolution, APPLICANT, "nb-scjg", "dept_clerk")
    deleted = client.post(f"/devolution/{devolution_id}/delete", data={"csrf_token": csrf}, headers=PROXIED)
    assert deleted.status_code in (302, 303)
    assert _history(devolution, devolution_id) == []  # a draft goes with its history …
    last = trail.entries(devolution, object_id=devolution_id)[
        -1
    ]  # … the trail keeps that it went, and by whom
    assert (last.action, last.actor_id, last.client_address) == (
        "devolution.delete_draft",
        APPLICANT,
        "172.18.3.4",
    )
    assert last.summary == "删除草稿：关于下放“食品小作坊登记”职责的申请"
    assert trail.intact(devolution)


def test_the_office_admin_reads_the_devolution_trail_in_chinese(client, auth, devolution) -> None:
    _post(client, auth, APPLICANT, "", complete_application())
    _log_in(client, devolution, "bb.admin", "nb-bb", "office_admin")
    page = client.get("/admin/audit/devolution").get_data(as_text=True)
    assert "职责下放服务" in page and "职责下放：起草申请" in page and "172.18.3.4" in page
    assert "职责下放事项 dv-" in page


def test_every_entry_of_a_devolutions_course_reads_in_chinese_第三十三条至第三十五条(
    client, auth, devolution, trail
) -> None:
    devolution_id = _post(client, auth, APPLICANT, "", complete_application()).get_json()["id"]
    _post(client, auth, APPLICANT, f"/{devolution_id}/submission")
    returned = {"reasons": "请补充书面意见", "items": ["feedback"]}
    _post(client, auth, OFFICE, f"/{devolution_id}/return", returned)
    _post(client, auth, APPLICANT, f"/{devolution_id}/submission")
    overdue = {"clock_id": f"devolution:{devolution_id}:review", "rule": "devolution_review"}
    deliver(devolution, CLOCK_OVERDUE, {**overdue, "overdue_working_days": 1}, "deadlines")
    _post(client, auth, OFFICE, f"/{devolution_id}/review", READY_REVIEW)
    deliver(devolution, APPROVAL_DECIDED, approval_decision(sent(devolution, APPROVAL_REQUEST)[-1]), "intake")
    body = {"document_number": "甬编办〔2026〕12号", "document_date": "2026-08-31"}
    _post(client, auth, OFFICE, f"/{devolution_id}/issuance", body)
    draft = _post(client, auth, APPLICANT, "", {"duty_name": "食品小作坊登记"}).get_json()["id"]
    csrf = _log_in(client, devolution, APPLICANT, "nb-scjg", "dept_clerk")
    client.post(f"/devolution/{draft}/delete", data={"csrf_token": csrf}, headers=PROXIED)
    csrf = _log_in(client, devolution, "bb.admin", "nb-bb", "office_admin")
    assert client.get("/devolution/figures.xlsx?figure=report_received&department=nb-scjg").status_code == 200
    client.post("/admin/audit/devolution/verify", data={"csrf_token": csrf})
    actions = {e.action for e in trail.entries(devolution)}
    assert {"devolution.issue", "devolution.clock_overdue", "ledger.export", "audit.verify"} <= actions

    assert trail.codes_shown(devolution, client) == []
    page = client.get("/admin/audit/devolution").get_data(as_text=True)
    assert "审计日志 职责下放服务" in page and f"职责下放事项 {devolution_id}" in page
