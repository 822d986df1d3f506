"""第39条: a district or county adopts the measures with its own local rules (区县（市）可以参照本办法，
结合本地实际提出相应的部门职责管理措施). Where it sets its own period for one of the measures' working-day
limits, every clock of that jurisdiction counts by it — with the local document that sets it; the city's
(the measures' own) otherwise. The city's periods are the measures themselves and are not changed here.

Only a rule with one fixed length of working days has a local length (受理决定, 备案意见, 协调意见,
下放审核论证); the usual range of 第二十条, the extension of 第二十二条 and the reminder plan are the other
local settings (:mod:`shared.local_rules`, which also applies a local period to its rule:
``LocalRules.rule``). A fixed date (第三十七条) has nothing to adopt.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import ValidationFailed
from shared.local_rules import ARTICLE, CITY
from shared.measures import MAX_WORKING_DAYS, RULES, PeriodKind, Rule

__all__ = ["ADOPTABLE", "ARTICLE", "CITY", "LocalPeriod", "adoptable", "check_local_period"]


@dataclass(frozen=True)
class LocalPeriod:
    """A jurisdiction's own period for one rule, and the local document that sets it."""

    rule_code: str
    length: int
    source: str


def adoptable(rule: Rule) -> bool:
    """Whether a district or county may set its own length for ``rule``."""
    return (
        rule.period_kind is PeriodKind.WORKING_DAYS
        and rule.length is not None
        and not rule.length_set_per_case
    )


ADOPTABLE: tuple[Rule, ...] = tuple(r for r in RULES.values() if adoptable(r))


def check_local_period(jurisdiction: str, period: LocalPeriod) -> None:
    """A local period: a district's or county's, for an adoptable rule, a length of working days, and the
    local document that sets it."""
    fields: dict[str, list[str]] = {}
    if jurisdiction == CITY:
        fields["jurisdiction"] = [
            f"市级期限即本办法的规定，不在此调整；区县（市）可结合本地实际另行规定（{ARTICLE}）"
        ]
    rule = RULES.get(period.rule_code)
    if rule is None or not adoptable(rule):
        fields["rule"] = ["该期限不能由区县（市）另行规定：只有固定工作日数的期限可以调整"]
    value = period.length
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_WORKING_DAYS:
        fields["length"] = [f"应为 1 至 {MAX_WORKING_DAYS} 之间的工作日数"]
    if not period.source.strip():
        fields["source"] = [f"应写明规定该期限的本地文件名称及文号（{ARTICLE}）"]
    if fields:
        raise ValidationFailed("本地期限设定有误（第三十九条）", code="local_period_invalid", fields=fields)
