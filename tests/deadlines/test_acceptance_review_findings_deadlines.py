"""Found in an acceptance review, run as a new user would run the suite: bad input answers 422 naming the
right field, the calendar-year reminder keeps going after 1 January while the year is still missing, and
every deadline notice says how many working days are left and whether the date is provisional."""

from __future__ import annotations

import json
from datetime import date

import pytest
from deadlines_support import ADMIN, NINGBO, shanghai

from services.deadlines import cli
from services.deadlines.adapters.calendar_store import calendars
from services.deadlines.app import create_app
from services.deadlines.domain.calendar import YearData
from services.deadlines.usecases import calendar_admin, calendar_watch
from services.deadlines.usecases.sweep import sweep
from shared.auth import Principal, issue_token
from shared.contracts import NOTIFY_SEND


@pytest.fixture
def client(deadlines):  # type: ignore[no-untyped-def]
    return create_app(runtime=deadlines).test_client()


def test_a_months_period_from_a_start_outside_the_calendar_is_a_422_naming_start_not_a_500(client) -> None:
    response = client.get("/api/v1/calendar/due-date?start=9999-12-31&months=1")
    assert response.status_code == 422, response.json
    assert response.mimetype == "application/problem+json"
    assert [error["field"] for error in response.json["errors"]] == ["start"]


def test_a_working_day_span_running_past_the_calendar_names_working_days_not_a_valid_start(client) -> None:
    response = client.get("/api/v1/calendar/due-date?start=2199-06-01&working_days=5000")
    assert response.status_code == 422, response.json
    assert [error["field"] for error in response.json["errors"]] == ["working_days"]


def test_office_admins_are_still_reminded_after_1_january_while_that_years_notice_is_missing(
    deadlines, sent
) -> None:
    # 2027 is not in the seed: on 2027-01-04 (a Monday, in office hours) every 2027 date is provisional
    with deadlines.unit_of_work() as uow:
        count = calendar_watch.remind_missing_year(
            uow, calendars(deadlines.db), configured=(NINGBO,), now=shanghai(2027, 1, 4, 10)
        )
        uow.commit()
    assert count == 1
    assert calendar_watch.NEXT_YEAR_MISSING._value.get() == 1
    [notice] = [env["payload"] for env in sent.of_type(NOTIFY_SEND)]
    assert notice["params"]["year"] == 2027


def test_the_missing_year_is_the_current_one_first_then_next_year_from_1_november() -> None:
    known = tuple(range(2004, 2027))
    assert calendar_watch.missing_year(date(2026, 6, 1), known) is None
    assert calendar_watch.missing_year(date(2026, 11, 1), known) == 2027
    assert calendar_watch.missing_year(date(2027, 3, 1), known) == 2027
    assert calendar_watch.missing_year(date(2027, 3, 1), (*known, 2027)) is None


def test_a_reminder_on_a_provisional_due_date_says_it_is_provisional_第二十二条(
    deadlines, start_clock, sent
) -> None:
    # 30 working days from 2026-12-10 reach 2027, which is not loaded: provisional 2027-01-21
    start_clock(rule="coordination_opinion", at=shanghai(2026, 12, 10))
    sweep(deadlines, now=shanghai(2027, 1, 19, 10))  # two working days before: 即将到期
    [notice] = [env["payload"] for env in sent.of_type(NOTIFY_SEND)]
    assert notice["template"] == "due_soon"
    assert notice["params"]["due_date"] == "2027-01-21"
    assert notice["params"]["provisional"] is True


def test_a_due_date_moved_by_a_calendar_reload_is_told_with_the_working_days_left_第二十二条(
    deadlines, start_clock, sent
) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2026, 12, 10))
    year = YearData(2027, {date(2027, 1, 1): "元旦"}, {}, "国务院办公厅关于2027年部分节假日安排的通知")
    with deadlines.unit_of_work() as uow:
        calendar_admin.load_year(uow, calendars(deadlines.db), year, actor=ADMIN, now=shanghai(2026, 12, 21))
        uow.commit()
    [changed] = [env["payload"] for env in sent.of_type(NOTIFY_SEND)]
    assert changed["params"]["due_date"] == "2027-01-22"
    # working days in (2026-12-21, 2027-01-22]: 8 in December, 15 in January (元旦 off)
    assert changed["params"]["remaining_working_days"] == 23


def test_the_cli_explains_a_missing_or_malformed_notice_file_instead_of_a_traceback(
    deadlines, monkeypatch, tmp_path, capsys
) -> None:
    monkeypatch.setenv("DEADLINES_DATABASE_URL", deadlines.settings.database_url)
    monkeypatch.setenv("DM_VAR_DIR", str(deadlines.settings.var_dir))
    assert cli.main(["load-year", "2027", "--file", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert cli.main(["load-year", "2027", "--file", str(broken)]) == 2
    assert "JSON" in capsys.readouterr().err
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([1, 2]), encoding="utf-8")
    assert cli.main(["load-year", "2027", "--file", str(listed)]) == 2
    assert "JSON" in capsys.readouterr().err


def admin_headers(runtime):  # type: ignore[no-untyped-def]
    principal = Principal("bb.admin", "赵磊", NINGBO, "nb-bb", frozenset({"office_admin"}))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
    return {"Authorization": f"Bearer {token}"}


def test_a_year_body_may_repeat_its_year_but_not_contradict_the_address(client, deadlines) -> None:
    notice = {
        "source": "国务院办公厅关于2027年部分节假日安排的通知",
        "holidays": [{"date": "2027-01-01", "name": "元旦"}],
        "adjusted_workdays": [],
    }
    headers = admin_headers(deadlines)
    assert (
        client.put("/api/v1/calendar/years/2027", json={**notice, "year": 2027}, headers=headers).status_code
        == 200
    )
    wrong = client.put("/api/v1/calendar/years/2027", json={**notice, "year": 2028}, headers=headers)
    assert wrong.status_code == 422 and [e["field"] for e in wrong.json["errors"]] == ["year"]


def test_a_consulted_department_is_reminded_that_silence_will_count_as_no_objection_第二十条(
    deadlines, start_clock, sent
) -> None:
    start_clock(rule="written_reply", at=shanghai(2025, 11, 3), working_days=5)  # due 2025-11-10
    sweep(deadlines, now=shanghai(2025, 11, 6, 10))  # two working days before
    sweep(deadlines, now=shanghai(2025, 11, 10, 10))  # the last day
    notices = [env["payload"] for env in sent.of_type(NOTIFY_SEND)]
    assert [n["template"] for n in notices] == ["reply_due_soon", "reply_due_soon"]
    assert [n["params"]["remaining_working_days"] for n in notices] == [2, 0]
