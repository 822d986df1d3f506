"""The approval inbox in intake's audit trail (等保 2.0 安全审计): an approval asked for, each leader's
decision (on the phone or through the API, a deputy's for the absent leader), a recall, an approval handed
over when an approver leaves, a delegation set or revoked and a chain adjusted are each an entry with who,
when, from where and what; a second tap, a refused decision and a revocation of what is revoked already
leave none."""

from __future__ import annotations

import time

from approvals_support import WeekdayCounter, decide_form, logged_in

from services.intake.usecases import approvals
from services.intake.usecases.directory import development_token
from shared.contracts import APPROVAL_RECALL
from shared.messaging import Envelope

PROXIED = {"X-Forwarded-For": "10.40.0.3, 192.168.60.8"}


def _today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


def test_a_request_and_each_leaders_decision_are_recorded_with_who_and_from_where_第十七条(
    app, intake, ask, trail
) -> None:
    approval_id = ask(decision_kind="determination")
    head = app.test_client()
    head_session = logged_in(head, intake, "bb.head")
    assert decide_form(head, approval_id, head_session, comment="同意受理").status_code == 303
    decide_form(head, approval_id, head_session, comment="同意受理")  # a second tap: nothing decided
    leader = app.test_client()
    leader_session = logged_in(leader, intake, "bb.leader")
    leader.environ_base = {"HTTP_X_FORWARDED_FOR": PROXIED["X-Forwarded-For"]}
    decide_form(
        leader, approval_id, leader_session, step_no="1", outcome="returned", comment="请补充论证意见"
    )
    asked, first, second = trail.entries(intake, object_id=approval_id)
    assert (asked.action, asked.actor_id, asked.actor_name) == ("approval.request", "bb.clerk", "张敏")
    assert "关于农贸市场活禽监管职责分工的协调申请" in asked.summary and asked.client_address is None
    assert (first.action, first.actor_id, first.actor_roles) == (
        "approval.decide",
        "bb.head",
        ["office_division_head"],
    )
    assert first.summary.startswith("处室负责人：同意。意见：同意受理") and first.details["step_no"] == 0
    assert second.actor_id == "bb.leader" and second.client_address == "192.168.60.8"
    assert second.details["outcome"] == "returned" and second.details["comment"] == "请补充论证意见"
    assert trail.intact(intake)


def test_a_refused_decision_through_the_api_leaves_no_entry(app, intake, ask, trail) -> None:
    approval_id = ask()
    before = [e.id for e in trail.entries(intake)]
    head = {"Authorization": f"Bearer {development_token(intake, 'bb.head')}"}
    body = {"step_no": 0, "outcome": "rejected", "comment": ""}  # a rejection without its reasons
    refused = app.test_client().post(f"/api/v1/approvals/{approval_id}/decisions", json=body, headers=head)
    assert refused.status_code == 422 and [e.id for e in trail.entries(intake)] == before


def test_a_delegation_and_the_deputys_decision_are_recorded_and_its_revocation_once(
    app, intake, ask, trail
) -> None:
    approval_id = ask()
    head = app.test_client()
    decide_form(head, approval_id, logged_in(head, intake, "bb.head"))
    leader = app.test_client()
    leader_session = logged_in(leader, intake, "bb.leader")
    form = {"delegate_id": "bb.director", "starts_on": _today(), "ends_on": _today(), "reason": "外出开会"}
    assert (
        leader.post("/m/delegations", data={"csrf_token": leader_session.csrf_token, **form}).status_code
        == 303
    )
    [delegated] = trail.entries(intake, action="delegation.add")
    assert delegated.actor_id == "bb.leader" and delegated.object_type == "delegation"
    assert "代王建国审批" in delegated.summary and "事由：外出开会" in delegated.summary
    deputy = app.test_client()
    decide_form(
        deputy, approval_id, logged_in(deputy, intake, "bb.director"), step_no="1", comment="代为同意"
    )
    signed = trail.entries(intake, object_id=approval_id)[-1]
    assert signed.actor_id == "bb.director" and signed.details["on_behalf_of"] == "bb.leader"
    assert "代王建国审批" in signed.summary
    revoke = {"csrf_token": leader_session.csrf_token, "revoke": delegated.object_id}
    leader.post("/m/delegations", data=revoke)
    leader.post("/m/delegations", data=revoke)  # revoked already: nothing happens
    [revoked] = trail.entries(intake, action="delegation.revoke")
    assert revoked.object_id == delegated.object_id and revoked.summary.startswith("撤销委托代批：")


def test_a_recall_and_an_approver_leaving_are_recorded_第十七条(app, intake, ask, trail) -> None:
    recalled = ask(request_id="req-recall")
    recall = {
        "request_id": "req-recall",
        "by": {"user_id": "bb.clerk", "name": "张敏"},
        "reason": "申请人撤回申请",
    }
    intake.bus.handle(Envelope(type=APPROVAL_RECALL, payload=recall, source="intake").to_dict())
    [entry] = trail.entries(intake, action="approval.recall")
    assert entry.object_id == recalled and entry.actor_id == "bb.clerk" and "申请人撤回申请" in entry.summary
    waiting = ask()
    with intake.unit_of_work() as uow:  # 处室负责人 bb.head left the directory
        approvals.hand_over(uow, "bb.head", settings=intake.settings, counter=WeekdayCounter())
        uow.commit()
    [handed] = trail.entries(intake, action="approval.hand_over")
    assert handed.object_id == waiting and (handed.actor_id, handed.actor_name) == ("system", "系统")
    assert "已离开" in handed.summary and handed.details["left"] == "bb.head"


def test_an_adjusted_chain_is_recorded_with_its_steps(app, intake, ask, trail) -> None:
    admin = {"Authorization": f"Bearer {development_token(intake, 'bb.admin')}", **PROXIED}
    steps = [{"label": "主任", "role": "office_leader", "title_equals": "主任"}]
    answer = app.test_client().put("/api/v1/approvals/chains/extension", json={"steps": steps}, headers=admin)
    assert answer.status_code == 200
    [chain] = trail.entries(intake, action="approval_chain.set")
    assert (chain.actor_id, chain.client_address, chain.object_id) == (
        "bb.admin",
        "192.168.60.8",
        "extension",
    )
    assert chain.summary.startswith("调整审批链（") and "：主任；重新分派 0 件" in chain.summary


def test_every_approval_delegation_and_chain_entry_reads_in_chinese_第十七条(app, intake, ask, trail) -> None:
    approval_id = ask(request_id="req-decided")
    head = app.test_client()
    decide_form(head, approval_id, logged_in(head, intake, "bb.head"))
    leader = app.test_client()
    leader_session = logged_in(leader, intake, "bb.leader")
    form = {"delegate_id": "bb.director", "starts_on": _today(), "ends_on": _today(), "reason": "外出开会"}
    leader.post("/m/delegations", data={"csrf_token": leader_session.csrf_token, **form})
    [delegated] = trail.entries(intake, action="delegation.add")
    revoke = {"csrf_token": leader_session.csrf_token, "revoke": delegated.object_id}
    leader.post("/m/delegations", data=revoke)
    ask(request_id="req-recall")
    recall = {"request_id": "req-recall", "by": {"user_id": "bb.clerk", "name": "张敏"}, "reason": "撤回"}
    intake.bus.handle(Envelope(type=APPROVAL_RECALL, payload=recall, source="intake").to_dict())
    with intake.unit_of_work() as uow:
        approvals.hand_over(uow, "bb.head", settings=intake.settings, counter=WeekdayCounter())
        uow.commit()
    admin = {"Authorization": f"Bearer {development_token(intake, 'bb.admin')}", **PROXIED}
    steps = [{"label": "主任", "role": "office_leader", "title_equals": "主任"}]
    app.test_client().put("/api/v1/approvals/chains/extension", json={"steps": steps}, headers=admin)
    actions = {e.action for e in trail.entries(intake)}
    assert {"approval.decide", "delegation.revoke", "approval.recall", "approval_chain.set"} <= actions

    reader = app.test_client()
    logged_in(reader, intake, "bb.admin")
    assert trail.codes_shown(intake, reader) == []
    assert "审批链 延长办理期限" in reader.get("/admin/audit/intake").get_data(as_text=True)
