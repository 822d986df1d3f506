"""Rectification over HTTP: the office orders a department to correct by a date; the date is a clock; the
department reports; the office confirms, asks again, or hands the case to the supervision rules (第37条)."""

from __future__ import annotations

import pytest
from casework_support import Desk, accepted_application


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _order(desk: Desk, user: str = "bb.head", **changes: object):  # type: ignore[no-untyped-def]
    body = {
        "title": "关于市生态环境局未按协调意见履行餐厨垃圾处置监管职责的限期纠正",
        "department": "nb-sthj",
        "ground": "not_as_coordinated",
        "facts": "协调意见发文后，处置环节监管仍未落实",
        "basis": "甬编办函〔2026〕35号",
        "due_date": "2099-01-31",
        **changes,
    }
    return desk.post(user, "/cases/rectifications", body)


def test_the_office_orders_a_correction_and_the_date_becomes_a_clock_第三十七条(desk) -> None:
    assert _order(desk, "bb.clerk").status_code == 403
    ordered = _order(desk)
    assert ordered.status_code == 201, ordered.json
    case = ordered.json
    assert (case["kind"], case["status"], case["next_actor"]) == ("rectification", "ordered", "applicant")
    [clock] = desk.sent("clock.start")
    assert (clock["rule"], clock["due_date"]) == ("rectification", "2099-01-31")
    assert clock["responsible"] == [{"kind": "department", "id": "nb-sthj", "jurisdiction": "330200"}]
    *_, notice, letter = desk.sent("notify.send")  # the notice, then the order itself (第三十七条)
    assert notice["template"] == "rectification_ordered" and notice["params"]["ground"].startswith("（二）")
    assert letter["template"] == "document_issued"
    assert desk.get("zjj.clerk", f"/cases/{case['id']}").status_code == 404


def test_the_department_reports_and_the_office_confirms_or_asks_again(desk) -> None:
    case_id = _order(desk).json["id"]
    assert desk.act("sthj.clerk", case_id, "confirm-correction").status_code == 409  # nothing reported yet
    reported = desk.act("sthj.clerk", case_id, "report-correction", {"report": "已明确处置环节监管科室"})
    assert reported.json["status"] == "correction_reported" and reported.json["next_actor"] == "office"
    assert desk.act("sthj.clerk", case_id, "confirm-correction").status_code == 403  # the office confirms
    again = desk.act("bb.clerk", case_id, "reject-correction", {"reason": "未见执法记录"})
    assert again.json["status"] == "ordered"
    desk.act("sthj.clerk", case_id, "report-correction", {"report": "补充执法记录"})
    closed = desk.act("bb.head", case_id, "confirm-correction", {"note": "已核实"})
    assert closed.json["status"] == "corrected"
    assert desk.sent("clock.stop")[-1] == {
        **desk.sent("clock.stop")[-1],
        "clock_id": f"{case_id}:rectification",
    }
    assert desk.templates()[-1] == "rectification_closed"


def test_an_uncorrected_failing_goes_to_the_supervision_rules_第三十七条第二款(desk) -> None:
    case_id = _order(desk).json["id"]
    desk.deliver(
        "clock.overdue",
        {
            "clock_id": f"{case_id}:rectification",
            "rule": "rectification",
            "due_date": "2099-01-31",
            "overdue_working_days": 3,
            "escalated": True,
        },
    )
    assert desk.get("bb.head", "/cases?kind=rectification&overdue=true").json["total"] == 1
    referred = desk.act("bb.head", case_id, "refer-to-supervision", {"reason": "逾期未纠正"})
    assert referred.json["status"] == "referred_to_supervision"
    assert desk.sent("clock.stop")[-1]["outcome"] == "terminated"


def test_an_order_is_tied_to_the_coordination_it_enforces_and_a_date_ahead_第三十七条(desk) -> None:
    coordination = accepted_application(desk)
    assert _order(desk, coordination_case_id=coordination).status_code == 201
    assert _order(desk, coordination_case_id="c-nowhere").status_code == 404
    past = _order(desk, due_date="2020-01-01")
    assert past.status_code == 422 and past.json["errors"][0]["field"] == "due_date"


def test_devolving_without_approval_is_ordered_here_too_第三十七条第四项(desk) -> None:
    """The devolution grounds are intake's like the others (once refused: use_devolution_rectification)."""
    facts = "以局长办公会议纪要将农机登记下放至乡镇"
    unapproved = _order(desk, ground="devolved_without_approval", facts=facts)
    assert unapproved.status_code == 201, unapproved.json
    assert unapproved.json["content"]["ground_name"] == "（四）未经审批擅自下放职责"
    unsupported = _order(desk, ground="support_not_delivered")  # names no approved devolution
    assert unsupported.status_code == 422 and unsupported.json["errors"][0]["field"] == "ground"
    assert _order(desk, ground="devolution").status_code == 422  # the old catch-all code is gone
