"""The dashboard's figures (第三十六条) come from counters kept in the transaction of every case change,
not from scanning the cases: after a set of real steps (acceptance, a written solicitation deemed no
objection under 第二十条, a clock gone overdue, a filing, a rectification of 第三十七条) the counters equal
what the tables say; and working days from receipt to acceptance and to the opinion are counted with
the deadlines calendar (holidays and 调休), not Monday to Friday."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

from casework_support import Desk, accepted_application, filing_body
from werkzeug.serving import make_server

from services.intake.adapters.deadlines_calendar import DeadlinesCalendar
from services.intake.tables import CaseEvent, CaseRecord
from services.intake.tables.supervision import computed, rebuild, stored
from services.intake.usecases import supervision
from shared.identity import Principal
from shared.localtime import today

LEADER = Principal(
    user_id="bb.leader",
    name="王建国",
    jurisdiction="330200",
    department="nb-bb",
    roles=frozenset({"office_leader"}),
)


def _steps(desk: Desk) -> None:
    case_id = accepted_application(desk)
    solicited = desk.act(
        "bb.clerk",
        case_id,
        "solicitations",
        {"departments": ["nb-zjj"], "question": "请提出意见", "reply_working_days": 5},
    ).json["solicitations"][-1]
    desk.delivered(case_id, solicited)
    desk.deliver(
        "clock.expired",
        {"clock_id": solicited["clock_id"], "rule": "written_reply", "due_date": "2026-12-07"},
    )
    clock: dict[str, Any] = {
        "clock_id": f"{case_id}:coordination_opinion",
        "rule": "coordination_opinion",
        "state": "running",
        "due_date": "2026-11-20",
        "provisional": False,
        "remaining_working_days": 0,
        "reason": "started",
    }
    desk.deliver("clock.scheduled", clock)
    desk.deliver(
        "clock.overdue",
        {
            **{k: clock[k] for k in ("clock_id", "rule", "due_date")},
            "overdue_working_days": 3,
            "escalated": False,
        },
    )
    minutes = desk.upload("scjg.clerk").json["id"]
    filing = desk.post("scjg.clerk", "/cases/filings", filing_body(minutes)).json["id"]
    desk.act("bb.head", filing, "file", {"opinion": "同意备案"})
    desk.post(
        "bb.head",
        "/cases/rectifications",
        {
            "title": "关于市交通运输局未按三定规定履职的限期纠正",
            "department": "nb-jtj",
            "ground": "not_as_defined",
            "facts": "网约车监管职责未落实",
            "due_date": date(today().year + 1, 1, 29).isoformat(),
        },
    )


def test_the_counters_kept_with_each_step_equal_what_the_tables_say_第三十六条(make_runtime) -> None:
    desk = Desk(make_runtime("intake"))
    _steps(desk)
    with desk.runtime.db.engine.begin() as conn:
        kept = stored(conn)
        assert kept == +computed(conn)
        figures = {key[2] for key in kept}
        assert {"case", "step", "reply", "accept"} <= figures
        rebuild(conn)  # what the migration's backfill writes: the same rows
        assert stored(conn) == kept
    data = supervision.dashboard(
        desk.runtime, LEADER, supervision.Period(date(today().year, 1, 1), today()), today()
    )
    assert data["total"] == 3
    assert data["deemed_no_objection"][0]["deemed"] == 1
    late = {r["rule"]: r["late"] for r in data["steps_per_rule"]}
    assert late["coordination_opinion"] == 1
    assert data["overdue_now"][0]["rule"] == "coordination_opinion"


def _coordination_case(desk: Desk, received: datetime, accepted: datetime, opined: datetime) -> None:
    with desk.runtime.db.transaction() as session:
        session.add(
            CaseRecord(
                id="c-national-day",
                jurisdiction_code="330200",
                kind="coordination",
                source="application",
                title="国庆前收到的协调申请",
                status="awaiting_approval",
                applicant_department="nb-scjg",
                submitted_by="scjg.clerk",
                created_at=received,
            )
        )
        session.flush()
        for action, at in (("accept", accepted), ("submit_opinion", opined)):
            session.add(
                CaseEvent(
                    case_id="c-national-day",
                    at=at,
                    actor_id="bb.clerk",
                    actor_name="张敏",
                    action=action,
                    to_status="coordinating",
                )
            )
            session.flush()


def test_working_days_to_acceptance_and_opinion_follow_the_statutory_calendar_with_调休_第十七条_第二十二条(
    make_runtime,
) -> None:
    """Received 2025-09-29, accepted 2025-10-09, opinion 2025-10-13: with 国庆 (10月1–8日) and the adjusted
    working Saturday 10月11日 that is 2 working days to acceptance (9月30日, 10月9日) and 3 to the opinion
    (10月10日, 11日, 13日); Monday to Friday would say 8 and 2."""
    from services.deadlines.app import create_app as create_deadlines

    desk = Desk(make_runtime("intake"))
    _coordination_case(
        desk,
        datetime(2025, 9, 29, 2, tzinfo=UTC),
        datetime(2025, 10, 9, 2, tzinfo=UTC),
        datetime(2025, 10, 13, 2, tzinfo=UTC),
    )
    server = make_server("127.0.0.1", 0, create_deadlines(runtime=make_runtime("deadlines")), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        calendar = DeadlinesCalendar(f"http://127.0.0.1:{server.server_port}", jurisdiction="330200")
        data = supervision.dashboard(
            desk.runtime,
            LEADER,
            supervision.Period(date(2025, 9, 1), date(2025, 9, 30)),
            date(2025, 12, 1),
            calendar=calendar,
        )
    finally:
        server.shutdown()
        thread.join(timeout=5)
    to_accept = data["durations"]["receipt_to_acceptance"]
    to_opinion = data["durations"]["acceptance_to_opinion"]
    assert (to_accept["count"], to_accept["median"], to_accept["approximate"]) == (1, 2.0, False)
    assert (to_opinion["count"], to_opinion["median"], to_opinion["p90"]) == (1, 3.0, 3.0)


def test_a_period_without_cases_says_本期无数据_instead_of_empty_tables_第三十六条(make_runtime) -> None:
    from services.intake.pages.login import session_user
    from services.intake.usecases import directory
    from shared.web import session

    desk = Desk(make_runtime("intake"))
    person = session_user(desk.runtime, directory.find_person(desk.runtime, "bb.leader"))
    cookie = session.dump(session.new_session(desk.runtime.settings, person), desk.runtime.settings)
    desk.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)
    html = desk.client.get("/supervision?from=2020-01-01&to=2020-01-31").get_data(as_text=True)
    assert html.count("本期无数据") == 6  # the 限期纠正 chart of nothing but zeros and 职责下放 included
    assert "<svg" not in html
    assert "<th>条款</th>" not in html and "<th>环节</th>" not in html
    rectifications = html[html.index("<h2>限期纠正（第三十七条）</h2>") :]
    assert "未整改完成" not in rectifications.split("</div>")[0]  # no list of zeros (第三十七条)
