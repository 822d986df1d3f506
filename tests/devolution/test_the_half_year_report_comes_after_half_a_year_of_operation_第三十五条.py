"""第三十五条: "下放职责事项运行半年后，职责承接部门要向职责下放部门专项报告承接事项的运行情况".

The half-year operation report (半年运行情况报告) is accepted on or after the same day-number six calendar
months after formal issuance (the month's last day where it has none). Before that a receiving department may
send an interim report (中期报告), marked so by itself (``interim: true``); an interim report does not count:
the half-year report, its clock and its worklist entry stay open.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from devolution_factories import (
    HALF_YEAR_REACHED,
    ISSUED_OVER_HALF_A_YEAR_AGO,
    READY_REVIEW,
    USERS,
    approval_decision,
    complete_application,
    deliver,
    sent,
)
from freezegun import freeze_time

from services.devolution.app import create_app
from services.devolution.domain.aftercare import check_report_timing, half_year_date
from shared import localtime
from shared.contracts import APPROVAL_DECIDED, APPROVAL_REQUEST, CLOCK_STOP, NOTIFY_SEND, TASK_CLOSED
from shared.errors import ValidationFailed
from shared.measures import months_after
from shared.web import session as web_session

APPLICANT, RECEIVER, OFFICE = "scjg.clerk", "hs.scjg.clerk", "bb.clerk"
REPORT = {
    "public_service_effects": "群众就近办理，平均少跑一次",
    "enterprise_service_effects": "登记时限由10个工作日缩短为5个",
    "problems_found": "未发现问题",
}


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _issued(client: Any, auth: Any, devolution: Any, on: str) -> str:
    created = client.post("/api/v1/devolutions", json=complete_application(), headers=auth(APPLICANT))
    devolution_id = created.get_json()["id"]
    client.post(f"/api/v1/devolutions/{devolution_id}/submission", headers=auth(APPLICANT))
    client.post(f"/api/v1/devolutions/{devolution_id}/review", json=READY_REVIEW, headers=auth(OFFICE))
    deliver(devolution, APPROVAL_DECIDED, approval_decision(sent(devolution, APPROVAL_REQUEST)[-1]), "intake")
    body = {"document_number": "甬编办〔2026〕12号", "document_date": on}
    issued = client.post(f"/api/v1/devolutions/{devolution_id}/issuance", json=body, headers=auth(OFFICE))
    assert issued.status_code == 200, issued.get_json()
    return devolution_id


def _report(client: Any, auth: Any, devolution_id: str, **extra: Any) -> Any:
    path = f"/api/v1/devolutions/{devolution_id}/reports/hs-scjg"
    return client.put(path, json={**REPORT, **extra}, headers=auth(RECEIVER))


def _view(client: Any, auth: Any, devolution_id: str, user: str = APPLICANT) -> dict[str, Any]:
    return client.get(f"/api/v1/devolutions/{devolution_id}", headers=auth(user)).get_json()


def _report_clock_stopped(devolution: Any, devolution_id: str) -> bool:
    clock_id = f"devolution:{devolution_id}:report:hs-scjg"
    return any(stop["clock_id"] == clock_id for stop in sent(devolution, CLOCK_STOP))


# --- the date (pure) ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued_on", "half_year"),
    [
        (date(2026, 6, 15), date(2026, 12, 15)),
        (date(2026, 8, 31), date(2027, 2, 28)),  # February 2027 has no 31st: its last day
        (date(2027, 8, 31), date(2028, 2, 29)),  # a leap year: 29 February
        (date(2026, 3, 31), date(2026, 9, 30)),  # September has no 31st
        (date(2026, 12, 31), date(2027, 6, 30)),  # over the turn of the year
        (date(2026, 8, 29), date(2027, 2, 28)),
    ],
)
def test_half_a_year_of_operation_ends_on_the_same_day_six_calendar_months_after_issuance_第三十五条(
    issued_on: date, half_year: date
) -> None:
    assert half_year_date(issued_on) == half_year
    assert months_after(issued_on, 6) == half_year  # the one month arithmetic deadlines uses too


def test_issued_on_a_31st_the_half_year_report_is_accepted_from_the_end_of_february_第三十五条() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_report_timing(date(2026, 8, 31), date(2027, 2, 27), interim=False)
    assert refused.value.code == "report_before_half_year"
    assert "2027年2月28日" in refused.value.fields["interim"][0]
    check_report_timing(date(2026, 8, 31), date(2027, 2, 28), interim=False)
    with pytest.raises(ValidationFailed):
        check_report_timing(date(2027, 8, 31), date(2028, 2, 28), interim=False)
    check_report_timing(date(2027, 8, 31), date(2028, 2, 29), interim=False)
    check_report_timing(date(2027, 8, 31), date(2028, 2, 28), interim=True)  # an interim one: yes


def test_once_half_a_year_has_run_a_report_is_no_longer_an_interim_one_第三十五条() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_report_timing(date(2026, 6, 15), date(2026, 12, 15), interim=True)
    assert refused.value.code == "interim_after_half_year" and "interim" in refused.value.fields


# --- through the API -------------------------------------------------------------------------------------


def test_a_half_year_report_sent_on_the_day_of_issuance_is_refused_naming_the_interim_field_第三十五条(
    client, auth, devolution
) -> None:
    today = localtime.today()
    devolution_id = _issued(client, auth, devolution, today.isoformat())
    refused = _report(client, auth, devolution_id)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    problem = refused.get_json()
    assert problem["code"] == "report_before_half_year"
    [error] = problem["errors"]
    assert error["field"] == "interim"
    [message] = error["messages"]
    assert f"自{_cn(months_after(today, 6))}起可以报送" in message and "中期报告" in message
    assert "第三十五条" in message
    view = _view(client, auth, devolution_id)
    assert view["reports"][0]["state"] == "awaiting" and view["reports"][0]["interim_reports"] == []
    assert view["reports"][0]["acceptable_from"] == months_after(today, 6).isoformat()
    assert not _report_clock_stopped(devolution, devolution_id)
    assert [h["action"] for h in view["history"]][-1] == "issue"  # the refusal left no trace


def test_a_too_early_report_with_missing_content_names_both_the_interim_field_and_the_content_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution, localtime.today().isoformat())
    refused = _report(client, auth, devolution_id, problems_found="")
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["code"] == "report_before_half_year"
    assert {e["field"] for e in problem["errors"]} == {"interim", "problems_found"}


def test_an_interim_report_is_accepted_marked_as_such_and_the_half_year_report_stays_due_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution, localtime.today().isoformat())
    accepted = _report(client, auth, devolution_id, interim=True)
    assert accepted.status_code == 200, accepted.get_json()
    [hs, yz] = accepted.get_json()["reports"]
    assert (hs["interim"], hs["kind_label"], hs["state"]) == (False, "半年运行情况报告", "awaiting")
    [interim] = hs["interim_reports"]
    assert interim["interim"] is True and interim["kind_label"] == "中期报告"
    assert interim["content"]["public_service_effects"] == REPORT["public_service_effects"]
    assert interim["submitted_by"] == RECEIVER and yz["interim_reports"] == []
    # the half-year report stays due: its clock runs on, its task stays open, nothing to acknowledge
    assert not _report_clock_stopped(devolution, devolution_id)
    closed = [t["task_id"] for t in sent(devolution, TASK_CLOSED)]
    assert f"devolution:{devolution_id}:half_year_report:hs-scjg" not in closed
    assert not [n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "half_year_report_submitted"]
    [told] = [n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "interim_report_submitted"]
    assert told["recipients"] == [{"kind": "department", "id": "nb-scjg", "jurisdiction": "330200"}]
    assert told["params"]["department"] == "海曙区市场监督管理局"  # a name, never the code
    acknowledgement = client.post(
        f"/api/v1/devolutions/{devolution_id}/reports/hs-scjg/acknowledgement",
        json={},
        headers=auth(APPLICANT),
    )
    assert acknowledgement.status_code == 409
    last = _view(client, auth, devolution_id)["history"][-1]
    assert last["action"] == "submit_interim_report" and "中期报告" in last["label"]
    assert last["detail"]["interim"] is True
    # a second interim report is kept too; the full report is still refused until half a year has run
    assert _report(client, auth, devolution_id, interim=True).status_code == 200
    assert len(_view(client, auth, devolution_id)["reports"][0]["interim_reports"]) == 2
    assert _report(client, auth, devolution_id).status_code == 422


def test_a_report_after_half_a_year_of_operation_is_the_half_year_report_and_stops_its_clock_第三十五条(
    client, auth, devolution
) -> None:
    devolution_id = _issued(client, auth, devolution, ISSUED_OVER_HALF_A_YEAR_AGO)
    assert _view(client, auth, devolution_id)["reports"][0]["acceptable_from"] == HALF_YEAR_REACHED
    accepted = _report(client, auth, devolution_id, interim=False)
    assert accepted.status_code == 200, accepted.get_json()
    hs = accepted.get_json()["reports"][0]
    assert hs["state"] == "submitted" and hs["interim"] is False and hs["interim_reports"] == []
    assert _report_clock_stopped(devolution, devolution_id)
    assert _view(client, auth, devolution_id)["history"][-1]["action"] == "submit_report"
    [told] = [n for n in sent(devolution, NOTIFY_SEND) if n["template"] == "half_year_report_submitted"]
    assert told["params"]["department"] == "海曙区市场监督管理局"
    late_interim = _report(client, auth, devolution_id, interim=True)
    assert late_interim.status_code == 409  # already reported: nothing more to send for this department


@pytest.mark.parametrize(
    ("issued_on", "day_before", "half_year"),
    [("2026-08-31", "2027-02-27", "2027-02-28"), ("2027-08-31", "2028-02-28", "2028-02-29")],
)
def test_on_a_month_end_the_api_accepts_the_half_year_report_from_the_last_day_of_the_month_第三十五条(
    client, auth, devolution, issued_on, day_before, half_year
) -> None:
    with freeze_time(f"{issued_on} 02:00:00"):  # 10:00 Beijing time
        devolution_id = _issued(client, auth, devolution, issued_on)
    with freeze_time(f"{day_before} 02:00:00"):
        early = _report(client, auth, devolution_id)
        assert early.status_code == 422
        assert (
            f"自{_cn(date.fromisoformat(half_year))}起可以报送"
            in early.get_json()["errors"][0]["messages"][0]
        )
    with freeze_time(f"{half_year} 02:00:00"):
        assert _report(client, auth, devolution_id).status_code == 200


# --- the case page ---------------------------------------------------------------------------------------


def _browser(devolution: Any, user: str) -> Any:
    client = create_app(runtime=devolution).test_client()
    jurisdiction, department, roles = USERS[user]
    person = web_session.SessionUser(user, user, jurisdiction, department, frozenset(roles))
    started = web_session.new_session(devolution.settings, person)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, devolution.settings), path="/")
    client.csrf = started.csrf_token
    return client


def test_the_case_page_offers_the_interim_mark_early_and_shows_interim_and_half_year_reports_apart_第三十五条(
    client, auth, devolution
) -> None:
    today = localtime.today()
    devolution_id = _issued(client, auth, devolution, today.isoformat())
    receiver = _browser(devolution, RECEIVER)
    page = receiver.get(f"/devolution/{devolution_id}").get_data(as_text=True)
    assert 'name="interim"' in page and f"自{_cn(months_after(today, 6))}" in page
    form = {"csrf_token": receiver.csrf, **REPORT}
    refused = receiver.post(f"/devolution/{devolution_id}/report", data=form)
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "请勾选“中期报告”" in text and REPORT["public_service_effects"] in text  # beside it, kept
    sent_interim = receiver.post(f"/devolution/{devolution_id}/report", data={**form, "interim": "on"})
    assert sent_interim.status_code == 303 and "done=interim_reported" in sent_interim.headers["Location"]
    shown = receiver.get(sent_interim.headers["Location"]).get_data(as_text=True)
    assert "中期报告已提交" in shown and "仍须报送半年运行情况报告" in shown
    applicant = _browser(devolution, APPLICANT).get(f"/devolution/{devolution_id}").get_data(as_text=True)
    assert "半年运行情况报告 · 待报告" in applicant and "中期报告 · " in applicant
    assert "提交中期报告" in applicant  # the history names it
