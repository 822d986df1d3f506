"""Seed data: the years the ``chinesecalendar`` package (module ``chinese_calendar``) knows, as YearData.

The package keys holidays and adjusted working days (调休上班日) by date with English names; here they are
grouped by the year they fall in, named in Chinese, and credited to the State Council notice
(国务院办公厅关于YYYY年部分节假日安排的通知) they come from.

One correction is applied, with its source: the package misses 2005-12-31 (a Saturday worked for 元旦 2006,
国办发明电〔2005〕35号). The cross-check against the ``holidays`` package is what found it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import cache

import chinese_calendar

from services.deadlines.domain.calendar import WorkingCalendar, YearData

HOLIDAY_NAMES_ZH: Mapping[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
ADJUSTED_WORKDAY_SUFFIX = "调休上班"

# (date, holiday it serves, notice that announced it) — days the package lacks
CORRECTIONS: tuple[tuple[dt.date, str, str], ...] = (
    (dt.date(2005, 12, 31), "元旦", "国务院办公厅关于2006年部分节假日安排的通知（国办发明电〔2005〕35号）"),
)


def notice_name(year: int) -> str:
    """The title of the State Council notice that sets ``year``'s holidays."""
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


def chinese_name(english: str) -> str:
    """The Chinese name of a holiday as the package spells it in English; unknown names are kept as is."""
    return HOLIDAY_NAMES_ZH.get(english, english)


def seeded_years() -> tuple[int, ...]:
    """The years the package carries data for, ascending."""
    return tuple(sorted({day.year for day in chinese_calendar.holidays}))


def year_data(year: int) -> YearData:
    """One seeded year, named in Chinese, with its source notice(s)."""
    holidays = {d: chinese_name(n) for d, n in chinese_calendar.holidays.items() if d.year == year}
    adjusted = {
        d: chinese_name(n) + ADJUSTED_WORKDAY_SUFFIX
        for d, n in chinese_calendar.workdays.items()
        if d.year == year
    }
    adjusted.update(
        {day: f"{holiday}{ADJUSTED_WORKDAY_SUFFIX}" for day, holiday, _ in CORRECTIONS if day.year == year}
    )
    source = notice_name(year)
    if _has_next_new_year_days({**holidays, **adjusted}):
        source += f"；岁末元旦安排见{notice_name(year + 1)}"
    return YearData(year, holidays, adjusted, source)


def _has_next_new_year_days(days: Mapping[dt.date, str]) -> bool:
    """Whether late-December days of ``year`` belong to next year's 元旦 (announced in next year's notice)."""
    return any(day.month == 12 and name.startswith("元旦") for day, name in days.items())


@cache
def seeded_calendar() -> WorkingCalendar:
    """A calendar with every seeded year and no local overrides (built once per process)."""
    return WorkingCalendar(year_data(year) for year in seeded_years())
