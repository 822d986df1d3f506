"""The audit trail (等保 2.0 安全审计) underneath every service: entries are written with the change they
record or not at all, each carries the SM3 hash of the one before it in its jurisdiction's chain, a changed,
deleted or inserted entry breaks the chain where it happened, and the database itself refuses to update or
delete an entry (PostgreSQL's trigger; SQLite's too)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from services.intake.tables import AuditEntry, Department, Jurisdiction
from shared import audit
from shared.identity import Principal, Role

ADMIN = Principal("bb.admin", "周敏", "330200", "nb-bb", frozenset({Role.OFFICE_ADMIN}))
TABLE = AuditEntry.__table__  # type: ignore[attr-defined]


def _record(runtime, n: int = 1, jurisdiction: str | None = None, **more) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        with runtime.unit_of_work() as uow:
            uow.audit(
                "directory.test",
                actor=ADMIN,
                jurisdiction=jurisdiction,
                object_type="department",
                object_id=f"d{i}",
                summary=f"第 {i + 1} 次测试操作",
                details={"i": i, **more},
            )
            uow.commit()


def _entries(runtime, jurisdiction: str = "330200") -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        query = select(AuditEntry).where(AuditEntry.jurisdiction == jurisdiction).order_by(AuditEntry.seq)
        return list(session.scalars(query))


def _verify(runtime, jurisdiction: str = "330200") -> audit.ChainCheck:  # type: ignore[no-untyped-def]
    with runtime.db.transaction() as session:
        return audit.verify(session, TABLE, runtime.service, jurisdiction)


def _without_triggers(runtime, statement) -> None:  # type: ignore[no-untyped-def]
    """What someone with the database owner's rights could do: drop the triggers and change the rows."""
    with runtime.db.engine.begin() as conn:
        for sql in audit.drop_append_only_triggers(conn.dialect.name):
            conn.execute(text(sql))
        conn.execute(statement)
        for sql in audit.append_only_triggers(conn.dialect.name):
            conn.execute(text(sql))


def test_sm3_is_the_national_standard_hash_gbt_32905_test_vectors() -> None:
    assert audit.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert audit.sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    assert audit.ALGORITHM == "SM3"


def test_each_entry_carries_the_hash_of_the_one_before_it_in_its_jurisdictions_chain(make_runtime) -> None:
    runtime = make_runtime("intake")
    _record(runtime, 3)
    _record(runtime, 2, jurisdiction="330203")
    city, district = _entries(runtime), _entries(runtime, "330203")
    assert [e.seq for e in city] == [1, 2, 3] and [e.seq for e in district] == [1, 2]
    assert city[0].prev_hash == audit.GENESIS and district[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in city[1:]] == [e.hash for e in city[:-1]]
    first = city[0]
    assert (first.actor_id, first.actor_name, first.actor_roles) == ("bb.admin", "周敏", ["office_admin"])
    assert first.at.tzinfo is not None and first.client_address is None  # no request: no address
    assert _verify(runtime).intact and _verify(runtime).count == 3
    assert _verify(runtime, "330203").intact


def test_a_rolled_back_change_leaves_no_entry_and_a_change_never_lacks_its_entry(
    make_runtime, monkeypatch
) -> None:
    runtime = make_runtime("intake")
    with runtime.db.transaction() as session:
        session.add(Jurisdiction(code="330200", name="宁波市", level="city"))
    with runtime.unit_of_work() as uow:
        uow.session.add(Department(code="nb-x", name="某局", jurisdiction_code="330200", kind="other"))
        uow.audit("directory.add", actor=ADMIN, summary="新增部门：某局")
        # no commit: the change and its entry go together
    assert _entries(runtime) == []

    def broken(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit storage failed")

    monkeypatch.setattr(audit, "append", broken)
    with pytest.raises(RuntimeError), runtime.unit_of_work() as uow:
        uow.session.add(Department(code="nb-y", name="另一局", jurisdiction_code="330200", kind="other"))
        uow.audit("directory.add", actor=ADMIN, summary="新增部门：另一局")
        uow.commit()
    with runtime.db.transaction() as session:
        assert session.get(Department, "nb-y") is None  # an entry that could not be written undoes the change


def test_a_changed_entry_breaks_the_chain_at_that_entry(make_runtime) -> None:
    runtime = make_runtime("intake")
    _record(runtime, 4)
    _without_triggers(runtime, update(TABLE).where(TABLE.c.seq == 2).values(summary="改过的内容"))
    check = _verify(runtime)
    assert not check.intact and check.broken_seq == 2 and check.count == 1
    assert check.message.startswith("不完整：第 2 条记录的内容与其哈希不符")


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_chain_at_the_next_entry(make_runtime) -> None:
    runtime = make_runtime("intake")
    _record(runtime, 4)
    second = _entries(runtime)[1]
    values = {name: getattr(second, name) for name in audit.HASHED_FIELDS}
    values["actor_name"] = "别人"
    forged = audit.entry_hash(runtime.service, values)
    _without_triggers(runtime, update(TABLE).where(TABLE.c.seq == 2).values(actor_name="别人", hash=forged))
    check = _verify(runtime)
    assert (check.intact, check.broken_seq) == (False, 3)
    assert "第 2 条被改写" in check.message


def test_a_deleted_entry_breaks_the_chain_where_it_was(make_runtime) -> None:
    runtime = make_runtime("intake")
    _record(runtime, 4)
    _without_triggers(runtime, delete(TABLE).where(TABLE.c.seq == 2))
    check = _verify(runtime)
    assert (check.intact, check.broken_seq) == (False, 3)
    assert "之前缺少第 2 条记录" in check.message


def test_the_database_refuses_to_update_or_delete_an_entry(make_runtime) -> None:
    """On PostgreSQL (CI's second pass) the trigger raises; on SQLite the same triggers do."""
    runtime = make_runtime("intake")
    _record(runtime, 2)
    for statement in (update(TABLE).values(summary="改"), delete(TABLE)):
        with pytest.raises(DBAPIError, match="append-only"), runtime.db.engine.begin() as conn:
            conn.execute(statement)
    assert [e.summary for e in _entries(runtime)] == ["第 1 次测试操作", "第 2 次测试操作"]
    assert _verify(runtime).intact


def test_postgresql_refuses_to_update_or_delete_an_entry_but_truncate_stays_possible(make_runtime) -> None:
    runtime = make_runtime("intake")
    if not runtime.db.is_postgresql:
        pytest.skip("PostgreSQL only (INTAKE_DATABASE_URL): the trigger of the migration")
    _record(runtime, 1)
    with pytest.raises(DBAPIError, match="审计记录只能追加"), runtime.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET summary = 'x'"))
    with pytest.raises(DBAPIError, match="审计记录只能追加"), runtime.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry"))
    with runtime.db.engine.begin() as conn:  # the suite empties tables between tests
        conn.execute(text("TRUNCATE audit_entry"))
    assert _entries(runtime) == []


def test_concurrent_appends_to_one_chain_never_fork_it(make_runtime) -> None:
    """Eight threads append at once: on PostgreSQL the advisory lock orders them, on SQLite the write lock."""
    runtime = make_runtime("intake")
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            _record(runtime, 5, thread=k)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [e.seq for e in _entries(runtime)] == list(range(1, 41))
    check = _verify(runtime)
    assert check.intact and check.count == 40


def test_what_the_databases_refuse_is_cleaned_not_lost() -> None:
    draft = audit.AuditDraft.of(
        "x", actor=ADMIN, summary="名\x00称\ud800", object_id="o" * 500, details={"k\x00": "v\x00"}
    )
    assert draft.summary == "名称?" and len(draft.object_id) == audit.OBJECT_ID_SIZE
    assert draft.details == {"k": "v"}
