"""Whoever submits — minutes for filing (第十五条), a coordination application (第十六条), a duty plan
(第十一条) — gets a receipt notice (回执) addressed to their own department, as well as the office's notice;
devolution's (第三十三条) is checked in tests/devolution/test_devolution_workflow_api.py."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from casework_support import Desk, application_body, filing_body


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _receipts(desk: Desk) -> list[dict[str, Any]]:
    return [n for n in desk.sent("notify.send") if n["template"] == "submission_received"]


def _department(code: str) -> list[dict[str, str]]:
    return [{"kind": "department", "id": code, "jurisdiction": "330200"}]


def test_minutes_filed_for_the_record_get_a_receipt_to_the_host_第十五条(desk) -> None:
    minutes = desk.upload("scjg.clerk").json["id"]
    assert desk.post("scjg.clerk", "/cases/filings", filing_body(minutes)).status_code == 201
    [receipt] = _receipts(desk)
    assert (
        receipt["recipients"] == _department("nb-scjg") and receipt["params"]["kind_name"] == "协商纪要备案"
    )
    assert "case_submitted" in desk.templates()


def test_a_coordination_application_gets_a_receipt_to_the_applicant_第十六条(desk) -> None:
    answer = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body())
    assert answer.status_code == 201
    [receipt] = _receipts(desk)
    assert receipt["recipients"] == _department("nb-zhzf")
    assert receipt["params"]["kind_name"] == "职责分工协调申请"


def test_a_duty_plan_gets_a_receipt_to_the_department_that_sent_it_第十一条(desk) -> None:
    plans = importlib.import_module("test_a_duty_plan_is_reviewed_step_by_step_第八条至第十一条")
    assert desk.post("scjg.clerk", "/cases/duty-plans", plans.plan_body()).status_code == 201
    [receipt] = _receipts(desk)
    assert (
        receipt["recipients"] == _department("nb-scjg") and receipt["params"]["kind_name"] == "主要职责方案"
    )
