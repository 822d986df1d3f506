"""The devolution procedure over HTTP, from application (第三十三条) through review and approval (第三十四条)
to issuance, handover and the half-year report (第三十五条), with the messages it sends to others."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from devolution_factories import (
    ISSUED_OVER_HALF_A_YEAR_AGO,
    READY_REVIEW,
    approval_decision,
    complete_application,
    deliver,
    sent,
    sent_to,
)

from shared.contracts import (
    APPROVAL_DECIDED,
    APPROVAL_REQUEST,
    CLOCK_OVERDUE,
    CLOCK_PAUSE,
    CLOCK_RESUME,
    CLOCK_SCHEDULED,
    CLOCK_START,
    CLOCK_STOP,
    NOTIFY_SEND,
)

APPLICANT, RECEIVER, OTHER_RECEIVER, OFFICE = "scjg.clerk", "hs.scjg.clerk", "yz.scjg.clerk", "bb.clerk"


def _create(client: Any, auth: Any, data: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(
        "/api/v1/devolutions", json=data or complete_application(), headers=auth(APPLICANT)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _post(client: Any, auth: Any, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/devolutions/{path}", json=body or {}, headers=auth(user))


def _under_review(client: Any, auth: Any) -> str:
    devolution_id = _create(client, auth)["id"]
    assert _post(client, auth, APPLICANT, f"{devolution_id}/submission").status_code == 200
    return devolution_id


def _approved(client: Any, auth: Any, devolution: Any) -> str:
    devolution_id = _under_review(client, auth)
    assert _post(client, auth, OFFICE, f"{devolution_id}/review", READY_REVIEW).status_code == 200
    request = sent(devolution, APPROVAL_REQUEST)[-1]
    deliver(devolution, APPROVAL_DECIDED, approval_decision(request, "approved"), "intake")
    return devolution_id


def _issued(client: Any, auth: Any, devolution: Any, on: str = "2026-08-31") -> str:
    devolution_id = _approved(client, auth, devolution)
    body = {"document_number": "甬编办〔2026〕12号", "document_date": on}
    assert _post(client, auth, OFFICE, f"{devolution_id}/issuance", body).status_code == 200
    return devolution_id


def _get(client: Any, auth: Any, user: str, devolution_id: str) -> Any:
    return client.get(f"/api/v1/devolutions/{devolution_id}", headers=auth(user))


# --- the application (第三十二、三十三条) ------------------------------------------------------------------


def test_an_incomplete_application_is_kept_as_a_draft_and_no_review_clock_starts(
    client, auth, devolution
) -> None:
    draft = _create(client, auth, {"duty_name": "食品小作坊登记"})
    assert draft["state"] == "draft"
    assert draft["state_label"].startswith("草稿")
    assert {"legal_bases", "support_measures", "receiving_departments"} <= set(draft["missing_items"])
    assert sent(devolution, CLOCK_START) == []


def test_submitting_an_incomplete_application_lists_what_is_missing_under_article_33(
    client, auth, devolution
) -> None:
    data = complete_application()
    data["reasons"]["coordination"] = ""
    draft = _create(client, auth, data)
    response = _post(client, auth, APPLICANT, f"{draft['id']}/submission")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "application_incomplete"
    assert "协同性" in problem["detail"]
    assert {"field": "reasons.coordination", "messages": [problem["errors"][0]["messages"][0]]} in problem[
        "errors"
    ]
    assert _get(client, auth, APPLICANT, draft["id"]).get_json()["state"] == "draft"
    assert sent(devolution, CLOCK_START) == []


@pytest.mark.parametrize("kind", ["internal_document", "meeting", "leader_speech", "responsibility_letter"])
def test_a_basis_that_is_an_internal_document_meeting_speech_or_letter_is_refused_citing_article_32(
    client, auth, devolution, kind
) -> None:
    data = complete_application(legal_bases=[{"type": kind, "name": "局党组会议纪要"}])
    response = client.post("/api/v1/devolutions", json=data, headers=auth(APPLICANT))
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "devolution_basis_forbidden"
    assert "第三十二条第二款" in problem["detail"] and problem["article"] == "第三十二条第二款"
    assert client.get("/api/v1/devolutions", headers=auth(APPLICANT)).get_json() == []


def test_an_unknown_receiving_department_is_refused(client, auth) -> None:
    data = complete_application(receiving_departments=["nowhere"])
    response = client.post("/api/v1/devolutions", json=data, headers=auth(APPLICANT))
    assert response.status_code == 422
    assert response.get_json()["code"] == "unknown_department"


def test_a_department_cannot_devolve_a_duty_to_itself(client, auth) -> None:
    data = complete_application(receiving_departments=["nb-scjg"])
    response = client.post("/api/v1/devolutions", json=data, headers=auth(APPLICANT))
    assert response.status_code == 422
    assert response.get_json()["code"] == "receiver_is_applicant"


def test_only_a_department_applies(client, auth) -> None:
    response = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(OFFICE))
    assert response.status_code == 403


def test_a_complete_submission_starts_the_ten_working_day_review_clock_under_article_34(
    client, auth, devolution
) -> None:
    devolution_id = _under_review(client, auth)
    [start] = sent(devolution, CLOCK_START)
    assert start["rule"] == "devolution_review"
    assert start["clock_id"] == f"devolution:{devolution_id}:review"
    assert start["owner_service"] == "devolution"
    assert start["case"]["id"] == devolution_id and start["case"]["jurisdiction"] == "330200"
    assert start["responsible"] == [{"kind": "role", "id": "office_clerk", "jurisdiction": "330200"}]
    notice, receipt = sent(devolution, NOTIFY_SEND)
    assert notice["template"] == "case_submitted"
    assert receipt["template"] == "submission_received"  # the applicant's receipt (回执) too
    assert receipt["recipients"] == [{"kind": "department", "id": "nb-scjg", "jurisdiction": "330200"}]
    assert _get(client, auth, OFFICE, devolution_id).get_json()["state_label"] == "审核论证中"


def test_a_repeated_submission_with_the_same_idempotency_key_starts_one_clock(
    client, auth, devolution
) -> None:
    draft = _create(client, auth)
    headers = {**auth(APPLICANT), "Idempotency-Key": "submit-1"}
    first = client.post(f"/api/v1/devolutions/{draft['id']}/submission", headers=headers)
    again = client.post(f"/api/v1/devolutions/{draft['id']}/submission", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["state"] == first.get_json()["state"] == "under_review"
    assert len(sent(devolution, CLOCK_START)) == 1
    without_key = client.post(f"/api/v1/devolutions/{draft['id']}/submission", headers=auth(APPLICANT))
    assert without_key.status_code == 409
    elsewhere = client.post("/api/v1/devolutions", json=complete_application(), headers=headers)
    assert elsewhere.status_code == 409
    assert elsewhere.get_json()["code"] == "idempotency_key_reused"


def test_a_repeated_application_with_the_same_idempotency_key_creates_one_draft(client, auth) -> None:
    headers = {**auth(APPLICANT), "Idempotency-Key": "create-1"}
    first = client.post("/api/v1/devolutions", json=complete_application(), headers=headers)
    again = client.post("/api/v1/devolutions", json=complete_application(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["id"] == again.get_json()["id"]
    assert len(client.get("/api/v1/devolutions", headers=auth(APPLICANT)).get_json()) == 1


def test_a_refused_submission_does_not_use_up_its_idempotency_key(client, auth, devolution) -> None:
    data = complete_application()
    data["reasons"]["legality"] = ""
    draft = _create(client, auth, data)
    headers = {**auth(APPLICANT), "Idempotency-Key": "submit-2"}
    assert client.post(f"/api/v1/devolutions/{draft['id']}/submission", headers=headers).status_code == 422
    client.put(
        f"/api/v1/devolutions/{draft['id']}/application", json=complete_application(), headers=auth(APPLICANT)
    )
    retried = client.post(f"/api/v1/devolutions/{draft['id']}/submission", headers=headers)
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers
    assert len(sent(devolution, CLOCK_START)) == 1


def test_the_review_clock_does_not_run_while_the_application_is_back_for_supplements(
    client, auth, devolution
) -> None:
    devolution_id = _under_review(client, auth)
    returned = _post(client, auth, OFFICE, f"{devolution_id}/return", {"reasons": "请补充乡镇经费安排"})
    assert returned.get_json()["state"] == "returned"
    clock_id = f"devolution:{devolution_id}:review"
    [pause] = sent(devolution, CLOCK_PAUSE)
    assert pause["clock_id"] == clock_id and "请补充乡镇经费安排" in pause["reason"]
    assert sent(devolution, CLOCK_RESUME) == []  # nothing restarts it while the department holds it

    data = complete_application()
    data["support_measures"][2]["description"] = ""
    put = client.put(f"/api/v1/devolutions/{devolution_id}/application", json=data, headers=auth(APPLICANT))
    assert put.status_code == 200
    assert _post(client, auth, APPLICANT, f"{devolution_id}/submission").status_code == 422
    assert sent(devolution, CLOCK_RESUME) == []  # an incomplete resubmission resumes nothing

    client.put(
        f"/api/v1/devolutions/{devolution_id}/application",
        json=complete_application(),
        headers=auth(APPLICANT),
    )
    assert _post(client, auth, APPLICANT, f"{devolution_id}/submission").get_json()["state"] == "under_review"
    [resume] = sent(devolution, CLOCK_RESUME)
    assert resume["clock_id"] == clock_id
    assert [t for t in sent_to(devolution, "deadlines")] == [CLOCK_START, CLOCK_PAUSE, CLOCK_RESUME]
    notices = [n["template"] for n in sent(devolution, NOTIFY_SEND)]
    assert notices == [
        "case_submitted",
        "submission_received",
        "supplement_requested",
        "case_submitted",
        "submission_received",
    ]


def test_the_application_cannot_be_changed_while_under_review(client, auth) -> None:
    devolution_id = _under_review(client, auth)
    response = client.put(
        f"/api/v1/devolutions/{devolution_id}/application",
        json=complete_application(),
        headers=auth(APPLICANT),
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "illegal_transition"


# --- review and decision (第三十四条) ----------------------------------------------------------------------


def test_a_ready_conclusion_goes_to_the_leaders_inbox_in_intake_and_stops_the_review_clock(
    client, auth, devolution
) -> None:
    devolution_id = _under_review(client, auth)
    response = _post(client, auth, OFFICE, f"{devolution_id}/review", READY_REVIEW)
    assert response.get_json()["state"] == "pending_approval"
    [request] = sent(devolution, APPROVAL_REQUEST)
    assert request["decision_kind"] == "devolution_decision"
    assert request["requester_service"] == "devolution"
    assert request["statutory_clock_id"] == f"devolution:{devolution_id}:review"
    assert request["drafted_decision"]["power_list_entries"][0]["code"] == "330200-SCJG-XK-012"
    assert "原部门负责" in request["drafted_decision"]["text"]
    assert request["statutory_basis"].startswith("第三十四条")
    assert [h["text"] for h in request["case_history"]] == [
        "起草申请",
        "提交申请",
        "审核论证：可以下放，报批",
    ]
    assert ("intake", APPROVAL_REQUEST) in [(d, e["type"]) for d, e in devolution.sender.sent]
    [stop] = sent(devolution, CLOCK_STOP)
    assert stop["outcome"] == "done"


def test_a_ready_conclusion_needs_the_power_list_entries(client, auth) -> None:
    devolution_id = _under_review(client, auth)
    body = {**READY_REVIEW, "power_list_entries": []}
    response = _post(client, auth, OFFICE, f"{devolution_id}/review", body)
    assert response.status_code == 422
    assert "power_list_entries" in {e["field"] for e in response.get_json()["errors"]}


def test_not_ready_sends_the_department_a_written_notice_with_the_reasons(client, auth, devolution) -> None:
    devolution_id = _under_review(client, auth)
    body = {**READY_REVIEW, "conclusion": "not_ready", "reasons": "乡镇承接能力不足，暂不具备下放条件"}
    response = _post(client, auth, OFFICE, f"{devolution_id}/review", body)
    assert response.get_json()["state"] == "not_ready"
    notices = sent(devolution, NOTIFY_SEND)
    [notice] = [n for n in notices if n["template"] == "devolution_not_ready"]
    assert notices[-1]["template"] == "document_issued"  # then the numbered letter with its links
    assert notice["params"]["reason"] == "乡镇承接能力不足，暂不具备下放条件"
    assert notice["recipients"] == [{"kind": "department", "id": "nb-scjg", "jurisdiction": "330200"}]
    assert sent(devolution, APPROVAL_REQUEST) == []


def test_a_department_cannot_review(client, auth) -> None:
    devolution_id = _under_review(client, auth)
    assert _post(client, auth, APPLICANT, f"{devolution_id}/review", READY_REVIEW).status_code == 403


def test_approved_means_not_yet_in_force_and_the_original_department_stays_responsible(
    client, auth, devolution
) -> None:
    devolution_id = _approved(client, auth, devolution)
    view = _get(client, auth, OFFICE, devolution_id).get_json()
    assert view["state"] == "approved"
    assert view["state_label"] == "已批准，尚未正式发文（原部门继续负责）"
    assert view["in_force"] is False
    assert view["responsible_departments"] == ["nb-scjg"]
    assert view["reports"] == [] and view["handover"] == []
    assert all(s["rule"] != "operation_report" for s in sent(devolution, CLOCK_START))
    [change] = client.get("/api/v1/power-list/changes", headers=auth(OFFICE)).get_json()
    assert change["type"] == "power_list.changed"
    assert change["change"] == "approved_not_in_force" and change["in_force"] is False
    assert change["responsible_departments"] == ["nb-scjg"]
    notice = next(n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "power_list_changed")
    assert notice["recipients"][0] == {"kind": "role", "id": "office_division_head", "jurisdiction": "330200"}


@pytest.mark.parametrize("outcome", ["rejected", "returned"])
def test_a_decision_that_is_not_approval_sends_the_case_back_to_review(
    client, auth, devolution, outcome
) -> None:
    devolution_id = _under_review(client, auth)
    _post(client, auth, OFFICE, f"{devolution_id}/review", READY_REVIEW)
    deliver(
        devolution,
        APPROVAL_DECIDED,
        approval_decision(sent(devolution, APPROVAL_REQUEST)[-1], outcome),
        "intake",
    )
    assert _get(client, auth, OFFICE, devolution_id).get_json()["state"] == "under_review"
    assert sent(devolution, NOTIFY_SEND)[-1]["template"] == "approval_returned"
    # A second conclusion asks again under a new request id; the stopped review clock is not stopped twice.
    _post(client, auth, OFFICE, f"{devolution_id}/review", READY_REVIEW)
    first, second = sent(devolution, APPROVAL_REQUEST)
    assert first["request_id"] != second["request_id"]
    assert len(sent(devolution, CLOCK_STOP)) == 1


def test_a_redelivered_approval_changes_nothing_twice(client, auth, devolution) -> None:
    devolution_id = _under_review(client, auth)
    _post(client, auth, OFFICE, f"{devolution_id}/review", READY_REVIEW)
    from shared.messaging import Envelope

    envelope = Envelope(
        type=APPROVAL_DECIDED,
        payload=approval_decision(sent(devolution, APPROVAL_REQUEST)[-1], "approved"),
        source="intake",
    ).to_dict()
    assert devolution.bus.handle(envelope) is True
    assert devolution.bus.handle(envelope) is False
    assert len(client.get("/api/v1/power-list/changes", headers=auth(OFFICE)).get_json()) == 1


def test_issuance_is_refused_before_approval(client, auth) -> None:
    devolution_id = _under_review(client, auth)
    body = {"document_number": "甬编办〔2026〕12号", "document_date": "2026-08-31"}
    assert _post(client, auth, OFFICE, f"{devolution_id}/issuance", body).status_code == 409


# --- issuance and after (第三十五条) ----------------------------------------------------------------------


def test_issuance_records_the_document_and_starts_a_half_year_clock_per_receiving_department(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution, on="2026-08-31")
    view = _get(client, auth, OFFICE, devolution_id).get_json()
    assert view["state"] == "issued" and view["in_force"] is True
    assert view["document_number"] == "甬编办〔2026〕12号" and view["document_date"] == "2026-08-31"
    assert view["responsible_departments"] == ["hs-scjg", "yz-scjg"]
    reports = [s for s in sent(devolution, CLOCK_START) if s["rule"] == "operation_report"]
    assert {r["clock_id"] for r in reports} == {
        f"devolution:{devolution_id}:report:hs-scjg",
        f"devolution:{devolution_id}:report:yz-scjg",
    }
    hs = next(r for r in reports if r["clock_id"].endswith("hs-scjg"))
    assert hs["responsible"] == [{"kind": "department", "id": "hs-scjg", "jurisdiction": "330203"}]
    assert hs["escalate_to"] == [{"kind": "department", "id": "nb-scjg", "jurisdiction": "330200"}]
    assert [r["state"] for r in view["reports"]] == ["awaiting", "awaiting"]
    assert [h["kind"] for h in view["handover"]] == ["personnel", "funds", "premises", "guidance", "training"]
    changes = client.get("/api/v1/power-list/changes?after=1", headers=auth(OFFICE)).get_json()
    assert [(c["change"], c["in_force"], c["document_number"]) for c in changes] == [
        ("in_force", True, "甬编办〔2026〕12号")
    ]
    issued = [n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "devolution_issued"]
    assert {r["id"] for n in issued for r in n["recipients"]} == {"nb-scjg", "hs-scjg", "yz-scjg"}


def test_an_overdue_handover_item_reminds_the_devolving_department_once(client, auth, devolution) -> None:
    devolution_id = _issued(client, auth, devolution)
    past = (date.today() - timedelta(days=3)).isoformat()
    response = client.patch(
        f"/api/v1/devolutions/{devolution_id}/handover/premises",
        json={"due_date": past, "description": "乡镇登记窗口"},
        headers=auth(APPLICANT),
    )
    assert response.status_code == 200
    premises = next(h for h in response.get_json()["handover"] if h["kind"] == "premises")
    assert premises["overdue"] is True
    devolution.run_periodic()
    devolution.run_periodic()
    reminders = [n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "deadline_overdue"]
    assert len(reminders) == 1
    assert reminders[0]["recipients"] == [{"kind": "department", "id": "nb-scjg", "jurisdiction": "330200"}]
    assert reminders[0]["params"]["item"] == "场地保障"
    done = client.patch(
        f"/api/v1/devolutions/{devolution_id}/handover/premises",
        json={"done_on": date.today().isoformat()},
        headers=auth(APPLICANT),
    )
    assert next(h for h in done.get_json()["handover"] if h["kind"] == "premises")["overdue"] is False
    assert (
        client.patch(
            f"/api/v1/devolutions/{devolution_id}/handover/premises",
            json={"done_on": past},
            headers=auth(RECEIVER),
        ).status_code
        == 403
    )


REPORT = {
    "public_service_effects": "群众就近办理，平均办理时间由5天缩短到2天",
    "enterprise_service_effects": "小作坊登记不再往返市区",
    "problems_found": "部分市场监管所人员不足",
    "suggestions": "加强业务培训",
}


def test_each_receiving_department_reports_and_the_devolving_department_acknowledges_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution, on=ISSUED_OVER_HALF_A_YEAR_AGO)  # half a year run
    path = f"/api/v1/devolutions/{devolution_id}/reports"
    incomplete = client.put(f"{path}/hs-scjg", json={**REPORT, "problems_found": ""}, headers=auth(RECEIVER))
    assert incomplete.status_code == 422
    assert client.put(f"{path}/hs-scjg", json=REPORT, headers=auth(OTHER_RECEIVER)).status_code == 403
    assert client.put(f"{path}/hs-scjg", json=REPORT, headers=auth(RECEIVER)).status_code == 200
    stop = sent(devolution, CLOCK_STOP)[-1]
    assert stop["clock_id"] == f"devolution:{devolution_id}:report:hs-scjg"
    assert sent(devolution, NOTIFY_SEND)[-1]["template"] == "half_year_report_submitted"
    ack = client.post(f"{path}/hs-scjg/acknowledgement", json={"note": "已阅"}, headers=auth(APPLICANT))
    assert ack.get_json()["state"] == "issued"  # the other receiving department has not reported yet
    assert client.post(f"{path}/yz-scjg/acknowledgement", json={}, headers=auth(APPLICANT)).status_code == 409
    assert client.put(f"{path}/yz-scjg", json=REPORT, headers=auth(OTHER_RECEIVER)).status_code == 200
    done = client.post(f"{path}/yz-scjg/acknowledgement", json={}, headers=auth(APPLICANT)).get_json()
    assert done["state"] == "operation_reported"
    assert [r["state"] for r in done["reports"]] == ["acknowledged", "acknowledged"]
    assert done["reports"][0]["content"]["public_service_effects"].startswith("群众就近办理")


# --- visibility, lists and clocks -----------------------------------------------------------------------


def test_departments_see_their_own_and_the_devolutions_they_receive_and_the_office_its_jurisdiction(
    client, auth
) -> None:
    draft = _create(client, auth)["id"]
    submitted = _under_review(client, auth)

    def ids(user: str) -> set[str]:
        return {d["id"] for d in client.get("/api/v1/devolutions", headers=auth(user)).get_json()}

    assert ids(APPLICANT) == {draft, submitted}
    assert ids(OFFICE) == {draft, submitted}
    assert ids(RECEIVER) == {submitted}  # a receiving county department, not its drafts
    assert ids("nyj.clerk") == set()
    assert ids("hs.bb.clerk") == set()  # another jurisdiction's office
    assert _get(client, auth, "nyj.clerk", submitted).status_code == 404
    assert _get(client, auth, "hs.bb.clerk", submitted).status_code == 404
    assert _get(client, auth, RECEIVER, draft).status_code == 404


def test_lists_show_the_due_date_and_filter_by_state_and_overdue(client, auth, devolution) -> None:
    late = _under_review(client, auth)
    on_time = _under_review(client, auth)
    _create(client, auth)
    for devolution_id, due in ((late, "2026-11-30"), (on_time, "2026-12-14")):
        deliver(
            devolution,
            CLOCK_SCHEDULED,
            {
                "clock_id": f"devolution:{devolution_id}:review",
                "case": {"service": "devolution", "kind": "devolution", "id": devolution_id},
                "rule": "devolution_review",
                "state": "running",
                "due_date": due,
                "due_at": f"{due}T16:00:00+00:00",
                "provisional": False,
                "remaining_working_days": 10,
                "reason": "started",
            },
            "deadlines",
        )
    deliver(
        devolution,
        CLOCK_OVERDUE,
        {"clock_id": f"devolution:{late}:review", "rule": "devolution_review", "due_date": "2026-11-30",
         "overdue_working_days": 1, "escalated": False},
        "deadlines",
    )  # fmt: skip

    def ids(query: str) -> list[str]:
        return [d["id"] for d in client.get(f"/api/v1/devolutions?{query}", headers=auth(OFFICE)).get_json()]

    assert ids("overdue=true") == [late]
    assert set(ids("overdue=false&state=under_review")) == {on_time}
    assert len(ids("state=draft")) == 1
    assert len(ids("state=draft&state=under_review")) == 3
    view = _get(client, auth, OFFICE, on_time).get_json()
    assert view["clocks"][0]["due_date"] == "2026-12-14" and view["overdue"] is False
    history = _get(client, auth, OFFICE, late).get_json()["history"]
    assert history[-1]["action"] == "clock_overdue"
    assert client.get("/api/v1/devolutions?state=nonsense", headers=auth(OFFICE)).status_code == 422


def test_the_api_is_documented_in_openapi(client) -> None:
    spec = client.get("/openapi.json").get_json()
    for path in (
        "/api/v1/devolutions",
        "/api/v1/devolutions/{devolution_id}/submission",
        "/api/v1/devolutions/{devolution_id}/review",
        "/api/v1/devolutions/{devolution_id}/issuance",
        "/api/v1/devolutions/{devolution_id}/reports/{department}",
        "/api/v1/power-list/changes",
    ):
        assert path in spec["paths"], path
    assert not [p for p in spec["paths"] if "rectification" in p]  # 第三十七条 is intake's casework now
    submission = spec["paths"]["/api/v1/devolutions/{devolution_id}/submission"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in submission["parameters"])
    assert {"200", "403", "404", "409", "422"} <= set(submission["responses"])
    create = spec["paths"]["/api/v1/devolutions"]["post"]
    example = create["responses"]["422"]["content"]["application/problem+json"]["example"]
    assert example["code"] == "devolution_basis_forbidden"


def test_the_history_keeps_every_step_in_order_with_who_took_it(client, auth, devolution) -> None:
    devolution_id = _issued(client, auth, devolution)
    history = _get(client, auth, APPLICANT, devolution_id).get_json()["history"]
    steps = [(h["action"], h["from_state"], h["to_state"], h["actor"]["user_id"]) for h in history]
    assert steps == [
        ("create", "draft", "draft", APPLICANT),
        ("submit", "draft", "under_review", APPLICANT),
        ("conclude_ready", "under_review", "pending_approval", OFFICE),
        ("approval_approved", "pending_approval", "approved", "bb.leader"),
        ("issue", "approved", "issued", OFFICE),
    ]
    assert history[-1]["detail"]["document_number"] == "甬编办〔2026〕12号"
    assert history[-1]["label"] == "正式发文下放"


def test_a_clock_scheduled_as_overdue_lists_as_overdue_and_a_paused_one_never(
    client, auth, devolution
) -> None:
    late = _under_review(client, auth)
    held = _under_review(client, auth)
    _post(client, auth, OFFICE, f"{held}/return", {"reasons": "请补充材料"})

    def scheduled(devolution_id: str, state: str, due: str | None) -> None:
        payload = {
            "clock_id": f"devolution:{devolution_id}:review",
            "case": {"service": "devolution", "kind": "devolution", "id": devolution_id},
            "rule": "devolution_review",
            "state": state,
            "due_date": due,
            "due_at": f"{due}T16:00:00+00:00" if due else None,
            "provisional": False,
            "remaining_working_days": -2 if state == "overdue" else 6,
            "reason": "calendar_changed" if state == "overdue" else "paused",
        }
        deliver(devolution, CLOCK_SCHEDULED, payload, "deadlines")

    scheduled(late, "overdue", "2026-11-20")
    scheduled(held, "paused", None)  # due dates are null while the department holds it (中止)
    overdue = client.get("/api/v1/devolutions?overdue=true", headers=auth(OFFICE)).get_json()
    assert [d["id"] for d in overdue] == [late]
    held_view = _get(client, auth, OFFICE, held).get_json()
    assert held_view["clocks"][0]["state"] == "paused" and held_view["clocks"][0]["due_date"] is None
    assert held_view["overdue"] is False
