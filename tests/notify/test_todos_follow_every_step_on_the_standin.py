"""The 浙政钉 to-do centre (统一待办): every step that waits for a person appears in its assignee's to-do list
on the stand-in with its statutory due time, and leaves it when the step ends — finished when done, cancelled
when the case moved on, moved when delegated — never twice, never left open."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from notify_support import NINGBO, account_of, add_people, records

from services.notify.domain import todos as rules
from services.notify.tables import Todo, TodoTask
from services.notify.usecases import todos
from services.notify.usecases.delivery import build_context, context_of
from shared.contracts import PERSON_UPSERTED, TASK_CLOSED, TASK_OPENED, TASK_REASSIGNED
from shared.messaging import Envelope

pytestmark = pytest.mark.integration

BASE = "https://zzgl.nb.gov.cn"
CASE = {
    "service": "intake",
    "kind": "coordination",
    "id": "c-7",
    "title": "关于农贸市场活禽交易监管职责分工的协调申请",
    "jurisdiction": NINGBO,
}
T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def notify(make_runtime, standin):
    def make(**policy: str):
        runtime = make_runtime("notify")
        runtime.settings = runtime.settings.with_overrides(
            platform_base_url=standin.url, public_base_url=BASE
        )
        runtime.extensions["notify.context"] = build_context(runtime, {"DM_NOTIFY_LEASE_S": "1", **policy})
        return runtime

    return make


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def opened(task_id: str, assignee: dict, *, minute: int = 0, due_date: str = "2026-12-11", **extra) -> dict:
    payload = {
        "task_id": task_id,
        "case": CASE,
        "step": "written_reply",
        "step_name": "书面答复征求意见",
        "assignee": assignee,
        "due_date": due_date,
        "article": "第二十条",
        "opened_at": at(minute),
        "url": "/cases/c-7/solicitations/s-1",
        **extra,
    }
    return Envelope(type=TASK_OPENED, payload=payload, source="intake").to_dict()


def closed(task_id: str, outcome: str, *, minute: int = 5) -> dict:
    payload = {"task_id": task_id, "outcome": outcome, "at": at(minute)}
    return Envelope(type=TASK_CLOSED, payload=payload, source="intake").to_dict()


def reassigned(task_id: str, assignee: dict, *, minute: int = 3) -> dict:
    payload = {"task_id": task_id, "assignee": assignee, "reason": "委托办理", "at": at(minute)}
    return Envelope(type=TASK_REASSIGNED, payload=payload, source="intake").to_dict()


def department(code: str) -> dict:
    return {"kind": "department", "id": code, "jurisdiction": NINGBO}


def person(ident: str) -> dict:
    return {"kind": "person", "id": ident, "jurisdiction": NINGBO}


def platform_todos(standin, **query) -> list[dict]:
    return requests.get(f"{standin.url}/sandbox/todos", params=query, timeout=5).json()["todos"]


def wait_until(condition, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the stand-in never got there"
        time.sleep(0.05)


def by_assignee(standin) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for todo in platform_todos(standin):
        found.setdefault(todo["assigneeId"], []).append(todo["status"])
    return {account: sorted(statuses) for account, statuses in found.items()}


def test_a_written_solicitation_is_a_todo_for_each_contact_person_with_its_statutory_due_time_第20条(
    notify, standin
) -> None:
    runtime = notify()
    add_people(runtime)
    runtime.handle_inbound(opened("intake:c-7:written_reply:nb-scjg", department("nb-scjg")))

    todos_ = platform_todos(standin, status="open")
    assert sorted(t["assigneeId"] for t in todos_) == [account_of("scjg.clerk"), account_of("scjg.leader")]
    first = todos_[0]
    assert first["subject"] == "书面答复征求意见：关于农贸市场活禽交易监管职责分工的协调申请"
    assert first["dueTime"] == "2026-12-11 23:59:59"
    assert first["url"] == first["mobileUrl"] == f"{BASE}/cases/c-7/solicitations/s-1?from=zwd_todo"
    assert first["packageUuid"] == todos_[1]["packageUuid"] == rules.package_uuid("intake", "c-7")
    assert first["tenantId"] == runtime.settings.platform_tenant_id and first["category"] == "GENERAL_TASK"
    page = requests.get(f"{standin.url}/todos", timeout=5).text
    assert "周婷" in page and "书面答复征求意见" in page and "2026-12-11 23:59:59" in page


@pytest.mark.parametrize(("outcome", "status"), [("done", "done"), ("cancelled", "cancelled")])
def test_a_step_that_ends_leaves_every_list_finished_when_done_cancelled_when_the_case_moved_on(
    notify, standin, outcome: str, status: str
) -> None:
    runtime = notify()
    add_people(runtime)
    runtime.handle_inbound(opened("t-1", department("nb-scjg")))
    runtime.handle_inbound(closed("t-1", outcome))
    runtime.handle_inbound(closed("t-1", outcome, minute=9))  # closing a closed task changes nothing

    assert by_assignee(standin) == {account_of("scjg.clerk"): [status], account_of("scjg.leader"): [status]}
    kind = "todo_finish" if outcome == "done" else "todo_cancel"
    assert len(records(standin, kind, accepted=True)) == 2 and not records(standin, kind, accepted=False)


def test_a_delegated_approval_leaves_the_leaders_list_and_reaches_the_deputys(notify, standin) -> None:
    runtime = notify()
    add_people(runtime)
    runtime.handle_inbound(opened("intake:c-7:approval:1", person("bb.leader"), step="approval"))
    runtime.handle_inbound(reassigned("intake:c-7:approval:1", person("bb.admin")))

    assert by_assignee(standin) == {account_of("bb.leader"): ["cancelled"], account_of("bb.admin"): ["open"]}
    runtime.handle_inbound(closed("intake:c-7:approval:1", "done"))
    assert by_assignee(standin) == {account_of("bb.leader"): ["cancelled"], account_of("bb.admin"): ["done"]}


def test_the_same_opening_again_never_makes_a_second_todo_and_a_moved_due_date_replaces_it(
    notify, standin
) -> None:
    runtime = notify()
    add_people(runtime)
    runtime.handle_inbound(opened("t-2", person("scjg.clerk")))
    runtime.handle_inbound(opened("t-2", person("scjg.clerk")))  # a repeat with a new event id
    assert by_assignee(standin) == {account_of("scjg.clerk"): ["open"]}

    runtime.handle_inbound(opened("t-2", person("scjg.clerk"), minute=2, due_date="2026-12-18"))  # extended
    assert by_assignee(standin) == {account_of("scjg.clerk"): ["cancelled", "open"]}
    [current] = platform_todos(standin, status="open")
    assert current["dueTime"] == "2026-12-18 23:59:59"
    runtime.handle_inbound(opened("t-2", person("scjg.clerk"), minute=1))  # an older opening, late
    assert by_assignee(standin) == {account_of("scjg.clerk"): ["cancelled", "open"]}


def test_a_close_that_overtakes_its_opening_leaves_nothing_open(notify, standin) -> None:
    runtime = notify()
    add_people(runtime)
    runtime.handle_inbound(closed("t-3", "cancelled", minute=5))
    runtime.handle_inbound(opened("t-3", person("scjg.clerk"), minute=0))
    assert platform_todos(standin) == []
    with runtime.db.transaction() as session:
        assert session.get(TodoTask, "t-3").state == rules.CLOSED


def test_a_role_nobody_holds_yet_in_the_replica_gets_its_todo_when_the_directory_arrives(
    notify, standin
) -> None:
    runtime = notify()  # a fresh start: the replica is empty
    runtime.handle_inbound(opened("t-4", {"kind": "role", "id": "office_admin", "jurisdiction": NINGBO}))
    assert platform_todos(standin) == []
    admin = {
        "id": "bb.admin",
        "name": "赵磊",
        "jurisdiction": NINGBO,
        "department": "nb-bb",
        "roles": ["office_admin"],
        "zwd_account_id": account_of("bb.admin"),
        "active": True,
    }
    runtime.handle_inbound(Envelope(type=PERSON_UPSERTED, payload=admin, source="intake").to_dict())
    todos.sweep(runtime)
    assert by_assignee(standin) == {account_of("bb.admin"): ["open"]}


def test_a_create_whose_answer_was_lost_is_sent_again_and_the_platform_answers_the_same_task(
    notify, standin
) -> None:
    runtime = notify(DM_NOTIFY_BASE_DELAY_S="0.01", DM_NOTIFY_MAX_DELAY_S="0.01")
    add_people(runtime)
    ctx = context_of(runtime)
    ctx.channels.todo().gateway.timeout = (1.0, 0.3)
    requests.post(f"{standin.url}/sandbox/faults", json={"mode": "slow", "delay_ms": 600, "target": "todo"})
    runtime.handle_inbound(opened("t-5", person("scjg.leader")))
    with runtime.db.transaction() as session:
        [row] = session.query(Todo).all()
        assert row.platform == rules.NOT_CREATED and row.last_code == "read_timeout"
    wait_until(lambda: len(platform_todos(standin)) == 1)  # the platform has created it meanwhile
    todos.reconcile(ctx)
    with runtime.db.transaction() as session:
        [row] = session.query(Todo).all()
        assert (
            row.platform == rules.PLATFORM_OPEN and row.task_uuid and row.last_code == "TASK_BIZ_ID_DUPLICATE"
        )
    runtime.handle_inbound(closed("t-5", "done"))
    assert by_assignee(standin) == {account_of("scjg.leader"): ["done"]}
    assert len(platform_todos(standin)) == 1


def test_a_todo_closed_while_its_creation_was_unconfirmed_is_created_then_closed_never_left_open(
    notify, standin
) -> None:
    runtime = notify(DM_NOTIFY_BASE_DELAY_S="0.01", DM_NOTIFY_MAX_DELAY_S="0.01")
    add_people(runtime)
    ctx = context_of(runtime)
    ctx.channels.todo().gateway.timeout = (1.0, 0.3)
    requests.post(f"{standin.url}/sandbox/faults", json={"mode": "slow", "delay_ms": 600, "target": "todo"})
    runtime.handle_inbound(opened("t-6", person("scjg.leader")))
    wait_until(lambda: len(platform_todos(standin)) == 1)
    runtime.handle_inbound(closed("t-6", "cancelled"))  # the case moved on before we heard back
    assert by_assignee(standin) == {account_of("scjg.leader"): ["cancelled"]}
