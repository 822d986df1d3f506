"""限期纠正 for a devolution (第三十七条第四项) is intake's casework, like every other ground of 第三十七条.

These were devolution's own rectification tests (``/api/v1/rectifications``); they now run against intake,
with a real devolution service beside it. Intake learns about the devolution only from what devolution
already sends it — the tasks of the office's 待办 (title, devolving department) and the approval request its
leaders decide in intake's inbox (第三十四条 报批) — never by importing or calling devolution."""

from __future__ import annotations

from devolution_and_intake import APPLICANT, HEAD, IN_30_DAYS

from shared.contracts import CLOCK_START, CLOCK_STOP, NOTIFY_SEND


def test_the_office_orders_rectification_when_promised_support_is_not_delivered_第三十七条第四项(
    suite,
) -> None:
    devolution_id = suite.issued()
    assert suite.order(APPLICANT, devolution_id=devolution_id).status_code == 403
    ordered = suite.order(devolution_id=devolution_id)
    assert ordered.status_code == 201, ordered.get_json()
    case = ordered.get_json()
    assert (case["kind"], case["status"], case["next_actor"]) == ("rectification", "ordered", "applicant")
    assert case["content"]["devolution_title"] == "关于下放“食品小作坊登记”职责的申请"
    clock = [c for c in suite.sent(CLOCK_START) if c["rule"] == "rectification"][-1]
    assert clock["due_date"] == IN_30_DAYS and clock["owner_service"] == "intake"
    *_, notice, letter = suite.sent(NOTIFY_SEND)  # the notice, then the order itself (第三十七条)
    assert notice["template"] == "rectification_ordered" and letter["template"] == "document_issued"
    assert notice["params"]["ground"] == "（四）经批准下放职责后未落实相应保障措施"
    listed = suite.get(APPLICANT, "/cases?kind=rectification").get_json()["items"]
    assert [c["id"] for c in listed] == [case["id"]]
    assert suite.get("nyj.clerk", "/cases?kind=rectification").get_json()["items"] == []


def test_a_rectification_about_a_devolution_is_ordered_to_the_devolving_department_第三十七条第四项(
    suite,
) -> None:
    devolution_id = suite.issued()
    response = suite.order(devolution_id=devolution_id, department="nb-nyj")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "department"


def test_undelivered_support_needs_an_approved_devolution_and_an_approved_one_is_not_unapproved_第三十七条(
    suite,
) -> None:
    reviewing = suite.under_review()
    early = suite.order(devolution_id=reviewing)
    assert early.status_code == 422 and early.get_json()["errors"][0]["field"] == "ground"
    assert suite.order(devolution_id=reviewing, ground="devolved_without_approval").status_code == 201
    issued = suite.issued()
    approved = suite.order(devolution_id=issued, ground="devolved_without_approval")
    assert approved.status_code == 422 and approved.get_json()["errors"][0]["field"] == "ground"
    assert suite.order(devolution_id="dv-never-submitted").status_code == 404


def test_devolving_without_approval_is_a_rectification_even_without_an_application_第三十七条第四项(
    suite,
) -> None:
    facts = "以局长办公会议纪要将农机登记下放至乡镇"
    body = {"ground": "devolved_without_approval", "department": "nb-nyj", "facts": facts}
    assert suite.order(**body).status_code == 201
    county = suite.order(**{**body, "department": "hs-scjg"})  # a county department: its own office's
    assert county.status_code == 422 and county.get_json()["errors"][0]["field"] == "department"


def test_a_rectification_can_be_read_back_by_its_id_by_whom_it_concerns_第三十七条(suite) -> None:
    devolution_id = suite.issued()
    ordered = suite.order(devolution_id=devolution_id)
    assert ordered.status_code == 201
    case_id = ordered.get_json()["id"]
    view = suite.get(APPLICANT, f"/cases/{case_id}")
    assert view.status_code == 200
    assert view.get_json()["content"]["ground_name"] == "（四）经批准下放职责后未落实相应保障措施"
    assert suite.get("nyj.clerk", f"/cases/{case_id}").status_code == 404
    assert suite.get("hs.bb.clerk", f"/cases/{case_id}").status_code == 404


def test_the_department_reports_the_office_confirms_the_correction_and_its_clock_stops_第三十七条(
    suite,
) -> None:
    devolution_id = suite.issued()
    case_id = suite.order(devolution_id=devolution_id).get_json()["id"]
    report = {"report": "经费已于当日拨付到位"}
    assert suite.post("hs.bb.clerk", f"/cases/{case_id}/report-correction", report).status_code == 404
    reported = suite.post(APPLICANT, f"/cases/{case_id}/report-correction", report)
    assert reported.status_code == 200 and reported.get_json()["status"] == "correction_reported"
    assert suite.post(APPLICANT, f"/cases/{case_id}/confirm-correction").status_code == 403
    confirmed = suite.post(HEAD, f"/cases/{case_id}/confirm-correction", {"note": "已核实拨付凭证"})
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "corrected"
    stops = [s for s in suite.sent(CLOCK_STOP) if s["clock_id"] == f"{case_id}:rectification"]
    assert len(stops) == 1
    assert suite.post(HEAD, f"/cases/{case_id}/confirm-correction").status_code == 409
    history = suite.get(HEAD, f"/cases/{case_id}/history").get_json()
    assert (history[-1]["action"], history[-1]["reason"]) == ("confirm_correction", "已核实拨付凭证")


def test_an_overdue_devolution_rectification_is_on_the_dashboard_and_referred_第三十七条第二款(
    suite,
) -> None:
    from datetime import date

    from services.intake.pages.login import session_user
    from services.intake.usecases import directory
    from shared.localtime import today
    from shared.messaging import Envelope
    from shared.web import session

    devolution_id = suite.issued()
    case_id = suite.order(devolution_id=devolution_id).get_json()["id"]
    overdue = {"clock_id": f"{case_id}:rectification", "rule": "rectification", "due_date": IN_30_DAYS}
    overdue |= {"overdue_working_days": 3, "escalated": True}
    suite.intake.bus.handle(Envelope(type="clock.overdue", payload=overdue, source="deadlines").to_dict())
    person = session_user(suite.intake, directory.find_person(suite.intake, "bb.leader"))
    cookie = session.dump(session.new_session(suite.intake.settings, person), suite.intake.settings)
    suite.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)
    period = f"from={date(today().year, 1, 1).isoformat()}&to={today().isoformat()}"
    late = f"/supervision/cases?{period}&kind=rectification&status=ordered,correction_reported&overdue=1"
    assert f"/cases/{case_id}" in suite.client.get(late).get_data(as_text=True)  # 逾期未纠正
    referred = suite.post(HEAD, f"/cases/{case_id}/refer-to-supervision", {"reason": "逾期未落实保障措施"})
    assert referred.status_code == 200 and referred.get_json()["status"] == "referred_to_supervision"
    gone = f"/supervision/cases?{period}&kind=rectification&status=referred_to_supervision"
    assert f"/cases/{case_id}" in suite.client.get(gone).get_data(as_text=True)
