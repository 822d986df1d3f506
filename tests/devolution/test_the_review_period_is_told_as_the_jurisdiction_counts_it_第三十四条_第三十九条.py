"""第三十四条: the review takes 10 working days; 第三十九条: a district or county may set its own.
Devolution's texts (the list page, the 提交审核 notice, the approval inbox's basis) take the city's length
from the rule table and never claim it for a county that may have set another."""

from services.devolution.domain.review import review_basis, review_period
from shared.measures import rule_by_code


def test_the_city_is_told_the_rule_tables_ten_working_days() -> None:
    days = rule_by_code("devolution_review").length
    assert review_period("330200") == f"{days}个工作日"
    assert review_basis("330200").startswith(f"第三十四条：审核论证在{days}个工作日内完成")


def test_a_county_is_told_its_own_measures_with_the_citys_length_as_the_default() -> None:
    assert review_period("330212") == "鄞州区执行办法规定的期限（未另行规定的为10个工作日）"
    assert "鄞州区执行办法规定的期限" in review_basis("330212")
