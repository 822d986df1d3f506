"""The approval engine's rules, without a database: chains, decisions, delegation, recall, idempotency."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.intake.domain.approvals import chains
from services.intake.domain.approvals.model import (
    Actor,
    Approval,
    Delegation,
    Outcome,
    Status,
    Step,
    check_delegation_period,
)
from shared.errors import Conflict, NotFound, ValidationFailed

HEAD, LEADER, DEPUTY = Actor("bb.head", "李强"), Actor("bb.leader", "王建国"), Actor("bb.director", "陈志远")
AT, DAY = datetime(2026, 11, 30, 2, 0, tzinfo=UTC), date(2026, 11, 30)


def two_step() -> Approval:
    steps = (
        Step("处室负责人", "office_division_head", ("bb.head",)),
        Step("分管领导", "office_leader", ("bb.leader",)),
    )
    return Approval(id="a1", request_id="r1", requested_by=Actor("bb.clerk", "张敏"), steps=steps)


def decide(approval: Approval, actor: Actor, outcome: Outcome = Outcome.APPROVED, step_no: int = 0, **kw):  # type: ignore[no-untyped-def]
    return approval.decide(
        actor=actor, outcome=outcome, comment=kw.pop("comment", "同意"), step_no=step_no, at=AT, day=DAY, **kw
    )


def test_approval_moves_along_the_chain_and_ends_approved_after_the_last_step() -> None:
    approval = two_step()
    first = decide(approval, HEAD)
    assert first.next_step is not None and first.next_step.label == "分管领导"
    assert approval.status is Status.PENDING and approval.current_step == 1
    last = decide(approval, LEADER, step_no=1)
    assert last.next_step is None and approval.status is Status.APPROVED


def test_a_second_tap_on_approve_changes_nothing_and_is_answered_as_a_replay() -> None:
    approval = two_step()
    decide(approval, HEAD)
    again = decide(approval, HEAD)
    assert again.replayed and len(approval.decisions) == 1 and approval.current_step == 1


def test_a_different_decision_on_a_decided_step_is_refused() -> None:
    approval = two_step()
    decide(approval, HEAD)
    with pytest.raises(Conflict) as refused:
        decide(approval, HEAD, Outcome.REJECTED, comment="不同意")
    assert refused.value.code == "already_decided"


def test_someone_not_on_the_current_step_sees_nothing_and_cannot_decide() -> None:
    approval = two_step()
    assert not approval.may_view("bb.leader", DAY, [])
    with pytest.raises(NotFound):
        decide(approval, LEADER)


def test_return_and_reject_need_a_comment_and_end_the_approval() -> None:
    approval = two_step()
    with pytest.raises(ValidationFailed) as missing:
        decide(approval, HEAD, Outcome.RETURNED, comment="  ")
    assert "comment" in missing.value.fields
    decide(approval, HEAD, Outcome.RETURNED, comment="请补充三定依据")
    assert approval.status is Status.RETURNED
    with pytest.raises(Conflict) as closed:
        decide(approval, LEADER, step_no=1)
    assert closed.value.code == "approval_closed"


def test_a_deputy_signs_for_the_approver_only_inside_the_delegation_dates() -> None:
    approval = two_step()
    decide(approval, HEAD)
    away = Delegation("bb.leader", "bb.director", date(2026, 11, 29), date(2026, 12, 1))
    result = decide(approval, DEPUTY, step_no=1, delegations=[away])
    assert result.decision.on_behalf_of == "bb.leader" and approval.status is Status.APPROVED
    later = two_step()
    decide(later, HEAD)
    expired = Delegation("bb.leader", "bb.director", date(2026, 11, 1), date(2026, 11, 29))
    with pytest.raises(NotFound):
        decide(later, DEPUTY, step_no=1, delegations=[expired])


def test_the_requester_may_recall_before_the_decision_but_not_after() -> None:
    pending = two_step()
    decide(pending, HEAD)
    pending.recall()
    assert pending.status is Status.RECALLED
    done = two_step()
    decide(done, HEAD, Outcome.REJECTED, comment="不符合受理条件")
    with pytest.raises(Conflict):
        done.recall()


def test_a_stale_form_for_an_earlier_step_by_someone_else_is_refused() -> None:
    approval = two_step()
    decide(approval, HEAD)
    with pytest.raises(Conflict):
        decide(approval, LEADER, step_no=0)


def test_delegation_periods_are_checked() -> None:
    with pytest.raises(ValidationFailed):
        check_delegation_period(date(2026, 12, 2), date(2026, 12, 1), "a", "b")
    with pytest.raises(ValidationFailed):
        check_delegation_period(date(2026, 12, 1), date(2026, 12, 1), "a", "a")


PEOPLE = [
    chains.Candidate("bb.clerk", frozenset({"office_clerk"}), "职能处经办人"),
    chains.Candidate("bb.head", frozenset({"office_division_head"}), "职能处处长"),
    chains.Candidate("bb.leader", frozenset({"office_leader"}), "分管副主任"),
    chains.Candidate("bb.director", frozenset({"office_leader"}), "主任"),
]


def test_the_default_chain_is_division_head_then_leader_in_charge() -> None:
    steps = chains.resolve(chains.chain_for("acceptance", {}), PEOPLE, "bb.clerk")
    assert [(s.label, s.assignees) for s in steps] == [
        ("处室负责人", ("bb.head",)),
        ("分管领导", ("bb.leader",)),
    ]


def test_determinations_also_go_to_the_director_第二十一条() -> None:
    steps = chains.resolve(chains.chain_for("determination", {}), PEOPLE, "bb.clerk")
    assert [s.assignees for s in steps][-1] == ("bb.director",)


def test_a_configured_chain_wins_and_one_person_holding_two_steps_signs_once() -> None:
    configured = {
        chains.ANY_KIND: [chains.DIVISION_HEAD, chains.StepSpec("主任", "office_leader", "bb.director")]
    }
    assert [s.assignees for s in chains.resolve(chains.chain_for("extension", configured), PEOPLE, "x")] == [
        ("bb.head",),
        ("bb.director",),
    ]
    district = [
        chains.Candidate("hs.bb.leader", frozenset({"office_leader", "office_division_head"}), "主任")
    ]
    assert len(chains.resolve(chains.chain_for("acceptance", {}), district, "hs.bb.clerk")) == 1


def test_a_step_nobody_holds_is_left_empty_so_the_request_is_not_silently_routed() -> None:
    steps = chains.resolve(chains.chain_for("acceptance", {}), PEOPLE[:1], "x")
    assert all(not s.assignees for s in steps[:1])
