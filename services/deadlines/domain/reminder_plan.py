"""提醒方案 — when to remind whom about a deadline. The scheduling itself is in reminders.py."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import time
from enum import StrEnum

from shared.errors import ValidationFailed
from shared.local_rules import LocalReminders


class RecipientLevel(StrEnum):
    """Who a reminder or event is for."""

    RESPONSIBLE_PARTY = "responsible_party"  # 责任方: the office or department that must act
    NEXT_LEVEL_LEADERSHIP = "next_level_leadership"  # 上一级领导
    SUPERVISION = "supervision"  # 机构编制监督检查 (第三十七条 escalation)
    OWNER_SERVICE = "owner_service"  # the service that owns the case, told of expiry


_INVALID = "reminder_plan_invalid"


@dataclass(frozen=True, kw_only=True)
class ReminderPlan:
    """When reminders go out, in working days around the due date; ``None`` switches a stage off.

    Reminders are released at ``release_at`` (Shanghai) on working days and only go out in office hours
    (``release_at`` to ``office_closes_at`` of a working day), so one caught up after an outage waits for the
    next office morning. An ``urgent`` plan releases each stage at the start of its day, at any hour.
    """

    due_soon_working_days_before: int | None = 2
    due_today: bool = True
    overdue_every_working_days: int | None = 2
    escalate_after_overdue_working_days: int | None = 3
    escalate_to: RecipientLevel = RecipientLevel.NEXT_LEVEL_LEADERSHIP
    release_at: time = time(9, 0)
    office_closes_at: time = time(17, 30)
    urgent: bool = False

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, int) and not isinstance(value, bool) and value < 1:
                raise ValidationFailed.for_field(spec.name, "须为不小于1的工作日数", code=_INVALID)
        if self.release_at.tzinfo is not None or self.office_closes_at.tzinfo is not None:
            raise ValidationFailed.for_field("release_at", "按北京时间填写，不带时区", code=_INVALID)
        if self.office_closes_at <= self.release_at:
            message = "下班时间须晚于提醒发送时间"
            raise ValidationFailed.for_field("office_closes_at", message, code=_INVALID)


DEFAULT_PLAN = ReminderPlan()


def localised(plan: ReminderPlan, local: LocalReminders | None) -> ReminderPlan:
    """``plan`` with a district's or county's own reminder days (第三十九条); a stage the rule switches off
    stays off (第二十条: after a reply period runs out, silence counts as no objection and is not chased)."""
    if local is None:
        return plan

    def kept(own: int, default: int | None) -> int | None:
        return own if default is not None else None

    return replace(
        plan,
        due_soon_working_days_before=kept(
            local.due_soon_working_days_before, plan.due_soon_working_days_before
        ),
        overdue_every_working_days=kept(local.overdue_every_working_days, plan.overdue_every_working_days),
        escalate_after_overdue_working_days=kept(
            local.escalate_after_overdue_working_days, plan.escalate_after_overdue_working_days
        ),
    )
