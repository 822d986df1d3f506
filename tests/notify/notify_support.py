"""Notify fixtures: the platform stand-in over real HTTP, directory factories, a notify service on a real
broker with an in-process dramatiq worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dramatiq import Worker
from sqlalchemy import select
from werkzeug.serving import make_server

from services.notify.app import SERVICE
from services.notify.domain.delivery import DELIVERED, FAILED, PARKED
from services.notify.standin.app import create_app as create_standin
from services.notify.tables import Channel, Delivery, Recipient
from services.notify.usecases.delivery import build_context
from shared.broker import DramatiqSender, build_broker, declare_inbound_actor
from shared.contracts import NOTIFY, NOTIFY_SEND
from shared.messaging import Envelope
from shared.runtime import ServiceRuntime

NINGBO = "330200"
ROBOT_TOKEN, ROBOT_SECRET = "group-scjg", "SECgroup-scjg-secret"
FAST_POLICY = {
    "DM_NOTIFY_BASE_DELAY_S": "0.2",
    "DM_NOTIFY_MAX_DELAY_S": "1",
    "DM_NOTIFY_MAX_ATTEMPTS": "4",
    "DM_NOTIFY_OUTAGE_PATIENCE_S": "0",  # park after the attempts, as the tests of parking expect
    "DM_NOTIFY_ROBOT_THROTTLE_S": "1",
    "DM_NOTIFY_LEASE_S": "1",
}
# Demo-like people: (id, name, department, roles); accountIds 100001… in order, as intake's demo gives them.
PEOPLE = [
    ("bb.admin", "赵磊", "nb-bb", ["office_admin"]),
    ("bb.leader", "王建国", "nb-bb", ["office_leader"]),
    ("scjg.clerk", "周婷", "nb-scjg", ["dept_clerk"]),
    ("scjg.leader", "吴刚", "nb-scjg", ["dept_leader"]),
    ("scjg.staff", "钱多", "nb-scjg", []),
    ("nyj.clerk", "郑洁", "nb-nyj", ["dept_clerk"]),
    ("nyj.nobody", "孙无号", "nb-nyj", ["dept_leader"]),
]


def account_of(person_id: str) -> str | None:
    index = [p[0] for p in PEOPLE].index(person_id)
    return None if person_id == "nyj.nobody" else str(100001 + index)


def add_people(runtime: ServiceRuntime, jurisdiction: str = NINGBO) -> None:
    with runtime.db.transaction() as session:
        for pid, name, dept, roles in PEOPLE:
            session.merge(
                Recipient(
                    id=pid,
                    name=name,
                    jurisdiction=jurisdiction,
                    department=dept,
                    roles=roles,
                    zwd_account_id=account_of(pid),
                    active=True,
                )
            )


def add_robot(
    runtime: ServiceRuntime, base_url: str, *, channel_id: str = "robot-scjg", department="nb-scjg"
) -> str:
    with runtime.db.transaction() as session:
        session.add(
            Channel(
                id=channel_id,
                jurisdiction=NINGBO,
                kind="robot",
                name="市场监管局工作群",
                config={"url": f"{base_url}/robot/send", "departments": [department]},
                credentials={"access_token": ROBOT_TOKEN, "secret": ROBOT_SECRET},
                enabled=True,
            )
        )
    return channel_id


def send_request(
    dedupe_key: str,
    recipients: list[dict[str, str]],
    *,
    template: str = "reply_due_soon",
    params: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    payload = {
        "dedupe_key": dedupe_key,
        "template": template,
        "params": params
        if params is not None
        else {"case_title": f"协调申请{dedupe_key}", "due_date": "2026-12-04", "remaining_working_days": 2},
        "recipients": recipients,
        "case": {
            "service": "intake",
            "kind": "coordination",
            "id": "c-1",
            "title": "协调申请",
            "jurisdiction": NINGBO,
        },
        "link": "http://127.0.0.1:8001/m/cases/c-1",
        "urgency": "normal",
        **extra,
    }
    return Envelope(type=NOTIFY_SEND, payload=payload, source="intake").to_dict()


def party(kind: str, ident: str) -> dict[str, str]:
    return {"kind": kind, "id": ident, "jurisdiction": NINGBO}


@pytest.fixture
def standin() -> Iterator[Any]:
    app = create_standin(
        {
            "ENV": "test",
            "ROBOTS": {ROBOT_TOKEN: ROBOT_SECRET},
            "ACCOUNTS": {
                str(100001 + i): {"name": p[1], "employeeCode": f"GE_{i}"} for i, p in enumerate(PEOPLE)
            },
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    yield app
    server.shutdown()
    thread.join(timeout=5)


def records(standin: Any, kind: str | None = None, *, accepted: bool | None = None) -> list[dict[str, Any]]:
    found = list(standin.extensions["standin"].records)
    if kind:
        found = [r for r in found if r["kind"] == kind]
    if accepted is not None:
        found = [r for r in found if r.get("accepted") is accepted]
    return found


class Pipeline:
    """Notify on a real Redis broker, a worker in this process, and the stand-in."""

    def __init__(self, runtime: ServiceRuntime, standin: Any) -> None:
        self.runtime = runtime
        self.standin = standin
        self.broker = runtime.broker
        self.worker: Worker | None = None

    def publish(self, envelope: dict[str, Any]) -> None:
        DramatiqSender(self.broker).send(NOTIFY, envelope)

    def start(self) -> Pipeline:
        self.worker = Worker(self.broker, queues={NOTIFY}, worker_threads=4, worker_timeout=100)
        self.worker.start()
        return self

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None

    def deliveries(self) -> list[Delivery]:
        with self.runtime.db.transaction() as session:
            return list(session.scalars(select(Delivery).order_by(Delivery.created_at)).all())

    def wait_settled(
        self, expected: int, *, timeout_s: float = 30.0, states=(DELIVERED, FAILED, PARKED)
    ) -> list[Delivery]:
        """Until ``expected`` deliveries exist and all are in one of ``states``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            rows = self.deliveries()
            if len(rows) >= expected and all(r.state in states for r in rows):
                return rows
            self.runtime.run_periodic()
            time.sleep(0.1)
        raise AssertionError(
            f"not settled: {[(r.recipient, r.state, r.last_error) for r in self.deliveries()]}"
        )


@pytest.fixture
def pipeline(settings_for, redis_url, standin) -> Iterator[Callable[..., Pipeline]]:
    made: list[Pipeline] = []

    def make(**extra: str) -> Pipeline:
        settings = settings_for("notify", redis_url=redis_url, platform_base_url=standin.url)
        broker = build_broker(settings)
        runtime = SERVICE.runtime(settings, broker)
        runtime.extensions["notify.context"] = build_context(runtime, {**FAST_POLICY, **extra})
        declare_inbound_actor(broker, NOTIFY, runtime.handle_inbound)
        add_people(runtime)
        made.append(Pipeline(runtime, standin))
        return made[-1]

    yield make
    for item in made:
        item.stop()
        item.runtime.db.dispose()
