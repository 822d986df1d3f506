"""Deadlines' audit trail (等保 2.0 安全审计): loading or replacing a year of the State Council's notice,
a local closure or extra working day and its withdrawal (which move the due dates of 第十七条、第二十二条…),
and a district's own periods (第三十九条) are each an entry with who, when, from where and what — with what
the change did to the open clocks; a refused change and a preview leave none; the office admin reads the
trail on /admin/audit/deadlines and 校验 says 完整."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from deadlines_support import NINGBO, shanghai
from openpyxl import load_workbook

from services.deadlines import cli
from services.deadlines.app import create_app
from shared.auth import Principal, issue_token
from shared.web import session as web_session

HAISHU = "330203"
NOTICE_2027 = {
    "source": "国务院办公厅关于2027年部分节假日安排的通知（测试数据）",
    "holidays": [{"date": "2027-01-01", "name": "元旦"}],
    "adjusted_workdays": [],
}
PROXIED = {"X-Forwarded-For": "10.8.0.4, 192.168.20.11"}  # nginx appended what it saw last


def _bearer(
    runtime: Any, user: str = "bb.admin", name: str = "周敏", roles: tuple[str, ...] = ("office_admin",)
):  # type: ignore[no-untyped-def]
    principal = Principal(user, name, NINGBO, "nb-bb", frozenset(roles))
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=600)
    return {"Authorization": f"Bearer {token}", **PROXIED}


def _admin(runtime: Any, user: str, name: str, jurisdiction: str, role: str = "office_admin") -> Any:
    """A person logged in to the pages (the suite's one session cookie)."""
    client = create_app(runtime=runtime).test_client()
    person = web_session.SessionUser(user, name, jurisdiction, "x-bb", frozenset({role}), "编办", "宁波市")
    started = web_session.new_session(runtime.settings, person)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, runtime.settings), path="/")
    client.csrf = started.csrf_token  # type: ignore[attr-defined]
    return client


@pytest.fixture
def client(deadlines):  # type: ignore[no-untyped-def]
    return create_app(runtime=deadlines).test_client()


def test_loading_and_replacing_a_year_is_recorded_with_who_from_where_and_the_clocks_it_moved_第二十二条(
    client, deadlines, start_clock, trail
) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2026, 12, 10))  # provisional until 2027 is known
    answer = client.put("/api/v1/calendar/years/2027", json=NOTICE_2027, headers=_bearer(deadlines))
    assert answer.status_code == 200 and answer.json["moved_due_dates"] == 1
    assert (
        client.put("/api/v1/calendar/years/2027", json=NOTICE_2027, headers=_bearer(deadlines)).status_code
        == 200
    )
    first, second = trail.entries(deadlines, action="calendar.load_year")
    assert (first.actor_id, first.actor_name, first.actor_roles) == ("bb.admin", "周敏", ["office_admin"])
    assert first.client_address == "192.168.20.11" and first.jurisdiction == NINGBO
    assert first.object_type == "calendar_year" and first.object_id == "2027"
    assert first.summary.startswith("载入2027年节假日安排（国务院办公厅关于2027年部分节假日安排的通知")
    assert "放假 1 天" in first.summary and "其中 1 项到期日有变化" in first.summary
    assert first.details["holidays"] == {"2027-01-01": "元旦"} and first.details["replaced"] is False
    assert [m["clock_id"] for m in first.details["moved"]] == ["clk-1"]
    assert second.summary.startswith("替换2027年节假日安排") and second.details["replaced"] is True
    assert trail.intact(deadlines)


def test_a_refused_load_and_a_clerks_attempt_leave_no_entry(client, deadlines, trail) -> None:
    bad = {**NOTICE_2027, "adjusted_workdays": [{"date": "2027-01-04", "name": "调休"}]}
    assert client.put("/api/v1/calendar/years/2027", json=bad, headers=_bearer(deadlines)).status_code == 422
    clerk = _bearer(deadlines, "bb.clerk", "王芳", ("office_clerk",))
    assert client.put("/api/v1/calendar/years/2027", json=NOTICE_2027, headers=clerk).status_code == 403
    assert trail.entries(deadlines) == []


def test_a_preview_changes_nothing_and_records_nothing_but_its_confirmation_is_recorded(
    deadlines, trail
) -> None:
    admin = _admin(deadlines, "bb.admin", "周敏", NINGBO)
    holiday_cn = {
        "year": 2027,
        "papers": [],
        "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": True}],
    }
    form = {
        "csrf_token": admin.csrf,
        "year": "2027",
        "source": "国办发明电〔2026〕N号",
        "text": json.dumps(holiday_cn),
    }
    assert admin.post("/admin/calendar/load", data=form).status_code == 200
    assert trail.entries(deadlines) == []
    payload = json.dumps({**NOTICE_2027, "year": 2027}, ensure_ascii=False)
    answer = admin.post("/admin/calendar/confirm", data={"csrf_token": admin.csrf, "payload": payload})
    assert answer.status_code in (302, 303)
    [loaded] = trail.entries(deadlines)
    assert loaded.action == "calendar.load_year" and loaded.client_address == "127.0.0.1"


def test_a_local_closure_and_its_withdrawal_are_recorded_in_the_offices_chain_第二十二条(
    deadlines, start_clock, trail
) -> None:
    start_clock(rule="coordination_opinion", at=shanghai(2025, 11, 3))
    admin = _admin(deadlines, "bb.admin", "周敏", NINGBO)
    closure = {
        "csrf_token": admin.csrf,
        "date": "2025-11-05",
        "kind": "closure",
        "reason": "台风“烟花”停止办公",
    }
    assert admin.post("/admin/calendar/overrides", data=closure).status_code in (302, 303)
    withdraw = admin.post("/admin/calendar/overrides/2025-11-05/withdraw", data={"csrf_token": admin.csrf})
    assert withdraw.status_code in (302, 303)
    added, removed = trail.entries(deadlines, object_type="calendar_override")
    assert added.action == "calendar.override_set" and added.object_id == "2025-11-05"
    assert (
        "宁波市本地调整：2025年11月5日" in added.summary and "停止办公（台风“烟花”停止办公）" in added.summary
    )
    assert added.details["moved_due_dates"] == 1 and added.details["kind"] == "closure"
    assert removed.action == "calendar.override_remove" and "撤销本地调整" in removed.summary
    assert removed.details["removed"] == {"kind": "closure", "reason": "台风“烟花”停止办公"}
    assert {e.jurisdiction for e in (added, removed)} == {NINGBO} and trail.intact(deadlines)


def test_a_districts_own_period_and_its_withdrawal_are_recorded_in_the_districts_chain_第三十九条(
    deadlines, trail
) -> None:
    admin = _admin(deadlines, "hs.bb.admin", "梁宇", HAISHU)
    source = "海曙区部门职责管理办法（海编委〔2026〕3号）第十七条"
    form = {"csrf_token": admin.csrf, "rule": "acceptance_decision", "length": "3", "source": source}
    assert admin.post("/admin/periods", data=form).status_code in (302, 303)
    assert admin.post("/admin/periods", data=form).status_code in (302, 303)  # nothing changed: no entry
    withdraw = {"csrf_token": admin.csrf, "source": "海编委〔2026〕5号"}
    assert admin.post("/admin/periods/acceptance_decision/withdraw", data=withdraw).status_code in (302, 303)
    set_, back = trail.entries(deadlines, jurisdiction=HAISHU)
    assert (set_.action, set_.actor_id, set_.object_id) == (
        "period.set",
        "hs.bb.admin",
        "acceptance_decision",
    )
    assert "海曙区将受理决定（第十七条）期限设为3个工作日" in set_.summary and source in set_.summary
    assert set_.details == {"rule": "acceptance_decision", "new_length": 3, "source": source}
    assert back.action == "period.withdraw" and "恢复执行办法规定的期限（原为3个工作日）" in back.summary
    assert trail.entries(deadlines, jurisdiction=NINGBO) == [] and trail.intact(deadlines, HAISHU)


def test_a_year_loaded_from_the_command_line_is_recorded_by_the_name_given(
    deadlines, monkeypatch, tmp_path, trail
) -> None:
    monkeypatch.setenv("DEADLINES_DATABASE_URL", deadlines.settings.database_url)
    monkeypatch.setenv("DM_VAR_DIR", str(deadlines.settings.var_dir))
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps(NOTICE_2027, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["load-year", "2027", "--file", str(notice), "--by", "张三"]) == 0
    [loaded] = trail.entries(deadlines)
    assert (loaded.actor_id, loaded.actor_name, loaded.client_address) == ("cli", "张三", None)
    assert loaded.jurisdiction == deadlines.settings.jurisdictions[0]


def test_the_office_admin_reads_exports_and_verifies_the_calendars_trail(client, deadlines, trail) -> None:
    client.put("/api/v1/calendar/years/2027", json=NOTICE_2027, headers=_bearer(deadlines))
    admin = _admin(deadlines, "bb.admin", "周敏", NINGBO)
    page = admin.get("/admin/audit/deadlines").get_data(as_text=True)
    assert "审计日志" in page and "期限服务" in page and "载入节假日安排" in page and "192.168.20.11" in page
    assert 'href="/admin/audit/intake"' in page  # the other services' trails, each served by its own
    sheet = load_workbook(io.BytesIO(admin.get("/admin/audit/deadlines.xlsx").data)).active
    assert sheet["A1"].value.startswith("审计日志（宁波市 · 期限服务）")
    assert [r[6] for r in sheet.iter_rows(min_row=6, values_only=True)] == ["载入节假日安排"]
    verified = admin.post("/admin/audit/deadlines/verify", data={"csrf_token": admin.csrf})
    assert "<strong>完整</strong>" in verified.get_data(as_text=True)
    assert [e.action for e in trail.entries(deadlines)] == [
        "calendar.load_year",
        "audit.export",
        "audit.verify",
    ]
    clerk = _admin(deadlines, "bb.clerk", "王芳", NINGBO, role="office_clerk")
    assert clerk.get("/admin/audit/deadlines").status_code == 403


def test_every_entry_names_the_year_day_period_and_setting_it_changed_in_chinese_第二十二条_第三十九条(
    client, deadlines, monkeypatch, tmp_path, trail
) -> None:
    client.put("/api/v1/calendar/years/2027", json=NOTICE_2027, headers=_bearer(deadlines))
    city = _admin(deadlines, "bb.admin", "周敏", NINGBO)
    closure = {"csrf_token": city.csrf, "date": "2025-11-05", "kind": "closure", "reason": "台风停止办公"}
    city.post("/admin/calendar/overrides", data=closure)
    city.post("/admin/calendar/overrides/2025-11-05/withdraw", data={"csrf_token": city.csrf})
    monkeypatch.setenv("DEADLINES_DATABASE_URL", deadlines.settings.database_url)
    monkeypatch.setenv("DM_VAR_DIR", str(deadlines.settings.var_dir))
    notice = tmp_path / "notice.json"
    notice.write_text(json.dumps(NOTICE_2027, ensure_ascii=False), encoding="utf-8")
    assert cli.main(["load-year", "2027", "--file", str(notice), "--by", "张三"]) == 0
    district = _admin(deadlines, "hs.bb.admin", "梁宇", HAISHU)
    source = "海曙区部门职责管理办法（海编委〔2026〕3号）"
    period = {"csrf_token": district.csrf, "rule": "acceptance_decision", "length": "3", "source": source}
    district.post("/admin/periods", data=period)
    back = {**period, "source": "海编委〔2026〕5号"}
    district.post("/admin/periods/acceptance_decision/withdraw", data=back)
    reply_range = {
        "csrf_token": district.csrf,
        "reply_range.min_working_days": "7",
        "reply_range.max_working_days": "15",
        "reply_range.source": source,
    }
    district.post("/admin/periods/settings/reply_range", data=reply_range)
    back = {**reply_range, "source": "海编委〔2026〕9号"}
    district.post("/admin/periods/settings/reply_range/withdraw", data=back)
    for admin in (city, district):
        admin.post("/admin/audit/deadlines/verify", data={"csrf_token": admin.csrf})
    assert len(trail.entries(deadlines)) == 10

    assert trail.codes_shown(deadlines, city) == []
    assert trail.codes_shown(deadlines, district) == []
    page = district.get("/admin/audit/deadlines").get_data(as_text=True)
    assert "本地办理期限 受理决定期限（第十七条）" in page and "本地规定 书面征求意见答复期限" in page
    assert "审计日志 期限服务" in page
    page = city.get("/admin/audit/deadlines").get_data(as_text=True)
    assert "节假日安排 2027年" in page and "本地调整 2025年11月5日（星期三）" in page
    assert '张三<br><span class="meta">命令行</span>' in page
