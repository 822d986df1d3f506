"""Counting working days as the measures and 民法典 第201–203条 count them.

Most tests use a small hand-built calendar (the made-up years 2031–2032, below) so each date can be checked by
eye; the statutory examples of the issue use the calendar seeded from ``chinesecalendar``.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.deadlines.domain.calendar import (
    DayKind,
    LocalOverride,
    OverrideKind,
    SkippedDay,
    WorkingCalendar,
    YearData,
    validate_year,
)
from services.deadlines.domain.chinesecalendar_source import seeded_calendar
from shared.errors import ValidationFailed

D = date


def toy_years() -> list[YearData]:
    """2031: 国庆 10月1–7日 off, 9月28日 (Sun) and 10月11日 (Sat) worked; 元旦 2032 starts on 12月31日 (Wed).
    2032: 1月1–2日 off, 1月4日 (Sun) worked. 2033 is not loaded."""
    national_day = {D(2031, 10, day): "国庆节" for day in range(1, 8)}
    return [
        YearData(
            2031,
            {**national_day, D(2031, 12, 31): "元旦"},
            {D(2031, 9, 28): "国庆节调休上班", D(2031, 10, 11): "国庆节调休上班"},
            "测试用2031年数据",
        ),
        YearData(
            2032, {D(2032, 1, 1): "元旦", D(2032, 1, 2): "元旦"}, {D(2032, 1, 4): "元旦调休上班"}, "测试用"
        ),
    ]


def toy_calendar(*overrides: LocalOverride) -> WorkingCalendar:
    return WorkingCalendar(toy_years(), overrides)


# --- the statutory examples, on the real calendar ---


def test_five_working_days_from_friday_before_national_day_end_on_october_tenth_第15条() -> None:
    due = seeded_calendar().add_working_days(D(2025, 9, 26), 5)

    assert due.due_date == D(2025, 10, 10)
    assert not due.provisional
    skipped = {day.date: day.reason for day in due.skipped}
    assert D(2025, 9, 28) not in skipped  # 调休上班日 counts as a working day
    assert skipped[D(2025, 9, 27)] == "周末"
    assert all(D(2025, 10, day) in skipped for day in range(1, 9))
    assert skipped[D(2025, 10, 1)] == "国庆节"


def test_five_working_days_from_a_spring_festival_saturday_end_on_the_adjusted_working_saturday_第17条() -> (
    None
):
    due = seeded_calendar().add_working_days(D(2026, 2, 21), 5)

    assert due.due_date == D(2026, 2, 28)
    assert [day.date for day in due.skipped] == [D(2026, 2, 22), D(2026, 2, 23)]
    assert {day.reason for day in due.skipped} == {"春节"}


def test_new_years_eve_plus_one_working_day_lands_on_the_adjusted_sunday_after_yuandan_第15条() -> None:
    due = seeded_calendar().add_working_days(D(2025, 12, 31), 1)

    assert due.due_date == D(2026, 1, 4)
    assert [(day.date, day.reason) for day in due.skipped] == [
        (D(2026, 1, 1), "元旦"),
        (D(2026, 1, 2), "元旦"),
        (D(2026, 1, 3), "元旦"),
    ]


def test_a_span_reaching_2027_is_provisional_because_its_holidays_are_not_published_第22条() -> None:
    due = seeded_calendar().add_working_days(D(2026, 12, 25), 5)

    assert due.provisional
    assert due.due_date == D(2027, 1, 1)  # weekends only: 1月1日 is not guessed to be 元旦


def test_half_a_year_after_april_first_rolls_past_national_day_to_october_ninth_第35条() -> None:
    due = seeded_calendar().add_months(D(2025, 4, 1), 6)

    assert due.due_date == D(2025, 10, 9)
    assert [day.date for day in due.skipped] == [D(2025, 10, day) for day in range(1, 9)]


# --- counting rules, on the toy calendar ---


def test_the_start_day_is_never_counted_even_when_it_is_a_working_day() -> None:
    assert toy_calendar().add_working_days(D(2031, 9, 22), 1).due_date == D(2031, 9, 23)


def test_a_period_started_on_a_holiday_counts_from_the_first_working_day_after_it_第17条() -> None:
    calendar = toy_calendar()

    assert calendar.add_working_days(D(2031, 10, 3), 1).due_date == D(2031, 10, 8)
    assert calendar.add_working_days(D(2031, 10, 3), 4).due_date == D(2031, 10, 11)  # the adjusted Saturday


def test_an_adjusted_working_sunday_counts_and_is_not_listed_as_skipped() -> None:
    due = toy_calendar().add_working_days(D(2031, 9, 26), 1)

    assert due.due_date == D(2031, 9, 28)
    assert due.skipped == (SkippedDay(D(2031, 9, 27), "周末"),)


def test_a_holiday_spanning_the_year_end_is_skipped_on_both_sides_of_new_year() -> None:
    due = toy_calendar().add_working_days(D(2031, 12, 30), 2)

    assert due.due_date == D(2032, 1, 5)
    assert [(day.date, day.reason) for day in due.skipped] == [
        (D(2031, 12, 31), "元旦"),
        (D(2032, 1, 1), "元旦"),
        (D(2032, 1, 2), "元旦"),
        (D(2032, 1, 3), "周末"),
    ]
    assert not due.provisional


def test_a_span_into_an_unknown_year_counts_weekends_only_and_says_it_is_provisional() -> None:
    calendar = toy_calendar()

    due = calendar.add_working_days(D(2032, 12, 30), 2)

    assert due.due_date == D(2033, 1, 3)
    assert due.provisional
    assert not calendar.add_working_days(D(2032, 12, 1), 5).provisional


def test_starting_on_the_last_day_of_a_known_year_is_provisional_when_the_next_year_is_unknown() -> None:
    assert toy_calendar().add_working_days(D(2032, 12, 31), 1).provisional


def test_a_long_span_crosses_several_years_including_unknown_ones() -> None:
    calendar = toy_calendar()

    due = calendar.add_working_days(D(2031, 1, 1), 600)

    assert calendar.working_days_between(D(2031, 1, 1), due.due_date) == 600
    assert calendar.is_working_day(due.due_date)
    assert due.provisional


def test_working_days_between_counts_the_half_open_interval_and_is_negative_backwards() -> None:
    calendar = toy_calendar()

    # 9月28日 (adjusted Sunday), 29日, 30日, 10月8日, 9日, 10日
    assert calendar.working_days_between(D(2031, 9, 26), D(2031, 10, 10)) == 6
    assert calendar.working_days_between(D(2031, 10, 10), D(2031, 9, 26)) == -6
    assert calendar.working_days_between(D(2031, 10, 1), D(2031, 10, 1)) == 0


def test_the_nth_working_day_before_a_date_skips_holidays_and_crosses_years() -> None:
    calendar = toy_calendar()

    assert calendar.nth_working_day_before(D(2031, 10, 8), 1) == D(2031, 9, 30)
    assert calendar.nth_working_day_before(D(2032, 1, 4), 2) == D(2031, 12, 29)


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (D(2031, 3, 17), 6, D(2031, 9, 17)),  # same day-number
        (D(2031, 3, 31), 6, D(2031, 9, 30)),  # September has no 31st: its last day
        (D(2031, 8, 31), 6, D(2032, 3, 1)),  # 2月29日 (leap year) is a Sunday: rolled to 3月1日
        (D(2031, 4, 1), 6, D(2031, 10, 8)),  # 10月1日 is a holiday: rolled forward
        (D(2031, 6, 27), 6, D(2031, 12, 29)),  # 12月27日 is a Saturday
    ],
)
def test_a_period_in_months_ends_on_the_same_day_number_rolled_to_a_working_day_第35条(
    start: date, months: int, due: date
) -> None:
    assert toy_calendar().add_months(start, months).due_date == due


def test_a_month_period_lists_only_the_days_it_was_rolled_over() -> None:
    due = toy_calendar().add_months(D(2031, 4, 1), 6)

    assert [day.date for day in due.skipped] == [D(2031, 10, day) for day in range(1, 8)]


def test_a_month_period_ending_in_an_unknown_year_is_provisional() -> None:
    assert toy_calendar().add_months(D(2032, 9, 1), 6).provisional
    assert not toy_calendar().add_months(D(2031, 9, 1), 6).provisional


def test_each_kind_of_day_is_reported_with_its_name() -> None:
    calendar = toy_calendar()

    assert calendar.day(D(2031, 9, 22)).kind is DayKind.WORKDAY
    assert calendar.day(D(2031, 9, 27)).kind is DayKind.WEEKEND
    holiday = calendar.day(D(2031, 10, 1))
    assert (holiday.kind, holiday.working_day, holiday.name) == (DayKind.HOLIDAY, False, "国庆节")
    adjusted = calendar.day(D(2031, 9, 28))
    assert (adjusted.kind, adjusted.working_day, adjusted.name) == (
        DayKind.ADJUSTED_WORKDAY,
        True,
        "国庆节调休上班",
    )
    unknown_monday, unknown_saturday = calendar.day(D(2033, 1, 3)), calendar.day(D(2033, 1, 1))
    assert (unknown_monday.kind, unknown_monday.working_day) == (DayKind.UNKNOWN, True)
    assert (unknown_saturday.kind, unknown_saturday.working_day) == (DayKind.UNKNOWN, False)


def test_a_typhoon_closure_moves_the_due_date_and_is_named_among_the_skipped_days() -> None:
    closure = LocalOverride(D(2031, 9, 23), OverrideKind.CLOSURE, "台风“海葵”停止办公")

    due = toy_calendar(closure).add_working_days(D(2031, 9, 22), 1)

    assert due.due_date == D(2031, 9, 24)
    assert due.skipped == (SkippedDay(D(2031, 9, 23), "台风“海葵”停止办公"),)


def test_an_extra_working_day_counts_even_in_a_year_the_calendar_does_not_know() -> None:
    extra = LocalOverride(D(2033, 1, 1), OverrideKind.EXTRA_WORKDAY, "集中办公")  # a Saturday
    calendar = toy_calendar(extra)

    assert calendar.add_working_days(D(2032, 12, 31), 1).due_date == D(2033, 1, 1)
    assert calendar.day(D(2033, 1, 1)).kind is DayKind.ADJUSTED_WORKDAY


def test_an_override_kind_from_json_is_accepted_as_text_and_an_unknown_kind_is_refused() -> None:
    assert LocalOverride(D(2031, 9, 23), "closure", "台风").kind is OverrideKind.CLOSURE  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as error:
        LocalOverride(D(2031, 9, 23), "holiday", "台风")  # type: ignore[arg-type]
    assert "kind" in error.value.fields


def test_two_overrides_on_one_day_are_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        toy_calendar(
            LocalOverride(D(2031, 9, 23), OverrideKind.CLOSURE, "台风"),
            LocalOverride(D(2031, 9, 23), OverrideKind.EXTRA_WORKDAY, "补班"),
        )
    assert error.value.code == "override_duplicate"


def test_the_version_changes_with_the_counting_data_but_not_with_names() -> None:
    renamed = [
        YearData(y.year, {d: "假日" for d in y.holidays}, y.adjusted_workdays, "别处") for y in toy_years()
    ]
    closure = LocalOverride(D(2031, 9, 23), OverrideKind.CLOSURE, "台风")

    assert toy_calendar().version == toy_calendar().version == WorkingCalendar(renamed).version
    assert toy_calendar(closure).version != toy_calendar().version
    assert WorkingCalendar(toy_years()[:1]).version != toy_calendar().version


def test_loading_a_year_gives_a_new_calendar_that_knows_it() -> None:
    calendar = WorkingCalendar(toy_years()[:1])

    loaded = calendar.with_year(toy_years()[1])

    assert loaded.known_years == (2031, 2032)
    assert calendar.known_years == (2031,)
    assert calendar.add_working_days(D(2031, 12, 30), 2).provisional
    assert not loaded.add_working_days(D(2031, 12, 30), 2).provisional


@pytest.mark.parametrize("n", [0, -1, 10**6, True])
def test_a_working_day_count_that_is_not_a_sensible_positive_number_is_refused(n: int) -> None:
    with pytest.raises(ValidationFailed) as error:
        toy_calendar().add_working_days(D(2031, 9, 22), n)
    assert "working_days" in error.value.fields


def test_a_date_far_outside_the_supported_range_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        toy_calendar().day(D(3000, 1, 1))
    assert error.value.code == "date_out_of_range"


# --- loading a year validates it ---


def test_a_year_with_a_date_from_another_year_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        validate_year(YearData(2031, {D(2032, 1, 1): "元旦"}, {}, "通知"))
    assert error.value.fields == {"holidays": ["2032-01-01 不在2031年内"]}


def test_a_day_both_off_and_working_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        validate_year(YearData(2031, {D(2031, 9, 28): "国庆节"}, {D(2031, 9, 28): "调休"}, "通知"))
    assert "adjusted_workdays" in error.value.fields


def test_a_weekday_listed_as_an_adjusted_working_day_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        validate_year(YearData(2031, {}, {D(2031, 9, 29): "调休"}, "通知"))
    assert error.value.fields["adjusted_workdays"] == [
        "2031-09-29（星期一）本来就是工作日，不能列为调休上班日"
    ]


def test_a_holiday_on_a_weekday_or_a_weekend_is_fine_and_a_source_is_required() -> None:
    validate_year(YearData(2031, {D(2031, 10, 1): "国庆节", D(2031, 10, 4): "国庆节"}, {}, "通知"))
    with pytest.raises(ValidationFailed) as error:
        validate_year(YearData(2031, {}, {}, " "))
    assert error.value.code == "calendar_year_invalid"
    assert "source" in error.value.fields


def test_the_same_year_twice_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        WorkingCalendar([*toy_years(), toy_years()[0]])
    assert error.value.code == "calendar_year_duplicate"
