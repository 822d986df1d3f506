"""The devolution figures of 监督统计 (第三十三至三十五条), as both sides of ``devolution.figures`` read them.

Devolution owns the devolutions; intake owns the dashboard. Devolution reduces each devolution to *facts*
(``services/devolution/domain/figures.py``): one ``(fact, subject, day)`` per thing a figure counts, e.g. a
half-year report still awaited, on its due date. It keeps them (its filtered list reads them) and publishes
what changed (``devolution.figures``: facts removed and added); intake adds them up per jurisdiction,
department (下放部门), fact and day. This table says, for both, which facts a figure counts:

- ``period``: the facts whose day falls in the chosen period (what happened in it);
- ``late``: the facts whose day is before today, whatever the period (what is overdue now);
- ``not_late``: the facts whose day is today or later (what is awaited, not yet overdue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

When = Literal["period", "late", "not_late"]

#: the facts devolution publishes
APPLIED = "applied"  # day: first submitted (第三十三条)
DEVOLVED = "devolved"  # day: the formal document's date (第三十四条)
SUPPORT_OPEN = "support_open"  # day: the earliest date of a handover item not yet done (第三十五条)
REPORT_AWAITED = "report_awaited"  # subject: the receiving department; day: the report's due date
REPORT_RECEIVED = "report_received"  # subject: the receiving department; day: the day it was sent
FACTS = (APPLIED, DEVOLVED, SUPPORT_OPEN, REPORT_AWAITED, REPORT_RECEIVED)


@dataclass(frozen=True)
class Figure:
    """One column of 各部门职责下放情况: the fact it counts and when, its name and article, its unit."""

    fact: str
    when: When
    name: str
    short: str  # the column's head on a phone
    article: str
    unit: str = "项"


FIGURES: dict[str, Figure] = {
    "applied": Figure(APPLIED, "period", "本期提出下放申请", "申请", "第三十三条"),
    "devolved": Figure(DEVOLVED, "period", "本期正式下放职责", "正式下放", "第三十四条"),
    "support_late": Figure(SUPPORT_OPEN, "late", "保障措施逾期未落实（当前）", "保障未落实", "第三十五条"),
    "report_due": Figure(
        REPORT_AWAITED, "not_late", "半年报告待报送（当前，未到期）", "报告待报", "第三十五条", "份"
    ),
    "report_late": Figure(
        REPORT_AWAITED, "late", "半年报告逾期未报送（当前）", "报告逾期", "第三十五条", "份"
    ),
    "report_received": Figure(REPORT_RECEIVED, "period", "本期收到半年报告", "报告已收", "第三十五条", "份"),
}


def counts(figure: Figure, day: date, start: date, end: date, today: date) -> bool:
    """Whether a fact of ``figure``'s kind on ``day`` counts for the period ``start``–``end`` seen today."""
    if figure.when == "period":
        return start <= day <= end
    if figure.when == "late":
        return day < today
    return day >= today
