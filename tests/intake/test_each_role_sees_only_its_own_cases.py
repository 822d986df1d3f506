"""Who sees what: a department its own cases (applicant or party), the office its jurisdiction's, nobody
another jurisdiction's; the list filters and paginates; deadlines and attachments follow the same rule."""

from __future__ import annotations

import pytest
from casework_support import Desk, accepted_application, application_body, filing_body

from shared.attachment_store import STORE_KEY, MemoryStore


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _filing(desk: Desk) -> str:
    attachment = desk.upload("scjg.clerk").json["id"]
    return desk.post("scjg.clerk", "/cases/filings", filing_body(attachment)).json["id"]


def test_another_department_gets_404_for_a_case_it_has_no_part_in(desk) -> None:
    case_id = _filing(desk)
    assert desk.get("nyj.clerk", f"/cases/{case_id}").status_code == 200  # assisting department
    for user in ("zhzf.clerk", "jtj.leader"):
        response = desk.get(user, f"/cases/{case_id}")
        assert response.status_code == 404 and response.json["code"] == "case_not_found"
        assert desk.get(user, f"/cases/{case_id}/history").status_code == 404
        assert desk.act(user, case_id, "withdraw").status_code == 404


def test_a_district_user_reading_a_city_case_gets_404(desk) -> None:
    case_id = _filing(desk)
    for user in ("hs.scjg.clerk", "hs.bb.clerk", "yz.bb.leader"):
        assert desk.get(user, f"/cases/{case_id}").status_code == 404
        assert desk.get(user, "/cases").json["total"] == 0
        assert desk.act(user, case_id, "file", {"opinion": "同意"}).status_code == 404


def test_the_office_sees_every_case_of_its_jurisdiction_and_the_list_filters(desk) -> None:
    filing = _filing(desk)
    coordination = accepted_application(desk)
    desk.post("zhzf.clerk", "/cases/coordination-applications", application_body(title="另一件协调申请"))
    everything = desk.get("bb.clerk", "/cases").json
    assert everything["total"] == 3
    assert [c["id"] for c in desk.get("bb.clerk", "/cases?kind=filing").json["items"]] == [filing]
    assert [c["id"] for c in desk.get("bb.clerk", "/cases?status=coordinating").json["items"]] == [
        coordination
    ]
    assert desk.get("bb.clerk", "/cases?department=nb-nyj").json["total"] == 1
    assert desk.get("bb.clerk", "/cases?department=nb-sthj").json["total"] == 2
    page = desk.get("bb.clerk", "/cases?page=2&page_size=2").json
    assert (page["total"], len(page["items"]), page["page"]) == (3, 1, 2)
    bad = desk.get("bb.clerk", "/cases?page_size=1000")
    assert bad.status_code == 422 and bad.json["errors"][0]["messages"][0].startswith("每页条数：")


def test_a_department_lists_only_its_own_cases(desk) -> None:
    _filing(desk)
    accepted_application(desk)
    assert desk.get("nyj.clerk", "/cases").json["total"] == 1
    assert desk.get("zhzf.clerk", "/cases").json["total"] == 1
    assert desk.get("jtj.clerk", "/cases").json["total"] == 0
    assert desk.get("zzb.reviewer", "/cases").json["total"] == 0


def test_a_department_sees_every_deadline_and_who_must_act_next(desk) -> None:
    case_id = accepted_application(desk)
    scheduled = {
        "clock_id": f"{case_id}:coordination_opinion",
        "case": {"id": case_id},
        "rule": "coordination_opinion",
        "state": "running",
        "due_date": "2027-01-12",
        "due_at": "2027-01-12T15:59:59+00:00",
        "provisional": True,
        "remaining_working_days": 30,
        "reason": "start",
    }
    desk.deliver("clock.scheduled", scheduled)
    seen = desk.get("zhzf.clerk", f"/cases/{case_id}").json
    clock = {c["rule"]: c for c in seen["clocks"]}["coordination_opinion"]
    assert (clock["due_date"], clock["provisional"]) == ("2027-01-12", True)
    assert 20 < clock["remaining_working_days"] <= 30  # counted from today (see the test below)
    assert clock["rule_name"].startswith("提出协调意见")
    assert (seen["due_date"], seen["next_actor"], seen["next_actor_name"]) == ("2027-01-12", "office", "编办")
    assert not [p for p in desk.sent("notify.send") if p["template"].startswith("deadline_")]  # office's own
    assert desk.get("bb.clerk", "/cases?due_before=2027-01-13").json["total"] == 1
    assert desk.get("bb.clerk", "/cases?due_before=2027-01-12").json["total"] == 0


def test_an_overdue_clock_marks_the_case_and_the_list_filter_finds_it(desk) -> None:
    case_id = accepted_application(desk)
    overdue = {
        "clock_id": f"{case_id}:coordination_opinion",
        "case": {"id": case_id},
        "rule": "coordination_opinion",
        "due_date": "2027-01-12",
        "overdue_working_days": 1,
        "escalated": False,
    }
    desk.deliver("clock.overdue", overdue)
    assert [c["id"] for c in desk.get("bb.clerk", "/cases?overdue=true").json["items"]] == [case_id]
    assert desk.get("bb.clerk", "/cases?overdue=false").json["total"] == 0
    assert desk.get("bb.clerk", f"/cases/{case_id}/history").json[-1]["action"] == "deadline_overdue"


def test_a_clock_event_for_an_unknown_clock_is_ignored(desk) -> None:
    assert desk.deliver("clock.due_soon", {"clock_id": "devolution:x", "rule": "devolution_review"})


def test_attachments_are_stored_once_by_hash_and_served_only_to_those_entitled(desk) -> None:
    store = MemoryStore()
    desk.client.application.extensions[STORE_KEY] = store
    first = desk.upload("scjg.clerk").json
    second = desk.upload("scjg.leader").json
    assert first["sha256"] == second["sha256"] and len(store.blobs) == 1
    assert desk.get("nyj.clerk", f"/attachments/{first['id']}").status_code == 404  # not yet on a case
    case_id = desk.post("scjg.clerk", "/cases/filings", filing_body(first["id"])).json["id"]
    download = desk.get("nyj.clerk", f"/attachments/{first['id']}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert desk.get("zhzf.clerk", f"/attachments/{first['id']}").status_code == 404
    assert desk.get("hs.scjg.clerk", f"/attachments/{first['id']}").status_code == 404
    reused = desk.post("scjg.clerk", "/cases/filings", filing_body(first["id"]))
    assert reused.status_code == 422  # already tied to another case
    assert case_id


def test_an_attachment_of_the_wrong_type_or_content_is_refused(desk) -> None:
    exe = desk.upload("scjg.clerk", b"MZ\x90\x00", "tool.exe")
    assert exe.status_code == 422 and exe.json["code"] == "attachment_type"
    fake = desk.upload("scjg.clerk", b"not a pdf", "纪要.pdf")
    assert fake.status_code == 422 and "不符" in fake.json["detail"]
    assert desk.upload("scjg.clerk", b"", "空.pdf").status_code == 422


def test_an_attachment_larger_than_allowed_is_refused(make_runtime) -> None:
    runtime = make_runtime("intake")
    runtime.settings = runtime.settings.with_overrides(max_upload_bytes=64 * 1024)
    huge = b"%PDF" + b"0" * (64 * 1024)
    assert Desk(runtime).upload("scjg.clerk", huge).status_code == 413


def test_a_moved_due_date_is_shown_and_announced_once_to_the_applicant_too_第二十二条(desk) -> None:
    """Those responsible hear of it from the deadlines service (due_date_changed); intake tells the applicant,
    who is not among them, once — never a second notice to the same people."""
    case_id = accepted_application(desk)
    clock = {
        "clock_id": f"{case_id}:coordination_opinion",
        "case": {"id": case_id},
        "rule": "coordination_opinion",
        "state": "running",
        "due_date": "2027-01-08",
        "provisional": True,
        "remaining_working_days": 30,
    }
    desk.deliver("clock.scheduled", {**clock, "reason": "started"})
    moved = {**clock, "due_date": "2027-01-11", "provisional": False, "reason": "calendar_changed"}
    desk.deliver("clock.scheduled", moved)
    desk.deliver("clock.scheduled", moved)  # another event with the same date: silent
    notices = [p for p in desk.sent("notify.send") if p["template"].startswith("deadline_")]
    assert [p["template"] for p in notices] == ["deadline_recomputed"]
    assert [r["id"] for r in notices[0]["recipients"]] == ["nb-zhzf"]  # the applicant; the office heard it
    assert notices[0]["params"]["old_due_date"] == "2027-01-08"
    assert notices[0]["params"]["rule_name"].startswith("提出协调意见")
    assert desk.get("zhzf.clerk", f"/cases/{case_id}").json["due_date"] == "2027-01-11"


def test_a_late_event_never_restarts_a_stopped_clock_and_an_extension_clears_overdue(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    acceptance = {
        "clock_id": f"{case_id}:acceptance_decision",
        "rule": "acceptance_decision",
        "state": "running",
        "due_date": "2026-12-04",
        "provisional": False,
        "remaining_working_days": 5,
    }
    desk.act("bb.head", case_id, "accept", {})
    desk.deliver("clock.scheduled", acceptance)  # the start's echo arrives after the stop
    clocks = {c["rule"]: c for c in desk.get("bb.clerk", f"/cases/{case_id}").json["clocks"]}
    assert clocks["acceptance_decision"]["state"] == "stopped"
    opinion = {
        "clock_id": f"{case_id}:coordination_opinion",
        "rule": "coordination_opinion",
        "state": "running",
        "due_date": "2027-01-08",
        "provisional": False,
        "remaining_working_days": 0,
    }
    desk.deliver("clock.scheduled", opinion)
    desk.deliver("clock.overdue", {**opinion, "overdue_working_days": 1, "escalated": False})
    assert desk.get("bb.clerk", f"/cases/{case_id}").json["overdue"] is True
    desk.deliver("clock.scheduled", {**opinion, "due_date": "2027-02-26", "remaining_working_days": 29})
    seen = desk.get("bb.clerk", f"/cases/{case_id}").json
    assert (seen["overdue"], seen["due_date"]) == (False, "2027-02-26")


def test_a_solicited_department_gets_one_notice_with_its_reply_deadline_once_it_is_known_第二十条(
    desk,
) -> None:
    case_id = accepted_application(desk)
    body = {"departments": ["nb-sthj"], "question": "请提出意见", "reply_working_days": 5}
    [s] = desk.act("bb.clerk", case_id, "solicitations", body).json["solicitations"]
    reply = {
        "clock_id": s["clock_id"],
        "rule": "written_reply",
        "state": "running",
        "due_date": "2026-12-07",
        "provisional": False,
        "remaining_working_days": 5,
        "reason": "started",
    }
    assert "solicitation_request" not in desk.templates()
    desk.deliver("clock.scheduled", reply)
    desk.deliver("clock.scheduled", {**reply, "remaining_working_days": 4, "reason": "calendar_changed"})
    [notice] = [p for p in desk.sent("notify.send") if p["params"].get("due_date") == "2026-12-07"]
    assert notice["template"] == "solicitation_request" and notice["params"]["round"] == 1
    assert notice["params"]["question"] == "请提出意见" and notice["report_to"] == "intake"
    assert notice["recipients"] == [{"kind": "department", "id": "nb-sthj", "jurisdiction": "330200"}]
    assert "deadline_scheduled" not in desk.templates()  # one notice per person per step
    desk.deliver("clock.scheduled", {**reply, "state": "paused", "due_date": None, "reason": "paused"})
    assert desk.get("sthj.clerk", f"/cases/{case_id}").json["clocks"][-1]["due_date"] is None
    desk.deliver("clock.scheduled", {**reply, "due_date": "2026-12-09", "reason": "resumed"})
    assert desk.sent("notify.send")[-1]["params"]["due_date"] == "2026-12-09"
    desk.deliver(
        "clock.scheduled", {**reply, "state": "overdue", "due_date": "2026-12-09", "reason": "resumed"}
    )
    assert desk.get("sthj.clerk", f"/cases/{case_id}").json["overdue"] is True


def test_a_case_shows_the_working_days_left_as_of_today_not_as_scheduled_第二十二条(desk) -> None:
    from datetime import timedelta

    from shared.localtime import today

    case_id = accepted_application(desk)
    due = today() + timedelta(days=21)
    clock = {
        "clock_id": f"{case_id}:coordination_opinion",
        "rule": "coordination_opinion",
        "state": "running",
        "due_date": due.isoformat(),
        "provisional": False,
        "remaining_working_days": 30,  # as it was when the deadlines service scheduled it, weeks ago
        "reason": "started",
    }
    desk.deliver("clock.scheduled", clock)
    shown = {c["rule"]: c for c in desk.get("zhzf.clerk", f"/cases/{case_id}").json["clocks"]}
    weekdays = sum((today() + timedelta(days=n)).weekday() < 5 for n in range(1, 22))
    left = shown["coordination_opinion"]["remaining_working_days"]
    assert left != 30 and abs(left - weekdays) <= 3  # weekdays less any holidays of the coming three weeks
    assert shown["acceptance_decision"]["remaining_working_days"] is None  # stopped: nothing left to count
