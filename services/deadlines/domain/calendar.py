"""工作日历 — the working-day calendar, as Chinese law counts periods (民法典 第201–203条).

A working day (工作日) is a Monday–Friday that is not a statutory holiday (法定节假日), or a weekend
day that the State Council's annual notice turns into a working day (调休上班日). The office may add
local overrides: a closure (停止办公, e.g. a typhoon day) or an extra working day.

Years the calendar has data for are *known*. A date in any other year is counted by weekends alone and every
result that touches such a year is marked ``provisional``: the calendar never guesses a holiday. A result
ending on or after 20 December of a known year is provisional too until next year's notice is loaded: that
notice sometimes moves days at the end of the current year (2007-12-29/30/31, 2011-12-31, 2018-12-29/30/31,
2022-12-31 — e.g. 2018-12-29 became a working Saturday under the 2019 notice), so such a date may change
(可能调整). A notice's days in late December of the year before belong to that year
(:func:`split_year_end`).

Counting is a lookup, not a walk: each year is precomputed into sorted ordinal arrays of its working and
non-working days, and a due date is found with ``bisect``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from shared.errors import ValidationFailed
from shared.measures import MAX_WORKING_DAYS, months_after

__all__ = ["MAX_WORKING_DAYS"]  # the bound of every period (shared.measures), re-exported for the API

WEEKEND_REASON = "周末"
MAX_MONTHS = 1200
SUPPORTED_YEARS = range(1950, 2200)
#: (month, day) from which next year's notice may still move a day of this year (the blind spot)
YEAR_END_FROM = (12, 20)
_WEEKDAY_NAMES = "一二三四五六日"


class DayKind(StrEnum):
    """What a day is, as the public calendar API reports it."""

    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    ADJUSTED_WORKDAY = "adjusted_workday"
    UNKNOWN = "unknown"


class OverrideKind(StrEnum):
    """A local decision of the office on top of the State Council's notice."""

    CLOSURE = "closure"
    EXTRA_WORKDAY = "extra_workday"


@dataclass(frozen=True)
class YearData:
    """One year of statutory data: holidays (放假日) and adjusted working days (调休上班日), both date → name.

    ``source`` names the notice the data comes from (国务院办公厅关于YYYY年部分节假日安排的通知).
    Every date lies inside ``year``; a 调休 day announced by next year's notice (e.g. a Saturday in late
    December) belongs here.
    """

    year: int
    holidays: Mapping[dt.date, str]
    adjusted_workdays: Mapping[dt.date, str]
    source: str

    def __post_init__(self) -> None:
        # a private read-only copy: the caller's dicts may change, a loaded year must not
        object.__setattr__(self, "holidays", MappingProxyType(dict(self.holidays)))
        object.__setattr__(self, "adjusted_workdays", MappingProxyType(dict(self.adjusted_workdays)))


@dataclass(frozen=True)
class LocalOverride:
    """A closure (停止办公) or an extra working day decided locally, with the reason shown to clerks."""

    date: dt.date
    kind: OverrideKind
    reason: str

    def __post_init__(self) -> None:
        try:  # accept the plain string a JSON payload carries
            object.__setattr__(self, "kind", OverrideKind(self.kind))
        except ValueError:
            message = "须为 closure（停止办公）或 extra_workday（增加工作日）"
            raise ValidationFailed.for_field("kind", message, code="override_kind_unknown") from None


@dataclass(frozen=True, slots=True)
class DayInfo:
    """One day as the calendar sees it; ``name`` is the holiday, 调休 or override name, if any."""

    date: dt.date
    working_day: bool
    kind: DayKind
    name: str | None = None


@dataclass(frozen=True, slots=True)
class SkippedDay:
    """A non-working day inside a period, with why it is off (周末, a holiday name, a closure reason)."""

    date: dt.date
    reason: str


@dataclass(frozen=True, slots=True)
class DueDate:
    """The last day of a period, whether it is provisional (and why), and the non-working days that pushed
    it out."""

    due_date: dt.date
    provisional: bool
    skipped: tuple[SkippedDay, ...] = ()
    provisional_reason: str | None = None


def year_end_from(year: int) -> dt.date:
    """The first day of ``year`` that next year's notice may still move (20 December)."""
    return dt.date(year, *YEAR_END_FROM)


def split_year_end(data: YearData) -> tuple[YearData, YearData | None]:
    """A notice's own year, and the days it sets in late December of the year before (its 元旦 often starts
    there: 2018-12-30 and 31 off, 2018-12-29 worked under the 2019 notice), as that year's data to merge.

    Days earlier in the year before, or in any other year, stay where they are (validation names them)."""
    earlier_from = year_end_from(data.year - 1)

    def earlier(day: object) -> bool:
        return isinstance(day, dt.date) and earlier_from <= day <= dt.date(data.year - 1, 12, 31)

    if not any(earlier(d) for d in (*data.holidays, *data.adjusted_workdays)):
        return data, None
    own = YearData(
        data.year,
        {d: n for d, n in data.holidays.items() if not earlier(d)},
        {d: n for d, n in data.adjusted_workdays.items() if not earlier(d)},
        data.source,
    )
    year_end = YearData(
        data.year - 1,
        {d: n for d, n in data.holidays.items() if earlier(d)},
        {d: n for d, n in data.adjusted_workdays.items() if earlier(d)},
        data.source,
    )
    return own, year_end


def with_year_end(known: YearData, year_end: YearData) -> YearData:
    """``known`` (a loaded year) with the late-December days next year's notice sets, credited to it."""
    holidays = {d: n for d, n in known.holidays.items() if d not in year_end.adjusted_workdays}
    workdays = {d: n for d, n in known.adjusted_workdays.items() if d not in year_end.holidays}
    credit = f"岁末元旦安排见{year_end.source}"
    source = known.source if credit in known.source else f"{known.source}；{credit}"
    return YearData(
        known.year,
        {**holidays, **year_end.holidays},
        {**workdays, **year_end.adjusted_workdays},
        source,
    )


def validate_year(data: YearData) -> None:
    """Raise ValidationFailed naming every bad field: dates outside the year, a day both off and working,
    an adjusted working day that is not a weekend day, a missing name or source."""
    errors: dict[str, list[str]] = {}
    if data.year not in SUPPORTED_YEARS:
        errors["year"] = [f"年份须在{SUPPORTED_YEARS.start}至{SUPPORTED_YEARS.stop - 1}之间"]
    if not data.source.strip():
        errors["source"] = ["须写明数据来源（国务院办公厅通知名称）"]
    _check_dates(data.year, data.holidays, "holidays", errors)
    _check_dates(data.year, data.adjusted_workdays, "adjusted_workdays", errors)
    for day in sorted(data.adjusted_workdays):
        if day in data.holidays:
            errors.setdefault("adjusted_workdays", []).append(f"{day} 不能既是放假日又是调休上班日")
        elif day.weekday() < 5:
            weekday = _WEEKDAY_NAMES[day.weekday()]
            message = f"{day}（星期{weekday}）本来就是工作日，不能列为调休上班日"
            errors.setdefault("adjusted_workdays", []).append(message)
    if errors:
        raise ValidationFailed(f"{data.year}年节假日数据有误", code="calendar_year_invalid", fields=errors)


def _check_dates(year: int, days: Mapping[dt.date, str], name: str, errors: dict[str, list[str]]) -> None:
    for day, label in sorted(days.items()):
        if type(day) is not dt.date or day.year != year:
            errors.setdefault(name, []).append(f"{day} 不在{year}年内")
        if not str(label).strip():
            errors.setdefault(name, []).append(f"{day} 缺少名称")


def validate_override(override: LocalOverride) -> None:
    """Raise ValidationFailed unless the override has a supported date and a reason."""
    _require_supported(override.date.year, "date")
    if not override.reason.strip():
        raise ValidationFailed.for_field("reason", "须写明停止办公或增加工作日的原因")


@dataclass(frozen=True, slots=True)
class _YearIndex:
    """One year precomputed: sorted ordinals of working and of non-working days, and the special days."""

    known: bool
    working: list[int]
    off: list[int]
    off_reasons: tuple[SkippedDay, ...]
    special: dict[int, DayInfo] = field(default_factory=dict)


def _plain_day(day: dt.date, known: bool) -> DayInfo:
    weekend = day.weekday() >= 5
    if not known:
        return DayInfo(day, not weekend, DayKind.UNKNOWN)
    return DayInfo(day, not weekend, DayKind.WEEKEND if weekend else DayKind.WORKDAY)


def _special_days(data: YearData | None, overrides: Iterable[LocalOverride]) -> dict[int, DayInfo]:
    special: dict[int, DayInfo] = {}
    if data is not None:
        for day, name in data.holidays.items():
            special[day.toordinal()] = DayInfo(day, False, DayKind.HOLIDAY, name)
        for day, name in data.adjusted_workdays.items():
            special[day.toordinal()] = DayInfo(day, True, DayKind.ADJUSTED_WORKDAY, name)
    for override in overrides:  # the office's local decision wins over the notice
        working = override.kind is OverrideKind.EXTRA_WORKDAY
        kind = DayKind.ADJUSTED_WORKDAY if working else DayKind.HOLIDAY
        special[override.date.toordinal()] = DayInfo(override.date, working, kind, override.reason)
    return special


def _build_year(year: int, data: YearData | None, overrides: Iterable[LocalOverride]) -> _YearIndex:
    special = _special_days(data, overrides)
    working: list[int] = []
    off: list[int] = []
    reasons: list[SkippedDay] = []
    for ordinal in range(dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal() + 1):
        info = special.get(ordinal) or _plain_day(dt.date.fromordinal(ordinal), data is not None)
        if info.working_day:
            working.append(ordinal)
        else:
            off.append(ordinal)
            reasons.append(SkippedDay(info.date, info.name or WEEKEND_REASON))
    return _YearIndex(data is not None, working, off, tuple(reasons), special)


def _require_supported(year: int, field_name: str) -> None:
    if year not in SUPPORTED_YEARS:
        message = f"日期须在{SUPPORTED_YEARS.start}年至{SUPPORTED_YEARS.stop - 1}年之间"
        raise ValidationFailed.for_field(field_name, message, code="date_out_of_range")


def _require_count(n: int, field_name: str, maximum: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= maximum:
        raise ValidationFailed.for_field(field_name, f"须为1至{maximum}之间的整数", code="count_out_of_range")


class WorkingCalendar:
    """An immutable working-day calendar built from statutory years and local overrides.

    Build a new one to load a year or an override (see :meth:`with_year`); ``version`` changes exactly when
    the counting changes, so a clock can record which calendar produced its due date.
    """

    def __init__(self, years: Iterable[YearData], overrides: Iterable[LocalOverride] = ()) -> None:
        self._years = _years_by_number(years)
        self._overrides = _overrides_by_date(overrides)
        self._indexes: dict[int, _YearIndex] = {year: self._build(year) for year in self._years}
        self._version = _version(self._years, self._overrides)

    def __repr__(self) -> str:
        return f"WorkingCalendar(known_years={self.known_years}, version={self.version!r})"

    @property
    def version(self) -> str:
        """A stable hash of what decides counting (known years, days off and on, overrides)."""
        return self._version

    @property
    def known_years(self) -> tuple[int, ...]:
        """The years with statutory data, ascending."""
        return tuple(sorted(self._years))

    @property
    def years(self) -> tuple[YearData, ...]:
        """The statutory data of every known year, ascending."""
        return tuple(self._years[year] for year in self.known_years)

    @property
    def overrides(self) -> tuple[LocalOverride, ...]:
        """The local overrides, by date."""
        return tuple(self._overrides[day] for day in sorted(self._overrides))

    def is_known(self, year: int) -> bool:
        """Whether the calendar has statutory data for ``year``."""
        return year in self._years

    def with_year(self, data: YearData) -> WorkingCalendar:
        """A new calendar with ``data`` loaded (replacing that year if it was known)."""
        years = {**self._years, data.year: data}
        return WorkingCalendar(years.values(), self._overrides.values())

    def with_overrides(self, overrides: Iterable[LocalOverride]) -> WorkingCalendar:
        """A new calendar with the same years and exactly these overrides."""
        return WorkingCalendar(self._years.values(), overrides)

    def day(self, day: dt.date) -> DayInfo:
        """What ``day`` is: working or not, its kind, its name."""
        index = self._index(day.year, "date")
        return index.special.get(day.toordinal()) or _plain_day(day, index.known)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day."""
        return self.day(day).working_day

    def nth_working_day_after(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day strictly after ``start`` (start never counts); one bisect per year."""
        _require_count(n, "working_days", MAX_WORKING_DAYS)
        ordinal, year = start.toordinal(), start.year
        while True:
            # a valid start whose span runs past the calendar's range is the count's fault, not the start's
            working = self._index(year, "start" if year == start.year else "working_days").working
            first = bisect_right(working, ordinal)
            if first + n <= len(working):
                return dt.date.fromordinal(working[first + n - 1])
            n -= len(working) - first
            year += 1

    def nth_working_day_before(self, end: dt.date, n: int) -> dt.date:
        """The ``n``-th working day strictly before ``end``."""
        _require_count(n, "working_days", MAX_WORKING_DAYS)
        ordinal, year = end.toordinal(), end.year
        while True:
            working = self._index(year, "date").working
            before = bisect_left(working, ordinal)
            if before >= n:
                return dt.date.fromordinal(working[before - n])
            n -= before
            year -= 1

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        return self.nth_working_day_after(day, 1)

    def roll_forward(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next working day (民法典 第203条)."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, start: dt.date, n: int) -> DueDate:
        """The period of ``n`` working days after ``start``: ends on the n-th working day strictly after it.

        ``skipped`` lists the non-working days in (start, due]; ``provisional`` says the span reaches a year
        the calendar does not know (counted by weekends only there).
        """
        due = self.nth_working_day_after(start, n)
        why = self.provisional_reason(start + dt.timedelta(days=1), due)
        return DueDate(due, why is not None, self.skipped_between(start, due), why)

    def add_months(self, start: dt.date, n: int) -> DueDate:
        """The period of ``n`` calendar months after ``start``: the same day-number ``n`` months later (the
        month's last day where there is none), rolled forward to a working day.

        ``skipped`` lists only the days the end was rolled over, which is what a clerk needs to see.
        """
        _require_count(n, "months", MAX_MONTHS)
        _require_supported(start.year, "start")  # before the arithmetic: year 9999 + 1 month is no date
        nominal = months_after(start, n)
        _require_supported(nominal.year, "months")
        due = self.roll_forward(nominal)
        skipped = self.skipped_between(nominal - dt.timedelta(days=1), due)
        why = self.provisional_reason(nominal, due)
        return DueDate(due, why is not None, skipped, why)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie in (start, end]; negative, -(count in (end, start]), if end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        low, high = start.toordinal(), end.toordinal()
        count = 0
        for year in range(start.year, end.year + 1):
            working = self._index(year, "date").working
            count += bisect_right(working, high) - bisect_right(working, low)
        return count

    def skipped_between(self, start: dt.date, end: dt.date) -> tuple[SkippedDay, ...]:
        """The non-working days in (start, end], each with its reason."""
        low, high = start.toordinal(), end.toordinal()
        skipped: list[SkippedDay] = []
        for year in range(start.year, end.year + 1):
            index = self._index(year, "date")
            skipped.extend(index.off_reasons[bisect_right(index.off, low) : bisect_right(index.off, high)])
        return tuple(skipped)

    def touches_unknown_year(self, start: dt.date, end: dt.date) -> bool:
        """Whether any year from ``start`` to ``end`` (inclusive) lacks statutory data."""
        return any(year not in self._years for year in range(start.year, end.year + 1))

    def awaits_next_notice(self, day: dt.date) -> bool:
        """Whether ``day`` lies on or after 20 December while next year's notice is not loaded: that notice
        may still move it (the calendar's year-end blind spot)."""
        return day >= year_end_from(day.year) and day.year + 1 not in self._years

    def provisional_from(self, start: dt.date, end: dt.date) -> dt.date | None:
        """The first day of [start, end] from which a period ending there is provisional (from which
        :meth:`provisional_reason` of ``(start, day)`` is not None), or None if none is: the first day of a
        year not loaded, or 20 December of a year whose next notice is not loaded."""
        for year in range(start.year, end.year + 1):
            if year not in self._years:
                return max(start, dt.date(year, 1, 1))
            if year + 1 not in self._years and year_end_from(year) <= end:
                return max(start, year_end_from(year))
        return None

    def provisional_reason(self, start: dt.date, end: dt.date) -> str | None:
        """Why a period over [start, end] may still change (可能调整), or None when it is final: it reaches
        a year without statutory data, or it ends in late December before next year's notice is loaded."""
        unknown = [y for y in range(start.year, end.year + 1) if y not in self._years]
        if unknown:
            return f"{unknown[0]}年节假日安排尚未载入，暂按周末计算，可能调整"
        if self.awaits_next_notice(end):
            return f"{end.year + 1}年节假日安排尚未载入，该通知可能调整{end.year}年岁末的日期，可能调整"
        return None

    def _index(self, year: int, field_name: str) -> _YearIndex:
        index = self._indexes.get(year)
        if index is None:
            _require_supported(year, field_name)
            # an unknown year, counted by weekends only; deterministic, so a racing rebuild is harmless
            index = self._indexes[year] = self._build(year)
        return index

    def _build(self, year: int) -> _YearIndex:
        overrides = [o for day, o in self._overrides.items() if day.year == year]
        return _build_year(year, self._years.get(year), overrides)


def _years_by_number(years: Iterable[YearData]) -> dict[int, YearData]:
    by_number: dict[int, YearData] = {}
    for data in years:
        validate_year(data)
        if data.year in by_number:
            raise ValidationFailed.for_field(
                "years", f"{data.year}年的数据重复", code="calendar_year_duplicate"
            )
        by_number[data.year] = data
    return by_number


def _overrides_by_date(overrides: Iterable[LocalOverride]) -> dict[dt.date, LocalOverride]:
    by_date: dict[dt.date, LocalOverride] = {}
    for override in overrides:
        validate_override(override)
        if override.date in by_date:
            message = f"{override.date} 已有本地调整，同一天只能有一项"
            raise ValidationFailed.for_field("date", message, code="override_duplicate")
        by_date[override.date] = override
    return by_date


def _version(years: Mapping[int, YearData], overrides: Mapping[dt.date, LocalOverride]) -> str:
    """A hash of what decides counting: which years are known and which days are off or working.

    Names and sources are left out on purpose: fixing a holiday's name moves no due date.
    """
    digest = hashlib.sha256()
    for year in sorted(years):
        data = years[year]
        off = ",".join(day.isoformat() for day in sorted(data.holidays))
        on = ",".join(day.isoformat() for day in sorted(data.adjusted_workdays))
        digest.update(f"Y{year}|off:{off}|on:{on}\n".encode())
    for day in sorted(overrides):
        digest.update(f"O{day.isoformat()}:{overrides[day].kind.value}\n".encode())
    return digest.hexdigest()[:16]
