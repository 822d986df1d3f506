"""The supervision read model (第36–37条): counters per jurisdiction and day of receipt, kept in the same
transaction as the case change that moves them, so the dashboard sums a bounded number of rows (days × keys)
however many cases there are.

One row per (jurisdiction, day the case was received, figure, keys) holds a count ``n``:

| figure | k1 | k2 | k3 | counts |
|---|---|---|---|---|
| ``case`` | kind | status | overdue 1/0 | cases by kind, stage (and the rectifications' lateness) |
| ``step`` | clock rule | applicant department | late 1/0 | statutory steps on time or late (第15–37条) |
| ``reply`` | solicited department | deemed 1/0 | | written solicitations (第二十条), deemed no objection |
| ``accept`` | receipt day | acceptance day | | coordination cases accepted, by the pair of days |
| ``opinion`` | acceptance day | opinion day | | coordination opinions proposed, by the pair of days |

The last two are per-day histograms: the working days of each pair are counted when the dashboard is read,
with the deadlines calendar (holidays and 调休) as it is then, and the median and 90th percentile come from
the summed histogram. A listener on every session (``after_flush``) turns each inserted, changed or deleted
case, clock, solicitation and first acceptance/opinion event into +1/−1 on its rows; they are written just
before the commit (``before_commit``), in key order (so two transactions never wait on each other crosswise,
and each holds the rows it moved for no longer than its commit). ``rebuild`` computes the same rows from the
tables; the migration ``intake_0013`` runs it to backfill, and a test checks that listener and rebuild agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Date, Integer, String, Table, and_, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.intake.domain import coordination
from services.intake.domain.procedure import Kind
from services.intake.tables.base import Base
from services.intake.tables.cases import CaseClock, CaseEvent, CaseRecord, Solicitation
from shared.localtime import local_date

# The coordination procedure's actions the two duration histograms follow (checked against its transitions).
ACCEPT = coordination.PROCEDURE.by_action["accept"].action
OPINION_ACTIONS = tuple(
    coordination.PROCEDURE.by_action[a].action for a in ("submit_opinion", "submit_determination")
)

Key = tuple[str, date, str, str, str, str]


class SupervisionCount(Base):
    """One counter of the supervision read model (see the module's table)."""

    __tablename__ = "supervision_count"

    jurisdiction_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    figure: Mapped[str] = mapped_column(String(12), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    k1: Mapped[str] = mapped_column(String(40), primary_key=True)
    k2: Mapped[str] = mapped_column(String(40), primary_key=True)
    k3: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


TABLE: Table = SupervisionCount.__table__  # type: ignore[assignment]


def _text(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def _flag(value: Any) -> str:
    return "1" if value else "0"


# --- what one row counts for (pure) ---


def case_keys(jurisdiction: str, created: datetime, kind: Any, status: Any, overdue: Any) -> list[Key]:
    return [(jurisdiction, local_date(created), "case", _text(kind), _text(status), _flag(overdue))]


def clock_keys(
    jurisdiction: str, created: datetime, department: str | None, rule: Any, state: Any, overdue: Any
) -> list[Key]:
    late = bool(overdue) or _text(state) == "overdue"
    return [(jurisdiction, local_date(created), "step", _text(rule), department or "", _flag(late))]


def reply_keys(jurisdiction: str, created: datetime, department: Any, status: Any) -> list[Key]:
    if _text(status) == "cancelled":
        return []
    deemed = _text(status) == "deemed_no_objection"
    return [(jurisdiction, local_date(created), "reply", _text(department), _flag(deemed), "")]


def accept_keys(jurisdiction: str, created: datetime, accepted: datetime) -> list[Key]:
    received = local_date(created)
    return [(jurisdiction, received, "accept", received.isoformat(), local_date(accepted).isoformat(), "")]


def opinion_keys(jurisdiction: str, created: datetime, accepted: datetime, opined: datetime) -> list[Key]:
    return [
        (
            jurisdiction,
            local_date(created),
            "opinion",
            local_date(accepted).isoformat(),
            local_date(opined).isoformat(),
            "",
        )
    ]


# --- applying deltas ---


#: counters written by one statement (7 parameters each: well within SQLite's limit of 999)
ROWS_A_STATEMENT = 100


def apply(connection: Connection, deltas: Counter[Key]) -> None:
    """Add each delta to its counter (insert or update), a hundred counters a statement, in key order (the
    order the rows are locked in)."""
    rows = [
        {"jurisdiction_code": j, "day": day, "figure": figure, "k1": k1, "k2": k2, "k3": k3, "n": n}
        for (j, day, figure, k1, k2, k3), n in sorted(deltas.items())
        if n
    ]
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(rows), ROWS_A_STATEMENT):
        statement = insert(TABLE).values(rows[start : start + ROWS_A_STATEMENT])
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["jurisdiction_code", "figure", "day", "k1", "k2", "k3"],
                set_={"n": TABLE.c.n + statement.excluded.n},
            )
        )


def _before(obj: Any, name: str) -> Any:
    """The attribute's value as the database had it before this flush."""
    history = inspect(obj).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(obj, name)


CaseInfo = dict[str, tuple[str, datetime, str | None, str]]
#: what a case is counted by besides its state; set when it is opened and never changed
CASE_FACTS = ("jurisdiction_code", "created_at", "applicant_department", "kind")


def _case_info(session: Session, case_ids: set[str]) -> CaseInfo:
    """Jurisdiction, receipt, applicant and kind of the cases a flush touched: from the session for a case it
    holds loaded (these never change), the others in one query."""
    info: CaseInfo = {}
    inserted = {o.id: o for o in session.new if isinstance(o, CaseRecord)}  # not in the identity map yet
    for case_id in case_ids:
        record = inserted.get(case_id) or session.identity_map.get(
            session.identity_key(CaseRecord, (case_id,))
        )
        loaded = inspect(record).dict if record is not None and record not in session.deleted else {}
        if all(name in loaded for name in CASE_FACTS):
            info[case_id] = cast(Any, tuple(loaded[name] for name in CASE_FACTS))
    missing = case_ids - info.keys()
    if not missing:
        return info
    rows = session.connection().execute(
        select(CaseRecord.id, *(getattr(CaseRecord, name) for name in CASE_FACTS)).where(
            CaseRecord.id.in_(sorted(missing))
        )
    )
    return info | {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}


def _row_keys(obj: Any, values: Any, cases: CaseInfo) -> list[Key]:
    if isinstance(obj, CaseRecord):
        return case_keys(
            values("jurisdiction_code"),
            values("created_at"),
            values("kind"),
            values("status"),
            values("overdue"),
        )
    info = cases.get(values("case_id"))
    if info is None:
        return []
    jurisdiction, created, department, _kind = info
    if isinstance(obj, CaseClock):
        return clock_keys(
            jurisdiction, created, department, values("rule"), values("state"), values("overdue")
        )
    return reply_keys(jurisdiction, created, values("department_code"), values("status"))


def _event_keys(connection: Connection, cases: CaseInfo, event_row: CaseEvent) -> list[Key]:
    """The histogram rows a newly inserted event adds: only a coordination case's first acceptance and, once
    accepted, its first opinion."""
    if event_row.action != ACCEPT and event_row.action not in OPINION_ACTIONS:
        return []
    info = cases.get(event_row.case_id)
    if info is None or info[3] != Kind.COORDINATION:
        return []
    jurisdiction, created, _department, _kind = info
    accepting = event_row.action == ACCEPT
    same = CaseEvent.action == ACCEPT if accepting else CaseEvent.action.in_(OPINION_ACTIONS)
    earlier = connection.execute(
        select(func.count()).where(CaseEvent.case_id == event_row.case_id, same, CaseEvent.id < event_row.id)
    ).scalar_one()
    if earlier:
        return []
    if accepting:
        return accept_keys(jurisdiction, created, event_row.at)
    accepted = connection.execute(
        select(func.min(CaseEvent.at)).where(
            CaseEvent.case_id == event_row.case_id, CaseEvent.action == ACCEPT, CaseEvent.id < event_row.id
        )
    ).scalar_one()
    return [] if accepted is None else opinion_keys(jurisdiction, created, accepted, event_row.at)


WATCHED = (CaseRecord, CaseClock, Solicitation)
FIELDS = {
    CaseRecord: ("jurisdiction_code", "created_at", "kind", "status", "overdue"),
    CaseClock: ("case_id", "rule", "state", "overdue"),
    Solicitation: ("case_id", "department_code", "status"),
}


def _deltas(session: Session) -> Counter[Key]:
    connection = session.connection()
    dirty: list[Any] = list(session.dirty)
    case_ids = {
        o.case_id
        for o in (*session.new, *dirty, *session.deleted)
        if isinstance(o, (CaseClock, Solicitation, CaseEvent))
    }
    case_ids |= {
        _before(o, "case_id") for o in (*dirty, *session.deleted) if isinstance(o, (CaseClock, Solicitation))
    }
    cases = _case_info(session, case_ids)
    deltas: Counter[Key] = Counter()
    for obj in session.new:
        if isinstance(obj, WATCHED):
            deltas.update(_row_keys(obj, lambda name, o=obj: getattr(o, name), cases))
        elif isinstance(obj, CaseEvent):
            deltas.update(_event_keys(connection, cases, obj))
    for obj in dirty:
        if not isinstance(obj, WATCHED) or not session.is_modified(obj, include_collections=False):
            continue
        state: Any = inspect(obj)
        if not any(state.attrs[name].history.has_changes() for name in FIELDS[type(obj)]):
            continue
        deltas.subtract(_row_keys(obj, lambda name, o=obj: _before(o, name), cases))
        deltas.update(_row_keys(obj, lambda name, o=obj: getattr(o, name), cases))
    for obj in session.deleted:
        if isinstance(obj, WATCHED):
            deltas.subtract(_row_keys(obj, lambda name, o=obj: _before(o, name), cases))
    return deltas


PENDING_KEY = "intake.supervision_pending"
WRITTEN_KEY = "intake.supervision_written"


@event.listens_for(Session, "after_flush")
def _keep_counts(session: Session, _context: Any) -> None:
    """Each flush's deltas, computed while the flush's history is at hand, wait in the session for its commit
    (:func:`_write_counts`). In a savepoint, or once the commit has written them, they are written at once."""
    touched = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(o, (*WATCHED, CaseEvent)) for o in touched):
        return
    deltas = _deltas(session)
    if not any(deltas.values()):
        return
    if session.in_nested_transaction() or session.info.get(WRITTEN_KEY):
        apply(session.connection(), deltas)
        return
    session.info.setdefault(PENDING_KEY, Counter()).update(deltas)


@event.listens_for(Session, "before_commit")
def _write_counts(session: Session) -> None:
    """The transaction's counter deltas, written just before it commits, in one pass in key order: every
    submission of a jurisdiction and day moves the same rows, and a row written is locked until the commit,
    so writing them last keeps the other submissions' wait to the commit itself (written at the first flush,
    they were held for the whole of the use case; under load the submissions queued on them)."""
    session.flush()  # what the commit is about to flush, counted now
    pending = session.info.pop(PENDING_KEY, None)
    if not session.in_nested_transaction():
        session.info[WRITTEN_KEY] = True  # a flush after this point (another listener's) writes its own
    if pending and any(pending.values()):
        apply(session.connection(), pending)


@event.listens_for(Session, "after_transaction_end")
def _forget_counts(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # committed or rolled back: nothing of it waits any more
        session.info.pop(PENDING_KEY, None)
        session.info.pop(WRITTEN_KEY, None)


# --- rebuilding from the tables (the migration's backfill, and the check of the listener) ---


def computed(connection: Connection) -> Counter[Key]:
    """Every counter as the tables say it should be."""
    counts: Counter[Key] = Counter()
    cases: dict[str, tuple[str, datetime, str | None, str]] = {}
    for row in connection.execute(
        select(
            CaseRecord.id,
            CaseRecord.jurisdiction_code,
            CaseRecord.created_at,
            CaseRecord.kind,
            CaseRecord.status,
            CaseRecord.overdue,
            CaseRecord.applicant_department,
        )
    ):
        cases[row.id] = (row.jurisdiction_code, row.created_at, row.applicant_department, row.kind)
        counts.update(case_keys(row.jurisdiction_code, row.created_at, row.kind, row.status, row.overdue))
    clocks = select(CaseClock.case_id, CaseClock.rule, CaseClock.state, CaseClock.overdue)
    for clock in connection.execute(clocks):
        if clock.case_id in cases:
            jurisdiction, created, department, _kind = cases[clock.case_id]
            counts.update(
                clock_keys(jurisdiction, created, department, clock.rule, clock.state, clock.overdue)
            )
    for asked in connection.execute(
        select(Solicitation.case_id, Solicitation.department_code, Solicitation.status)
    ):
        if asked.case_id in cases:
            jurisdiction, created, _department, _kind = cases[asked.case_id]
            counts.update(reply_keys(jurisdiction, created, asked.department_code, asked.status))
    firsts = (
        select(
            CaseEvent.case_id,
            func.min(CaseEvent.id).filter(CaseEvent.action == ACCEPT).label("accept_id"),
            func.min(CaseEvent.id).filter(CaseEvent.action.in_(OPINION_ACTIONS)).label("opinion_id"),
        )
        .join(CaseRecord, and_(CaseRecord.id == CaseEvent.case_id, CaseRecord.kind == Kind.COORDINATION))
        .where(CaseEvent.action.in_((ACCEPT, *OPINION_ACTIONS)))
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    at = {
        row.id: row.at
        for row in connection.execute(
            select(CaseEvent.id, CaseEvent.at).where(
                CaseEvent.id.in_(select(firsts.c.accept_id)) | CaseEvent.id.in_(select(firsts.c.opinion_id))
            )
        )
    }
    for first in connection.execute(select(firsts.c.case_id, firsts.c.accept_id, firsts.c.opinion_id)):
        if first.accept_id is None or first.case_id not in cases:
            continue
        jurisdiction, created, _department, _kind = cases[first.case_id]
        counts.update(accept_keys(jurisdiction, created, at[first.accept_id]))
        if first.opinion_id is not None and first.opinion_id > first.accept_id:
            counts.update(opinion_keys(jurisdiction, created, at[first.accept_id], at[first.opinion_id]))
    return counts


def stored(connection: Connection) -> Counter[Key]:
    """The counters as stored (zeros left out)."""
    table = TABLE
    return Counter(
        {
            (r.jurisdiction_code, r.day, r.figure, r.k1, r.k2, r.k3): r.n
            for r in connection.execute(select(table)).all()
            if r.n
        }
    )


def _chunks(items: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


def rebuild(connection: Connection) -> int:
    """Replace every counter by what the tables say; returns the number of rows written."""
    table = TABLE
    connection.execute(delete(table))
    rows = [
        {"jurisdiction_code": k[0], "day": k[1], "figure": k[2], "k1": k[3], "k2": k[4], "k3": k[5], "n": n}
        for k, n in sorted(computed(connection).items())
        if n
    ]
    for chunk in _chunks(rows):
        connection.execute(table.insert(), chunk)
    return len(rows)


def summed(
    session: Session, jurisdiction: str, first: date, last: date, figures: Iterable[str]
) -> list[tuple[str, str, str, str, int]]:
    """(figure, k1, k2, k3, total) over the days ``first``..``last`` of one jurisdiction."""
    c = SupervisionCount
    return [
        (figure, k1, k2, k3, int(total or 0))
        for figure, k1, k2, k3, total in session.execute(
            select(c.figure, c.k1, c.k2, c.k3, func.sum(c.n))
            .where(
                c.jurisdiction_code == jurisdiction,
                c.figure.in_(list(figures)),
                c.day >= first,
                c.day <= last,
            )
            .group_by(c.figure, c.k1, c.k2, c.k3)
        ).all()
        if total
    ]
