"""第39条: a district or county sets its own reminder plan (working days before the due date, how often after
it, when the next level of leadership is told), with its local document; the sweep reminds its clocks by it —
including those already running when it was set — while the city's keep the default plan (2 before, every 2
after, escalated after 3), and a reply clock (第二十条) is still not chased after its period.

The running example: an acceptance decision (第十七条, 5 working days) received Monday 2025-11-03 is due
Monday 11月10日; 4 working days before it is Tuesday 11月4日."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from deadlines_support import shanghai

from services.deadlines.domain.reminder_plan import DEFAULT_PLAN, ReminderPlan, localised
from services.deadlines.usecases import local_rules, sweep
from shared.contracts import NOTIFY_SEND
from shared.errors import ValidationFailed
from shared.identity import Principal
from shared.local_rules import LocalReminders, check_setting

HAISHU = "330203"
ADMIN = Principal("hs.bb.admin", "梁宇", HAISHU, "hs-bb", frozenset({"office_admin"}))
SOURCE = "海曙区部门职责管理办法（海编委〔2026〕3号）第三十条"
PLAN = LocalReminders(
    due_soon_working_days_before=4,
    overdue_every_working_days=1,
    escalate_after_overdue_working_days=1,
    source=SOURCE,
)


def _reminded(sent) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [
        (env["payload"]["params"]["clock_id"], env["payload"]["template"])
        for env in sent.of_type(NOTIFY_SEND)
    ]


def test_a_districts_reminder_plan_names_each_wrong_field_and_keeps_stages_a_rule_switches_off_第三十九条():
    with pytest.raises(ValidationFailed) as refused:
        check_setting(
            HAISHU,
            LocalReminders(
                due_soon_working_days_before=0,
                overdue_every_working_days=2,
                escalate_after_overdue_working_days=3,
                source="",
            ),
        )
    assert set(refused.value.fields) == {"due_soon_working_days_before", "source"}
    assert "到期前几个工作日提醒" in refused.value.fields["due_soon_working_days_before"][0]
    reply = ReminderPlan(overdue_every_working_days=None, escalate_after_overdue_working_days=None)
    assert localised(reply, PLAN) == ReminderPlan(
        due_soon_working_days_before=4,
        overdue_every_working_days=None,
        escalate_after_overdue_working_days=None,
    )
    assert localised(DEFAULT_PLAN, None) is DEFAULT_PLAN


def test_the_sweep_reminds_a_districts_clocks_by_its_own_plan_and_the_citys_by_the_default_第三十九条(
    deadlines, start_clock, sent
):
    monday = shanghai(2025, 11, 3)
    start_clock("clk-hs", at=monday, jurisdiction=HAISHU, case_id="c-hs")  # running before the plan is set
    start_clock("clk-nb", at=monday, case_id="c-nb")
    with deadlines.unit_of_work() as uow:
        local_rules.set_setting(uow, HAISHU, PLAN, actor=ADMIN, now=datetime(2025, 11, 3, 3, tzinfo=UTC))
        uow.commit()

    sweep.sweep(deadlines, now=shanghai(2025, 11, 4, 9, 1))  # 4 working days before 11月10日
    assert _reminded(sent) == [("clk-hs", "due_soon")]
    sweep.sweep(deadlines, now=shanghai(2025, 11, 6, 9, 1))  # 2 working days before: the city's default
    assert _reminded(sent)[1:] == [("clk-nb", "due_soon")]

    sweep.sweep(deadlines, now=shanghai(2025, 11, 10, 9, 1))
    sent.sent.clear()
    sweep.sweep(deadlines, now=shanghai(2025, 11, 11, 9, 1))  # 1 working day overdue
    reminded = _reminded(sent)
    assert ("clk-hs", "escalation") in reminded and ("clk-hs", "overdue") in reminded
    assert ("clk-nb", "escalation") not in reminded  # the city escalates after 3
