"""The seeded years, cross-checked against the ``holidays`` package (China), which models 调休 on its own.

The two packages disagree on one day, 2005-12-31: the notice for 2006 (国办发明电〔2005〕35号) says
"12月31日（星期六）上班", and ``chinesecalendar`` misses it. The seed corrects it (``CORRECTIONS``), so the
check below tolerates no difference at all; the last test keeps the reason for the correction visible.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import holidays
import pytest

from services.deadlines.domain.calendar import DayKind
from services.deadlines.domain.chinesecalendar_source import (
    HOLIDAY_NAMES_ZH,
    notice_name,
    seeded_calendar,
    seeded_years,
    year_data,
)

# Days where the seeded calendar and holidays.China may disagree, each with the reason. Empty on purpose.
KNOWN_DIFFERENCES: dict[date, str] = {}


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


@pytest.mark.parametrize("year", seeded_years())
def test_every_seeded_day_is_a_working_day_exactly_when_the_holidays_package_says_so(year: int) -> None:
    calendar = seeded_calendar()
    china = holidays.China(years=year)

    differences = {
        day: (calendar.is_working_day(day), china.is_working_day(day))
        for day in days_of(year)
        if calendar.is_working_day(day) != china.is_working_day(day) and day not in KNOWN_DIFFERENCES
    }

    assert differences == {}


def test_the_seed_covers_2004_to_2026_each_year_credited_to_its_state_council_notice() -> None:
    assert seeded_years() == tuple(range(2004, 2027))
    for year in seeded_years():
        assert year_data(year).source.startswith(notice_name(year))
    assert notice_name(2026) == "国务院办公厅关于2026年部分节假日安排的通知"


def test_late_december_days_of_next_years_yuandan_credit_next_years_notice_too() -> None:
    assert year_data(2006).source == (
        "国务院办公厅关于2006年部分节假日安排的通知；岁末元旦安排见国务院办公厅关于2007年部分节假日安排的通知"
    )


def test_every_holiday_name_is_given_in_chinese() -> None:
    english = set(chinese_calendar.holidays.values()) | set(chinese_calendar.workdays.values())
    assert english <= set(HOLIDAY_NAMES_ZH)
    names = {name for year in seeded_years() for name in year_data(year).holidays.values()}
    assert names == {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节", "抗战胜利纪念日"}
    assert seeded_calendar().day(date(2015, 9, 3)).name == "抗战胜利纪念日"


def test_the_saturday_worked_for_yuandan_2006_is_corrected_from_the_notice() -> None:
    assert chinese_calendar.is_workday(date(2005, 12, 31)) is False  # the package's gap
    assert holidays.China(years=2005).is_working_day(date(2005, 12, 31))

    day = seeded_calendar().day(date(2005, 12, 31))

    assert (day.kind, day.name) == (DayKind.ADJUSTED_WORKDAY, "元旦调休上班")
