"""Intake's audit trail (等保 2.0 安全审计): every state change of a case, every log-in — refused ones too —
every log-out and every act on API credentials is an entry with who, when, from where and what."""

from __future__ import annotations

import re

import pytest
from casework_support import Desk, accepted_application, application_body
from sqlalchemy import select

from services.intake.app import create_app
from services.intake.pages.login import LOGIN_KEY
from services.intake.tables import AuditEntry, CaseEvent
from services.intake.usecases import credentials, directory
from shared import audit, demo
from shared.identity import Principal, Role
from shared.platform.zwd import AuthCodeInvalid, ZwdUser

ADMIN = Principal("bb.admin", "周敏", "330200", "nb-bb", frozenset({Role.OFFICE_ADMIN}))


def _entries(runtime, **where: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        query = select(AuditEntry).order_by(AuditEntry.jurisdiction, AuditEntry.seq)
        for name, value in where.items():
            query = query.where(getattr(AuditEntry, name) == value)
        return list(session.scalars(query))


def _intact(runtime, jurisdiction: str = "330200") -> bool:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        return audit.verify(session, AuditEntry.__table__, "intake", jurisdiction).intact  # type: ignore[attr-defined]


@pytest.fixture
def desk(make_runtime):  # type: ignore[no-untyped-def]
    return Desk(make_runtime("intake"))


def test_every_state_change_of_a_case_is_recorded_with_who_when_and_from_where_第十七条(desk) -> None:
    gateway = {"X-Forwarded-For": "10.1.2.3, 192.168.10.7"}  # what nginx appended last is what it saw
    case_id = desk.client.post(
        "/api/v1/cases/coordination-applications",
        json=application_body(),
        headers=desk.headers("zhzf.clerk", **gateway),
    ).json["id"]
    assert desk.act("bb.head", case_id, "accept", {"note": "材料齐全"}).status_code == 200
    entries = _entries(desk.runtime, object_id=case_id)
    with desk.runtime.db.transaction() as session:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        actions = [e.action for e in session.scalars(query)]
    assert [e.action for e in entries] == [f"case.{a}" for a in actions] and len(actions) >= 2
    submitted, accepted = entries[0], entries[-1]
    assert submitted.actor_id == "zhzf.clerk" and submitted.actor_name
    assert submitted.actor_roles == ["dept_clerk"] and submitted.client_address == "192.168.10.7"
    assert submitted.object_type == "case" and submitted.jurisdiction == "330200"
    assert "关于餐厨垃圾收运监管职责分工的协调申请" in submitted.summary
    assert accepted.action == "case.accept" and accepted.actor_id == "bb.head"
    assert accepted.client_address == "127.0.0.1"  # no proxy in between: the peer itself
    assert accepted.details["to_status"] and accepted.details["reason"] == "材料齐全"
    assert "受理" in accepted.summary and "→" in accepted.summary
    assert submitted.at <= accepted.at and _intact(desk.runtime)


def test_a_step_the_suite_takes_by_itself_is_recorded_as_the_systems_第三十七条(desk) -> None:
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
    last = _entries(desk.runtime, object_id=case_id)[-1]
    assert (last.action, last.actor_id, last.actor_name) == ("case.deadline_overdue", "system", "系统")
    assert last.client_address is None  # a worker's message, no request


def test_a_refused_step_leaves_no_entry(desk) -> None:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    before = [e.id for e in _entries(desk.runtime)]
    assert desk.act("bb.clerk", case_id, "accept", {"note": "越权"}).status_code == 403
    assert [e.id for e in _entries(desk.runtime)] == before


class Platform:
    def get_user_by_auth_code(self, code: str) -> ZwdUser:
        if code == "code-li":
            return ZwdUser(account_id="100002", employee_code="GE_1", tenant_id="196729", name="李强")
        if code == "code-stranger":
            return ZwdUser(account_id="999999", employee_code="GE_9", tenant_id="196729", name="钱某某")
        raise AuthCodeInvalid()


@pytest.fixture
def browser(make_runtime):  # type: ignore[no-untyped-def]
    runtime = make_runtime("intake")
    directory.load_directory(runtime, demo.demo_directory())
    app = create_app(runtime=runtime)
    app.extensions[LOGIN_KEY] = Platform()
    client = app.test_client()
    client.runtime = runtime  # type: ignore[attr-defined]

    def submit(code: str):  # type: ignore[no-untyped-def]
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        return client.post(
            "/login",
            data={"csrf_token": csrf, "authCode": code, "next": "/"},
            headers={"X-Forwarded-For": "172.16.0.9"},
        )

    client.submit = submit  # type: ignore[attr-defined]
    return client


def test_a_log_in_and_a_log_out_are_recorded_with_the_person_and_their_address(browser) -> None:
    runtime = browser.runtime
    assert browser.submit("code-li").status_code == 303
    [login] = _entries(runtime, action="login")
    assert login.actor_name == "李强" and login.client_address == "172.16.0.9"
    assert login.details == {"method": "zwd_app"} and "浙政钉免登" in login.summary
    page = browser.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    browser.post("/logout", data={"csrf_token": csrf.group(1) if csrf else ""})
    [logout] = _entries(runtime, action="logout")
    assert logout.actor_id == login.actor_id and logout.summary == "退出登录"


@pytest.mark.parametrize(("code", "says"), [("code-stranger", "钱某某"), ("code-expired", "登录失败")])
def test_a_failed_log_in_is_recorded_with_why(browser, code: str, says: str) -> None:
    assert browser.submit(code).status_code in (401, 403)
    [refused] = _entries(browser.runtime, action="login.refused")
    assert refused.actor_name == "未登录用户" and refused.client_address == "172.16.0.9"
    assert says in refused.summary and refused.jurisdiction == "330200"
    assert _entries(browser.runtime, action="login") == []


def test_issuing_revoking_and_using_an_api_credential_are_recorded(make_runtime) -> None:
    runtime = make_runtime("intake")
    directory.load_directory(runtime, demo.demo_directory())
    issued = credentials.issue(runtime, ADMIN, name="12345 热线平台", scope="read", role="office_clerk")
    credentials.exchange(runtime, issued.secret)
    with pytest.raises(Exception, match="无效"):
        credentials.exchange(runtime, issued.secret[:-2] + "xx")
    credentials.revoke(runtime, ADMIN, issued.credential["id"])
    credentials.revoke(runtime, ADMIN, issued.credential["id"])  # already revoked: nothing happened
    acts = [(e.action, e.actor_id) for e in _entries(runtime, object_id=issued.credential["id"])]
    key = f"api:{issued.credential['id']}"
    assert acts == [("credential.issue", "bb.admin"), ("login", key), ("credential.revoke", "bb.admin")]
    [refused] = _entries(runtime, action="login.refused")
    assert refused.object_id == key and "凭证密钥不符" in refused.summary
    assert _intact(runtime)


def test_loading_the_directory_is_recorded_per_jurisdiction_with_who_and_what(make_runtime) -> None:
    runtime = make_runtime("intake")
    directory.load_directory(runtime, demo.demo_directory())
    loads = _entries(runtime, action="directory.load")
    assert {e.jurisdiction for e in loads} >= {"330200", "330203"}
    city = next(e for e in loads if e.jurisdiction == "330200")
    assert city.actor_id == "system" and city.summary.startswith("载入组织目录：部门 ")
    assert "nb-bb" in city.details["departments"] and "bb.admin" in city.details["people"]
    assert _intact(runtime) and _intact(runtime, "330203")
