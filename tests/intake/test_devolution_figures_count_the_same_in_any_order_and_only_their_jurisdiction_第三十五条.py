"""Intake's side of 各部门职责下放情况 (第三十四条、第三十五条), without devolution: the counters kept from
``devolution.figures`` events end the same whatever order the events arrive in (a removal before the addition
it undoes), leave no row behind once settled, and the table counts only the office's own jurisdiction, judging
what is late against today."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from casework_support import Desk

from services.intake.tables import DevolutionCount
from services.intake.usecases import devolution_figures, directory
from services.intake.usecases.supervision import Period
from shared.contracts import DEVOLUTION_FIGURES_CHANGED
from shared.localtime import today

Facts = list[tuple[str, date]]


def _listed(facts: Facts) -> list[dict[str, str]]:
    return [
        {"fact": fact, "subject": "hs-scjg" if "report" in fact else "", "day": day.isoformat()}
        for fact, day in facts
    ]


def _changed(jurisdiction: str, removed: Facts, added: Facts) -> dict[str, Any]:
    where = {"devolution_id": "dv-1", "jurisdiction": jurisdiction, "department": "nb-scjg"}
    return {**where, "removed": _listed(removed), "added": _listed(added)}


def test_a_report_received_overtaking_its_awaiting_counts_once_as_received_第三十五条(make_runtime) -> None:
    desk = Desk(make_runtime("intake"))
    t = today()
    due, sent = t - timedelta(days=10), t - timedelta(days=2)
    # the second event (the report received) overtakes the first (devolved, the report awaited)
    desk.deliver(
        DEVOLUTION_FIGURES_CHANGED,
        _changed("330200", [("report_awaited", due)], [("report_received", sent)]),
        "devolution",
    )
    desk.deliver(
        DEVOLUTION_FIGURES_CHANGED,
        _changed("330200", [], [("devolved", t - timedelta(days=200)), ("report_awaited", due)]),
        "devolution",
    )
    desk.deliver(  # another jurisdiction's, late: not the city's
        DEVOLUTION_FIGURES_CHANGED, _changed("330203", [], [("report_awaited", due)]), "devolution"
    )
    office = directory.find_person(desk.runtime, "bb.leader")
    period = Period(t - timedelta(days=30), t)
    table = devolution_figures.per_department(desk.runtime, directory.principal_of(office), period, t)
    cells = {key: cell["count"] for key, cell in table["total"]["cells"].items()}
    assert (cells["report_received"], cells["report_late"], cells["report_due"]) == (1, 0, 0)
    assert cells["devolved"] == 0  # devolved before the period
    with desk.runtime.db.transaction() as session:
        rows = {(r.jurisdiction_code, r.fact): r.n for r in session.query(DevolutionCount).all()}
    assert rows == {
        ("330200", "devolved"): 1,
        ("330200", "report_received"): 1,
        ("330203", "report_awaited"): 1,
    }
    assert table["rows"][0]["name"] == "宁波市市场监督管理局"
    assert (
        "/devolution/figures?figure=report_received" in table["rows"][0]["cells"]["report_received"]["href"]
    )
