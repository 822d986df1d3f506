"""What one devolution counts for in 监督统计 (第三十三至三十五条): its facts (``shared.devolution_figures``).

A devolution is reduced to a set of ``(fact, subject, day)``: submitted on a day (申请, 第三十三条), formally
devolved on its document's date (正式下放, 第三十四条), its promised support still not in place since the
earliest date of a handover item not done (保障措施, 第三十五条), each receiving department's half-year
report awaited until its due date or received on the day it was sent (第三十五条). Whether a fact is late is
judged when the figures are read (its day before today), so the facts change only when the devolution does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.devolution.domain.aftercare import ReportState, half_year_date
from services.devolution.domain.lifecycle import State, in_force
from shared.devolution_figures import APPLIED, DEVOLVED, REPORT_AWAITED, REPORT_RECEIVED, SUPPORT_OPEN


@dataclass(frozen=True, order=True)
class Fact:
    fact: str
    subject: str
    day: date


@dataclass(frozen=True)
class HandoverLine:
    kind: str
    due_date: date | None
    done_on: date | None


@dataclass(frozen=True)
class ReportLine:
    """A receiving department's half-year report: its state, the due date its clock gave (if known yet),
    and the day it was sent."""

    department: str
    state: ReportState
    due_date: date | None
    submitted_on: date | None


@dataclass(frozen=True)
class Snapshot:
    state: State
    submitted_on: date | None
    document_date: date | None
    handover: tuple[HandoverLine, ...] = ()
    reports: tuple[ReportLine, ...] = ()


def facts_of(devolution: Snapshot) -> frozenset[Fact]:
    """Every fact the devolution counts for now; a draft counts for nothing."""
    facts: set[Fact] = set()
    if devolution.state is State.DRAFT or devolution.submitted_on is None:
        return frozenset()
    facts.add(Fact(APPLIED, "", devolution.submitted_on))
    issued = devolution.document_date
    if not in_force(devolution.state) or issued is None:
        return frozenset(facts)
    facts.add(Fact(DEVOLVED, "", issued))
    open_dates = [i.due_date for i in devolution.handover if i.done_on is None and i.due_date is not None]
    if open_dates:
        facts.add(Fact(SUPPORT_OPEN, "", min(open_dates)))
    facts.update(_report_facts(devolution.reports, issued))
    return frozenset(facts)


def _report_facts(reports: Iterable[ReportLine], issued: date) -> Iterable[Fact]:
    for report in reports:
        if report.state is ReportState.AWAITING:
            yield Fact(REPORT_AWAITED, report.department, report.due_date or half_year_date(issued))
        elif report.submitted_on is not None:
            yield Fact(REPORT_RECEIVED, report.department, report.submitted_on)


def changes(before: Iterable[Fact], after: Iterable[Fact]) -> tuple[list[Fact], list[Fact]]:
    """(removed, added), each in order."""
    old, new = set(before), set(after)
    return sorted(old - new), sorted(new - old)
