"""Devolution's part of 监督统计: each devolution's facts (``domain/figures.py``) kept with every change, the
changes told to intake (``devolution.figures``), and the office's list of the devolutions behind a figure.

Rather than touching the facts in each use case, they are *reconciled*: a transaction that changed a
devolution, its handover items, its reports or its clocks recomputes that devolution's facts just before it
commits, replaces the stored ones that differ and publishes the difference through the outbox — in the same
transaction, so intake's counters never miss a change and never see one that was rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, event, func, select
from sqlalchemy.orm import Session

from services.devolution.domain.aftercare import ReportState
from services.devolution.domain.figures import (
    Fact,
    HandoverLine,
    ReportLine,
    Snapshot,
    changes,
    facts_of,
)
from services.devolution.domain.lifecycle import Actor, State
from services.devolution.tables import Clock, Devolution, DevolutionFact, HandoverItem, OperationReport
from shared.contracts import DEVOLUTION_FIGURES_CHANGED, INTAKE
from shared.devolution_figures import FIGURES, Figure
from shared.errors import Forbidden, ValidationFailed
from shared.localtime import local_date
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

TOUCHED = "devolution.figures_touched"
WATCHED = (HandoverItem, OperationReport, Clock)


def track(runtime: ServiceRuntime) -> None:
    """Reconcile the facts of what each of the runtime's transactions changed, before it commits."""
    event.listen(runtime.db.session_factory, "after_flush", _note_touched)
    runtime.bus.add_before_commit(reconcile)


def _note_touched(session: Session, _context: Any) -> None:
    touched: set[str] = session.info.setdefault(TOUCHED, set())
    for row in (*session.new, *session.dirty):
        if isinstance(row, Devolution):
            touched.add(row.id)
        elif isinstance(row, WATCHED) and row.devolution_id:
            touched.add(row.devolution_id)


def reconcile(uow: UnitOfWork) -> None:
    session = uow.session
    session.flush()
    touched: set[str] = session.info.pop(TOUCHED, set())
    for devolution_id in sorted(touched):
        refresh(uow, devolution_id)


def refresh(uow: UnitOfWork, devolution_id: str) -> bool:
    """Bring one devolution's stored facts up to date; True when they changed (and the change was told)."""
    session = uow.session
    row = session.get(Devolution, devolution_id)
    if row is None:
        return False
    stored = session.scalars(select(DevolutionFact).where(DevolutionFact.devolution_id == row.id)).all()
    removed, added = changes((_fact(f) for f in stored), facts_of(snapshot(session, row)))
    if not removed and not added:
        return False
    gone = {(f.fact, f.subject) for f in removed}
    for old in stored:
        if (old.fact, old.subject) in gone:
            session.delete(old)
    session.flush()  # the unique (devolution, fact, subject) row leaves before its successor arrives
    for new in added:
        session.add(
            DevolutionFact(
                devolution_id=row.id,
                jurisdiction=row.jurisdiction,
                department=row.applicant_department,
                fact=new.fact,
                subject=new.subject,
                day=new.day,
            )
        )
    uow.publish(INTAKE, DEVOLUTION_FIGURES_CHANGED, _message(row, removed, added))
    return True


def _fact(row: DevolutionFact) -> Fact:
    return Fact(row.fact, row.subject, row.day)


def _message(row: Devolution, removed: Iterable[Fact], added: Iterable[Fact]) -> dict[str, Any]:
    def listed(facts: Iterable[Fact]) -> list[dict[str, str]]:
        return [{"fact": f.fact, "subject": f.subject, "day": f.day.isoformat()} for f in facts]

    return {
        "devolution_id": row.id,
        "jurisdiction": row.jurisdiction,
        "department": row.applicant_department,
        "removed": listed(removed),
        "added": listed(added),
    }


def snapshot(session: Session, row: Devolution) -> Snapshot:
    """The devolution as its facts see it (its report's due date from the report's clock, when known)."""
    items = session.scalars(select(HandoverItem).where(HandoverItem.devolution_id == row.id)).all()
    reports = session.execute(
        select(OperationReport, Clock.due_date)
        .outerjoin(Clock, Clock.clock_id == OperationReport.clock_id)
        .where(OperationReport.devolution_id == row.id)
    ).all()
    return Snapshot(
        state=State(row.state),
        submitted_on=local_date(row.submitted_at) if row.submitted_at else None,
        document_date=row.document_date,
        handover=tuple(HandoverLine(i.kind, i.due_date, i.done_on) for i in items),
        reports=tuple(
            ReportLine(
                r.department,
                ReportState(r.state),
                due,
                local_date(r.submitted_at) if r.submitted_at else None,
            )
            for r, due in reports
        ),
    )


def refresh_all(runtime: ServiceRuntime, *, batch: int = 500) -> int:
    """Every devolution's facts, in batches (after ``devolution_0014``, for the devolutions already there);
    returns how many changed. A second run finds nothing to change and publishes nothing."""
    changed, after = 0, ""
    while True:
        with runtime.unit_of_work() as uow:
            ids = uow.session.scalars(
                select(Devolution.id).where(Devolution.id > after).order_by(Devolution.id).limit(batch)
            ).all()
            if not ids:
                return changed
            changed += sum(refresh(uow, devolution_id) for devolution_id in ids)
            uow.commit()
        after = ids[-1]


# --- the office's list of the devolutions behind a figure ---------------------------------------------


@dataclass(frozen=True)
class FigureFilter:
    """Which devolutions: those with ``figure``'s facts (in the period, or late or not late today), of one
    devolving department if named."""

    figure: str
    start: date
    end: date
    today: date
    department: str | None = None

    @classmethod
    def parse(cls, args: dict[str, str], today: date) -> FigureFilter:
        figure = args.get("figure", "")
        if figure not in FIGURES:
            raise ValidationFailed.for_field("figure", "没有这项统计")
        start, end = _day(args, "from", date(today.year, 1, 1)), _day(args, "to", today)
        if end < start:
            raise ValidationFailed.for_field("to", "截止日期不能早于起始日期")
        return cls(figure, start, end, today, args.get("department") or None)

    @property
    def shown(self) -> Figure:
        return FIGURES[self.figure]

    def condition(self, jurisdiction: str) -> Any:
        f, shown = DevolutionFact, self.shown
        wanted = [f.jurisdiction == jurisdiction, f.fact == shown.fact]
        if shown.when == "period":
            wanted += [f.day >= self.start, f.day <= self.end]
        else:
            wanted.append(f.day < self.today if shown.when == "late" else f.day >= self.today)
        if self.department:
            wanted.append(f.department == self.department)
        return and_(*wanted)


def _day(args: dict[str, str], name: str, default: date) -> date:
    try:
        return date.fromisoformat(args[name]) if args.get(name) else default
    except ValueError:
        raise ValidationFailed.for_field(name, "日期格式应为 YYYY-MM-DD") from None


def behind(
    runtime: ServiceRuntime, actor: Actor, wanted: FigureFilter, *, limit: int = 50, offset: int = 0
) -> tuple[int, int, list[tuple[str, list[DevolutionFact]]]]:
    """(facts, devolutions, page): how many facts the figure counts, over how many devolutions, and a page
    of those devolutions (earliest fact first), each with its facts: through ``ix_devolution_fact_figure``.
    """
    if not actor.is_office:
        raise Forbidden("只有编办可以查看监督统计", code="role_required")
    f = DevolutionFact
    where = wanted.condition(actor.jurisdiction)
    with runtime.db.transaction() as session:
        facts, devolutions = session.execute(
            select(func.count(), func.count(func.distinct(f.devolution_id))).where(where)
        ).one()
        first = func.min(f.day)
        page = session.scalars(
            select(f.devolution_id)
            .where(where)
            .group_by(f.devolution_id)
            .order_by(first, f.devolution_id)
            .offset(offset)
            .limit(limit)
        ).all()
        rows = session.scalars(select(f).where(where, f.devolution_id.in_(page)).order_by(f.day, f.id)).all()
        for r in rows:
            session.expunge(r)
    grouped: dict[str, list[DevolutionFact]] = {devolution_id: [] for devolution_id in page}
    for r in rows:
        grouped[r.devolution_id].append(r)
    return int(facts), int(devolutions), list(grouped.items())
