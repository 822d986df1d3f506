"""The half-year operation report (第三十五条) is due six calendar months after formal issuance.

The deadlines service computes the date; devolution only asks for it (CLOCK_START, rule ``operation_report``,
started on the issuance date) and shows what CLOCK_SCHEDULED answers. These tests speak that contract only —
they do not import the deadlines service. The expected dates follow DESIGN.md "Deadlines": a period in months
ends on the same day-number (the month's last day where there is none), moved to the next working day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from devolution_factories import READY_REVIEW, approval_decision, complete_application, deliver, sent

from shared.contracts import (
    APPROVAL_DECIDED,
    APPROVAL_REQUEST,
    CLOCK_DUE_SOON,
    CLOCK_OVERDUE,
    CLOCK_SCHEDULED,
    CLOCK_START,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

# issued on → (due date the deadlines service answers, provisional?)
EXPECTED = [
    # 31 August + 6 months: February 2027 has no 31st → 28 February 2027, a Sunday → Monday 1 March.
    # 2027's holidays are not yet published, so the answer is provisional (weekends only).
    ("2026-08-31", "2027-03-01", True),
    # 1 April + 6 months = 1 October, National Day holiday (1–7 October 2026) → Thursday 8 October.
    ("2026-04-01", "2026-10-08", False),
    # 31 March + 6 months: September has no 31st → Wednesday 30 September, a working day.
    ("2026-03-31", "2026-09-30", False),
]


def _issue(client: Any, auth: Any, devolution: Any, issued_on: str) -> str:
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth("scjg.clerk"))
    devolution_id = created.get_json()["id"]
    client.post(f"/api/v1/devolutions/{devolution_id}/submission", headers=auth("scjg.clerk"))
    client.post(f"/api/v1/devolutions/{devolution_id}/review", json=READY_REVIEW, headers=auth("bb.clerk"))
    request = sent(devolution, APPROVAL_REQUEST)[-1]
    deliver(devolution, APPROVAL_DECIDED, approval_decision(request), "intake")
    body = {"document_number": "甬编办〔2026〕8号", "document_date": issued_on}
    response = client.post(
        f"/api/v1/devolutions/{devolution_id}/issuance", json=body, headers=auth("bb.clerk")
    )
    assert response.status_code == 200, response.get_json()
    return devolution_id


def _end_of_day(day: str) -> str:
    """24:00 Shanghai time of ``day`` in UTC, as the deadlines service states ``due_at``."""
    midnight = datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(0, 0), tzinfo=SHANGHAI)
    return midnight.astimezone(UTC).isoformat()


def _scheduled(start: dict[str, Any], due: str, provisional: bool, state: str = "running") -> dict[str, Any]:
    return {
        "clock_id": start["clock_id"],
        "case": start["case"],
        "rule": "operation_report",
        "state": state,
        "due_date": due,
        "due_at": _end_of_day(due),
        "provisional": provisional,
        "remaining_working_days": None,
        "reason": "started",
    }


@pytest.mark.parametrize(("issued_on", "due", "provisional"), EXPECTED)
def test_the_half_year_report_clock_starts_on_the_issuance_date_and_shows_the_date_deadlines_computes(
    client, auth, devolution, issued_on, due, provisional
) -> None:
    devolution_id = _issue(client, auth, devolution, issued_on)
    starts = [s for s in sent(devolution, CLOCK_START) if s["rule"] == "operation_report"]
    assert len(starts) == 2  # one per receiving department
    for start in starts:
        started = datetime.fromisoformat(start["start_at"]).astimezone(SHANGHAI)
        assert started.date().isoformat() == issued_on  # the start day itself is not counted by deadlines
        assert "working_days" not in start and "due_date" not in start  # 6 months is the rule's own length
        deliver(devolution, CLOCK_SCHEDULED, _scheduled(start, due, provisional), "deadlines")

    view = client.get(f"/api/v1/devolutions/{devolution_id}", headers=auth("scjg.clerk")).get_json()
    assert [(r["due_date"], r["provisional"]) for r in view["reports"]] == [(due, provisional)] * 2
    receiving = client.get(f"/api/v1/devolutions/{devolution_id}", headers=auth("hs.scjg.clerk")).get_json()
    assert receiving["reports"][0]["due_date"] == due


def test_reminders_before_and_after_the_half_year_date_are_recorded_and_the_list_shows_it_overdue(
    client, auth, devolution
) -> None:
    devolution_id = _issue(client, auth, devolution, "2026-04-01")
    start = next(s for s in sent(devolution, CLOCK_START) if s["clock_id"].endswith("hs-scjg"))
    deliver(devolution, CLOCK_SCHEDULED, _scheduled(start, "2026-10-08", False), "deadlines")
    soon = {"clock_id": start["clock_id"], "case": start["case"], "rule": "operation_report",
            "due_date": "2026-10-08", "remaining_working_days": 2}  # fmt: skip
    deliver(devolution, CLOCK_DUE_SOON, soon, "deadlines")
    late = {"clock_id": start["clock_id"], "case": start["case"], "rule": "operation_report",
            "due_date": "2026-10-08", "overdue_working_days": 3, "escalated": True}  # fmt: skip
    deliver(devolution, CLOCK_OVERDUE, late, "deadlines")

    overdue = client.get("/api/v1/devolutions?overdue=true", headers=auth("hs.scjg.clerk")).get_json()
    assert [d["id"] for d in overdue] == [devolution_id]
    view = client.get(f"/api/v1/devolutions/{devolution_id}", headers=auth("bb.clerk")).get_json()
    clock = next(c for c in view["clocks"] if c["clock_id"] == start["clock_id"])
    assert clock["overdue"] is True and clock["overdue_working_days"] == 3 and clock["due_soon"] is True
    assert [h["action"] for h in view["history"]][-2:] == ["clock_due_soon", "clock_overdue"]

    report = {
        "public_service_effects": "就近办理",
        "enterprise_service_effects": "减少跑腿",
        "problems_found": "未发现问题",
    }
    sent_report = client.put(
        f"/api/v1/devolutions/{devolution_id}/reports/hs-scjg", json=report, headers=auth("hs.scjg.clerk")
    )
    assert sent_report.status_code == 200, sent_report.get_json()  # issued 2026-04-01: half a year has run
    deliver(devolution, CLOCK_SCHEDULED, _scheduled(start, "2026-10-08", False, state="stopped"), "deadlines")
    assert client.get("/api/v1/devolutions?overdue=true", headers=auth("bb.clerk")).get_json() == []
