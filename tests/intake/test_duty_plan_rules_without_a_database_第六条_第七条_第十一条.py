"""The duty plan's rules as plain functions: what may be a basis (第6条), one matter one department (第7条),
whom the review must ask (第11条第2项) and what coordination must leave behind (第11条第4项)."""

from __future__ import annotations

import pytest

from services.intake.domain import duty_plan as rules
from services.intake.domain.coordination import Answer, SolicitationStatus
from shared.errors import DomainError, ValidationFailed

NAMES = {"a": "甲局", "b": "乙局", "c": "丙局"}


@pytest.mark.parametrize("refused", sorted(rules.REFUSED_BASES))
def test_the_four_kinds_of_basis_the_measures_refuse_are_refused_第六条第二款(refused: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rules.check_basis(rules.DutyBasis(refused, "某文件"), "main_duties[0].bases[0]")
    assert caught.value.code == "basis_not_allowed"
    assert "第六条第二款" in caught.value.fields["main_duties[0].bases[0].type"][0]


@pytest.mark.parametrize("allowed", ["party_regulation", "law", "reform_plan", "sanding", "central_item"])
def test_party_regulations_laws_reform_plans_sanding_and_central_items_are_a_basis_第六条第一款(
    allowed: str,
) -> None:
    assert rules.check_basis(rules.DutyBasis(allowed, "某依据"), "x") == allowed


def test_a_matter_with_a_lead_a_host_assisting_split_and_a_division_raises_no_flag_第七条() -> None:
    matter = rules.SharedMatter("事项", ["a", "b"], "a", "a", ["b"], "甲主办，乙协办")
    assert rules.seventh_article_flags([matter], NAMES) == []


def test_a_matter_named_twice_is_flagged_as_one_matter_for_one_department_第七条() -> None:
    first = rules.SharedMatter("事项", ["a", "b"], "a", "a", ["b"], "分工")
    second = rules.SharedMatter("事项", ["b", "c"], "b", "b", ["c"], "分工")

    [flag] = rules.seventh_article_flags([first, second], NAMES)

    assert (flag.where, flag.message) == (
        "shared_matters[1]",
        "“事项”与第1项为同一事项，一类事项原则上由一个部门统筹",
    )


def test_a_lead_without_the_host_assisting_split_is_still_flagged_第七条() -> None:
    [flag] = rules.seventh_article_flags([rules.SharedMatter("事项", ["a", "b"], "a")], NAMES)
    assert flag.message == "“事项”由甲局、乙局管理，未明确主办和协办关系、各自的职责分工"


def test_the_organisation_department_comes_first_and_a_department_counts_once_第十一条第二项() -> None:
    scope = rules.required_scope("org", supervising=["a", "org"], related=["a", "b"])
    assert list(scope.items()) == [
        ("org", rules.SolicitationScope.ORGANISATION),
        ("a", rules.SolicitationScope.SUPERVISING),
        ("b", rules.SolicitationScope.RELATED),
    ]
    assert rules.scope_of("c", scope) is rules.SolicitationScope.OTHER


def test_without_an_organisation_department_in_the_directory_the_review_cannot_go_on_第十一条第二项() -> None:
    with pytest.raises(DomainError) as caught:
        rules.check_solicitation_scope({}, [], NAMES)
    assert caught.value.code == "no_organisation"


def test_the_last_word_of_a_department_counts_a_later_agreement_settles_it_第十一条第四项() -> None:
    answers = [
        Answer("甲局", SolicitationStatus.DISAGREED),
        Answer("乙局", SolicitationStatus.DISAGREED),
        Answer("甲局", SolicitationStatus.AGREED),
    ]
    assert rules.disagreeing(answers) == ["乙局"]


def test_no_agreement_means_the_disputed_points_are_listed_for_the_committee_第十一条第四项() -> None:
    with pytest.raises(ValidationFailed):
        rules.check_settlement(rules.SettleDisagreements(agreed=False, summary="协调一次"))
    point = rules.UnresolvedPoint("问题", ["a"], "各执一词")
    with pytest.raises(ValidationFailed):
        rules.check_settlement(
            rules.SettleDisagreements(agreed=True, summary="一致", unresolved_points=[point])
        )
    rules.check_settlement(
        rules.SettleDisagreements(agreed=False, summary="协调一次", unresolved_points=[point])
    )
