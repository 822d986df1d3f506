"""Filing consultation minutes over HTTP: the rightful host files sealed minutes; the office answers."""

from __future__ import annotations

import pytest
from casework_support import Desk, filing_body
from sqlalchemy import func, select

from services.intake.tables import CaseRecord


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _submit(desk: Desk, **changes: object):  # type: ignore[no-untyped-def]
    attachment = desk.upload("scjg.clerk").json["id"]
    return desk.post("scjg.clerk", "/cases/filings", filing_body(attachment, **changes))


def test_the_host_files_minutes_and_the_office_is_told_with_a_five_day_clock_第十五条(desk) -> None:
    response = _submit(desk)
    assert response.status_code == 201, response.json
    case = response.json
    assert (case["kind"], case["status"], case["next_actor"]) == ("filing", "submitted", "office")
    assert case["attachments"][0]["filename"] == "纪要.pdf"
    [clock] = desk.sent("clock.start")
    assert (clock["rule"], clock["owner_service"], clock["case"]["id"]) == (
        "filing_opinion",
        "intake",
        case["id"],
    )
    assert clock["responsible"] == [{"kind": "role", "id": "office_clerk", "jurisdiction": "330200"}]
    assert case["clocks"][0]["state"] == "requested"
    notice, receipt = desk.sent("notify.send")
    assert notice["template"] == "case_submitted" and notice["params"]["title"] == case["title"]
    assert receipt["template"] == "submission_received" and receipt["params"]["kind_name"] == "协商纪要备案"
    assert receipt["recipients"] == [{"kind": "department", "id": "nb-scjg", "jurisdiction": "330200"}]
    assert notice["params"]["link"].endswith(f"/cases/{case['id']}")


def test_the_office_gives_its_filing_opinion_and_the_clock_stops_第十五条(desk) -> None:
    case_id = _submit(desk).json["id"]
    refused = desk.act("bb.clerk", case_id, "file", {"opinion": "同意备案"})
    assert refused.status_code == 403  # a clerk drafts, the division head decides
    filed = desk.act("bb.head", case_id, "file", {"opinion": "同意备案"})
    assert filed.status_code == 200 and filed.json["status"] == "filed"
    assert [p["clock_id"] for p in desk.sent("clock.stop")] == [f"{case_id}:filing_opinion"]
    *_, notice, letter = desk.sent("notify.send")  # the notice, then the filing opinion letter (第十五条)
    assert notice["template"] == "filing_opinion_returned" and notice["params"]["outcome"] == "同意备案"
    assert letter["template"] == "document_issued"
    assert {r["id"] for r in notice["recipients"]} == {"nb-scjg", "nb-nyj"}
    history = desk.get("scjg.clerk", f"/cases/{case_id}/history").json
    assert [(h["action"], h["actor_id"]) for h in history] == [("submit", "scjg.clerk"), ("file", "bb.head")]


def test_a_filing_that_needs_a_formal_document_goes_to_approval_and_issuance_第十五条第二款(desk) -> None:
    case_id = _submit(desk).json["id"]
    sent = desk.act("bb.clerk", case_id, "request-document", {"opinion": "需发文明确", "text": "拟文稿"})
    assert sent.json["status"] == "awaiting_approval"
    [request] = desk.sent("approval.request")
    assert request["decision_kind"] == "filing_opinion" and request["case"]["id"] == case_id
    [material] = request["materials"]
    assert material["name"] == "纪要.pdf" and "/m/attachments/" in material["url"]
    decided = {
        "request_id": request["request_id"],
        "case": request["case"],
        "decision_kind": "filing_opinion",
        "outcome": "approved",
        "decided_by": {"user_id": "bb.leader", "name": "王建国"},
        "comment": "同意",
        "decided_at": "2026-11-30T02:00:00+00:00",
    }
    desk.deliver("approval.decided", decided, source="intake")
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["status"] == "approved"
    issued = desk.act(
        "bb.clerk", case_id, "issue", {"document_number": "甬编办函〔2026〕12号", "issued_on": "2026-12-01"}
    )
    assert issued.json["status"] == "in_execution"
    assert desk.templates()[-1] == "decision_issued"


def test_a_filing_without_every_party_groups_seal_is_refused_第十五条(desk) -> None:
    seals = [{"department": "nb-scjg", "party_group": "党组", "sealed_on": "2026-11-20"}]
    response = _submit(desk, seals=seals)
    assert response.status_code == 422
    assert response.json["code"] == "filing_incomplete"
    assert "nb-nyj" in response.json["errors"][0]["messages"][0]
    with desk.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseRecord)) == 0
    assert desk.sent("clock.start") == []


def test_a_filing_by_a_department_that_is_not_the_first_lead_is_refused_第十三条(desk) -> None:
    response = _submit(desk, lead_departments=["nb-nyj", "nb-scjg"])
    assert response.status_code == 422
    assert response.json["code"] == "not_rightful_host"
    assert "第十三条" in response.json["detail"]


def test_missing_fields_are_named_in_chinese(desk) -> None:
    response = desk.post("scjg.clerk", "/cases/filings", {"host_department": "nb-scjg", "seals": [{}]})
    assert response.status_code == 422
    errors = {e["field"]: e["messages"] for e in response.json["errors"]}
    assert errors["title"] == ["标题：必填项，不能缺少"]
    assert errors["assisting_departments"] == ["协办部门：必填项，不能缺少"]
    assert errors["seals[0].party_group"] == ["党组（党委）：必填项，不能缺少"]


def test_the_same_idempotency_key_returns_the_first_filing(desk) -> None:
    attachment = desk.upload("scjg.clerk").json["id"]
    first = desk.post("scjg.clerk", "/cases/filings", filing_body(attachment), **{"Idempotency-Key": "k-1"})
    again = desk.post("scjg.clerk", "/cases/filings", filing_body(attachment), **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json["id"] == again.json["id"]
    with desk.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CaseRecord)) == 1
    assert len(desk.sent("clock.start")) == 1


def test_the_applicant_withdraws_before_the_opinion_but_not_after(desk) -> None:
    case_id = _submit(desk).json["id"]
    assert desk.act("nyj.clerk", case_id, "withdraw").status_code == 403  # assisting, not host
    withdrawn = desk.act("scjg.clerk", case_id, "withdraw", {"reason": "重新协商"})
    assert withdrawn.json["status"] == "withdrawn"
    assert desk.sent("clock.stop")[-1]["outcome"] == "withdrawn"
    again = desk.act("scjg.clerk", case_id, "withdraw")
    assert again.status_code == 409
    assert again.json["case_status"] == "withdrawn" and again.json["allowed_actions"] == []


def test_the_office_asks_for_more_and_the_applicant_supplements(desk) -> None:
    case_id = _submit(desk).json["id"]
    asked = desk.act("bb.clerk", case_id, "request-supplement", {"reason": "缺少签字页", "items": ["签字页"]})
    assert asked.json["status"] == "supplement_requested" and asked.json["next_actor"] == "applicant"
    extra = desk.upload("scjg.clerk", b"%PDF-1.4 signatures").json["id"]
    done = desk.act("scjg.clerk", case_id, "supplement", {"note": "已补", "attachment_ids": [extra]})
    assert done.json["status"] == "submitted" and len(done.json["attachments"]) == 2
    assert desk.templates()[-2:] == ["supplement_requested", "case_supplemented"]
