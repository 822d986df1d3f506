"""The public calendar API (exact shapes, 422 naming the field), its administration by the office admin, and
the clock view for authorised callers (第十七条、第二十二条 examples)."""

from __future__ import annotations

import pytest
from deadlines_support import NINGBO, shanghai

from services.deadlines.app import create_app
from shared.auth import Principal, issue_token


@pytest.fixture
def client(deadlines):  # type: ignore[no-untyped-def]
    return create_app(runtime=deadlines).test_client()


def bearer(runtime, *roles: str, jurisdiction: str = NINGBO, department: str | None = None, user: str = "u1"):  # type: ignore[no-untyped-def]
    principal = Principal(user, "测试用户", jurisdiction, department, frozenset(roles))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def fields_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    return [error["field"] for error in response.json["errors"]]


def test_due_date_over_national_day_lists_the_skipped_days_第十七条(client) -> None:
    response = client.get("/api/v1/calendar/due-date?start=2025-09-26&working_days=5")
    assert response.status_code == 200
    assert response.json == {
        "start": "2025-09-26",
        "working_days": 5,
        "due_date": "2025-10-10",
        "provisional": False,
        "provisional_reason": None,
        "skipped": [
            {"date": "2025-09-27", "reason": "周末"},
            *({"date": f"2025-10-0{day}", "reason": "国庆节"} for day in range(1, 6)),
            {"date": "2025-10-06", "reason": "中秋节"},
            {"date": "2025-10-07", "reason": "国庆节"},
            {"date": "2025-10-08", "reason": "国庆节"},
        ],
    }


def test_due_date_from_a_saturday_in_the_spring_festival_break_ends_on_an_adjusted_saturday(client) -> None:
    body = client.get("/api/v1/calendar/due-date?start=2026-02-21&working_days=5").json
    assert (body["due_date"], body["provisional"]) == ("2026-02-28", False)
    # the start day is not counted, so the skipped days begin the day after it
    assert body["skipped"] == [{"date": f"2026-02-2{day}", "reason": "春节"} for day in (2, 3)]


def test_a_holiday_spanning_the_year_end_counts_the_adjusted_new_years_eve(client) -> None:
    # 元旦 2012: 2011-12-31 (Sat) worked, 2012-01-01..03 off
    body = client.get("/api/v1/calendar/due-date?start=2011-12-29&working_days=3").json
    assert body["due_date"] == "2012-01-04"
    assert [day["date"] for day in body["skipped"]] == ["2012-01-01", "2012-01-02", "2012-01-03"]


def test_half_a_year_in_months_rolls_forward_to_a_working_day_第三十五条(client) -> None:
    # 2025-04-01 + 6 months = 2025-10-01 (国庆节) → the next working day, 10月9日
    body = client.get("/api/v1/calendar/due-date?start=2025-04-01&months=6").json
    assert set(body) == {"start", "months", "due_date", "provisional", "provisional_reason", "skipped"}
    assert (body["months"], body["due_date"]) == (6, "2025-10-09")
    assert body["skipped"][0] == {"date": "2025-10-01", "reason": "国庆节"}


def test_a_due_date_in_an_unloaded_year_is_provisional(client) -> None:
    body = client.get("/api/v1/calendar/due-date?start=2026-12-20&working_days=30").json
    assert body["provisional"] is True


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2026-02-30&working_days=5", "start"),
        ("working_days=5", "start"),
        ("start=2026-02-20&working_days=0", "working_days"),
        ("start=2026-02-20&working_days=-3", "working_days"),
        ("start=2026-02-20&working_days=99999999", "working_days"),
        ("start=2026-02-20&working_days=five", "working_days"),
        ("start=2026-02-20&months=0", "months"),
        ("start=2026-02-20", "working_days"),
        ("start=2026-02-20&working_days=5&months=1", "months"),
    ],
)
def test_bad_due_date_queries_are_422_naming_the_field(client, query: str, field: str) -> None:
    assert fields_of(client.get(f"/api/v1/calendar/due-date?{query}")) == [field]


def test_a_day_says_what_it_is(client) -> None:
    assert client.get("/api/v1/calendar/days/2025-09-28").json == {
        "date": "2025-09-28",
        "working_day": True,
        "kind": "adjusted_workday",
        "name": "国庆节调休上班",
    }
    assert client.get("/api/v1/calendar/days/2025-10-01").json["kind"] == "holiday"
    assert client.get("/api/v1/calendar/days/2025-10-11").json["kind"] == "adjusted_workday"
    assert client.get("/api/v1/calendar/days/2025-11-08").json == {
        "date": "2025-11-08",
        "working_day": False,
        "kind": "weekend",
        "name": None,
    }
    assert client.get("/api/v1/calendar/days/2027-03-01").json["kind"] == "unknown"
    assert fields_of(client.get("/api/v1/calendar/days/2025-13-01")) == ["date"]


def test_the_loaded_years_name_their_source(client) -> None:
    years = client.get("/api/v1/calendar/years").json["years"]
    assert years[0]["year"] == 2004 and years[-1]["year"] == 2026
    assert set(years[0]) == {"year", "source", "holidays", "adjusted_workdays", "loaded_at", "loaded_by"}


NOTICE_2027 = {
    "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
    "holidays": [{"date": "2027-01-01", "name": "元旦"}],
    "adjusted_workdays": [],
}


def test_only_an_office_admin_loads_a_year_and_the_public_sees_it_at_once(client, deadlines) -> None:
    assert client.put("/api/v1/calendar/years/2027", json=NOTICE_2027).status_code == 401
    clerk = bearer(deadlines, "office_clerk")
    assert client.put("/api/v1/calendar/years/2027", json=NOTICE_2027, headers=clerk).status_code == 403
    admin = bearer(deadlines, "office_admin")
    response = client.put("/api/v1/calendar/years/2027", json=NOTICE_2027, headers=admin)
    assert response.status_code == 200 and response.json == {"recomputed_clocks": 0, "moved_due_dates": 0}
    assert client.get("/api/v1/calendar/days/2027-01-01").json["kind"] == "holiday"
    assert client.get("/api/v1/calendar/years").json["years"][-1]["loaded_by"] == "测试用户（u1）"


def test_a_bad_year_is_422_naming_each_field(client, deadlines) -> None:
    admin = bearer(deadlines, "office_admin")
    bad = {
        "source": "测试",
        "holidays": [{"date": "2026-12-19", "name": "元旦"}],  # before the year end a notice may move
        "adjusted_workdays": [{"date": "2027-01-04", "name": "调休"}],
    }
    assert fields_of(client.put("/api/v1/calendar/years/2027", json=bad, headers=admin)) == [
        "adjusted_workdays",
        "holidays",
    ]
    assert fields_of(client.put("/api/v1/calendar/years/2027", json={"holidays": []}, headers=admin)) == [
        "source"
    ]


def test_an_office_admin_closes_a_typhoon_day_for_their_own_jurisdiction(client, deadlines) -> None:
    admin = bearer(deadlines, "office_admin")
    body = {"kind": "closure", "reason": "台风停止办公"}
    assert client.put("/api/v1/calendar/overrides/2025-11-05", json=body, headers=admin).status_code == 200
    assert client.get("/api/v1/calendar/days/2025-11-05").json["working_day"] is True
    local = client.get(f"/api/v1/calendar/days/2025-11-05?jurisdiction={NINGBO}").json
    assert local == {"date": "2025-11-05", "working_day": False, "kind": "holiday", "name": "台风停止办公"}
    due = client.get(f"/api/v1/calendar/due-date?start=2025-11-03&working_days=5&jurisdiction={NINGBO}").json
    assert (
        due["due_date"] == "2025-11-11" and {"date": "2025-11-05", "reason": "台风停止办公"} in due["skipped"]
    )
    listed = client.get(f"/api/v1/calendar/overrides?jurisdiction={NINGBO}").json
    assert listed == {
        "overrides": [
            {"jurisdiction": NINGBO, "date": "2025-11-05", "kind": "closure", "reason": "台风停止办公"}
        ]
    }
    assert fields_of(
        client.put(
            "/api/v1/calendar/overrides/2025-11-06", json={"kind": "storm", "reason": "x"}, headers=admin
        )
    ) == ["kind"]
    assert client.delete("/api/v1/calendar/overrides/2025-11-05", headers=admin).status_code == 200
    assert client.get(f"/api/v1/calendar/days/2025-11-05?jurisdiction={NINGBO}").json["working_day"] is True


def test_a_clock_is_shown_to_the_office_and_the_responsible_department_only_第二十二条(
    client, deadlines, start_clock
) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2025, 11, 3))
    office = client.get("/api/v1/clocks/clk-1", headers=bearer(deadlines, "office_clerk"))
    assert office.status_code == 200
    shown = office.json
    assert shown["rule"] == {
        "code": "coordination_opinion",
        "name": "协调意见",
        "article": "第二十二条",
        "basis": "受理后应当在30个工作日内提出协调意见；情况特殊的，可以延长30个工作日",
    }
    assert (shown["due_date"], shown["provisional"], shown["extended"]) == ("2025-12-15", False, False)
    assert shown["state"] in {"running", "overdue"} and isinstance(shown["remaining_working_days"], int)
    assert [event["kind"] for event in shown["history"]] == ["started"]
    department = bearer(deadlines, "dept_clerk", department="BB001")
    assert client.get("/api/v1/clocks/clk-1", headers=department).status_code == 200
    other_department = bearer(deadlines, "dept_clerk", department="FG002")
    assert client.get("/api/v1/clocks/clk-1", headers=other_department).status_code == 403
    other_jurisdiction = bearer(deadlines, "office_clerk", jurisdiction="330203")
    assert client.get("/api/v1/clocks/clk-1", headers=other_jurisdiction).status_code == 404
    assert (
        client.get("/api/v1/clocks/clk-1", headers=bearer(deadlines, "service", jurisdiction="-")).status_code
        == 200
    )
    assert client.get("/api/v1/clocks/nope", headers=bearer(deadlines, "office_clerk")).status_code == 404
    assert client.get("/api/v1/clocks/clk-1").status_code == 401


@pytest.mark.parametrize("phase", ["overdue", "paused", "stopped"])  # started in 2025: overdue by now
def test_a_clock_is_answered_exactly_as_its_openapi_schema_documents_it_第二十二条(
    deadlines, start_clock, send, phase
) -> None:
    import schemathesis
    from schemathesis.specs.openapi import checks

    from shared.contracts import CLOCK_PAUSE, CLOCK_STOP

    later = shanghai(2025, 11, 5)
    start_clock(rule="coordination_opinion", at=shanghai(2025, 11, 3))
    if phase == "paused":
        send(CLOCK_PAUSE, {"clock_id": "clk-1", "at": later.isoformat(), "reason": "中止"}, at=later)
    if phase == "stopped":
        send(CLOCK_STOP, {"clock_id": "clk-1", "at": later.isoformat(), "outcome": "done"}, at=later)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", create_app(runtime=deadlines))
    case = schema["/api/v1/clocks/{clock_id}"]["GET"].Case(path_parameters={"clock_id": "clk-1"})
    response = case.call_and_validate(
        headers=bearer(deadlines, "office_clerk"),
        checks=[checks.response_schema_conformance, checks.status_code_conformance],
    )
    assert response.status_code == 200 and response.json()["state"] == phase
