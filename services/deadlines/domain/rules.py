"""How the deadlines service applies the measures' time limits: the rule table itself is
:mod:`shared.measures` (one table for every service); here, how each rule is reminded of.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from services.deadlines.domain.reminder_plan import DEFAULT_PLAN, RecipientLevel, ReminderPlan
from shared.measures import RULES, SUSPENSION_ARTICLE, PeriodKind, Rule, rule_by_code

__all__ = [
    "REMINDER_PLANS",
    "RULES",
    "SUSPENSION_ARTICLE",
    "PeriodKind",
    "Rule",
    "reminder_plan",
    "rule_by_code",
]

#: after a written reply runs out, silence counts as "no objection" (第二十条): no overdue chasing; an
#: uncorrected rectification goes to 机构编制监督检查 (第三十七条第二款)
REMINDER_PLANS: Mapping[str, ReminderPlan] = MappingProxyType(
    {
        "written_reply": ReminderPlan(
            overdue_every_working_days=None, escalate_after_overdue_working_days=None
        ),
        "rectification": ReminderPlan(escalate_to=RecipientLevel.SUPERVISION),
    }
)


def reminder_plan(rule: Rule) -> ReminderPlan:
    """When and to whom a clock under ``rule`` is reminded of (the default plan unless the rule says)."""
    return REMINDER_PLANS.get(rule.code, DEFAULT_PLAN)
