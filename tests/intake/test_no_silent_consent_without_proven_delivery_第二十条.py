"""第20条: silence counts as no objection (视为没有不同意见) only for a written solicitation that reached the
department — delivered on 浙政钉 to at least one of its people, or served by another means (书面送达) on a
recorded date, from which the reply period then counts. Not proven: the office is told at once, the case says
送达未确认, and nothing is deemed. A case that moved on closes its solicitations; nothing is deemed for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from casework_support import OPINION, Desk, accepted_application

from services.notify.domain.templates import BUILTIN_BY_CODE, render
from shared.localtime import local_date, today


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def solicit(desk: Desk, case_id: str, *departments: str) -> list[dict]:  # type: ignore[type-arg]
    body = {"departments": list(departments), "question": "请对收运环节分工提出意见", "reply_working_days": 5}
    response = desk.act("bb.clerk", case_id, "solicitations", body)
    assert response.status_code == 200, response.json
    return [s for s in response.json["solicitations"] if s["department"] in departments][-len(departments) :]


def solicitation(desk: Desk, case_id: str, solicitation_id: str) -> dict:  # type: ignore[type-arg]
    case = desk.get("bb.clerk", f"/cases/{case_id}").json
    return next(s for s in case["solicitations"] if s["id"] == solicitation_id)


def expire(desk: Desk, clock_id: str) -> None:
    desk.deliver("clock.expired", {"clock_id": clock_id, "rule": "written_reply", "due_date": "2026-12-07"})


def test_silence_counts_once_the_notice_reached_one_of_the_departments_people_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = solicit(desk, case_id, "nb-sthj")
    desk.schedule_reply(s)
    desk.report_delivery(case_id, s)
    seen = solicitation(desk, case_id, s["id"])
    assert seen["delivery"] == "delivered" and seen["delivery_name"] == "已送达（浙政钉）"
    assert seen["delivery_note"] == "浙政钉已送达：韩雪" and seen["delivered_at"].startswith("2026-11-30")

    expire(desk, s["clock_id"])

    assert solicitation(desk, case_id, s["id"])["status"] == "deemed_no_objection"
    assert desk.templates()[-1] == "reply_deemed_no_objection"


def test_a_notice_that_never_arrived_is_never_deemed_and_the_office_is_told_at_once_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = solicit(desk, case_id, "nb-sthj")
    desk.schedule_reply(s)
    desk.report_delivery(case_id, s, outcome="failed")

    told = desk.sent("notify.send")[-1]
    assert told["template"] == "solicitation_undelivered" and told["urgency"] == "urgent"
    assert told["recipients"] == [{"kind": "role", "id": "office_clerk", "jurisdiction": "330200"}]
    assert told["params"]["department"] == "宁波市生态环境局" and told["params"]["reason"] == "平台拒绝"
    assert desk.sent("clock.pause")[-1]["clock_id"] == s["clock_id"]  # the reply period stops
    case = desk.get("bb.clerk", f"/cases/{case_id}").json
    assert case["warnings"] and case["warnings"][0].startswith(
        "送达未确认：第1轮书面征求意见（宁波市生态环境局）"
    )
    assert solicitation(desk, case_id, s["id"])["delivery_name"] == "送达未确认"

    expire(desk, s["clock_id"])  # should the clock run out all the same

    assert solicitation(desk, case_id, s["id"])["status"] == "pending"
    assert "reply_deemed_no_objection" not in desk.templates()


def test_a_period_that_runs_out_before_any_report_asks_for_service_instead_of_deeming_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = solicit(desk, case_id, "nb-zjj")
    desk.schedule_reply(s)

    expire(desk, s["clock_id"])  # notify never said the notice arrived

    seen = solicitation(desk, case_id, s["id"])
    assert (seen["status"], seen["delivery"]) == ("pending", "unconfirmed")
    assert desk.templates()[-1] == "solicitation_undelivered"
    assert not [p for p in desk.sent("clock.pause") if p["clock_id"] == s["clock_id"]]  # it ran out already


def test_after_written_service_the_reply_period_counts_from_the_service_date_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = solicit(desk, case_id, "nb-sthj")
    desk.schedule_reply(s)
    desk.report_delivery(case_id, s, outcome="unconfirmed")
    served_on = today()
    body = {"solicitation_id": s["id"], "served_on": served_on.isoformat(), "note": "机要交换，韩雪签收"}

    assert desk.act("sthj.clerk", case_id, "solicitation-service", body).status_code == 403
    later = {**body, "served_on": (today() + timedelta(days=1)).isoformat()}
    refused = desk.act("bb.clerk", case_id, "solicitation-service", later)
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "served_on"
    recorded = desk.act("bb.clerk", case_id, "solicitation-service", body)
    assert recorded.status_code == 200, recorded.json

    served = solicitation(desk, case_id, s["id"])
    assert (served["delivery"], served["served_on"]) == ("served", served_on.isoformat())
    assert served["delivery_note"] == "机要交换，韩雪签收" and recorded.json["warnings"] == []
    assert desk.sent("clock.stop")[-1]["clock_id"] == s["clock_id"]
    restart = desk.sent("clock.start")[-1]
    assert restart["clock_id"] == served["clock_id"] != s["clock_id"] and restart["working_days"] == 5
    assert local_date(__import__("datetime").datetime.fromisoformat(restart["start_at"])) == served_on
    again = desk.act("bb.clerk", case_id, "solicitation-service", body)
    assert again.status_code == 422 and again.json["code"] == "already_delivered"

    expire(desk, served["clock_id"])
    assert solicitation(desk, case_id, s["id"])["status"] == "deemed_no_objection"


def test_a_notice_confirmed_only_later_counts_from_the_day_it_arrived_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = solicit(desk, case_id, "nb-sthj")
    desk.schedule_reply(s)
    desk.report_delivery(case_id, s, outcome="unconfirmed")
    desk.report_delivery(case_id, s)  # an operator replayed it; the platform has it now

    seen = solicitation(desk, case_id, s["id"])
    assert seen["delivery"] == "delivered" and seen["clock_id"] != s["clock_id"]
    restart = desk.sent("clock.start")[-1]
    assert restart["clock_id"] == seen["clock_id"] and restart["start_at"].startswith("2026-11-29T16:00")
    desk.report_delivery(case_id, s, outcome="failed")  # a later report never undoes a delivery
    assert solicitation(desk, case_id, s["id"])["delivery"] == "delivered"


@pytest.mark.parametrize(
    ("step", "body"),
    [
        ("determination", {"reasons": "多轮协调未达成一致"}),
        ("termination", {"reason": "分歧已通过部门协商解决"}),
    ],
)
def test_a_case_that_moves_on_closes_every_open_solicitation_and_stops_its_clock_第二十条(
    desk, step: str, body: dict
) -> None:
    case_id = accepted_application(desk)
    open_one, delayed = solicit(desk, case_id, "nb-sthj", "nb-zjj")
    desk.delivered(case_id, open_one, delayed)
    need_time = {"solicitation_id": delayed["id"], "kind": "need_time", "reason": "需请示"}
    assert desk.act("zjj.clerk", case_id, "replies", need_time).status_code == 200
    assert desk.act("bb.head", case_id, step, body).status_code == 200, step

    seen = desk.get("bb.clerk", f"/cases/{case_id}").json
    assert {s["status"] for s in seen["solicitations"]} == {"cancelled"}
    stopped = {p["clock_id"] for p in desk.sent("clock.stop")}
    assert {open_one["clock_id"], delayed["clock_id"]} <= stopped
    expire(desk, open_one["clock_id"])  # a late expiry
    assert "reply_deemed_no_objection" not in desk.templates()
    history = [h["action"] for h in desk.get("bb.clerk", f"/cases/{case_id}/history").json]
    assert "deem_no_objection" not in history


def test_nothing_is_deemed_for_a_case_already_issued_第二十条_第二十四条(desk) -> None:
    case_id = accepted_application(desk)
    [s] = solicit(desk, case_id, "nb-sthj")
    desk.delivered(case_id, s)
    assert desk.act("sthj.clerk", case_id, "replies", {"solicitation_id": s["id"], "kind": "agree"})
    assert desk.act("bb.clerk", case_id, "agreement", {"summary": "各方同意"}).status_code == 200
    assert desk.act("bb.clerk", case_id, "opinion", OPINION).status_code == 200
    expire(desk, s["clock_id"])  # arrives late, after the case moved on
    assert "reply_deemed_no_objection" not in desk.templates()


def test_two_rounds_to_the_same_department_read_differently_on_the_same_day_第二十条(desk) -> None:
    case_id = accepted_application(desk)
    [first] = solicit(desk, case_id, "nb-sthj")
    desk.delivered(case_id, first)
    assert desk.act("sthj.clerk", case_id, "replies", {"solicitation_id": first["id"], "kind": "agree"})
    [second] = solicit(desk, case_id, "nb-sthj")
    desk.delivered(case_id, second)

    notices = [p for p in desk.sent("notify.send") if p["template"] == "solicitation_request"]
    assert [n["params"]["round"] for n in notices] == [1, 2]
    spec = BUILTIN_BY_CODE["solicitation_request"]
    first_text, second_text = (render(spec, n["params"], link=n["link"]) for n in notices)
    assert first_text.title != second_text.title and "第2轮" in second_text.body
    assert "期限：2026年12月7日（星期一）" in second_text.body  # its due date in the one notice


def test_withdrawing_an_application_revokes_the_notices_sent_about_it(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", _application()).json["id"]
    assert desk.act("zhzf.clerk", case_id, "withdraw", {"reason": "已协商一致"}).status_code == 200
    [revoke] = desk.sent("notify.revoke")
    assert revoke["case"]["id"] == case_id and revoke["reason"] == "已协商一致"
    kinds = [env["type"] for _queue, env in desk.sender.sent]
    assert kinds.index("notify.revoke") < len(kinds) - 1 - kinds[::-1].index("notify.send")  # then the notice


def _application() -> dict:  # type: ignore[type-arg]
    from casework_support import application_body

    return application_body()
