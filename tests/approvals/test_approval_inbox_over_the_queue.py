"""The inbox over intake's queue: requests are taken once, approvers are told with a link to the exact task,
decisions go back to the requesting service, and a recall is honoured only before the decision."""

from __future__ import annotations

from datetime import date

from approvals_support import WeekdayCounter, approval_request

from services.intake.domain.approvals.model import Outcome
from services.intake.usecases import approvals as service
from services.intake.usecases.directory import find_person, principal_of
from shared.contracts import APPROVAL_DECIDED, APPROVAL_RECALL, APPROVAL_REQUEST, CLOCK_SCHEDULED, NOTIFY_SEND
from shared.messaging import Envelope


def principal(runtime, user_id):  # type: ignore[no-untyped-def]
    return principal_of(find_person(runtime, user_id))


def deliver(runtime, message_type, body, event_id=None):  # type: ignore[no-untyped-def]
    envelope = Envelope(type=message_type, payload=body, source="devolution")
    if event_id:
        envelope = Envelope(type=message_type, payload=body, source="devolution", event_id=event_id)
    return runtime.bus.handle(envelope.to_dict())


def test_a_request_notifies_the_first_approver_with_an_oa_card_linking_the_task(intake, ask) -> None:
    approval_id = ask(statutory_due_date="2026-12-04")
    (notice,) = intake.sender.of_type(NOTIFY_SEND)
    body = notice["payload"]
    assert body["template"] == "approval_requested" and body["kind"] == "oa"
    assert body["recipients"] == [{"kind": "person", "id": "bb.head", "jurisdiction": "330200"}]
    assert body["link"] == f"{intake.settings.public_base_url}/m/approvals/{approval_id}"
    assert body["params"]["due_date"] == "2026-12-04" and body["params"]["case_title"]


def test_the_same_request_delivered_twice_opens_one_approval(intake) -> None:
    body = approval_request(requester_service="devolution", decision_kind="devolution_decision")
    assert deliver(intake, APPROVAL_REQUEST, body)
    assert deliver(intake, APPROVAL_REQUEST, body)  # a new envelope, same request_id
    head = principal(intake, "bb.head")
    assert len(service.inbox(intake, head, counter=WeekdayCounter())) == 1
    assert len(intake.sender.of_type(NOTIFY_SEND)) == 1


def test_the_last_approval_tells_the_requesting_service_and_the_requester(intake, ask) -> None:
    approval_id = ask(requester_service="devolution", decision_kind="devolution_decision")
    for user_id, step_no in [("bb.head", 0), ("bb.leader", 1), ("bb.director", 2)]:
        service.decide(
            intake, approval_id=approval_id, principal=principal(intake, user_id), outcome=Outcome.APPROVED,
            comment="同意", step_no=step_no, counter=WeekdayCounter(),
        )  # fmt: skip
    decided = [(dest, env) for dest, env in intake.sender.sent if env["type"] == APPROVAL_DECIDED]
    assert len(decided) == 1 and decided[0][0] == "devolution"
    payload = decided[0][1]["payload"]
    assert payload["outcome"] == "approved" and payload["decided_by"]["user_id"] == "bb.director"
    told = [
        e["payload"]
        for e in intake.sender.of_type(NOTIFY_SEND)
        if e["payload"]["template"] == "approval_decided"
    ]
    assert told[0]["recipients"][0]["id"] == "bb.clerk"


def test_a_recall_before_the_decision_takes_the_task_out_of_the_inbox(intake, ask) -> None:
    body = approval_request()
    deliver(intake, APPROVAL_REQUEST, body)
    deliver(
        intake,
        APPROVAL_RECALL,
        {"request_id": body["request_id"], "by": {"user_id": "bb.clerk"}, "reason": "材料有误"},
    )
    assert service.inbox(intake, principal(intake, "bb.head"), counter=WeekdayCounter()) == []
    templates = [e["payload"]["template"] for e in intake.sender.of_type(NOTIFY_SEND)]
    assert templates == ["approval_requested", "approval_recalled"]


def test_a_recall_after_the_decision_is_refused_and_recorded(intake, ask) -> None:
    body = approval_request()
    deliver(intake, APPROVAL_REQUEST, body)
    approval_id = service.inbox(intake, principal(intake, "bb.head"), counter=WeekdayCounter())[0].id
    service.decide(
        intake, approval_id=approval_id, principal=principal(intake, "bb.head"), outcome=Outcome.REJECTED,
        comment="不符合第十七条受理条件", step_no=0, counter=WeekdayCounter(),
    )  # fmt: skip
    deliver(intake, APPROVAL_RECALL, {"request_id": body["request_id"], "by": {"user_id": "bb.clerk"}})
    shown = service.view(intake, approval_id, principal(intake, "bb.head"), counter=WeekdayCounter())
    assert shown.status == "rejected"
    assert shown.events[-1]["action"] == "recall_refused"


def test_the_inbox_lists_overdue_first_then_the_nearest_due_date_then_tasks_without_a_clock(
    intake, ask
) -> None:
    ask(case={**approval_request()["case"], "title": "无期限"})
    ask(case={**approval_request()["case"], "title": "较晚"}, statutory_due_date="2026-12-20")
    ask(case={**approval_request()["case"], "title": "已超期"}, statutory_due_date="2026-11-02")
    ask(case={**approval_request()["case"], "title": "较早"}, statutory_due_date="2026-12-08")
    items = service.inbox(intake, principal(intake, "bb.head"), counter=WeekdayCounter())
    assert [i.case_title for i in items] == ["已超期", "较早", "较晚", "无期限"]


def test_a_rescheduled_clock_moves_the_due_date_the_approver_sees(intake, ask) -> None:
    approval_id = ask(statutory_clock_id="clk-1", statutory_due_date="2026-12-04")
    deliver(intake, CLOCK_SCHEDULED, {
        "clock_id": "clk-1", "rule": "acceptance_decision", "due_date": "2026-12-11", "provisional": False,
        "state": "running", "reason": "resumed",
    })  # fmt: skip
    shown = service.view(intake, approval_id, principal(intake, "bb.head"), counter=WeekdayCounter())
    assert shown.item.time_left is not None and shown.item.time_left.due_date == date(2026, 12, 11)
    assert "第十七条" in (shown.statutory_basis or "") and "第二十五条" in (shown.statutory_basis or "")


def test_a_suspended_case_shows_its_clock_paused_第二十五条(intake, ask) -> None:
    approval_id = ask(statutory_clock_id="clk-2", statutory_due_date="2026-12-04")
    deliver(intake, CLOCK_SCHEDULED, {
        "clock_id": "clk-2", "rule": "coordination_opinion", "due_date": None, "state": "paused",
        "reason": "paused", "provisional": False,
    })  # fmt: skip
    shown = service.view(intake, approval_id, principal(intake, "bb.head"), counter=WeekdayCounter())
    assert shown.item.time_left is None and "暂停计算" in (shown.statutory_basis or "")


def test_a_chain_nobody_can_take_is_held_and_the_administrators_are_told(intake, ask) -> None:
    ask(
        case={**approval_request()["case"], "jurisdiction": "330212"},
        requested_by={"user_id": "yz.bb.leader"},
    )
    (notice,) = intake.sender.of_type(NOTIFY_SEND)
    assert notice["payload"]["template"] == "approval_unroutable"
    assert notice["payload"]["recipients"] == [
        {"kind": "role", "id": "office_admin", "jurisdiction": "330212"}
    ]
