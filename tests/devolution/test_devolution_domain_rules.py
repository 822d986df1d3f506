"""The rules of 第三十二至三十五条 and 第三十七条第四项, on the pure domain (no database, no broker)."""

from __future__ import annotations

import ast
from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from devolution_factories import complete_application

from services.devolution.domain import aftercare, review
from services.devolution.domain.application import (
    ApplicationContent,
    BasisKind,
    LegalBasis,
    missing_items,
    refuse_forbidden_basis,
    require_complete,
)
from services.devolution.domain.history import step
from services.devolution.domain.lifecycle import (
    STATE_NAMES,
    Action,
    Actor,
    Parties,
    State,
    advance,
    can_see,
    responsible_departments,
)
from shared.errors import Conflict, DomainError, Forbidden, ValidationFailed

PARTIES = Parties("330200", "nb-scjg", (("hs-scjg", "330203"),))
APPLICANT = Actor("scjg.clerk", "周婷", "330200", "nb-scjg", frozenset({"dept_clerk"}))
RECEIVER = Actor("hs.scjg.clerk", "宋佳", "330203", "hs-scjg", frozenset({"dept_clerk"}))
OFFICE = Actor("bb.clerk", "张敏", "330200", "nb-bb", frozenset({"office_clerk"}))
OTHER_OFFICE = Actor("hs.bb.clerk", "林晓", "330203", "hs-bb", frozenset({"office_clerk"}))
APPROVAL = Actor("bb.leader", "王建国", "330200", None, frozenset({"service"}))


@pytest.mark.parametrize("kind", ["internal_document", "meeting", "leader_speech", "responsibility_letter"])
def test_an_internal_document_meeting_speech_or_responsibility_letter_is_refused_as_basis_under_article_32(
    kind: str,
) -> None:
    with pytest.raises(DomainError) as refused:
        refuse_forbidden_basis([LegalBasis(BasisKind.SANDING, "三定规定"), LegalBasis(BasisKind(kind), "x")])
    assert refused.value.code == "devolution_basis_forbidden"
    assert "第三十二条第二款" in refused.value.detail
    assert "legal_bases[1].type" in refused.value.fields


@pytest.mark.parametrize("kind", ["party_regulation", "law", "sanding", "reform_plan", "higher_document"])
def test_the_five_lawful_kinds_of_basis_are_accepted(kind: str) -> None:
    refuse_forbidden_basis([LegalBasis(BasisKind(kind), "依据")])


def test_a_complete_application_has_nothing_missing_under_article_33() -> None:
    assert missing_items(ApplicationContent.from_dict(complete_application())) == {}


def test_each_missing_item_of_article_33_is_named_by_field() -> None:
    data = complete_application(legal_bases=[], performance={"county_level": "区县负责"})
    data["reasons"]["necessity"] = ""
    data["support_measures"] = [m for m in data["support_measures"] if m["kind"] != "funds"]
    data["feedback"] = [f for f in data["feedback"] if f["department"] != "nb-zhzf"]
    missing = missing_items(ApplicationContent.from_dict(data))
    assert set(missing) == {
        "legal_bases",
        "reasons.necessity",
        "performance.township_level",
        "support_measures",
        "feedback",
    }
    assert any("经费" in m for m in missing["support_measures"])
    assert any("关联部门 nb-zhzf" in m for m in missing["feedback"])
    with pytest.raises(ValidationFailed) as incomplete:
        require_complete(ApplicationContent.from_dict(data))
    assert incomplete.value.code == "application_incomplete"


def test_a_support_measure_needs_an_amount_and_a_date_unless_marked_not_applicable() -> None:
    data = complete_application()
    data["support_measures"][0] = {"kind": "staffing_posts", "description": "行政编制"}
    missing = missing_items(ApplicationContent.from_dict(data))
    assert set(missing) == {"support_measures[0].amount", "support_measures[0].due_date"}
    data["support_measures"][0] = {
        "kind": "staffing_posts",
        "description": "不涉及：由现有编制承担",
        "not_applicable": True,
    }
    assert missing_items(ApplicationContent.from_dict(data)) == {}


def test_every_receiving_and_related_department_gives_exactly_one_written_feedback() -> None:
    data = complete_application()
    data["feedback"].append(dict(data["feedback"][0]))
    assert "feedback" in missing_items(ApplicationContent.from_dict(data))
    data = complete_application()
    data["feedback"][0]["document_date"] = None
    assert "feedback" in missing_items(ApplicationContent.from_dict(data))


def test_the_lifecycle_from_draft_to_operation_reported() -> None:
    steps = [
        (Action.SUBMIT, APPLICANT, State.UNDER_REVIEW),
        (Action.RETURN, OFFICE, State.RETURNED),
        (Action.RESUBMIT, APPLICANT, State.UNDER_REVIEW),
        (Action.CONCLUDE_READY, OFFICE, State.PENDING_APPROVAL),
        (Action.APPROVAL_SENT_BACK, APPROVAL, State.UNDER_REVIEW),
        (Action.CONCLUDE_READY, OFFICE, State.PENDING_APPROVAL),
        (Action.APPROVAL_APPROVED, APPROVAL, State.APPROVED),
        (Action.ISSUE, OFFICE, State.ISSUED),
        (Action.SUBMIT_REPORT, RECEIVER, State.ISSUED),
        (Action.ACKNOWLEDGE_REPORT, APPLICANT, State.ISSUED),
        (Action.ALL_REPORTS_ACKNOWLEDGED, APPLICANT, State.OPERATION_REPORTED),
    ]
    state = State.DRAFT
    for action, actor, expected in steps:
        state = advance(state, action, actor, PARTIES)
        assert state is expected, action
    assert advance(State.UNDER_REVIEW, Action.CONCLUDE_NOT_READY, OFFICE, PARTIES) is State.NOT_READY


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        (State.DRAFT, Action.SUBMIT, OFFICE),  # only the applying department applies
        (State.DRAFT, Action.SUBMIT, RECEIVER),
        (State.UNDER_REVIEW, Action.RETURN, APPLICANT),  # only the office reviews
        (State.UNDER_REVIEW, Action.CONCLUDE_READY, OTHER_OFFICE),  # another jurisdiction's office
        (State.PENDING_APPROVAL, Action.APPROVAL_APPROVED, OFFICE),  # only the leaders' inbox approves
        (State.APPROVED, Action.ISSUE, APPLICANT),
        (State.ISSUED, Action.SUBMIT_REPORT, APPLICANT),  # the receiving department reports
        (State.ISSUED, Action.ACKNOWLEDGE_REPORT, RECEIVER),  # the devolving department acknowledges
    ],
)
def test_each_step_is_refused_to_anyone_but_its_party(state: State, action: Action, actor: Actor) -> None:
    with pytest.raises(Forbidden):
        advance(state, action, actor, PARTIES)


@pytest.mark.parametrize(
    ("state", "action", "actor"),
    [
        (State.UNDER_REVIEW, Action.EDIT, APPLICANT),  # under review the application is frozen
        (State.RETURNED, Action.SUBMIT, APPLICANT),  # a returned one is resubmitted
        (State.DRAFT, Action.CONCLUDE_READY, OFFICE),  # no review before submission
        (State.UNDER_REVIEW, Action.ISSUE, OFFICE),  # no issuance before approval (第三十四条)
        (State.PENDING_APPROVAL, Action.ISSUE, OFFICE),
        (State.NOT_READY, Action.RESUBMIT, APPLICANT),
        (State.APPROVED, Action.SUBMIT_REPORT, RECEIVER),  # nothing to report before issuance
    ],
)
def test_a_step_out_of_order_is_a_conflict(state: State, action: Action, actor: Actor) -> None:
    with pytest.raises(Conflict):
        advance(state, action, actor, PARTIES)


@pytest.mark.parametrize("state", [s for s in State if s not in (State.ISSUED, State.OPERATION_REPORTED)])
def test_until_formal_issuance_the_original_department_alone_is_responsible_under_article_34(
    state: State,
) -> None:
    assert responsible_departments(state, PARTIES) == ("nb-scjg",)


def test_after_issuance_the_receiving_departments_are_responsible() -> None:
    assert responsible_departments(State.ISSUED, PARTIES) == ("hs-scjg",)
    assert STATE_NAMES[State.APPROVED] == "已批准，尚未正式发文（原部门继续负责）"


def test_a_receiving_department_sees_a_devolution_only_once_submitted_and_the_other_office_never() -> None:
    assert can_see(APPLICANT, PARTIES, State.DRAFT)
    assert not can_see(RECEIVER, PARTIES, State.DRAFT)
    assert can_see(RECEIVER, PARTIES, State.UNDER_REVIEW)
    assert not can_see(OTHER_OFFICE, PARTIES, State.ISSUED)
    assert can_see(OFFICE, PARTIES, State.DRAFT)


def _review(conclusion: str, **kwargs: object) -> review.Review:
    checklist = tuple(review.ChecklistEntry(item, True) for item in review.CHECKLIST_ITEMS)
    return review.Review(checklist=checklist, notes="", conclusion=review.Conclusion(conclusion), **kwargs)  # type: ignore[arg-type]


def test_ready_needs_every_item_satisfied_and_the_power_list_entries_under_article_34() -> None:
    with pytest.raises(ValidationFailed) as invalid:
        review.validate_review(_review("ready"), "nb-scjg")
    assert "power_list_entries" in invalid.value.fields
    entry = review.PowerListEntry("X-1", "登记", "nb-scjg", review.ReceivingLevel.COUNTY)
    review.validate_review(_review("ready", power_list_entries=(entry,)), "nb-scjg")
    unmet = review.Review(
        checklist=(
            review.ChecklistEntry("name_and_basis", False),
            *(review.ChecklistEntry(i, True) for i in list(review.CHECKLIST_ITEMS)[1:]),
        ),
        notes="",
        conclusion=review.Conclusion.READY,
        power_list_entries=(entry,),
    )
    with pytest.raises(ValidationFailed):
        review.validate_review(unmet, "nb-scjg")


def test_not_ready_needs_the_reasons_for_the_written_notice() -> None:
    with pytest.raises(ValidationFailed) as invalid:
        review.validate_review(_review("not_ready"), "nb-scjg")
    assert "reasons" in invalid.value.fields
    review.validate_review(_review("not_ready", reasons="配套经费未落实"), "nb-scjg")


def test_the_handover_checklist_is_due_when_the_application_promised_the_support_under_article_35() -> None:
    content = ApplicationContent.from_dict(complete_application())
    due = aftercare.initial_handover(content.support_measures)
    assert due[aftercare.HandoverKind.FUNDS] == date(2026, 12, 31)
    assert due[aftercare.HandoverKind.TRAINING] == date(2027, 2, 28)
    assert due[aftercare.HandoverKind.PREMISES] is None  # set by the devolving department


def test_an_overdue_handover_item_is_reminded_once_per_due_date() -> None:
    item = aftercare.HandoverItem(aftercare.HandoverKind.FUNDS, date(2026, 12, 31))
    assert aftercare.items_to_remind([item], date(2026, 12, 31), {}) == []
    assert aftercare.items_to_remind([item], date(2027, 1, 1), {}) == [item]
    assert aftercare.items_to_remind([item], date(2027, 1, 5), {item.kind: date(2026, 12, 31)}) == []
    done = aftercare.HandoverItem(aftercare.HandoverKind.FUNDS, date(2026, 12, 31), date(2026, 12, 30))
    assert aftercare.items_to_remind([done], date(2027, 1, 1), {}) == []


def test_the_operation_report_records_effects_for_the_public_and_enterprises_and_the_problems_found() -> None:
    with pytest.raises(ValidationFailed) as incomplete:
        aftercare.validate_report(aftercare.OperationReport("", "", ""))
    assert set(incomplete.value.fields) == {
        "public_service_effects",
        "enterprise_service_effects",
        "problems_found",
    }
    submitted = aftercare.next_report_state(aftercare.ReportState.AWAITING, aftercare.ReportState.SUBMITTED)
    assert (
        aftercare.next_report_state(submitted, aftercare.ReportState.ACKNOWLEDGED)
        is aftercare.ReportState.ACKNOWLEDGED
    )
    with pytest.raises(Conflict):
        aftercare.next_report_state(aftercare.ReportState.AWAITING, aftercare.ReportState.ACKNOWLEDGED)


def test_the_domain_imports_no_framework() -> None:
    forbidden = {
        "flask",
        "flask_smorest",
        "sqlalchemy",
        "dramatiq",
        "redis",
        "marshmallow",
        "shared.db",
        "shared.auth",
    }
    domain = Path(__file__).resolve().parents[2] / "services" / "devolution" / "domain"
    for path in domain.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), (path.name, name)


def test_each_step_is_recorded_by_an_entry_that_cannot_be_edited() -> None:
    at = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    state, submitted = step(State.DRAFT, Action.SUBMIT, APPLICANT, PARTIES, at)
    state, returned = step(
        state, Action.RETURN, OFFICE, PARTIES, at + timedelta(hours=1), {"reasons": "补经费"}
    )
    assert [(e.action, e.from_state, e.to_state, e.actor_id) for e in (submitted, returned)] == [
        ("submit", State.DRAFT, State.UNDER_REVIEW, "scjg.clerk"),
        ("return", State.UNDER_REVIEW, State.RETURNED, "bb.clerk"),
    ]
    with pytest.raises(FrozenInstanceError):
        returned.action = "edited"  # type: ignore[misc]
    with pytest.raises(Forbidden):
        step(state, Action.RESUBMIT, OFFICE, PARTIES, at + timedelta(hours=2))
