"""The case state machines, without a database: every transition, who may take it, and from where."""

from __future__ import annotations

import pytest

from services.intake.domain.actors import Actor, system_actor
from services.intake.domain.cases import (
    TRANSITIONS,
    Case,
    Kind,
    Status,
    allowed_actions,
    open_case,
    transition,
)
from shared.errors import Conflict, DomainError, Forbidden

NB = "330200"
HOST, OTHER, STRANGER = "nb-zhzf", "nb-sthj", "nb-jtj"


def person(roles: str, department: str | None) -> Actor:
    return Actor(f"u-{roles}", "某人", NB, department, frozenset(roles.split(",")))


APPLICANT = person("dept_clerk", HOST)
PARTY = person("dept_clerk", OTHER)
OUTSIDER = person("dept_clerk", STRANGER)
CLERK = person("office_clerk", "nb-bb")
HEAD = person("office_division_head", "nb-bb")
ORG = person("org_reviewer", "nb-zzb")
SYSTEM = system_actor(NB)


def case(status: Status, kind: Kind = Kind.COORDINATION, **extra: object) -> Case:
    return Case(
        id="c-1",
        kind=kind,
        status=status,
        jurisdiction=NB,
        applicant_department=HOST,
        parties=frozenset({HOST, OTHER}),
        **extra,  # type: ignore[arg-type]
    )


# (kind, from, action, actor, to)
PATHS = [
    (Kind.FILING, Status.SUBMITTED, "withdraw", APPLICANT, Status.WITHDRAWN),
    (Kind.FILING, Status.SUBMITTED, "request_supplement", CLERK, Status.SUPPLEMENT_REQUESTED),
    (Kind.FILING, Status.SUPPLEMENT_REQUESTED, "supplement", APPLICANT, Status.SUBMITTED),
    (Kind.FILING, Status.SUPPLEMENT_REQUESTED, "withdraw", APPLICANT, Status.WITHDRAWN),
    (Kind.FILING, Status.SUBMITTED, "file", HEAD, Status.FILED),
    (Kind.FILING, Status.SUBMITTED, "return_filing", HEAD, Status.FILING_RETURNED),
    (Kind.FILING, Status.SUBMITTED, "request_document", CLERK, Status.AWAITING_APPROVAL),
    (Kind.FILING, Status.AWAITING_APPROVAL, "approval_approved", SYSTEM, Status.APPROVED),
    (Kind.FILING, Status.AWAITING_APPROVAL, "approval_returned", SYSTEM, Status.SUBMITTED),
    (Kind.FILING, Status.AWAITING_APPROVAL, "approval_rejected", SYSTEM, Status.SUBMITTED),
    (Kind.FILING, Status.APPROVED, "issue", CLERK, Status.IN_EXECUTION),
    (Kind.COORDINATION, Status.SUBMITTED, "withdraw", APPLICANT, Status.WITHDRAWN),
    (Kind.COORDINATION, Status.SUBMITTED, "request_supplement", CLERK, Status.SUPPLEMENT_REQUESTED),
    (Kind.COORDINATION, Status.SUPPLEMENT_REQUESTED, "supplement", APPLICANT, Status.SUBMITTED),
    (Kind.COORDINATION, Status.SUBMITTED, "accept", HEAD, Status.COORDINATING),
    (Kind.COORDINATION, Status.SUBMITTED, "reject", HEAD, Status.REJECTED),
    (Kind.COORDINATION, Status.COORDINATING, "solicit", CLERK, Status.COORDINATING),
    (Kind.COORDINATION, Status.COORDINATING, "reply", PARTY, Status.COORDINATING),
    (Kind.COORDINATION, Status.SUSPENDED, "reply", PARTY, Status.SUSPENDED),
    (Kind.COORDINATION, Status.COORDINATING, "deem_no_objection", SYSTEM, Status.COORDINATING),
    (Kind.COORDINATION, Status.COORDINATING, "record_delivery", SYSTEM, Status.COORDINATING),
    (Kind.COORDINATION, Status.SUSPENDED, "record_delivery", SYSTEM, Status.SUSPENDED),
    (Kind.COORDINATION, Status.COORDINATING, "record_service", CLERK, Status.COORDINATING),
    (Kind.COORDINATION, Status.COORDINATING, "schedule_meeting", CLERK, Status.COORDINATING),
    (Kind.COORDINATION, Status.COORDINATING, "record_meeting", CLERK, Status.COORDINATING),
    (Kind.COORDINATION, Status.COORDINATING, "report_interim_measures", APPLICANT, Status.COORDINATING),
    (Kind.COORDINATION, Status.COORDINATING, "reach_agreement", CLERK, Status.DRAFTING_OPINION),
    (Kind.COORDINATION, Status.DRAFTING_OPINION, "submit_opinion", CLERK, Status.AWAITING_APPROVAL),
    (Kind.COORDINATION, Status.COORDINATING, "determine", CLERK, Status.DETERMINING),
    (Kind.COORDINATION, Status.DETERMINING, "record_hearing", CLERK, Status.DETERMINING),
    (Kind.COORDINATION, Status.DETERMINING, "submit_determination", CLERK, Status.AWAITING_APPROVAL),
    (Kind.COORDINATION, Status.ORG_REVIEW, "complete_org_review", ORG, Status.AWAITING_COMMITTEE),
    (Kind.COORDINATION, Status.AWAITING_COMMITTEE, "record_committee_decision", CLERK, Status.APPROVED),
    (Kind.COORDINATION, Status.APPROVED, "issue", CLERK, Status.IN_EXECUTION),
    (Kind.COORDINATION, Status.COORDINATING, "extend", HEAD, Status.COORDINATING),
    (Kind.COORDINATION, Status.COORDINATING, "suspend", HEAD, Status.SUSPENDED),
    (Kind.COORDINATION, Status.DRAFTING_OPINION, "suspend", HEAD, Status.SUSPENDED),
    (Kind.COORDINATION, Status.COORDINATING, "terminate", HEAD, Status.TERMINATED),
    (Kind.COORDINATION, Status.SUSPENDED, "terminate", HEAD, Status.TERMINATED),
    (Kind.COORDINATION, Status.COORDINATING, "deadline_overdue", SYSTEM, Status.COORDINATING),
    (Kind.RECTIFICATION, Status.ORDERED, "report_correction", APPLICANT, Status.CORRECTION_REPORTED),
    (Kind.RECTIFICATION, Status.CORRECTION_REPORTED, "confirm_correction", HEAD, Status.CORRECTED),
    (Kind.RECTIFICATION, Status.CORRECTION_REPORTED, "reject_correction", CLERK, Status.ORDERED),
    (Kind.RECTIFICATION, Status.ORDERED, "refer_to_supervision", HEAD, Status.REFERRED_TO_SUPERVISION),
    (Kind.RECTIFICATION, Status.ORDERED, "refer_uncorrected", SYSTEM, Status.REFERRED_TO_SUPERVISION),
    (Kind.RECTIFICATION, Status.ORDERED, "deadline_overdue", SYSTEM, Status.ORDERED),
    (Kind.REFLECTION, Status.RECEIVED, "study", APPLICANT, Status.STUDYING),
    (Kind.REFLECTION, Status.STUDYING, "refer_to_coordination", APPLICANT, Status.AWAITING_COORDINATION),
    (Kind.REFLECTION, Status.STUDYING, "tell_result", APPLICANT, Status.RESULT_TOLD),
    (Kind.REFLECTION, Status.AWAITING_COORDINATION, "tell_result", APPLICANT, Status.RESULT_TOLD),
    # 主要职责配置和调整方案 (第8–11条)
    (Kind.DUTY_PLAN, Status.SUBMITTED, "withdraw", APPLICANT, Status.WITHDRAWN),
    (Kind.DUTY_PLAN, Status.SUBMITTED, "return_plan", CLERK, Status.PLAN_RETURNED),
    (Kind.DUTY_PLAN, Status.PLAN_RETURNED, "revise_plan", APPLICANT, Status.SUBMITTED),
    (Kind.DUTY_PLAN, Status.SUBMITTED, "pass_initial_review", CLERK, Status.PLAN_SOLICITING),
    (Kind.DUTY_PLAN, Status.PLAN_SOLICITING, "solicit", CLERK, Status.PLAN_SOLICITING),
    (Kind.DUTY_PLAN, Status.PLAN_SOLICITING, "reply", PARTY, Status.PLAN_SOLICITING),
    (Kind.DUTY_PLAN, Status.PLAN_SOLICITING, "deem_no_objection", SYSTEM, Status.PLAN_SOLICITING),
    (Kind.DUTY_PLAN, Status.PLAN_SOLICITING, "study_feedback", CLERK, Status.DRAFTING_REVIEW),
    (
        Kind.DUTY_PLAN,
        Status.DRAFTING_REVIEW,
        "coordinate_disagreements",
        CLERK,
        Status.RESOLVING_DISAGREEMENTS,
    ),
    (Kind.DUTY_PLAN, Status.RESOLVING_DISAGREEMENTS, "solicit", CLERK, Status.RESOLVING_DISAGREEMENTS),
    (
        Kind.DUTY_PLAN,
        Status.RESOLVING_DISAGREEMENTS,
        "schedule_meeting",
        CLERK,
        Status.RESOLVING_DISAGREEMENTS,
    ),
    (Kind.DUTY_PLAN, Status.RESOLVING_DISAGREEMENTS, "settle_disagreements", CLERK, Status.DRAFTING_REVIEW),
    (Kind.DUTY_PLAN, Status.DRAFTING_REVIEW, "submit_review_opinion", CLERK, Status.AWAITING_APPROVAL),
    (Kind.DUTY_PLAN, Status.AWAITING_APPROVAL, "approval_returned", SYSTEM, Status.DRAFTING_REVIEW),
    (Kind.DUTY_PLAN, Status.AWAITING_COMMITTEE, "record_plan_decision", HEAD, Status.PLAN_DECIDED),
    # 第26条第2款、第3款: designation for a new business, written interpretation (source-bound, see below)
    # 第29条: the lead unit's filing of its members' division, registered, flagged, coordinated
    (Kind.DELIBERATION, Status.DIVISION_FILED, "register_division", CLERK, Status.DIVISION_REGISTERED),
    (Kind.DELIBERATION, Status.DIVISION_FILED, "flag_division", CLERK, Status.DIVISION_FLAGGED),
    (
        Kind.DELIBERATION,
        Status.DIVISION_FLAGGED,
        "refer_division_to_coordination",
        CLERK,
        Status.AWAITING_COORDINATION,
    ),
    (Kind.DELIBERATION, Status.AWAITING_COORDINATION, "register_division", CLERK, Status.DIVISION_REGISTERED),
    # 第26条第2款: an evaluation that needs the division sorted out
    (
        Kind.EVALUATION,
        Status.EVALUATION_NEEDS_SORTING,
        "convene_coordination",
        CLERK,
        Status.AWAITING_COORDINATION,
    ),
    (Kind.EVALUATION, Status.AWAITING_COORDINATION, "close_evaluation", CLERK, Status.EVALUATED),
]


@pytest.mark.parametrize(("kind", "start", "action", "actor", "end"), PATHS)
def test_each_transition_moves_the_case_and_records_who_and_why(kind, start, action, actor, end) -> None:
    subject = case(start, kind)
    entry = transition(subject, action, actor, reason="因为")
    assert subject.status is end
    assert (entry.action, entry.actor_id, entry.from_status, entry.to_status, entry.reason) == (
        action,
        actor.user_id,
        start,
        end,
        "因为",
    )


def test_every_transition_in_the_table_is_exercised() -> None:
    covered = {action for _k, _s, action, _a, _e in PATHS} | {"resume", "interpret", "designate_department"}
    assert {t.action for t in TRANSITIONS} <= covered


def test_an_approved_duty_plan_review_opinion_goes_to_the_committee_not_to_issuance_第十一条() -> None:
    subject = case(Status.AWAITING_APPROVAL, Kind.DUTY_PLAN, pending_decision="duty_plan_review")
    transition(subject, "approval_approved", SYSTEM)
    assert subject.status is Status.AWAITING_COMMITTEE
    assert "issue" not in allowed_actions(subject, CLERK)


def test_only_the_department_revises_its_returned_plan_and_only_the_office_reviews_it_第十一条() -> None:
    with pytest.raises(Forbidden):
        transition(case(Status.PLAN_RETURNED, Kind.DUTY_PLAN), "revise_plan", PARTY)
    with pytest.raises(Forbidden):
        transition(case(Status.SUBMITTED, Kind.DUTY_PLAN), "pass_initial_review", APPLICANT)
    with pytest.raises(Forbidden):
        transition(case(Status.AWAITING_COMMITTEE, Kind.DUTY_PLAN), "record_plan_decision", CLERK)


def test_an_approved_coordination_opinion_waits_for_issuance_第二十四条() -> None:
    subject = case(Status.AWAITING_APPROVAL, pending_decision="coordination_opinion")
    transition(subject, "approval_approved", SYSTEM)
    assert subject.status is Status.APPROVED


def test_a_returned_opinion_goes_back_to_drafting_and_a_rejected_one_back_to_coordination() -> None:
    returned = case(Status.AWAITING_APPROVAL, pending_decision="coordination_opinion")
    transition(returned, "approval_returned", SYSTEM)
    assert returned.status is Status.DRAFTING_OPINION
    rejected = case(Status.AWAITING_APPROVAL, pending_decision="coordination_opinion")
    transition(rejected, "approval_rejected", SYSTEM)
    assert rejected.status is Status.COORDINATING


def test_an_approved_major_determination_goes_to_the_organisation_department_first_第二十一条() -> None:
    major = case(Status.AWAITING_APPROVAL, pending_decision="determination", major=True)
    transition(major, "approval_approved", SYSTEM)
    assert major.status is Status.ORG_REVIEW
    ordinary = case(Status.AWAITING_APPROVAL, pending_decision="determination")
    transition(ordinary, "approval_approved", SYSTEM)
    assert ordinary.status is Status.AWAITING_COMMITTEE
    returned = case(Status.AWAITING_APPROVAL, pending_decision="determination")
    transition(returned, "approval_returned", SYSTEM)
    assert returned.status is Status.DETERMINING


@pytest.mark.parametrize("before", [Status.COORDINATING, Status.DRAFTING_OPINION, Status.DETERMINING])
def test_resumption_returns_to_the_state_the_case_was_suspended_in_第二十五条(before) -> None:
    subject = case(before)
    subject.resume_to = before
    transition(subject, "suspend", HEAD)
    subject.resume_to = before
    transition(subject, "resume", HEAD)
    assert subject.status is before


def test_an_illegal_transition_is_a_conflict_naming_the_state_and_what_is_allowed() -> None:
    subject = case(Status.REJECTED)
    with pytest.raises(Conflict) as refused:
        transition(subject, "accept", HEAD)
    assert refused.value.status == 409
    assert "不予受理" in refused.value.detail
    assert refused.value.extra == {"case_status": "rejected", "allowed_actions": []}
    accepted = case(Status.COORDINATING)
    with pytest.raises(Conflict) as again:
        transition(accepted, "accept", HEAD)
    assert "solicit" in again.value.extra["allowed_actions"]
    assert "协调中" in again.value.detail


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        (Status.SUBMITTED, "accept", CLERK),  # a clerk drafts; a division head or leader decides
        (Status.SUBMITTED, "accept", APPLICANT),
        (Status.SUBMITTED, "withdraw", PARTY),  # only the applicant withdraws
        (Status.SUBMITTED, "withdraw", CLERK),
        (Status.COORDINATING, "reply", OUTSIDER),
        (Status.COORDINATING, "reply", CLERK),
        (Status.COORDINATING, "solicit", APPLICANT),
        (Status.COORDINATING, "extend", CLERK),
        (Status.ORG_REVIEW, "complete_org_review", CLERK),
        (Status.AWAITING_APPROVAL, "approval_approved", HEAD),  # only the inbox decides
        (Status.COORDINATING, "deem_no_objection", CLERK),
        (Status.COORDINATING, "record_delivery", CLERK),  # only notify's report says it
        (Status.COORDINATING, "record_service", PARTY),  # the office records service, not the department
    ],
)
def test_a_transition_by_the_wrong_role_is_forbidden(status, action, actor) -> None:
    subject = case(status)
    with pytest.raises(Forbidden):
        transition(subject, action, actor)
    assert subject.status is status


def test_a_filing_has_no_acceptance_step_and_a_coordination_no_filing_opinion() -> None:
    with pytest.raises(DomainError):
        transition(case(Status.SUBMITTED, Kind.FILING), "accept", HEAD)
    with pytest.raises(DomainError):
        transition(case(Status.SUBMITTED), "file", HEAD)


def test_the_actions_offered_depend_on_state_and_role() -> None:
    assert allowed_actions(case(Status.SUBMITTED), APPLICANT) == ["withdraw"]
    assert set(allowed_actions(case(Status.SUBMITTED), HEAD)) == {"request_supplement", "accept", "reject"}
    assert allowed_actions(case(Status.COORDINATING), PARTY) == ["reply"]
    assert allowed_actions(case(Status.IN_EXECUTION), HEAD) == []


def test_only_the_host_department_submits_and_only_the_office_opens_第二十六条() -> None:
    new = case(Status.SUBMITTED)
    assert open_case(new, APPLICANT, "submit").to_status is Status.SUBMITTED
    with pytest.raises(Forbidden):
        open_case(new, PARTY, "submit")
    with pytest.raises(Forbidden):
        open_case(case(Status.COORDINATING), APPLICANT, "open")
    assert open_case(case(Status.COORDINATING), CLERK, "open").from_status is None


def test_a_reflection_received_by_the_office_is_handled_by_the_office_第二十六条第四款() -> None:
    received = Case("c-2", Kind.REFLECTION, Status.RECEIVED, NB, None)
    with pytest.raises(Forbidden):
        transition(received, "study", APPLICANT)
    transition(received, "study", CLERK)
    assert received.status is Status.STUDYING
    assert allowed_actions(Case("c-3", Kind.REFLECTION, Status.RESULT_TOLD, NB, None), CLERK) == []


@pytest.mark.parametrize(
    ("source", "action", "other"),
    [
        ("interpretation", "interpret", "designate_department"),
        ("new_business", "designate_department", "interpret"),
    ],
)
def test_interpretation_and_designation_are_each_for_their_own_source_第二十六条(
    source, action, other
) -> None:
    subject = case(Status.COORDINATING, source=source)
    entry = transition(subject, action, CLERK)
    assert subject.status is Status.AWAITING_APPROVAL and entry.to_status is Status.AWAITING_APPROVAL
    with pytest.raises(Forbidden):
        transition(case(Status.COORDINATING, source=source), other, CLERK)
