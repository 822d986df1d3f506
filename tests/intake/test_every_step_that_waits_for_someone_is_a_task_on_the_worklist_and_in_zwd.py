"""Every step of an intake case that waits for someone is a task — on the office's 待办 and the
departments' 我的办件 (intake's read model) and, through notify, in the assignee's 浙政钉 to-do centre: opened
when the step starts, dated when the deadlines service has the date, closed when it is done, cancelled when
the case ends otherwise. The leaders' approval steps are tasks of each approver."""

from __future__ import annotations

from typing import Any

import pytest
from casework_support import OPINION, Desk, accepted_application, application_body
from sqlalchemy import select

from services.intake.tables import WorklistTask

pytestmark = pytest.mark.integration


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def tasks_of(desk: Desk, case_id: str) -> dict[str, WorklistTask]:
    with desk.runtime.db.transaction() as session:
        rows = session.scalars(select(WorklistTask).where(WorklistTask.case_id == case_id)).all()
        return {row.task_id: row for row in rows}


def open_tasks(desk: Desk, case_id: str) -> dict[str, WorklistTask]:
    return {tid: row for tid, row in tasks_of(desk, case_id).items() if row.state == "open"}


def to_notify(desk: Desk, message_type: str) -> list[dict[str, Any]]:
    sent = desk.sender.sent
    return [env["payload"] for to, env in sent if to == "notify" and env["type"] == message_type]


def test_an_application_waits_for_the_office_to_decide_on_acceptance_by_its_date_第十七条(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    [task] = open_tasks(desk, case_id).values()
    assert (task.step, task.step_name, task.article) == ("submitted", "受理审查", "第十七条")
    assert (task.assignee_kind, task.assignee_id) == ("role", "office_clerk")
    assert task.department == "nb-zhzf" and task.url == f"/cases/{case_id}"
    # the platform cannot change a to-do's due time: the to-do waits for the date the deadlines service counts
    assert to_notify(desk, "task.opened") == []

    desk.deliver(
        "clock.scheduled",
        {
            "clock_id": f"{case_id}:acceptance_decision",
            "rule": "acceptance_decision",
            "state": "running",
            "due_date": "2026-12-09",
            "provisional": False,
            "remaining_working_days": 5,
            "reason": "started",
        },
    )
    [dated] = open_tasks(desk, case_id).values()
    assert str(dated.due_date) == "2026-12-09"
    [opened] = to_notify(desk, "task.opened")  # the to-do is created once, with its due time
    assert opened["task_id"] == task.task_id and opened["assignee"]["id"] == "office_clerk"
    assert opened["due_date"] == "2026-12-09"


def test_acceptance_ends_the_office_s_review_and_opens_the_coordination_第十七条_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    tasks = tasks_of(desk, case_id)
    assert tasks[f"intake:{case_id}:submitted"].state == "closed"
    assert tasks[f"intake:{case_id}:submitted"].outcome == "done"
    assert open_tasks(desk, case_id)[f"intake:{case_id}:coordinating"].step_name == "组织协调"
    [closed] = to_notify(desk, "task.closed")
    assert closed == {**closed, "task_id": f"intake:{case_id}:submitted", "outcome": "done"}


def test_a_written_solicitation_is_a_task_of_each_department_until_it_answers_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    body = {"departments": ["nb-sthj", "nb-zjj"], "question": "请提出意见", "reply_working_days": 5}
    solicitations = desk.act("bb.clerk", case_id, "solicitations", body).json["solicitations"]
    desk.delivered(case_id, *solicitations)
    waiting = open_tasks(desk, case_id)
    assert set(waiting) == {f"intake:{case_id}:written_reply:{s['id']}" for s in solicitations}
    assert {(t.assignee_kind, t.assignee_id) for t in waiting.values()} == {
        ("department", "nb-sthj"),
        ("department", "nb-zjj"),
    }
    assert {(t.step_name, t.article, str(t.due_date)) for t in waiting.values()} == {
        ("书面答复征求意见", "第二十条", "2026-12-07")
    }
    assert tasks_of(desk, case_id)[f"intake:{case_id}:coordinating"].state == "closed"  # the office waits

    sthj = next(s for s in solicitations if s["department"] == "nb-sthj")
    desk.act("sthj.clerk", case_id, "replies", {"solicitation_id": sthj["id"], "kind": "agree"})
    left = open_tasks(desk, case_id)
    assert [t.assignee_id for t in left.values()] == ["nb-zjj"]
    assert tasks_of(desk, case_id)[f"intake:{case_id}:written_reply:{sthj['id']}"].outcome == "done"


def test_a_withdrawn_application_cancels_its_open_task(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    assert desk.act("zhzf.clerk", case_id, "withdraw", {"reason": "已自行协商一致"}).status_code == 200
    assert open_tasks(desk, case_id) == {}
    assert tasks_of(desk, case_id)[f"intake:{case_id}:submitted"].outcome == "cancelled"
    assert to_notify(desk, "task.closed")[-1]["outcome"] == "cancelled"


def test_the_opinion_s_approval_is_a_task_of_each_approver_in_turn_第二十一条(desk) -> None:
    case_id = accepted_application(desk)
    desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意由执法局负责收运环节"})
    desk.act("bb.clerk", case_id, "opinion", OPINION)
    assert open_tasks(desk, case_id) == {}  # the case waits for the leaders: their approval steps are tasks
    [request] = desk.sent("approval.request")
    desk.deliver("approval.request", request, source="intake")
    first = open_tasks(desk, case_id)
    assert first and all(t.step == "approval" and t.assignee_kind == "person" for t in first.values())
    assert all(t.url.startswith("/m/approvals/") and t.step_name.endswith("审批") for t in first.values())
    approval_id = next(iter(first.values())).url.rsplit("/", 1)[1]

    approver = next(iter(first.values())).assignee_id
    decision = {"step_no": 0, "outcome": "approved", "comment": "同意"}
    response = desk.post(approver, f"/approvals/{approval_id}/decisions", decision)
    assert response.status_code in (200, 201), response.json
    after = open_tasks(desk, case_id)
    assert not set(after) & set(first)  # the first step's tasks are done, whoever had them
    assert all(tasks_of(desk, case_id)[tid].outcome == "done" for tid in first)


def test_an_approver_who_leaves_no_longer_has_the_task(desk) -> None:
    from services.intake.adapters.deadlines_calendar import calendar_for
    from services.intake.usecases import approvals

    case_id = accepted_application(desk)
    desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意由执法局负责收运环节"})
    desk.act("bb.clerk", case_id, "opinion", OPINION)
    desk.deliver("approval.request", desk.sent("approval.request")[-1], source="intake")
    before = open_tasks(desk, case_id)
    leaver = next(iter(before.values())).assignee_id
    settings = desk.runtime.settings
    with desk.runtime.unit_of_work() as uow:
        approvals.hand_over(uow, leaver, settings=settings, counter=calendar_for(settings, "330200"))
        uow.commit()
    after = open_tasks(desk, case_id)
    assert leaver not in {t.assignee_id for t in after.values()}  # others of the step, or held for the admins
    assert all(tasks_of(desk, case_id)[tid].state == "closed" for tid in before if tid.endswith(f":{leaver}"))


def test_a_delegated_approval_moves_from_the_approver_to_the_deputy_and_back_when_revoked_第二十一条(
    desk,
) -> None:
    from services.intake.usecases.approvals import beijing_today

    case_id = accepted_application(desk)
    desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意由执法局负责收运环节"})
    desk.act("bb.clerk", case_id, "opinion", OPINION)
    desk.deliver("approval.request", desk.sent("approval.request")[-1], source="intake")
    [(task_id, task)] = open_tasks(desk, case_id).items()
    approver = task.assignee_id
    deputy = "bb.director" if approver != "bb.director" else "bb.leader"
    today = beijing_today().isoformat()
    body = {"delegate_id": deputy, "starts_on": today, "ends_on": today, "reason": "外出"}
    delegation = desk.post(approver, "/approvals/delegations", body)
    assert delegation.status_code == 201, delegation.json

    [(moved_id, moved)] = open_tasks(desk, case_id).items()
    assert (moved_id, moved.assignee_id) == (task_id, deputy)  # one task, now in the deputy's list
    reassigned = [p for p in to_notify(desk, "task.opened") if p["task_id"] == task_id][-1]
    assert reassigned["assignee"]["id"] == deputy  # notify cancels the approver's to-do, creates the deputy's

    revoke = f"/api/v1/approvals/delegations/{delegation.json['id']}"
    assert desk.client.delete(revoke, headers=desk.headers(approver)).status_code == 204
    [(back_id, back)] = open_tasks(desk, case_id).items()
    assert (back_id, back.assignee_id) == (task_id, approver)
    assert to_notify(desk, "task.closed")[-1]["task_id"] != task_id  # moved, never closed as done


def test_a_delegation_set_ahead_moves_the_task_on_its_first_day_and_back_after_its_last_第二十一条(
    desk, monkeypatch
) -> None:
    from datetime import timedelta

    from services.intake.usecases import tasks
    from services.intake.usecases.approvals import beijing_today

    case_id = accepted_application(desk)
    desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意由执法局负责收运环节"})
    desk.act("bb.clerk", case_id, "opinion", OPINION)
    desk.deliver("approval.request", desk.sent("approval.request")[-1], source="intake")
    [(task_id, task)] = open_tasks(desk, case_id).items()
    approver = task.assignee_id
    deputy = "bb.director" if approver != "bb.director" else "bb.leader"
    first = beijing_today() + timedelta(days=1)
    body = {"delegate_id": deputy, "starts_on": first.isoformat(), "ends_on": first.isoformat()}
    assert desk.post(approver, "/approvals/delegations", body).status_code == 201
    assert open_tasks(desk, case_id)[task_id].assignee_id == approver  # not yet

    monkeypatch.setattr(tasks, "beijing_today", lambda: first)  # the delegation's day: the scheduler ticks
    desk.runtime.run_periodic()
    assert open_tasks(desk, case_id)[task_id].assignee_id == deputy
    opened = len(to_notify(desk, "task.opened"))
    desk.runtime.run_periodic()  # ticking again that day changes nothing
    assert len(to_notify(desk, "task.opened")) == opened

    monkeypatch.setattr(tasks, "beijing_today", lambda: first + timedelta(days=1))
    desk.runtime.run_periodic()
    assert open_tasks(desk, case_id)[task_id].assignee_id == approver
