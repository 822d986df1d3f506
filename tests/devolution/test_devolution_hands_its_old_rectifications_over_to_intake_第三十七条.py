"""Rectification has one owner, intake: devolution writes no finding any more, its old addresses say where
限期纠正 went (410 problem+json, the old page redirects), its case page leads the office to intake's form, and
the findings it raised before are handed over to intake once — none is lost (第三十七条第四项)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from devolution_and_intake import HEAD, IN_30_DAYS, Suite
from test_every_link_devolution_sends_opens_a_page import _browser

from services.devolution import usecases
from services.devolution.tables import Clock, Devolution, DevolutionEvent, Rectification
from shared.contracts import CLOCK_START, CLOCK_STOP, INTAKE, RECTIFICATION_HANDED_OVER, TASK_CLOSED
from shared.messaging import Envelope

RAISED_AT = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def _legacy(suite: Suite, devolution_id: str | None) -> tuple[str, str]:
    """Two findings as devolution's old /api/v1/rectifications left them: one open, one corrected."""
    with suite.devolution.db.transaction() as session:
        session.add_all(
            [
                Rectification(
                    id="rf-open000001", jurisdiction="330200", devolution_id=devolution_id,
                    department="nb-scjg", ground="support_not_delivered", facts="承诺的专项经费逾期未拨付",
                    correct_by=date.today() + timedelta(days=20), raised_by="bb.clerk", raised_at=RAISED_AT,
                    clock_id="devolution:rf-open000001:rectification",
                ),
                Rectification(
                    id="rf-done000001", jurisdiction="330200", department="nb-nyj",
                    ground="devolved_without_approval", facts="以局长办公会议纪要将农机登记下放至乡镇",
                    correct_by=date(2026, 11, 30), raised_by="bb.clerk", raised_at=RAISED_AT,
                    clock_id="devolution:rf-done000001:rectification", corrected_on=date(2026, 11, 20),
                    correction_note="已收回会议纪要，按程序申请", corrected_confirmed_by="bb.head",
                ),
                Clock(
                    clock_id="devolution:rf-open000001:rectification", rectification_id="rf-open000001",
                    rule="rectification", department="nb-scjg", state="running",
                ),
                Clock(
                    clock_id="devolution:rf-done000001:rectification", rectification_id="rf-done000001",
                    rule="rectification", department="nb-nyj", state="stopped",
                ),
            ]
        )  # fmt: skip
    return "rf-open000001", "rf-done000001"


def test_the_findings_devolution_raised_become_intake_cases_under_the_same_id_once_第三十七条第四项(
    suite,
) -> None:
    devolution_id = suite.issued()
    open_id, done_id = _legacy(suite, devolution_id)
    assert usecases.hand_over_rectifications(suite.devolution) == 2
    suite.relay()
    opened = suite.get(HEAD, f"/cases/{open_id}").get_json()
    assert (opened["kind"], opened["status"], opened["applicant_department"]) == (
        "rectification", "ordered", "nb-scjg",
    )  # fmt: skip
    assert opened["content"]["devolution_title"] == "关于下放“食品小作坊登记”职责的申请"
    [clock] = [c for c in suite.sent(CLOCK_START) if c["clock_id"] == f"{open_id}:rectification"]
    assert clock["start_at"] == RAISED_AT.isoformat() and clock["owner_service"] == "intake"
    done = suite.get(HEAD, f"/cases/{done_id}").get_json()
    assert done["status"] == "corrected"
    history = suite.get(HEAD, f"/cases/{done_id}/history").get_json()
    assert [h["action"] for h in history] == ["order_rectification", "confirm_correction"]
    assert history[-1]["reason"] == "已收回会议纪要，按程序申请"
    assert suite.get("scjg.clerk", f"/cases/{open_id}").status_code == 200  # the ordered department sees it
    sent = [e for _, e in suite.devolution.sender.sent]  # type: ignore[attr-defined]
    stops = [
        e["payload"] for e in sent if e["type"] == CLOCK_STOP and "rectification" in e["payload"]["clock_id"]
    ]
    assert [(s["clock_id"], s["outcome"]) for s in stops] == [
        (f"devolution:{open_id}:rectification", "withdrawn")
    ]
    closed = [e["payload"]["task_id"] for e in sent if e["type"] == TASK_CLOSED]
    assert f"devolution:{open_id}:rectification" in closed
    with suite.devolution.db.transaction() as session:
        rows = session.query(Rectification).all()
        assert len(rows) == 2 and all(r.handed_over_at is not None for r in rows)  # kept, read-only
        noted = session.query(DevolutionEvent).filter_by(devolution_id=devolution_id).all()
        assert noted[-1].action == "rectification_handed_over"
    before = len(suite.devolution.sender.sent)  # type: ignore[attr-defined]
    assert usecases.hand_over_rectifications(suite.devolution) == 0
    assert len(suite.devolution.sender.sent) == before  # type: ignore[attr-defined]
    handed = [
        e for d, e in suite.devolution.sender.sent if d == INTAKE and e["type"] == RECTIFICATION_HANDED_OVER
    ]  # type: ignore[attr-defined]
    again = Envelope(type=RECTIFICATION_HANDED_OVER, payload=handed[0]["payload"], source="devolution")
    suite.intake.bus.handle(again.to_dict())  # a new envelope of the same finding: still one case
    listed = suite.get(HEAD, "/cases?kind=rectification").get_json()["items"]
    assert sorted(c["id"] for c in listed) == [done_id, open_id]


def test_the_old_rectification_addresses_answer_410_naming_intakes_第三十七条(suite) -> None:
    body = {
        "ground": "support_not_delivered",
        "department": "nb-scjg",
        "facts": "x",
        "correct_by": IN_30_DAYS,
    }
    for method, path, moved_to in (
        ("post", "/api/v1/rectifications", "/api/v1/cases/rectifications"),
        ("get", "/api/v1/rectifications", "/api/v1/cases?kind=rectification"),
        ("get", "/api/v1/rectifications/rf-1", "/api/v1/cases/rf-1"),
        ("post", "/api/v1/rectifications/rf-1/correction", "/api/v1/cases/rf-1/confirm-correction"),
    ):
        response = getattr(suite.dv, method)(path, json=body, headers=suite.dv_auth("bb.clerk"))
        assert response.status_code == 410, path
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert (problem["code"], problem["moved_to"]) == ("rectification_moved", moved_to)
        assert moved_to in problem["detail"] and response.headers["Link"] == f'<{moved_to}>; rel="alternate"'
    page = _browser(suite.devolution, "bb.clerk").get("/devolution/rectifications/rf-1")
    assert page.status_code == 301 and page.headers["Location"] == "/cases/rf-1"
    with suite.devolution.db.transaction() as session:
        assert session.query(Rectification).count() == 0  # nothing was written


def test_the_devolution_page_leads_the_office_to_intakes_order_form_filled_in_第三十七条第四项(suite) -> None:
    devolution_id = suite.issued()
    page = _browser(suite.devolution, HEAD).get(f"/devolution/{devolution_id}").get_data(as_text=True)
    href = page.split('id="rectification"', 1)[1].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert urlsplit(href).path == "/cases/new/rectification"
    values = dict(parse_qsl(urlsplit(href).query))
    assert values["devolution_id"] == devolution_id and values["ground"] == "support_not_delivered"
    assert values["department"] == "nb-scjg"
    ordered = suite.order(**values, facts="承诺的专项经费逾期未拨付")
    assert ordered.status_code == 201, ordered.get_json()
    with suite.devolution.db.transaction() as session:
        row = session.get(Devolution, devolution_id)
        assert row is not None and row.state == "issued"
    clerk = _browser(suite.devolution, "bb.clerk").get(f"/devolution/{devolution_id}").get_data(as_text=True)
    assert 'id="rectification"' not in clerk  # a clerk cannot order one (第三十七条: 处室负责人或领导)
