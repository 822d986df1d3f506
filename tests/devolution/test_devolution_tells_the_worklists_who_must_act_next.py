"""Devolution publishes a task for each step that waits for someone (task.opened / task.closed), to both the
intake queue (待办, 我的办件) and the notify queue (the to-do centre): review by the office within 10
working days (第三十四条), the supplement, issuance, handover and every receiving department's half-year
report (第三十五条) — and the read model in intake shows, at each moment, exactly who must act."""

from __future__ import annotations

from datetime import date
from typing import Any

from devolution_factories import (
    HALF_YEAR_REACHED,
    ISSUED_OVER_HALF_A_YEAR_AGO,
    READY_REVIEW,
    approval_decision,
    complete_application,
    deliver,
    sent,
)

from services.intake.usecases import directory, worklist
from shared import demo
from shared.contracts import (
    APPROVAL_DECIDED,
    APPROVAL_REQUEST,
    CLOCK_SCHEDULED,
    INTAKE,
    NOTIFY,
    TASK_CLOSED,
    TASK_OPENED,
)

APPLICANT, RECEIVER, OFFICE = "scjg.clerk", "hs.scjg.clerk", "bb.clerk"


class Weekdays:
    def count(self, after: date, through: date) -> tuple[int, bool]:
        from services.intake.domain.approvals.workdays import weekdays_between

        return weekdays_between(after, through), False


def _post(client: Any, auth: Any, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = client.post(f"/api/v1/devolutions/{path}", json=body or {}, headers=auth(user))
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


class Worklists:
    """Intake's read model, fed with what devolution sent to the intake queue so far."""

    def __init__(self, intake: Any, devolution: Any) -> None:
        self.intake, self.devolution, self.seen = intake, devolution, 0

    def sync(self) -> None:
        sent = self.devolution.sender.sent
        for destination, envelope in sent[self.seen :]:
            if destination == INTAKE and envelope["type"].startswith("task."):
                self.intake.bus.handle(envelope)
        self.seen = len(sent)

    def waiting(self, user_id: str) -> list[tuple[str, str]]:
        self.sync()
        me = directory.principal_of(directory.find_person(self.intake, user_id))
        query = worklist.office_worklist if me.is_office else worklist.department_tasks
        return [
            (t.step_name, str(t.due_date or ""))
            for t in query(self.intake, me, worklist.Filters(), counter=Weekdays())
        ]


def test_every_step_waits_for_the_right_party_on_its_worklist_第三十四条_第三十五条(
    client, auth, devolution, make_runtime
) -> None:  # type: ignore[no-untyped-def]
    intake = make_runtime("intake")
    directory.load_directory(intake, demo.demo_directory())
    lists = Worklists(intake, devolution)

    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT))
    dv = created.get_json()["id"]
    assert lists.waiting(OFFICE) == []  # a draft waits for no one
    _post(client, auth, APPLICANT, f"{dv}/submission")
    assert lists.waiting(OFFICE) == [("审核论证", "")]
    # the review clock's date arrives from deadlines: the office's task shows it
    deliver(devolution, CLOCK_SCHEDULED, {"clock_id": f"devolution:{dv}:review", "rule": "devolution_review",
                                          "state": "running", "due_date": "2026-12-15", "provisional": False,
                                          "remaining_working_days": 10}, "deadlines")  # fmt: skip
    assert lists.waiting(OFFICE) == [("审核论证", "2026-12-15")]

    _post(client, auth, OFFICE, f"{dv}/return", {"reasons": "请补充乡镇一级的经费保障安排"})
    assert lists.waiting(OFFICE) == [] and lists.waiting(APPLICANT) == [("补正申请材料", "")]
    paused = {
        "clock_id": f"devolution:{dv}:review",
        "rule": "devolution_review",
        "state": "paused",
        "due_date": None,
    }
    deliver(
        devolution, CLOCK_SCHEDULED, paused, "deadlines"
    )  # the clock stops while the supplement is awaited
    _post(client, auth, APPLICANT, f"{dv}/submission")
    assert lists.waiting(APPLICANT) == [] and lists.waiting(OFFICE) == [("审核论证", "")]

    _post(client, auth, OFFICE, f"{dv}/review", READY_REVIEW)
    assert lists.waiting(OFFICE) == []  # now with the leaders (the approval inbox's own task)
    deliver(devolution, APPROVAL_DECIDED, approval_decision(sent(devolution, APPROVAL_REQUEST)[-1]), "intake")
    assert lists.waiting(OFFICE) == [("正式发文", "")]

    _post(
        client,
        auth,
        OFFICE,
        f"{dv}/issuance",
        {"document_number": "甬编办〔2026〕12号", "document_date": ISSUED_OVER_HALF_A_YEAR_AGO},
    )  # a document issued over half a year ago: its half-year report is accepted (第三十五条)
    assert lists.waiting(OFFICE) == []
    assert lists.waiting(APPLICANT) == [("工作衔接", "2026-12-31")]  # the earliest promised support
    report_clock = {"clock_id": f"devolution:{dv}:report:hs-scjg", "rule": "operation_report",
                    "state": "running", "due_date": HALF_YEAR_REACHED, "provisional": False}  # fmt: skip
    deliver(devolution, CLOCK_SCHEDULED, report_clock, "deadlines")
    assert lists.waiting(RECEIVER) == [("运行情况专项报告", HALF_YEAR_REACHED)]

    report = {
        "public_service_effects": "就近办理",
        "enterprise_service_effects": "时限缩短",
        "problems_found": "未发现问题",
    }
    response = client.put(f"/api/v1/devolutions/{dv}/reports/hs-scjg", json=report, headers=auth(RECEIVER))
    assert response.status_code == 200, response.get_json()
    assert lists.waiting(RECEIVER) == []
    assert ("确认运行情况专项报告", "") in lists.waiting(APPLICANT)
    _post(client, auth, APPLICANT, f"{dv}/reports/hs-scjg/acknowledgement", {"note": "收悉"})
    assert ("确认运行情况专项报告", "") not in lists.waiting(APPLICANT)

    # every task event went to both queues, each with the page where the step is done — but the draft's,
    # which only 我的办件 lists (nothing waits for anyone, no to-do)
    drafts = [e for d, e in devolution.sender.sent if e["payload"].get("task_id") == f"devolution:{dv}:draft"]
    assert [e["type"] for e in drafts] == [TASK_OPENED, TASK_CLOSED]
    to_intake = [
        e
        for d, e in devolution.sender.sent
        if d == INTAKE and e["type"] in (TASK_OPENED, TASK_CLOSED) and e not in drafts
    ]
    to_notify = [
        e for d, e in devolution.sender.sent if d == NOTIFY and e["type"] in (TASK_OPENED, TASK_CLOSED)
    ]
    assert [e["payload"] for e in to_intake] == [e["payload"] for e in to_notify]
    assert all(e["payload"]["url"] == f"/devolution/{dv}" for e in to_intake if e["type"] == TASK_OPENED)
