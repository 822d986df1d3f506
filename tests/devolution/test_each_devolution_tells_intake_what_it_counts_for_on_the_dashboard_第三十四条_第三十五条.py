"""监督统计's devolution figures, devolution's side (第三十三条至第三十五条): each devolution is reduced to
facts — submitted, formally devolved (第三十四条), its promised support not yet in place, each receiving
department's half-year report awaited or received (第三十五条) — kept with every change and told to intake
(``devolution.figures``: removed and added); the office's list of the devolutions behind a figure reads them,
filtered by figure, devolving department and period, and exports them as a ledger."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from devolution_factories import (
    ISSUED_OVER_HALF_A_YEAR_AGO,
    READY_REVIEW,
    USERS,
    approval_decision,
    complete_application,
    deliver,
    sent,
)
from openpyxl import load_workbook
from sqlalchemy import delete

from services.devolution import figures
from services.devolution.app import create_app
from services.devolution.domain.aftercare import ReportState
from services.devolution.domain.figures import Fact, HandoverLine, ReportLine, Snapshot, facts_of
from services.devolution.domain.lifecycle import State
from services.devolution.tables import DevolutionFact
from shared import localtime
from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST, DEVOLUTION_FIGURES_CHANGED
from shared.web import session as web_session

APPLICANT, RECEIVER, OFFICE = "scjg.clerk", "hs.scjg.clerk", "bb.clerk"
REPORT = {
    "public_service_effects": "群众就近办理，平均少跑一次",
    "enterprise_service_effects": "登记时限由10个工作日缩短为5个",
    "problems_found": "未发现问题",
}
ISSUED = date.fromisoformat(ISSUED_OVER_HALF_A_YEAR_AGO)


def _issued(client: Any, auth: Any, devolution: Any) -> str:
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT))
    devolution_id = created.get_json()["id"]
    client.post(f"/api/v1/devolutions/{devolution_id}/submission", headers=auth(APPLICANT))
    client.post(f"/api/v1/devolutions/{devolution_id}/review", json=READY_REVIEW, headers=auth(OFFICE))
    deliver(devolution, APPROVAL_DECIDED, approval_decision(sent(devolution, APPROVAL_REQUEST)[-1]), "intake")
    body = {"document_number": "甬编办〔2026〕12号", "document_date": ISSUED_OVER_HALF_A_YEAR_AGO}
    issued = client.post(f"/api/v1/devolutions/{devolution_id}/issuance", json=body, headers=auth(OFFICE))
    assert issued.status_code == 200, issued.get_json()
    return devolution_id


def _browser(devolution: Any, user: str) -> Any:
    client = create_app(runtime=devolution).test_client()
    jurisdiction, department, roles = USERS[user]
    person = web_session.SessionUser(user, user, jurisdiction, department, frozenset(roles))
    started = web_session.new_session(devolution.settings, person)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, devolution.settings), path="/")
    return client


def _told(devolution: Any, devolution_id: str) -> dict[tuple[str, str, str], int]:
    """What intake's counters would hold for the devolution after every message it was sent."""
    net: dict[tuple[str, str, str], int] = {}
    for message in sent(devolution, DEVOLUTION_FIGURES_CHANGED):
        if message["devolution_id"] != devolution_id:
            continue
        assert (message["jurisdiction"], message["department"]) == ("330200", "nb-scjg")
        for sign, facts in ((-1, message["removed"]), (1, message["added"])):
            for f in facts:
                key = (f["fact"], f["subject"], f["day"])
                net[key] = net.get(key, 0) + sign
    return {key: n for key, n in net.items() if n}


def test_a_draft_counts_for_nothing_an_issued_duty_for_reports_and_support_第三十四条_第三十五条() -> None:
    assert facts_of(Snapshot(State.DRAFT, None, None)) == frozenset()
    submitted = Snapshot(State.UNDER_REVIEW, date(2026, 11, 2), None)
    assert facts_of(submitted) == {Fact("applied", "", date(2026, 11, 2))}
    issued = Snapshot(
        State.ISSUED,
        date(2026, 3, 2),
        date(2026, 4, 30),
        handover=(
            HandoverLine("funds", date(2026, 6, 30), None),
            HandoverLine("training", date(2026, 5, 31), date(2026, 5, 20)),  # done: promised, delivered
            HandoverLine("premises", None, None),  # no date set yet
        ),
        reports=(
            ReportLine("hs-scjg", ReportState.AWAITING, None, None),  # its clock not scheduled yet
            ReportLine("yz-scjg", ReportState.ACKNOWLEDGED, date(2026, 10, 30), date(2026, 11, 3)),
        ),
    )
    assert facts_of(issued) == {
        Fact("applied", "", date(2026, 3, 2)),
        Fact("devolved", "", date(2026, 4, 30)),
        Fact("support_open", "", date(2026, 6, 30)),
        Fact("report_awaited", "hs-scjg", date(2026, 10, 30)),  # half a year after issuance
        Fact("report_received", "yz-scjg", date(2026, 11, 3)),
    }


def test_every_step_tells_intake_what_changed_in_the_devolutions_figures_第三十四条_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution)
    today = localtime.today().isoformat()
    assert _told(devolution, devolution_id) == {
        ("applied", "", today): 1,
        ("devolved", "", ISSUED_OVER_HALF_A_YEAR_AGO): 1,
        ("support_open", "", "2026-12-31"): 1,  # 经费保障, the earliest promised support
        ("report_awaited", "hs-scjg", "2026-10-30"): 1,
        ("report_awaited", "yz-scjg", "2026-10-30"): 1,
    }
    reported = client.put(
        f"/api/v1/devolutions/{devolution_id}/reports/hs-scjg", json=REPORT, headers=auth(RECEIVER)
    )
    assert reported.status_code == 200, reported.get_json()
    past = (localtime.today() - timedelta(days=3)).isoformat()
    funds = f"/api/v1/devolutions/{devolution_id}/handover/funds"
    moved = client.patch(funds, json={"due_date": past}, headers=auth(APPLICANT))
    assert moved.status_code == 200, moved.get_json()
    told = _told(devolution, devolution_id)
    assert ("report_received", "hs-scjg", today) in told
    assert ("report_awaited", "hs-scjg", "2026-10-30") not in told
    assert ("support_open", "", past) in told and ("support_open", "", "2026-12-31") not in told
    before = len(sent(devolution, DEVOLUTION_FIGURES_CHANGED))
    assert figures.refresh_all(devolution) == 0  # nothing to change: nothing sent
    assert len(sent(devolution, DEVOLUTION_FIGURES_CHANGED)) == before


def test_refreshing_the_figures_counts_devolutions_whose_facts_are_missing_once_第三十五条(
    client, auth, devolution
) -> None:
    _issued(client, auth, devolution)
    with devolution.db.transaction() as session:  # as before devolution_0014: no facts stored
        session.execute(delete(DevolutionFact))
    before = len(sent(devolution, DEVOLUTION_FIGURES_CHANGED))
    assert figures.refresh_all(devolution, batch=1) == 1
    again = sent(devolution, DEVOLUTION_FIGURES_CHANGED)[before:]
    assert len(again) == 1 and again[0]["removed"] == [] and len(again[0]["added"]) == 5
    assert figures.refresh_all(devolution) == 0


def test_the_office_lists_the_devolutions_behind_a_figure_and_exports_them_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution)
    client.put(f"/api/v1/devolutions/{devolution_id}/reports/hs-scjg", json=REPORT, headers=auth(RECEIVER))
    office = _browser(devolution, OFFICE)
    late = office.get("/devolution/figures?figure=report_late&department=nb-scjg").get_data(as_text=True)
    assert "半年报告逾期未报送（当前）（第三十五条）" in late and "共 1 份，涉及 1 项职责下放" in late
    assert f'href="/devolution/{devolution_id}"' in late and "鄞州区市场监督管理局" in late
    assert "海曙区市场监督管理局）" not in late  # its report was received: not behind this figure
    other = office.get("/devolution/figures?figure=report_late&department=nb-nyj").get_data(as_text=True)
    assert "没有符合条件的职责下放事项" in other
    year = f"from={ISSUED.year}-01-01&to={localtime.today().isoformat()}"
    devolved = office.get(f"/devolution/figures?figure=devolved&{year}").get_data(as_text=True)
    assert f'href="/devolution/{devolution_id}"' in devolved and "共 1 项" in devolved
    district = _browser(devolution, "hs.bb.clerk").get(f"/devolution/figures?figure=devolved&{year}")
    assert "没有符合条件的职责下放事项" in district.get_data(as_text=True)  # the city's, not 海曙区's
    before = office.get("/devolution/figures?figure=devolved&from=2025-01-01&to=2025-12-31")
    assert "没有符合条件的职责下放事项" in before.get_data(as_text=True)
    refused = office.get("/devolution/figures?figure=nonsense")
    assert refused.status_code == 422 and "没有这项统计" in refused.get_data(as_text=True)
    department = _browser(devolution, APPLICANT).get("/devolution/figures?figure=devolved")
    assert department.status_code in (302, 403)

    ledger = office.get("/devolution/figures.xlsx?figure=report_received&department=nb-scjg")
    sheet = load_workbook(io.BytesIO(ledger.data)).active
    assert sheet["A1"].value == "职责下放统计台账"
    assert "统计项：本期收到半年报告（第三十五条）" in sheet["A2"].value
    assert "下放部门：宁波市市场监督管理局" in sheet["A2"].value
    assert [c.value for c in sheet[4]][:3] == ["事项编号", "标题", "下放部门"]
    row = [c.value for c in sheet[5]]
    assert row[0] == devolution_id and row[8] == "海曙区市场监督管理局" and row[10] == "否"
    assert isinstance(sheet["G5"].value, date) and isinstance(sheet["J5"].value, date)
