"""Deadlines' audit trail (:mod:`shared.audit`): the administrative acts on the working-day calendar and the
local periods (第三十九条), each recorded on the unit of work of the change — a change that rolls back (a
refusal, a preview) leaves no entry."""

from __future__ import annotations

from datetime import date

from shared import audit
from shared.identity import Principal
from shared.local_rules import NAMES as SETTING_NAMES
from shared.measures import RULES
from shared.web.formatting import chinese_date

CALENDAR_LOAD = "calendar.load_year"
OVERRIDE_SET, OVERRIDE_REMOVE = "calendar.override_set", "calendar.override_remove"
PERIOD_SET, PERIOD_WITHDRAW = "period.set", "period.withdraw"
SETTING_SET, SETTING_WITHDRAW = "local_rule.set", "local_rule.withdraw"

audit.name_actions(
    {
        CALENDAR_LOAD: "载入节假日安排",
        OVERRIDE_SET: "本地调整工作日",
        OVERRIDE_REMOVE: "撤销本地调整",
        PERIOD_SET: "设定本地办理期限",
        PERIOD_WITHDRAW: "恢复办法规定期限",
        SETTING_SET: "设定本地规定",
        SETTING_WITHDRAW: "恢复办法规定",
    },
    objects={
        "calendar_year": "节假日安排",
        "calendar_override": "本地调整",
        "local_period": "本地办理期限",
        "local_setting": "本地规定",
    },
    ids={  # the ids these objects are recorded by are codes and dates: the pages name them
        "calendar_year": lambda year: f"{int(year)}年",
        "calendar_override": lambda day: chinese_date(date.fromisoformat(day)),
        "local_period": lambda code: f"{RULES[code].name}期限（{RULES[code].article_label}）",
        "local_setting": lambda code: SETTING_NAMES[code],
    },
)


def signed(actor: Principal) -> str:
    """How the calendar's rows name who changed them: ``周敏（bb.admin）``."""
    return f"{actor.name}（{actor.user_id}）"
