"""限期纠正 for a devolution (第三十七条第四项) is intake's casework, like every other ground of 第三十七条.

These were devolution's own rectification tests (``/api/v1/rectifications``); they now run against intake,
with a real devolution service beside it. Intake learns about the devolution only from what devolution
already sends it — the tasks of the office's 待办 (title, devolving department) and the approval request its
leaders decide in intake's inbox (第三十四条 报批) — never by importing or calling devolution."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from devolution_factories import READY_REVIEW, complete_application

from services.intake.app import create_app as intake_app
from services.intake.tables import ApprovalRow
from services.intake.usecases import directory
from shared import demo
from shared.contracts import CLOCK_START, CLOCK_STOP, DEVOLUTION, INTAKE, NOTIFY_SEND
from shared.runtime import ServiceRuntime

APPLICANT, OFFICE, HEAD = "scjg.clerk", "bb.clerk", "bb.head"
IN_30_DAYS = (date.today() + timedelta(days=30)).isoformat()


class Suite:
    """Devolution and intake side by side; what each publishes to the other's queue is handed over."""

    def __init__(self, devolution: ServiceRuntime, client: Any, auth: Any, intake: ServiceRuntime) -> None:
        self.devolution, self.dv, self.dv_auth = devolution, client, auth
        directory.load_directory(intake, demo.demo_directory())
        self.intake = intake
        self.client = intake_app(runtime=intake).test_client()
        self._relayed = {id(devolution): 0, id(intake): 0}

    def relay(self) -> None:
        """Deliver what each service sent to the other since the last relay, until both are quiet."""
        moved = True
        while moved:
            moved = False
            for source, target, queue in (
                (self.devolution, self.intake, INTAKE),
                (self.intake, self.devolution, DEVOLUTION),
            ):
                sent = source.sender.sent  # type: ignore[attr-defined]
                for dest, envelope in sent[self._relayed[id(source)] :]:
                    if dest == queue:
                        target.bus.handle(envelope)
                        moved = True
                self._relayed[id(source)] = len(sent)

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {directory.development_token(self.intake, user)}"}

    def post(self, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.headers(user))

    def get(self, user: str, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers(user))

    def devolve(self, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.dv.post(f"/api/v1/devolutions/{path}", json=body or {}, headers=self.dv_auth(user))
        self.relay()
        return response

    def under_review(self) -> str:
        application = complete_application()
        created = self.dv.post("/api/v1/devolutions", json=application, headers=self.dv_auth(APPLICANT))
        devolution_id = created.get_json()["id"]
        assert self.devolve(APPLICANT, f"{devolution_id}/submission").status_code == 200
        return devolution_id

    def issued(self) -> str:
        """Submitted, reviewed, approved by the leaders in intake's inbox, and formally issued."""
        devolution_id = self.under_review()
        assert self.devolve(OFFICE, f"{devolution_id}/review", READY_REVIEW).status_code == 200
        with self.intake.db.transaction() as session:
            approval_id = next(
                a.id for a in session.query(ApprovalRow).all() if a.case_ref.get("id") == devolution_id
            )
        for step_no, leader in enumerate(("bb.head", "bb.leader", "bb.director")):
            body = {"step_no": step_no, "outcome": "approved", "comment": "同意"}
            decided = self.post(leader, f"/approvals/{approval_id}/decisions", body)
            assert decided.status_code == 200, decided.get_json()
        self.relay()
        issuance = {"document_number": "甬编办〔2026〕12号", "document_date": "2026-08-31"}
        assert self.devolve(OFFICE, f"{devolution_id}/issuance", issuance).status_code == 200
        return devolution_id

    def order(self, user: str = HEAD, **changes: Any) -> Any:
        body = {
            "title": "关于市市场监管局食品小作坊登记下放后未落实保障措施的限期纠正",
            "department": "nb-scjg",
            "ground": "support_not_delivered",
            "facts": "承诺的30万元专项经费逾期未拨付",
            "due_date": IN_30_DAYS,
            **changes,
        }
        return self.post(user, "/cases/rectifications", body)

    def sent(self, message_type: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.intake.sender.of_type(message_type)]  # type: ignore[attr-defined]


@pytest.fixture
def suite(devolution, client, auth, make_runtime) -> Suite:  # type: ignore[no-untyped-def]
    return Suite(devolution, client, auth, make_runtime("intake"))


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
    notice = suite.sent(NOTIFY_SEND)[-1]
    assert notice["template"] == "rectification_ordered"
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
