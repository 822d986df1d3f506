"""Every service keeps its own audit trail (等保 2.0 安全审计：审计记录应受到保护，
避免非预期的删除、修改或覆盖): its migration creates ``audit_entry`` with triggers refusing UPDATE and
DELETE (PostgreSQL's raising 审计记录只能追加; SQLite's too), an entry changed by someone who dropped them
breaks the chain where it was changed, an entry is written with the change it records or not at all, and
the office admin reads each service's trail at /admin/audit/<service> of that service."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from shared import audit, dead_letters
from shared.identity import Principal, Role
from shared.web import session as web_session

SERVICES = ("intake", "deadlines", "devolution", "notify")
ADMIN = Principal("bb.admin", "周敏", "330200", "nb-bb", frozenset({Role.OFFICE_ADMIN}))


def _table(service: str) -> Any:
    return importlib.import_module(f"services.{service}.tables").AuditEntry.__table__


def _record(runtime: Any, n: int) -> None:
    for i in range(n):
        with runtime.unit_of_work() as uow:
            uow.audit("audit.test", actor=ADMIN, object_id=f"o{i}", summary=f"第 {i + 1} 次测试操作")
            uow.commit()


def _summaries(runtime: Any) -> list[str]:
    table = _table(runtime.service)
    with runtime.db.transaction() as session:
        return list(session.scalars(select(table.c.summary).order_by(table.c.seq)))


def _verify(runtime: Any) -> audit.ChainCheck:
    with runtime.db.transaction() as session:
        return audit.verify(session, _table(runtime.service), runtime.service, "330200")


@pytest.mark.parametrize("service", SERVICES)
def test_the_database_of_each_service_refuses_to_update_or_delete_an_entry(make_runtime, service) -> None:
    runtime = make_runtime(service)
    _record(runtime, 2)
    table = _table(service)
    refusal = "审计记录只能追加" if runtime.db.is_postgresql else "append-only"
    for statement in (update(table).values(summary="改"), delete(table)):
        with pytest.raises(DBAPIError, match=refusal), runtime.db.engine.begin() as conn:
            conn.execute(statement)
    assert _summaries(runtime) == ["第 1 次测试操作", "第 2 次测试操作"] and _verify(runtime).intact


@pytest.mark.parametrize("service", SERVICES)
def test_an_entry_changed_behind_the_triggers_back_breaks_the_chain_of_each_service(
    make_runtime, service
) -> None:
    runtime = make_runtime(service)
    _record(runtime, 3)
    table = _table(service)
    with runtime.db.engine.begin() as conn:  # someone with the owner's rights drops the triggers, and back
        for sql in audit.drop_append_only_triggers(conn.dialect.name):
            conn.execute(text(sql))
        conn.execute(update(table).where(table.c.seq == 2).values(actor_name="别人"))
        for sql in audit.append_only_triggers(conn.dialect.name):  # PostgreSQL's database outlives the test
            conn.execute(text(sql))
    check = _verify(runtime)
    assert (check.intact, check.broken_seq, check.count) == (False, 2, 1)
    assert check.message == "不完整：第 2 条记录的内容与其哈希不符（该条被改动）。"


@pytest.mark.parametrize("service", SERVICES)
def test_a_rolled_back_change_leaves_no_entry_in_any_service(make_runtime, service) -> None:
    runtime = make_runtime(service)
    with runtime.unit_of_work() as uow:
        uow.audit("audit.test", actor=ADMIN, summary="未提交的操作")  # no commit: rolled back
    with pytest.raises(RuntimeError), runtime.unit_of_work() as uow:
        uow.audit("audit.test", actor=ADMIN, summary="出错的操作")
        raise RuntimeError("the change failed")
    assert _summaries(runtime) == []


@pytest.mark.parametrize("service", ["deadlines", "devolution", "notify"])  # intake's: its own tests
def test_each_service_serves_its_own_trail_to_the_office_admin(make_runtime, service) -> None:
    runtime = make_runtime(service)
    _record(runtime, 1)
    client = importlib.import_module(f"services.{service}.app").create_app(runtime=runtime).test_client()
    person = web_session.SessionUser(
        "bb.admin", "周敏", "330200", "nb-bb", frozenset({"office_admin"}), "编办", "宁波市"
    )
    started = web_session.new_session(runtime.settings, person)
    client.set_cookie(web_session.COOKIE_NAME, web_session.dump(started, runtime.settings), path="/")
    page = client.get(f"/admin/audit/{service}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert audit.SERVICE_NAMES[service] in html and "第 1 次测试操作" in html
    assert client.get(f"/admin/audit/{service}.xlsx").status_code == 200


@pytest.mark.parametrize("service", ["deadlines", "notify"])
def test_an_operator_closing_a_dead_letter_is_recorded_by_the_command_line(
    make_runtime, service, monkeypatch, trail
) -> None:
    runtime = make_runtime(service)
    envelope = {"event_id": "e-1", "type": "clock.start", "source": "intake", "payload": {}}
    assert runtime.dead_letters is not None
    runtime.dead_letters.record(envelope, ValueError("rule_unknown"), reason="refused", retries=0)
    [letter] = runtime.dead_letters.open_letters()
    monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", runtime.settings.database_url)
    monkeypatch.setenv("DM_VAR_DIR", str(runtime.settings.var_dir))
    assert dead_letters._main([service, "resolve", str(letter.id), "--note", "重复消息，已人工核对"]) == 0
    [closed] = trail.entries(runtime, action="dead_letter.resolve")
    assert (closed.actor_id, closed.actor_name, closed.object_id) == ("cli", "命令行", str(letter.id))
    assert closed.summary == "关闭失败消息“启动期限计时”（业务规则拒绝）：重复消息，已人工核对"
    assert closed.jurisdiction == runtime.settings.jurisdictions[0] and trail.intact(
        runtime, closed.jurisdiction
    )
