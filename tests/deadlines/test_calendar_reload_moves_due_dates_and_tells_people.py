"""Calendar data in the database: the chinesecalendar seed, loading a newly published year, local overrides
(a typhoon closure), recomputing the open clocks they touch, and the 1 November reminder for next year."""

from __future__ import annotations

from datetime import date

import pytest
from deadlines_support import ADMIN, NINGBO, shanghai
from sqlalchemy import select

from services.deadlines.adapters.calendar_store import CalendarCache, calendars
from services.deadlines.domain.calendar import LocalOverride, OverrideKind, YearData
from services.deadlines.domain.chinesecalendar_source import seeded_years
from services.deadlines.tables import CalendarYear, ClockRecord
from services.deadlines.usecases import calendar_admin, calendar_watch
from shared.contracts import CLOCK_SCHEDULED, NOTIFY_SEND, party
from shared.errors import ValidationFailed

# made-up data for a year the package does not know yet: 元旦 1月1日 (Fri), Spring Festival 2月5–11日,
# 2月13日 (Sat) worked
YEAR_2027 = YearData(
    2027,
    {date(2027, 1, 1): "元旦", **{date(2027, 2, day): "春节" for day in range(5, 12)}},
    {date(2027, 2, 13): "春节调休上班"},
    "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
)


def clock(runtime, clock_id: str = "clk-1") -> ClockRecord:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        row = session.get(ClockRecord, clock_id)
        session.expunge(row)
        return row


def load(runtime, data: YearData, when=None):  # type: ignore[no-untyped-def]
    with runtime.unit_of_work() as uow:
        result = calendar_admin.load_year(
            uow, calendars(runtime.db), data, actor=ADMIN, now=when or shanghai(2026, 12, 20)
        )
        uow.commit()
    return result


def test_the_chinesecalendar_years_are_seeded_once_with_their_notices(deadlines) -> None:
    with deadlines.unit_of_work() as uow:
        listed = calendar_admin.list_years(uow)
        uow.commit()
    assert [y["year"] for y in listed] == list(seeded_years()) == list(range(2004, 2027))
    assert listed[-1]["source"] == "国务院办公厅关于2026年部分节假日安排的通知"
    with deadlines.unit_of_work() as uow:
        assert len(calendar_admin.list_years(uow)) == len(listed)


def test_a_period_reaching_an_unloaded_year_is_provisional_until_the_year_is_loaded_第二十二条(
    deadlines, start_clock, sent
) -> None:
    # 30 working days from 2026-12-10 reach into 2027, counted by weekends only: 2027-01-21, provisional
    start_clock(rule="coordination_opinion", at=shanghai(2026, 12, 10))
    before = clock(deadlines)
    assert (before.due_date, before.provisional) == (date(2027, 1, 21), True)

    result = load(deadlines, YEAR_2027)

    after = clock(deadlines)
    assert result.to_dict() == {"recomputed_clocks": 1, "moved_due_dates": 1}
    assert (after.due_date, after.provisional) == (date(2027, 1, 22), False)  # 元旦 now counts as a holiday
    recomputed = after.events[-1]
    assert recomputed["kind"] == "recomputed" and "载入2027年节假日安排" in recomputed["detail"]["reason"]
    assert sent.of_type(CLOCK_SCHEDULED)[-1]["payload"]["reason"] == "calendar_changed"
    [changed] = [env["payload"] for env in sent.of_type(NOTIFY_SEND)]
    assert changed["template"] == "due_date_changed"
    assert changed["recipients"] == [party("department", "BB001", NINGBO)]
    assert (changed["params"]["old_due_date"], changed["params"]["due_date"]) == ("2027-01-21", "2027-01-22")
    assert changed["params"]["article"] == "第二十二条"


def test_reloading_an_unchanged_year_moves_nothing_and_tells_nobody(deadlines, start_clock, sent) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2026, 12, 10))
    load(deadlines, YEAR_2027)
    messages = len(sent.sent)
    assert load(deadlines, YEAR_2027).to_dict() == {"recomputed_clocks": 1, "moved_due_dates": 0}
    assert len(sent.sent) == messages


def test_a_year_with_a_weekday_listed_as_adjusted_is_refused_naming_the_field(deadlines) -> None:
    bad = YearData(2027, {date(2027, 1, 1): "元旦"}, {date(2027, 1, 4): "调休"}, "测试")
    with pytest.raises(ValidationFailed) as refused:
        load(deadlines, bad)
    assert list(refused.value.fields) == ["adjusted_workdays"]
    with deadlines.db.transaction() as session:
        assert session.get(CalendarYear, 2027) is None


def test_a_typhoon_closure_moves_the_due_dates_of_that_jurisdiction_only_第十七条(
    deadlines, start_clock, sent
) -> None:
    start_clock("ningbo", at=shanghai(2025, 11, 3), case_id="c-1")
    start_clock("haishu", at=shanghai(2025, 11, 3), case_id="c-2", jurisdiction="330203")
    closure = LocalOverride(date(2025, 11, 5), OverrideKind.CLOSURE, "台风“示例”停止办公")
    with deadlines.unit_of_work() as uow:
        result = calendar_admin.set_override(
            uow, calendars(deadlines.db), NINGBO, closure, actor=ADMIN, now=shanghai(2025, 11, 5, 8)
        )
        uow.commit()
    assert result.to_dict() == {"recomputed_clocks": 1, "moved_due_dates": 1}
    assert clock(deadlines, "ningbo").due_date == date(2025, 11, 11)
    assert clock(deadlines, "haishu").due_date == date(2025, 11, 10)
    assert "台风" in clock(deadlines, "ningbo").events[-1]["detail"]["reason"]
    with deadlines.unit_of_work() as uow:
        calendar_admin.remove_override(
            uow, calendars(deadlines.db), NINGBO, date(2025, 11, 5), actor=ADMIN, now=shanghai(2025, 11, 5, 9)
        )
        uow.commit()
    assert clock(deadlines, "ningbo").due_date == date(2025, 11, 10)
    assert [n["payload"]["template"] for n in sent.of_type(NOTIFY_SEND)] == ["due_date_changed"] * 2


def test_from_1_november_office_admins_are_reminded_once_a_day_that_next_year_is_missing(
    deadlines, start_clock, sent
) -> None:
    start_clock(at=shanghai(2026, 11, 2), case_id="c-9", jurisdiction="330203")
    cache = calendars(deadlines.db)

    def tick(now):  # type: ignore[no-untyped-def]
        with deadlines.unit_of_work() as uow:
            count = calendar_watch.remind_missing_year(uow, cache, configured=(NINGBO,), now=now)
            uow.commit()
        return count

    assert tick(shanghai(2026, 10, 30)) == 0
    assert calendar_watch.NEXT_YEAR_MISSING._value.get() == 0
    assert tick(shanghai(2026, 11, 2, 8)) == 0  # before office hours
    assert tick(shanghai(2026, 11, 2, 10)) == 2  # 宁波市 (configured) and 海曙区 (has a clock)
    assert tick(shanghai(2026, 11, 2, 15)) == 0  # once a day
    assert calendar_watch.NEXT_YEAR_MISSING._value.get() == 1
    assert tick(shanghai(2026, 11, 3, 10)) == 2
    notice = sent.of_type(NOTIFY_SEND)[0]["payload"]
    assert notice["template"] == "calendar_year_missing" and notice["params"]["year"] == 2027
    assert {tuple(n["payload"]["recipients"][0].values()) for n in sent.of_type(NOTIFY_SEND)} == {
        ("role", "office_admin", NINGBO),
        ("role", "office_admin", "330203"),
    }
    load(deadlines, YEAR_2027, when=shanghai(2026, 11, 3, 11))
    assert tick(shanghai(2026, 11, 4, 10)) == 0
    assert calendar_watch.NEXT_YEAR_MISSING._value.get() == 0


def test_the_cached_calendar_follows_a_change_made_by_another_process(deadlines) -> None:
    other_process_cache = CalendarCache()
    with deadlines.db.transaction() as session:
        assert not other_process_cache.get(session).is_known(2027)
    load(deadlines, YEAR_2027)
    with deadlines.db.transaction() as session:
        assert other_process_cache.get(session).is_known(2027)
        assert (
            session.scalars(select(CalendarYear.loaded_by).where(CalendarYear.year == 2027)).one()
            == "周敏（bb.admin）"
        )
