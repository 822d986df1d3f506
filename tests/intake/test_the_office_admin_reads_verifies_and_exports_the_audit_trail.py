"""The office admin reads the audit trail on /admin/audit (等保 2.0 安全审计): filtered by dates, actor and
action, paged, exported to Excel with Chinese headers, instants as dates and the filters at the top, and
校验 says 完整 or names the first broken entry; only the office admin, only their own jurisdiction; an export
and a verification are themselves recorded."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from casework_support import Desk, accepted_application, application_body
from openpyxl import load_workbook
from sqlalchemy import select, text, update

from services.intake.pages.login import session_user
from services.intake.tables import AuditEntry
from services.intake.usecases import audit_log, credentials, directory
from shared import audit, localtime
from shared.errors import Unauthorized
from shared.identity import Principal, Role
from shared.web import session

TABLE = AuditEntry.__table__  # type: ignore[attr-defined]


def _desk(make_runtime, user: str = "bb.admin") -> Desk:  # type: ignore[no-untyped-def]
    desk = Desk(make_runtime("intake"))
    person = session_user(desk.runtime, directory.find_person(desk.runtime, user))
    cookie = session.dump(session.new_session(desk.runtime.settings, person), desk.runtime.settings)
    desk.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)
    return desk


def _csrf(desk: Desk) -> str:
    cookie = desk.client.get_cookie(session.COOKIE_NAME)
    return session.parse(cookie.value, desk.runtime.settings).csrf_token  # type: ignore[union-attr]


def _many(desk: Desk, n: int) -> None:
    admin = Principal("bb.admin", "赵磊", "330200", "nb-bb", frozenset({Role.OFFICE_ADMIN}))
    for i in range(n):
        with desk.runtime.unit_of_work() as uow:
            uow.audit(
                "credential.issue", actor=admin, summary=f"签发接口凭证：系统{i + 1}", object_id=f"k{i}"
            )
            uow.commit()


def test_the_admin_sees_who_did_what_when_and_from_where_newest_first(make_runtime) -> None:
    desk = _desk(make_runtime)
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    page = desk.client.get("/admin/audit/intake").get_data(as_text=True)
    assert "<h1>审计日志</h1>" in page or ">审计日志</h1>" in page
    assert "办理：" in page and case_id in page and "127.0.0.1" in page
    assert "关于餐厨垃圾收运监管职责分工的协调申请" in page and "部门经办人" in page
    assert desk.client.get("/admin/audit").status_code == 303  # the home of the trail is intake's
    assert 'href="/admin/audit"' in page  # in the admin's menu


def test_only_the_office_admin_reads_the_trail(make_runtime) -> None:
    desk = _desk(make_runtime, "bb.head")
    assert desk.client.get("/admin/audit/intake").status_code == 403
    assert desk.client.get("/admin/audit/intake.xlsx").status_code == 403


def test_a_district_admin_reads_only_the_districts_chain_第三十九条(make_runtime) -> None:
    desk = _desk(make_runtime, "hs.bb.admin")
    _many(desk, 2)  # the city's entries
    page = desk.client.get("/admin/audit/intake").get_data(as_text=True)
    assert "系统1" not in page and "组织目录" in page  # the district's own: its directory loaded


def test_filters_select_by_actor_action_and_dates_and_pages_hold_fifty(make_runtime) -> None:
    desk = _desk(make_runtime)
    _many(desk, 60)
    desk.post("zhzf.clerk", "/cases/coordination-applications", application_body())
    first = desk.client.get("/admin/audit/intake?action=credential.issue").get_data(as_text=True)
    assert (
        "共 60 条记录" in first
        and "第 1 页，共 2 页" in first
        and "系统60" in first
        and "系统10<" not in first
    )
    second = desk.client.get("/admin/audit/intake?action=credential.issue&page=2").get_data(as_text=True)
    assert "系统10<" in second and "上一页" in second
    by_actor = desk.client.get("/admin/audit/intake?actor=zhzf.clerk").get_data(as_text=True)
    assert "共 1 条记录" in by_actor
    today = localtime.today().isoformat()
    assert "共 60 条记录" in desk.client.get(
        f"/admin/audit/intake?action=credential.issue&from={today}&to={today}"
    ).get_data(as_text=True)
    past = desk.client.get("/admin/audit/intake?from=2020-01-01&to=2020-01-31").get_data(as_text=True)
    assert "共 0 条记录" in past
    wrong = desk.client.get("/admin/audit/intake?from=2026-12-05&to=2026-12-01")
    assert wrong.status_code == 400 and "截止日期不能早于起始日期" in wrong.get_data(as_text=True)
    assert desk.client.get("/admin/audit/intake?page=99999999999999999999").status_code in (200, 422)


def test_verify_says_intact_or_names_the_first_broken_entry(make_runtime) -> None:
    desk = _desk(make_runtime)
    _many(desk, 3)
    answer = desk.client.post("/admin/audit/intake/verify", data={"csrf_token": _csrf(desk)})
    page = answer.get_data(as_text=True)
    assert (
        answer.status_code == 200 and "<strong>完整</strong>" in page and "共 4 条记录" in page
    )  # the directory loaded, then 3
    with desk.runtime.db.engine.begin() as conn:  # someone with the owner's rights changes entry 2
        for sql in audit.drop_append_only_triggers(conn.dialect.name):
            conn.execute(text(sql))
        conn.execute(update(TABLE).where(TABLE.c.seq == 2).values(summary="签发接口凭证：别的系统"))
        for sql in audit.append_only_triggers(conn.dialect.name):  # PostgreSQL's database outlives the test
            conn.execute(text(sql))
    page = desk.client.post("/admin/audit/intake/verify", data={"csrf_token": _csrf(desk)}).get_data(
        as_text=True
    )
    assert "<strong>不完整</strong>" in page and "第 2 条记录的内容与其哈希不符" in page
    with desk.runtime.db.transaction() as s:
        checks = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "audit.verify")))
    assert [c.details["intact"] for c in checks] == [True, False]  # each verification is recorded


def test_the_export_has_chinese_headers_dates_as_dates_and_the_filters_at_the_top(make_runtime) -> None:
    desk = _desk(make_runtime)
    _many(desk, 3)
    answer = desk.client.get("/admin/audit/intake.xlsx?actor=赵磊&action=credential.issue")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert sheet["A1"].value.startswith("审计日志（宁波市 · 受理服务）")
    assert sheet["A2"].value == "筛选条件：操作人：赵磊；操作：签发接口凭证"
    assert "完整" in sheet["A4"].value and "SM3" in sheet["A4"].value
    assert [c.value for c in sheet[5]][:7] == [
        "序号",
        "时间（北京时间）",
        "操作人",
        "操作人账号",
        "角色",
        "来源地址",
        "操作",
    ]
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    assert [r[0] for r in rows] == [4, 3, 2] and isinstance(rows[0][1], datetime)
    assert rows[0][2] == "赵磊" and rows[0][6] == "签发接口凭证" and rows[0][7] == "k2"
    assert len(rows[0][10]) == 64 and rows[0][11] == "credential.issue"  # the hash; the record as stored
    with desk.runtime.db.transaction() as s:
        [export] = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "audit.export")))
    assert export.details["count"] == 3 and export.actor_id == "bb.admin"


def test_exporting_the_supervision_ledger_is_recorded_第三十六条(make_runtime) -> None:
    desk = _desk(make_runtime, "bb.head")
    assert desk.client.get("/supervision/cases.xlsx").status_code == 200
    with desk.runtime.db.transaction() as s:
        [export] = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.export")))
    assert export.actor_id == "bb.head" and "职责管理事项台账" in export.summary


def test_exporting_the_worklist_ledger_is_recorded_第三十六条(make_runtime) -> None:
    desk = _desk(make_runtime, "bb.clerk")
    assert desk.client.get("/worklist.xlsx").status_code == 200
    with desk.runtime.db.transaction() as s:
        [export] = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "ledger.export")))
    assert export.actor_id == "bb.clerk" and "编办待办事项台账" in export.summary


def _as(desk: Desk, user: str) -> None:
    person = session_user(desk.runtime, directory.find_person(desk.runtime, user))
    cookie = session.dump(session.new_session(desk.runtime.settings, person), desk.runtime.settings)
    desk.client.set_cookie(session.COOKIE_NAME, cookie, path=session.COOKIE_PATH)


def test_every_entry_names_what_it_acted_on_in_chinese_and_an_account_only_where_there_is_one(
    make_runtime, trail
) -> None:
    desk = _desk(make_runtime)
    runtime = desk.runtime
    case_id = accepted_application(desk)
    overdue = {"clock_id": f"{case_id}:coordination_opinion", "case": {"id": case_id}}
    desk.deliver("clock.overdue", {**overdue, "rule": "coordination_opinion", "due_date": "2027-01-12"})
    admin = directory.principal_of(directory.find_person(runtime, "bb.admin"))
    issued = credentials.issue(runtime, admin, name="12345 热线平台", scope="read", role="office_clerk")
    credentials.exchange(runtime, issued.secret)
    with pytest.raises(Unauthorized):
        credentials.exchange(runtime, issued.secret[:-2] + "xx")
    credentials.revoke(runtime, admin, issued.credential["id"])
    audit_log.logged_in(runtime, admin, audit_log.ZWD_QR)
    audit_log.login_refused(runtime, audit_log.ZWD_APP, code="auth_code_invalid", detail="免登码无效")
    audit_log.logged_out(runtime, admin, everywhere=True)
    envelope = {"event_id": "e-1", "type": "clock.scheduled", "source": "deadlines", "payload": {}}
    runtime.dead_letters.record(envelope, ValueError("case_unknown"), reason="refused", retries=0)
    [letter] = runtime.dead_letters.open_letters()
    operator = Principal(audit.CLI_ID, "命令行", "330200", None, frozenset())
    runtime.dead_letters.resolve(letter.id, "重复消息，已人工核对", by=operator)
    for user, ledger in (("bb.clerk", "/worklist.xlsx"), ("bb.head", "/supervision/cases.xlsx")):
        _as(desk, user)
        assert desk.client.get(ledger).status_code == 200
    _as(desk, "bb.admin")
    desk.client.post("/admin/audit/intake/verify", data={"csrf_token": _csrf(desk)})
    actions = {e.action for e in trail.entries(runtime)}
    assert {"case.accept", "case.deadline_overdue", "credential.revoke", "login.refused"} <= actions
    assert {"logout", "dead_letter.resolve", "ledger.export", "audit.verify", "directory.load"} <= actions

    assert trail.codes_shown(runtime, desk.client) == []
    page = desk.client.get("/admin/audit/intake").get_data(as_text=True)
    assert "组织目录 宁波市" in page and "审计日志 受理服务" in page and f"事项 {case_id}" in page
    assert "只读接口凭证、编办经办人" in page  # the credential's roles, by their names
    assert "关闭失败消息“期限安排通知”（业务规则拒绝）：重复消息，已人工核对" in page
    assert '<td data-label="操作人">系统</td>' in page  # the system has no account to show
