"""第三十七条第二款: a department that does not correct by the order's date (未按要求及时纠正) is referred
to the supervision rules by intake's sweep — once, the day after the date, without the office having to do
it; a correction reported in time, or confirmed, is left alone."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from casework_support import Desk
from sqlalchemy import select

from services.intake.domain.actors import Actor
from services.intake.domain.cases import Status
from services.intake.domain.rectification import PROCEDURE, not_corrected_in_time
from services.intake.tables import CaseRecord, WorklistTask
from services.intake.usecases import rectification
from shared.broker import TICK
from shared.localtime import today
from shared.messaging import Envelope

DUE = date(2099, 1, 31)


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _order(desk: Desk, **changes: object) -> str:
    body = {
        "title": "关于市生态环境局未按协调意见履行餐厨垃圾处置监管职责的限期纠正",
        "department": "nb-sthj",
        "ground": "not_as_coordinated",
        "facts": "协调意见发文后，处置环节监管仍未落实",
        "due_date": DUE.isoformat(),
        **changes,
    }
    made = desk.post("bb.head", "/cases/rectifications", body)
    assert made.status_code == 201, made.json
    return str(made.json["id"])


def test_only_an_order_still_waiting_after_its_date_is_not_corrected_in_time_第三十七条() -> None:
    assert not not_corrected_in_time(Status.ORDERED, DUE, DUE)
    assert not_corrected_in_time(Status.ORDERED, DUE, DUE + timedelta(days=1))
    assert not not_corrected_in_time(Status.CORRECTION_REPORTED, DUE, DUE + timedelta(days=9))
    assert not not_corrected_in_time(Status.CORRECTED, DUE, DUE + timedelta(days=9))
    sweep = PROCEDURE.by_action["refer_uncorrected"]
    head = Actor("u-head", "李强", "330200", "nb-bb", frozenset({"office_division_head"}))
    assert sweep.sources == {Status.ORDERED} and not sweep.who(head, None)  # type: ignore[arg-type]


def _referrals(desk: Desk, case_id: str) -> list[dict[str, object]]:
    history = desk.get("bb.head", f"/cases/{case_id}/history").json
    return [h for h in history if h["to_status"] == "referred_to_supervision"]


def test_an_order_still_open_the_day_after_its_date_is_referred_to_supervision_once_第三十七条第二款(
    desk,
) -> None:
    case_id = _order(desk)
    rectification.refer_the_uncorrected(desk.runtime, on=DUE)  # the date itself is still in time
    assert desk.get("bb.head", f"/cases/{case_id}").json["status"] == "ordered"

    with desk.runtime.db.transaction() as session:
        waiting = select(WorklistTask.task_id).where(
            WorklistTask.case_id == case_id, WorklistTask.state == "open"
        )
        assert session.scalars(waiting).all()  # the department's to-do: correct and report
    rectification.refer_the_uncorrected(desk.runtime, on=DUE + timedelta(days=1))
    with desk.runtime.db.transaction() as session:
        assert not session.scalars(waiting).all()  # nothing waits for the department any more
    case = desk.get("sthj.clerk", f"/cases/{case_id}").json
    assert case["status"] == "referred_to_supervision"
    [referral] = _referrals(desk, case_id)
    assert referral["actor_name"] == "系统"
    assert "2099年1月31日" in str(referral["reason"]) and "未按要求及时纠正" in str(referral["reason"])
    assert desk.sent("clock.stop")[-1]["outcome"] == "terminated"
    [notice] = [n for n in desk.sent("notify.send") if n["template"] == "referred_to_supervision"]
    assert {(r["kind"], r["id"]) for r in notice["recipients"]} == {
        ("department", "nb-sthj"),
        ("role", "office_clerk"),  # nobody in the office took the step: it is told
    }

    rectification.refer_the_uncorrected(desk.runtime, on=DUE + timedelta(days=2))  # the next tick
    assert len(_referrals(desk, case_id)) == 1
    assert desk.templates().count("referred_to_supervision") == 1
    report = desk.act("sthj.clerk", case_id, "report-correction", {"report": "已整改"})
    assert report.status_code == 409  # referred: the department no longer reports to the office


def test_a_correction_reported_in_time_or_confirmed_is_not_referred_第三十七条(desk) -> None:
    reported = _order(desk)
    desk.act("sthj.clerk", reported, "report-correction", {"report": "已明确处置环节监管科室"})
    corrected = _order(desk, title="关于市生态环境局另一事项的限期纠正")
    desk.act("sthj.clerk", corrected, "report-correction", {"report": "已落实"})
    desk.act("bb.head", corrected, "confirm-correction", {"note": "已核实"})

    rectification.refer_the_uncorrected(desk.runtime, on=DUE + timedelta(days=30))
    assert desk.get("bb.head", f"/cases/{reported}").json["status"] == "correction_reported"
    assert desk.get("bb.head", f"/cases/{corrected}").json["status"] == "corrected"
    assert "referred_to_supervision" not in desk.templates()

    again = desk.act("bb.head", reported, "reject-correction", {"reason": "未见执法记录"})
    assert again.json["status"] == "ordered"  # sent back after the date: still not corrected in time
    rectification.refer_the_uncorrected(desk.runtime, on=DUE + timedelta(days=31))
    assert desk.get("bb.head", f"/cases/{reported}").json["status"] == "referred_to_supervision"


def test_each_intake_tick_runs_the_sweep_第三十七条第二款(desk) -> None:
    case_id = _order(desk)
    yesterday = today() - timedelta(days=1)
    with desk.runtime.db.transaction() as session:  # the order's date has passed since it was made
        record = session.scalar(select(CaseRecord).where(CaseRecord.id == case_id))
        assert record is not None
        record.content = {**record.content, "due_date": yesterday.isoformat()}
    desk.runtime.handle_inbound(Envelope(type=TICK, payload={}, source="scheduler").to_dict())
    assert desk.get("bb.head", f"/cases/{case_id}").json["status"] == "referred_to_supervision"


def test_two_sweeps_at_the_same_moment_refer_an_order_once_第三十七条第二款(desk) -> None:
    case_id = _order(desk)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def sweep() -> None:
        try:
            start.wait(timeout=5)
            rectification.refer_the_uncorrected(desk.runtime, on=DUE + timedelta(days=1))
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    workers = [threading.Thread(target=sweep) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert not failures, failures
    assert len(_referrals(desk, case_id)) == 1
    assert desk.templates().count("referred_to_supervision") == 1
