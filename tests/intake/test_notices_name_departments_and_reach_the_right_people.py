"""What the notices intake sends say, and to whom: departments by name (not code), the meeting place in a
meeting notice (第二十条: 提前通知), and “your application was accepted” only to the department that applied
(第十七条: 告知主办部门)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from casework_support import Desk, accepted_application, application_body


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def _notices(desk: Desk, template: str) -> list[dict]:  # type: ignore[type-arg]
    return [p for p in desk.sent("notify.send") if p["template"] == template]


def test_the_office_is_told_the_applicant_by_name_第十六条(desk) -> None:
    desk.post("zhzf.clerk", "/cases/coordination-applications", application_body())
    [notice] = _notices(desk, "case_submitted")
    assert notice["params"]["applicant"] == "宁波市综合行政执法局"


def test_the_office_is_told_who_replied_by_name_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    body = {"departments": ["nb-sthj"], "question": "请提出意见", "reply_working_days": 5}
    [s] = desk.act("bb.clerk", case_id, "solicitations", body).json["solicitations"]
    desk.act("sthj.clerk", case_id, "replies", {"solicitation_id": s["id"], "kind": "agree"})
    [notice] = _notices(desk, "reply_received")
    assert notice["params"]["department"] == "宁波市生态环境局"


def test_a_meeting_notice_says_where_the_meeting_is_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    starts = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = {
        "starts_at": starts,
        "location": "市委编办3楼会议室",
        "attendees": ["nb-sthj"],
        "agenda": "分工协调",
    }
    assert desk.act("bb.clerk", case_id, "meetings", body).status_code == 200
    [notice] = _notices(desk, "meeting_notice")
    assert notice["params"]["location"] == "市委编办3楼会议室"


def test_a_meeting_notice_gives_the_time_in_beijing_time_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    body = {
        "starts_at": "2099-12-01T10:00:00+08:00",
        "location": "市委编办3楼会议室",
        "attendees": ["nb-sthj"],
        "agenda": "分工协调",
    }
    assert desk.act("bb.clerk", case_id, "meetings", body).status_code == 200
    [notice] = _notices(desk, "meeting_notice")
    assert notice["params"]["starts_at"] == "2099年12月1日（星期二）10:00"


def test_only_the_applicant_is_told_its_application_was_accepted_第十七条(desk) -> None:
    accepted_application(desk)
    [notice] = _notices(desk, "application_accepted")
    assert [r["id"] for r in notice["recipients"]] == ["nb-zhzf"]
