"""The rules beside the state machine: rightful host, sealed minutes, materials, rejection grounds,
reply period and silence, 三定 explanation, extension and suspension."""

from __future__ import annotations

import pytest

from services.intake.domain import coordination, filing, rectification, rules
from services.intake.domain.coordination import (
    Application,
    Mechanism,
    RejectionGround,
    SolicitationStatus,
)
from services.intake.domain.filing import Seal
from shared.errors import DomainError, ValidationFailed


def test_the_host_is_the_lead_or_the_first_of_several_leads_第十三条() -> None:
    assert rules.rightful_host(["nb-scjg", "nb-nyj"], "nb-nyj") == "nb-scjg"
    assert rules.rightful_host([], "nb-nyj") == "nb-nyj"
    rules.check_rightful_host("nb-scjg", ["nb-scjg", "nb-nyj"], "nb-scjg")
    with pytest.raises(DomainError) as wrong:
        rules.check_rightful_host("nb-nyj", ["nb-scjg", "nb-nyj"], "nb-nyj")
    assert wrong.value.code == "not_rightful_host" and "第十三条" in wrong.value.detail
    with pytest.raises(DomainError) as not_host:
        rules.check_rightful_host("nb-scjg", [], "nb-nyj")
    assert not_host.value.code == "not_host_department"


def test_minutes_need_the_seal_of_every_party_group_第十五条() -> None:
    seals = [Seal("nb-scjg", "党组", "2026-11-20"), Seal("nb-nyj", "党组", "2026-11-21")]
    filing.check_filing("nb-scjg", ["nb-nyj"], seals)
    with pytest.raises(ValidationFailed) as missing:
        filing.check_filing("nb-scjg", ["nb-nyj", "nb-sthj"], seals)
    assert "nb-sthj" in missing.value.fields["seals"][0]


def _application(**changes: object) -> Application:
    values: dict[str, object] = {
        "host": "nb-zhzf",
        "other_parties": ["nb-sthj"],
        "consultation_failed": True,
        "consultation_history": "两次协商未果",
        "collective_decision_date": "2026-11-18",
        "leaning_opinion": "由执法局负责收运",
        "reasons": "交叉",
        "bases": 1,
        "urgent": False,
        "interim_measures": None,
        "interim_told": [],
    }
    values.update(changes)
    return Application(**values)  # type: ignore[arg-type]


def test_a_complete_application_passes_第十六条() -> None:
    coordination.check_application(_application())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"consultation_failed": False}, "consultation_failed"),
        ({"consultation_history": " "}, "consultation_history"),
        ({"collective_decision_date": None}, "collective_decision.meeting_date"),
        ({"leaning_opinion": ""}, "leaning_opinion"),
        ({"reasons": ""}, "reasons"),
        ({"bases": 0}, "legal_bases"),
        ({"other_parties": []}, "other_parties"),
        ({"other_parties": ["nb-zhzf"]}, "other_parties"),
        ({"urgent": True}, "interim_measures"),
    ],
)
def test_an_incomplete_application_names_the_missing_material(changes, field) -> None:
    with pytest.raises(ValidationFailed) as refused:
        coordination.check_application(_application(**changes))
    assert field in refused.value.fields


@pytest.mark.parametrize("ground", list(RejectionGround))
def test_every_rejection_ground_needs_reasons_第十七条(ground) -> None:
    mechanism = "joint_meeting" if ground in coordination.NEEDS_MECHANISM else None
    parsed, _ = coordination.check_rejection(str(ground), "理由", mechanism)
    assert parsed is ground
    with pytest.raises(ValidationFailed) as no_reason:
        coordination.check_rejection(str(ground), " ", mechanism)
    assert "reasons" in no_reason.value.fields


@pytest.mark.parametrize("ground", [RejectionGround.ASSISTANCE_REQUEST, RejectionGround.WORK_ITEM_DISPUTE])
@pytest.mark.parametrize("mechanism", list(Mechanism))
def test_grounds_two_and_three_must_name_the_mechanism_to_use_instead_第十七条第三款(
    ground, mechanism
) -> None:
    assert coordination.check_rejection(str(ground), "理由", str(mechanism)) == (ground, mechanism)
    with pytest.raises(ValidationFailed) as refused:
        coordination.check_rejection(str(ground), "理由", None)
    assert "mechanism" in refused.value.fields


def test_an_unknown_rejection_ground_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        coordination.check_rejection("because", "理由", None)


@pytest.mark.parametrize("days", [5, 7, 10])
def test_a_reply_period_of_five_to_ten_working_days_is_accepted_第二十条(days) -> None:
    coordination.check_reply_period(days)


@pytest.mark.parametrize("days", [0, 4, 11, 30])
def test_a_reply_period_outside_five_to_ten_working_days_needs_a_reason_第二十条(days) -> None:
    with pytest.raises(ValidationFailed) as refused:
        coordination.check_reply_period(days)
    assert "reply_working_days" in refused.value.fields


@pytest.mark.parametrize("days", [3, 15])
def test_a_reply_period_outside_five_to_ten_working_days_is_set_with_its_reason_第二十条(days) -> None:
    """第20条 says 一般: the same rule the deadlines service counts by (shared.measures)."""
    assert coordination.check_reply_period(days, "涉及多个部门的历史资料，需调阅档案") == days
    with pytest.raises(ValidationFailed) as blank:
        coordination.check_reply_period(days, "  ")
    assert blank.value.code == "reply_period"


def test_silence_at_expiry_counts_as_no_objection_unless_a_reason_was_filed_第二十条() -> None:
    assert coordination.status_at_expiry(SolicitationStatus.PENDING) is SolicitationStatus.DEEMED_NO_OBJECTION
    assert (
        coordination.status_at_expiry(SolicitationStatus.DELAYED_WITH_REASON)
        is SolicitationStatus.EXPIRED_WITH_REASON
    )
    assert coordination.status_at_expiry(SolicitationStatus.DISAGREED) is None
    assert coordination.status_at_expiry(SolicitationStatus.AGREED) is None


def test_a_reply_that_disagrees_gives_an_opinion_and_one_asking_for_time_gives_a_reason() -> None:
    with pytest.raises(ValidationFailed):
        coordination.check_reply("disagree", None, None)
    with pytest.raises(ValidationFailed):
        coordination.check_reply("need_time", None, "")
    assert coordination.check_reply("agree", None, None) is coordination.ReplyKind.AGREE


def test_an_opinion_changing_sanding_needs_a_special_explanation_第二十三条() -> None:
    coordination.check_opinion("意见", False, None)
    coordination.check_opinion("意见", True, "改变三定的说明")
    with pytest.raises(ValidationFailed) as refused:
        coordination.check_opinion("意见", True, " ")
    assert "special_explanation" in refused.value.fields


def test_the_opinion_period_is_extended_once_with_a_reason_第二十二条() -> None:
    coordination.check_extension(False, "情况特殊")
    with pytest.raises(DomainError) as twice:
        coordination.check_extension(True, "再延一次")
    assert twice.value.code == "already_extended"
    with pytest.raises(ValidationFailed):
        coordination.check_extension(False, "")


def test_suspension_names_a_ground_of_第二十五条_and_a_reason() -> None:
    assert (
        coordination.check_suspension("restructuring", "机构调整")
        is coordination.SuspensionGround.RESTRUCTURING
    )
    with pytest.raises(ValidationFailed):
        coordination.check_suspension("restructuring", "")
    with pytest.raises(ValueError):
        coordination.check_suspension("holiday", "放假")


def test_the_domain_imports_no_framework() -> None:
    import ast
    import pathlib

    forbidden = {"flask", "sqlalchemy", "dramatiq", "redis", "marshmallow"}
    for path in pathlib.Path("services/intake/domain").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & forbidden, path


@pytest.mark.parametrize("ground", ["not_as_defined", "not_as_coordinated", "poor_performance", "other"])
def test_a_rectification_order_names_a_ground_facts_and_a_future_date_第三十七条(ground) -> None:
    from datetime import date

    today = date(2026, 11, 28)
    assert (
        rectification.check_rectification_order(ground, "未履行监管职责", date(2027, 1, 31), today) == ground
    )
    with pytest.raises(ValidationFailed) as late:
        rectification.check_rectification_order(ground, " ", today, today)
    assert set(late.value.fields) == {"facts", "due_date"}


def test_rectification_for_devolution_is_intakes_own_with_its_two_grounds_第三十七条第四项() -> None:
    from datetime import date

    for ground in ("devolved_without_approval", "support_not_delivered"):
        parsed = rectification.check_rectification_order(
            ground, "擅自下放", date(2027, 1, 31), date(2026, 11, 28)
        )
        assert parsed in rectification.DEVOLUTION_GROUNDS
        assert rectification.RECTIFICATION_GROUND_NAMES[parsed].startswith("（四）")
    with pytest.raises(ValueError):  # the catch-all "devolution", refused to the devolution service, is gone
        rectification.check_rectification_order(
            "devolution", "擅自下放", date(2027, 1, 31), date(2026, 11, 28)
        )
