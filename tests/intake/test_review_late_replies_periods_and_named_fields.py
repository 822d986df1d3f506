"""Acceptance-review findings on 第十五条 to 第二十三条: a department that filed a reason may still answer
after the period, reply periods are whole working days, a 422 names the field that is wrong, what goes to the
approval inbox is in Chinese, and an extension already used is not offered again."""

from __future__ import annotations

import pytest
from casework_support import Desk, accepted_application, application_body, filing_body


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _solicit(desk: Desk, case_id: str, departments: list[str], days: object = 5):  # type: ignore[no-untyped-def]
    body = {"departments": departments, "question": "请提出意见", "reply_working_days": days}
    return desk.act("bb.clerk", case_id, "solicitations", body)


def test_a_department_that_filed_a_reason_may_still_reply_after_the_period_ran_out_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = _solicit(desk, case_id, ["nb-zjj"]).json["solicitations"]
    asked = {"solicitation_id": s["id"], "kind": "need_time", "reason": "需报局党组研究"}
    assert desk.act("zjj.clerk", case_id, "replies", asked).status_code == 200
    expired = {"clock_id": s["clock_id"], "case": {"id": case_id}, "rule": "written_reply"}
    assert desk.deliver("clock.expired", expired)

    late = {
        "solicitation_id": s["id"],
        "kind": "disagree",
        "opinion": "经局党组研究，建议由住建局负责处置环节",
    }
    response = desk.act("zjj.clerk", case_id, "replies", late)
    assert response.status_code == 200, response.json
    [after] = response.json["solicitations"]
    assert after["status"] == "disagreed" and after["opinion"].startswith("经局党组研究")


def test_a_silent_department_cannot_reply_once_deemed_to_have_no_objection_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = _solicit(desk, case_id, ["nb-zjj"]).json["solicitations"]
    desk.delivered(case_id, s)
    desk.deliver(
        "clock.expired", {"clock_id": s["clock_id"], "case": {"id": case_id}, "rule": "written_reply"}
    )
    late = desk.act("zjj.clerk", case_id, "replies", {"solicitation_id": s["id"], "kind": "agree"})
    assert late.status_code == 409


@pytest.mark.parametrize("days", [7.5, True])
def test_a_reply_period_must_be_a_whole_number_of_working_days_第二十条(desk, days) -> None:
    case_id = accepted_application(desk)
    response = _solicit(desk, case_id, ["nb-zjj"], days)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"reply_working_days"}


def test_an_application_without_failed_consultation_names_consultation_failed_第十六条(desk) -> None:
    body = application_body(consultation_failed=False)
    response = desk.post("zhzf.clerk", "/cases/coordination-applications", body)
    assert response.status_code == 422
    assert "consultation_failed" in {e["field"] for e in response.json["errors"]}


def test_a_filing_whose_minutes_file_is_unusable_names_minutes_attachment_id_第十五条(desk) -> None:
    body = filing_body("a-doesnotexist")
    response = desk.post("scjg.clerk", "/cases/filings", body)
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} == {"minutes_attachment_id"}


def test_a_filing_sent_for_a_formal_document_reaches_the_inbox_with_a_chinese_summary_第十五条(desk) -> None:
    minutes = desk.upload("scjg.clerk").json["id"]
    case_id = desk.post("scjg.clerk", "/cases/filings", filing_body(minutes)).json["id"]
    response = desk.act("bb.clerk", case_id, "request-document", {"opinion": "需发文明确"})
    assert response.status_code == 200, response.json
    [request] = desk.sent("approval.request")
    summary = request["drafted_decision"]["summary"]
    assert summary and "filing_opinion" not in summary and not summary.isascii()


def test_an_extension_already_used_is_no_longer_offered_第二十二条(desk) -> None:
    case_id = accepted_application(desk)
    offered = [a["action"] for a in desk.get("bb.head", f"/cases/{case_id}").json["allowed_actions"]]
    assert "extend" in offered
    assert desk.act("bb.head", case_id, "extension", {"reason": "情况特殊"}).status_code == 200
    offered = [a["action"] for a in desk.get("bb.head", f"/cases/{case_id}").json["allowed_actions"]]
    assert "extend" not in offered
    again = desk.act("bb.head", case_id, "extension", {"reason": "再延长"})
    assert again.status_code in (409, 422) and again.json["code"] in (
        "already_extended",
        "illegal_transition",
    )
