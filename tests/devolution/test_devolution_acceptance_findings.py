"""What an acceptance review on the running suite found: the order of refusals (404, 403, 409 before
422), coherent applications (第三十三条) and handover dates (第三十五条). Its rectification findings
(第三十七条第四项) moved with rectification to intake:
``test_a_devolution_failing_is_ordered_rectified_in_intake_第三十七条第四项.py``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from devolution_factories import READY_REVIEW, approval_decision, complete_application, deliver, sent

from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST

APPLICANT, RECEIVER, OFFICE = "scjg.clerk", "hs.scjg.clerk", "bb.clerk"


def _create(client: Any, auth: Any, data: dict[str, Any] | None = None) -> str:
    response = client.post(
        "/api/v1/devolutions", json=data or complete_application(), headers=auth(APPLICANT)
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _post(client: Any, auth: Any, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/devolutions/{path}", json=body or {}, headers=auth(user))


def _issued(client: Any, auth: Any, devolution: Any) -> str:
    devolution_id = _create(client, auth)
    assert _post(client, auth, APPLICANT, f"{devolution_id}/submission").status_code == 200
    assert _post(client, auth, OFFICE, f"{devolution_id}/review", READY_REVIEW).status_code == 200
    deliver(devolution, APPROVAL_DECIDED, approval_decision(sent(devolution, APPROVAL_REQUEST)[-1]), "intake")
    body = {"document_number": "甬编办〔2026〕12号", "document_date": "2026-08-31"}
    assert _post(client, auth, OFFICE, f"{devolution_id}/issuance", body).status_code == 200
    return devolution_id


# --- the order of refusals ------------------------------------------------------------------------------


def test_reviewing_an_application_back_for_supplements_is_a_409_even_with_an_unfinished_checklist_第三十四条(
    client, auth
) -> None:
    devolution_id = _create(client, auth)
    assert _post(client, auth, APPLICANT, f"{devolution_id}/submission").status_code == 200
    returned = {"reasons": "请补充乡镇一级的经费保障安排"}
    assert _post(client, auth, OFFICE, f"{devolution_id}/return", returned).status_code == 200
    response = _post(
        client, auth, OFFICE, f"{devolution_id}/review", {"checklist": [], "conclusion": "ready"}
    )
    assert response.status_code == 409, response.get_json()
    assert response.get_json()["code"] == "illegal_transition"


def test_issuing_a_draft_is_a_409_even_with_a_blank_document_number_第三十四条第二款(client, auth) -> None:
    devolution_id = _create(client, auth)
    body = {"document_number": " ", "document_date": "2026-08-31"}
    response = _post(client, auth, OFFICE, f"{devolution_id}/issuance", body)
    assert response.status_code == 409, response.get_json()


def test_another_jurisdictions_office_cannot_learn_of_a_devolution_through_issuance_第三十四条(
    client, auth
) -> None:
    devolution_id = _create(client, auth)
    future = (date.today() + timedelta(days=30)).isoformat()
    body = {"document_number": "海编办〔2026〕1号", "document_date": future}
    assert _post(client, auth, "hs.bb.clerk", f"{devolution_id}/issuance", body).status_code == 404


def test_a_department_that_does_not_receive_the_duty_gets_404_on_its_half_year_report_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution)
    report = {"public_service_effects": "x", "enterprise_service_effects": "x", "problems_found": "x"}
    path = f"/api/v1/devolutions/{devolution_id}/reports/hs-scjg"
    assert client.put(path, json=report, headers=auth("nyj.clerk")).status_code == 404


# --- a coherent application (第三十三条) ----------------------------------------------------------------


def test_a_support_measure_with_a_negative_amount_is_refused_第三十三条第四项(client, auth) -> None:
    data = complete_application()
    data["support_measures"][2]["amount"] = -30
    response = client.post("/api/v1/devolutions", json=data, headers=auth(APPLICANT))
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == ["support_measures[2].amount"]


def test_a_department_cannot_be_both_a_receiving_and_a_related_department_第三十三条第五项(
    client, auth
) -> None:
    data = complete_application(related_departments=["nb-zhzf", "hs-scjg"])
    response = client.post("/api/v1/devolutions", json=data, headers=auth(APPLICANT))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "related_departments"


# --- after issuance (第三十五条) ---------------------------------------------------------------------------


def test_a_handover_item_cannot_be_marked_done_on_a_day_still_to_come_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution)
    future = (date.today() + timedelta(days=400)).isoformat()
    response = client.patch(
        f"/api/v1/devolutions/{devolution_id}/handover/funds",
        json={"done_on": future},
        headers=auth(APPLICANT),
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "done_on"


def test_an_overdue_handover_item_makes_the_devolution_overdue_in_lists_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution)
    past = (date.today() - timedelta(days=3)).isoformat()
    client.patch(
        f"/api/v1/devolutions/{devolution_id}/handover/premises",
        json={"due_date": past},
        headers=auth(APPLICANT),
    )
    view = client.get(f"/api/v1/devolutions/{devolution_id}", headers=auth(APPLICANT)).get_json()
    assert view["overdue"] is True
    overdue = client.get("/api/v1/devolutions?overdue=true", headers=auth(OFFICE)).get_json()
    assert [d["id"] for d in overdue] == [devolution_id]
    assert client.get("/api/v1/devolutions?overdue=false", headers=auth(OFFICE)).get_json() == []


def test_who_may_apply_is_checked_before_what_they_wrote_第三十三条(client, auth) -> None:
    assert client.post("/api/v1/devolutions", json={}).status_code == 401
    assert client.post("/api/v1/devolutions", json={}, headers=auth(OFFICE)).status_code == 403
    assert client.post("/api/v1/devolutions", json={}, headers=auth(APPLICANT)).status_code == 422
    returned = client.post("/api/v1/devolutions/dv-x/return", json={"reasons": ""}, headers=auth(APPLICANT))
    assert returned.status_code == 403


def test_an_over_long_idempotency_key_or_document_number_is_a_422_not_a_database_error_第三十四条(
    client, auth
) -> None:
    long_key = {**auth(APPLICANT), "Idempotency-Key": "k" * 121}
    response = client.post("/api/v1/devolutions", json=complete_application(), headers=long_key)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"
    devolution_id = _create(client, auth)
    body = {"document_number": "甬" * 121, "document_date": "2026-08-31"}
    response = _post(client, auth, OFFICE, f"{devolution_id}/issuance", body)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "document_number"


def test_a_malformed_application_names_each_field_in_chinese_第三十三条(client, auth) -> None:
    body = {
        "legal_bases": [{"type": "law"}],
        "support_measures": [{"kind": "funds", "amount": "三十万"}],
        "feedback": [{"department": "hs-scjg", "role": "receiving", "position": "ok"}],
    }
    response = client.post("/api/v1/devolutions", json=body, headers=auth(APPLICANT))
    assert response.status_code == 422
    errors = {e["field"]: e["messages"] for e in response.get_json()["errors"]}
    assert errors["duty_name"] == ["职责名称：必填项，不能缺少"]
    assert errors["legal_bases[0].name"][0].startswith("依据名称：")
    assert errors["support_measures[0].amount"][0].startswith("数量或金额：")
    assert errors["feedback[0].position"][0].startswith("意见：")
    issuance = _post(client, auth, OFFICE, "dv-x/issuance", {"document_number": "甬编办〔2026〕1号"})
    assert issuance.get_json()["errors"][0]["messages"] == ["发文日期：必填项，不能缺少"]
