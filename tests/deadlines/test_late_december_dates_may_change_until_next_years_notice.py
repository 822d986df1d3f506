"""The calendar's two blind spots.

1. Next year's State Council notice sometimes moves days at the end of the current year (2007-12-29/30/31,
   2011-12-31, 2018-12-29/30/31, 2022-12-31: 2018-12-29 became a working Saturday under the 2019 notice).
   Until that notice is loaded, a due date on or after 20 December is provisional (可能调整), like a date in a
   year nobody has published, and loading the notice recomputes it — moving it where the notice moved a day.
2. The ``holidays`` package computes dates for years no notice covers yet; it is never a source of the
   calendar, only the cross-check of the years a notice covers (``test_calendar_matches_holidays_package``).

The periods counted are the measures' (第十七条: 5 working days for the acceptance decision).
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import holidays
from deadlines_support import ADMIN, shanghai

from services.deadlines.adapters.calendar_store import calendars
from services.deadlines.app import create_app
from services.deadlines.domain.calendar import DayKind, YearData, split_year_end
from services.deadlines.domain.chinesecalendar_source import seeded_calendar
from services.deadlines.domain.notice import parse_holiday_cn
from services.deadlines.tables import CalendarYear, ClockRecord
from services.deadlines.usecases import calendar_admin
from shared.contracts import NOTIFY_SEND

ROOT = Path(__file__).resolve().parents[2]

# made-up 2027 notice (test data): 元旦 2027-01-01 off, the Saturday 2026-12-26 worked for it
NOTICE_2027 = YearData(
    2027,
    {date(2027, 1, 1): "元旦"},
    {date(2026, 12, 26): "元旦调休上班"},
    "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
)


def test_a_due_date_on_or_after_20_december_may_change_until_next_years_notice_is_loaded_第十七条() -> None:
    calendar = seeded_calendar()  # 2026 known, 2027 not

    before = calendar.add_working_days(date(2026, 12, 10), 6)  # Friday 18 December: final
    on = calendar.add_working_days(date(2026, 12, 14), 5)  # Monday 21 December: 2027's notice may move it

    assert (before.due_date, before.provisional) == (date(2026, 12, 18), False)
    assert before.provisional_reason is None
    assert (on.due_date, on.provisional) == (date(2026, 12, 21), True)
    assert on.provisional_reason is not None and "2027年节假日安排尚未载入" in on.provisional_reason


def test_once_next_years_notice_is_loaded_late_december_dates_are_final() -> None:
    own, year_end = split_year_end(NOTICE_2027)
    assert year_end is not None
    calendar = seeded_calendar().with_year(own)

    due = calendar.add_working_days(date(2026, 12, 14), 5)

    assert (due.due_date, due.provisional, due.provisional_reason) == (date(2026, 12, 21), False, None)


def test_a_notices_late_december_days_of_the_year_before_belong_to_that_year() -> None:
    # holiday-cn's 2019 file lists the 元旦 days of 2018-12-29 (worked), 30 and 31 (off)
    notice_2019 = parse_holiday_cn(
        {
            "year": 2019,
            "papers": ["http://www.gov.cn/zhengce/content/2018-12/06/content_5346276.htm"],
            "days": [
                {"name": "元旦", "date": "2018-12-29", "isOffDay": False},
                {"name": "元旦", "date": "2018-12-30", "isOffDay": True},
                {"name": "元旦", "date": "2018-12-31", "isOffDay": True},
                {"name": "元旦", "date": "2019-01-01", "isOffDay": True},
            ],
        }
    )

    own, year_end = split_year_end(notice_2019)

    assert (own.year, dict(own.holidays)) == (2019, {date(2019, 1, 1): "元旦"})
    assert dict(own.adjusted_workdays) == {}
    assert year_end is not None and year_end.year == 2018
    assert dict(year_end.holidays) == {date(2018, 12, 30): "元旦", date(2018, 12, 31): "元旦"}
    assert dict(year_end.adjusted_workdays) == {date(2018, 12, 29): "元旦"}


def test_loading_next_years_notice_recomputes_a_late_december_date_and_tells_who_must_act_第十七条(
    deadlines, start_clock, sent
) -> None:
    # 5 working days after Monday 21 December 2026, weekends only: Monday 28 December, provisional
    start_clock(rule="acceptance_decision", at=shanghai(2026, 12, 21))
    with deadlines.db.transaction() as session:
        row = session.get(ClockRecord, "clk-1")
        assert (row.due_date, row.provisional) == (date(2026, 12, 28), True)
    sent.sent.clear()

    with deadlines.unit_of_work() as uow:
        result = calendar_admin.load_year(
            uow, calendars(deadlines.db), NOTICE_2027, actor=ADMIN, now=shanghai(2026, 12, 22)
        )
        uow.commit()

    # the notice made Saturday 26 December a working day: the fifth working day is that Saturday, final
    assert (result.recomputed, result.moved) == (1, 1)
    with deadlines.db.transaction() as session:
        row = session.get(ClockRecord, "clk-1")
        assert (row.due_date, row.provisional) == (date(2026, 12, 26), False)
        year_2026 = session.get(CalendarYear, 2026)
        assert year_2026.adjusted_workdays["2026-12-26"] == "元旦调休上班"
        assert year_2026.source.endswith("岁末元旦安排见" + NOTICE_2027.source)
        assert "2026-12-26" not in session.get(CalendarYear, 2027).adjusted_workdays
    [notice] = [m["payload"] for m in sent.of_type(NOTIFY_SEND)]
    assert notice["template"] == "due_date_changed"
    assert (notice["params"]["old_due_date"], notice["params"]["due_date"]) == ("2026-12-28", "2026-12-26")
    assert notice["params"]["provisional"] is False


def test_the_due_date_api_says_why_a_late_december_date_may_change(deadlines) -> None:
    client = create_app(runtime=deadlines).test_client()
    body = client.get("/api/v1/calendar/due-date?start=2026-12-14&working_days=5").json

    assert (body["due_date"], body["provisional"]) == ("2026-12-21", True)
    assert "可能调整" in body["provisional_reason"]


def test_the_holidays_package_guesses_2027_and_the_calendar_does_not_use_it() -> None:
    # the package "observes" days for 2027 that no notice has published …
    guessed = holidays.China(years=2027)
    assert any("observed" in name for name in guessed.values())
    # … while the calendar counts 2027 by weekends only and says so
    day = seeded_calendar().day(date(2027, 2, 9))
    assert (day.kind, day.working_day) == (DayKind.UNKNOWN, True)
    assert seeded_calendar().add_working_days(date(2027, 2, 5), 1).provisional


def test_no_service_imports_the_holidays_package_it_is_a_test_cross_check_only() -> None:
    importers = []
    for path in [*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "holidays" or n.startswith("holidays.") for n in names):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == []
    runtime_requirements = (ROOT / "requirements.in").read_text(encoding="utf-8").split()
    assert "holidays" not in runtime_requirements
    assert "holidays" in (ROOT / "requirements-dev.in").read_text(encoding="utf-8").split()
