"""The directory follows the 浙政钉 address book: organisations under each jurisdiction's root are its
departments, their employees its people (matched by accountId, roles kept); a change event from the
platform is applied at once — someone who leaves loses every session and their open approval goes to
someone who can act, the office admins told. Played end to end against the stand-in's address book."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from services.intake.app import create_app
from services.intake.handlers import register as register_intake_handlers
from services.intake.tables import ApprovalRow, Department, Person
from services.intake.usecases import directory, directory_sync
from services.notify.standin.app import create_app as create_standin
from shared import demo
from shared.contracts import APPROVAL_REQUEST, case_ref
from shared.messaging import Envelope
from shared.platform.addressbook import AddressBookUnavailable

pytestmark = pytest.mark.integration


def _serve(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def platform() -> Iterator[tuple[Any, str]]:
    app = create_standin({"ENV": "test"})
    for url in _serve(app):
        yield app, url


@pytest.fixture
def intake(make_runtime, platform) -> Iterator[tuple[Any, Any]]:  # type: ignore[no-untyped-def]
    _app, platform_url = platform
    runtime = make_runtime("intake")
    if APPROVAL_REQUEST not in runtime.bus.handlers:
        register_intake_handlers(runtime)
    directory.load_directory(runtime, demo.demo_directory())
    app = create_app(runtime=runtime)
    for url in _serve(app):
        runtime.settings = runtime.settings.with_overrides(
            platform_base_url=platform_url, public_base_url=url, directory_roots=(("330200", "GO_330200"),)
        )
        yield runtime, directory_sync.address_book(runtime.settings)


def _person(runtime: Any, user_id: str) -> Person:
    with runtime.db.transaction() as session:
        return session.get_one(Person, user_id)


def test_a_sync_keeps_the_people_the_office_knows_and_their_roles(intake) -> None:
    runtime, book = intake
    counts = directory_sync.sync(runtime, book)
    assert counts["left"] == 0 and counts["people"] >= 18
    head = _person(runtime, "bb.head")
    assert head.active and head.roles == ["office_division_head"] and head.zwd_account_id == "100002"
    with runtime.db.transaction() as session:
        assert session.get_one(Department, "nb-scjg").name == "宁波市市场监督管理局"  # matched by name


def test_someone_who_joins_arrives_without_roles_and_someone_who_leaves_is_handed_over(
    intake, platform
) -> None:
    runtime, book = intake
    _standin, platform_url = platform
    directory_sync.sync(runtime, book)
    directory_sync.register_events(runtime, book)
    joined = {"employeeCode": "GE_new_1", "name": "钱晓", "organization": "GO_nb-bb", "title": "职能处副处长",
              "accountId": "100090"}  # fmt: skip
    assert requests.post(f"{platform_url}/sandbox/addressbook/employees", json=joined, timeout=10).json() == {
        "callbacks": [200]
    }
    newcomer = _person(runtime, "zwd-100090")
    assert newcomer.name == "钱晓" and newcomer.roles == [] and newcomer.department_code == "nb-bb"
    people = demo.demo_directory()
    people.people.append({**_row(newcomer), "roles": ["office_division_head"]})  # the admin grants the role
    directory.load_directory(runtime, people)
    approval_id = _ask(runtime)
    runtime.sender.sent.clear()

    assert requests.delete(f"{platform_url}/sandbox/addressbook/employees/GE_demo_100002", timeout=10).ok
    assert _person(runtime, "bb.head").active is False  # 李强 left
    with runtime.db.transaction() as session:
        row = session.get_one(ApprovalRow, approval_id)
        assert row.status == "pending" and row.steps[row.current_step]["assignees"] == ["zwd-100090"]
    sent = [e["payload"] for e in runtime.sender.of_type("notify.send")]
    assert {"approval_handed_over", "approval_requested"} <= {p["template"] for p in sent}


def test_nothing_changes_when_the_address_book_cannot_be_read(intake, platform) -> None:
    runtime, book = intake
    _standin, platform_url = platform
    requests.post(f"{platform_url}/sandbox/faults", json={"mode": "fail", "count": 50}, timeout=5)
    with pytest.raises(AddressBookUnavailable):
        directory_sync.sync(runtime, book)
    assert _person(runtime, "bb.head").active


def _row(person: Person) -> dict[str, Any]:
    return {
        "id": person.id, "name": person.name, "jurisdiction_code": person.jurisdiction_code,
        "department_code": person.department_code, "title": person.title, "roles": list(person.roles),
        "zwd_account_id": person.zwd_account_id, "active": person.active,
    }  # fmt: skip


def _ask(runtime: Any) -> str:
    body = {
        "request_id": "req-handover",
        "requester_service": "intake",
        "case": case_ref(service="intake", kind="coordination", id="c-1", title="关于活禽监管的协调申请",
                         jurisdiction=demo.NINGBO, url="https://zzgl.nbbb.gov.cn/cases/c-1"),
        "decision_kind": "acceptance",
        "drafted_decision": {"summary": "拟予受理", "text": "经审查，拟予受理。"},
        "requested_by": {"user_id": "bb.clerk", "name": "张敏"},
    }  # fmt: skip
    runtime.bus.handle(Envelope(type=APPROVAL_REQUEST, payload=body, source="intake").to_dict())
    with runtime.db.transaction() as session:
        row = session.scalars(select(ApprovalRow)).one()
        assert "bb.head" in row.steps[row.current_step]["assignees"]
        return row.id
