"""The calendar's adapter: statutory years and local overrides in the database, and the in-process cache.

Every calendar change replaces the token of the single ``calendar_revision`` row, in the same transaction as
the change. A process keeps one built :class:`WorkingCalendar` per jurisdiction and rebuilds it only when the
token it was built from is no longer the one in the database — one primary-key read per use. A random token
(not a counter) means a calendar built inside a transaction that later rolled back can never be mistaken
for a committed one.

On first use of an empty database the years ``chinesecalendar`` knows are seeded, in the caller's
transaction (see :func:`ensure_seeded`). Not a data migration: the calendar must also come back after the
test fixtures empty every table, and one code path serves ``make run``, production and tests.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.deadlines.domain import chinesecalendar_source
from services.deadlines.domain.calendar import LocalOverride, OverrideKind, WorkingCalendar, YearData
from services.deadlines.tables import CalendarOverride, CalendarRevision, CalendarYear
from shared.db import Database, utcnow

REVISION_ROW = 1
SEEDED_BY = "chinesecalendar"
NATIONAL = ""  # the cache key of the calendar without local overrides


def year_to_row(data: YearData, *, loaded_by: str) -> CalendarYear:
    return CalendarYear(
        year=data.year,
        holidays=_dates_to_json(data.holidays),
        adjusted_workdays=_dates_to_json(data.adjusted_workdays),
        source=data.source,
        loaded_at=utcnow(),
        loaded_by=loaded_by,
    )


def row_to_year(row: CalendarYear) -> YearData:
    return YearData(row.year, _json_to_dates(row.holidays), _json_to_dates(row.adjusted_workdays), row.source)


def _dates_to_json(days: Mapping[date, str]) -> dict[str, str]:
    return {day.isoformat(): name for day, name in sorted(days.items())}


def _json_to_dates(days: dict[str, str]) -> dict[date, str]:
    return {date.fromisoformat(day): name for day, name in days.items()}


def bump_revision(session: Session) -> str:
    """Mark the calendar as changed (call in the transaction that changes it)."""
    token = uuid.uuid4().hex
    row = session.get(CalendarRevision, REVISION_ROW)
    if row is None:
        session.add(CalendarRevision(id=REVISION_ROW, token=token, changed_at=utcnow()))
    else:
        row.token, row.changed_at = token, utcnow()
    session.flush()
    return token


def ensure_seeded(session: Session) -> str:
    """The current revision token; on an empty calendar, first seed the ``chinesecalendar`` years.

    Seeding happens in the caller's transaction, inside a savepoint: when two first uses race (PostgreSQL),
    the loser's inserts collide with the winner's committed rows, its savepoint is rolled back and it reads
    the winner's seed instead. SQLite serialises writers, so there is no race there.
    """
    row = session.get(CalendarRevision, REVISION_ROW)
    if row is None:
        try:
            with session.begin_nested():
                _seed(session)
        except IntegrityError:
            pass  # another process seeded it first
        row = session.get(CalendarRevision, REVISION_ROW)
        if row is None:
            raise RuntimeError("the calendar revision row is missing after seeding")
    # held by the session, so later calls in this transaction hit the identity map, not the database
    session.info["calendar_revision"] = row
    return row.token


def _seed(session: Session) -> None:
    known = set(session.scalars(select(CalendarYear.year)))
    for year in chinesecalendar_source.seeded_years():
        if year not in known:
            session.add(year_to_row(chinesecalendar_source.year_data(year), loaded_by=SEEDED_BY))
    bump_revision(session)


def load_years(session: Session) -> list[YearData]:
    return [row_to_year(row) for row in session.scalars(select(CalendarYear).order_by(CalendarYear.year))]


def load_overrides(session: Session, jurisdiction: str) -> list[LocalOverride]:
    query = select(CalendarOverride).where(CalendarOverride.jurisdiction == jurisdiction)
    return [LocalOverride(row.date, OverrideKind(row.kind), row.reason) for row in session.scalars(query)]


class CalendarCache:
    """Working calendars per jurisdiction (statutory years plus that jurisdiction's overrides)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: str | None = None
        self._years: list[YearData] = []
        self._calendars: dict[str, WorkingCalendar] = {}

    def get(self, session: Session, jurisdiction: str | None = None) -> WorkingCalendar:
        """The calendar of ``jurisdiction`` (``None``: national data only) as of ``session``'s view."""
        token = ensure_seeded(session)
        key = jurisdiction or NATIONAL
        with self._lock:
            if token != self._token:
                self._token, self._calendars = token, {}
                self._years = load_years(session)
            calendar = self._calendars.get(key)
            if calendar is None:
                calendar = self._calendars[key] = self._build(session, key)
            return calendar

    def _build(self, session: Session, key: str) -> WorkingCalendar:
        overrides = load_overrides(session, key) if key else []
        if key and not overrides:  # most jurisdictions have no overrides: share the national calendar
            national = self._calendars.get(NATIONAL)
            if national is None:
                national = self._calendars[NATIONAL] = WorkingCalendar(self._years)
            return national
        return WorkingCalendar(self._years, overrides)


_caches: weakref.WeakKeyDictionary[Database, CalendarCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def calendars(db: Database) -> CalendarCache:
    """The calendar cache of this database connection (one per process and database)."""
    with _caches_lock:
        cache = _caches.get(db)
        if cache is None:
            cache = _caches[db] = CalendarCache()
        return cache
