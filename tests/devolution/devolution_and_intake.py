"""Devolution and intake side by side in one test, for what crosses between them: 限期纠正 of a devolution
(第三十七条第四项), ordered in intake about a devolution intake knows only from devolution's messages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from devolution_factories import READY_REVIEW, complete_application

from services.intake.app import create_app as intake_app
from services.intake.tables import ApprovalRow
from services.intake.usecases import directory
from shared import demo
from shared.contracts import DEVOLUTION, INTAKE
from shared.runtime import ServiceRuntime

APPLICANT, OFFICE, HEAD = "scjg.clerk", "bb.clerk", "bb.head"
IN_30_DAYS = (date.today() + timedelta(days=30)).isoformat()


class Suite:
    """Devolution and intake side by side; what each publishes to the other's queue is handed over."""

    def __init__(self, devolution: ServiceRuntime, client: Any, auth: Any, intake: ServiceRuntime) -> None:
        self.devolution, self.dv, self.dv_auth = devolution, client, auth
        directory.load_directory(intake, demo.demo_directory())
        self.intake = intake
        self.client = intake_app(runtime=intake).test_client()
        self._relayed = {id(devolution): 0, id(intake): 0}

    def relay(self) -> None:
        """Deliver what each service sent to the other since the last relay, until both are quiet."""
        moved = True
        while moved:
            moved = False
            for source, target, queue in (
                (self.devolution, self.intake, INTAKE),
                (self.intake, self.devolution, DEVOLUTION),
            ):
                sent = source.sender.sent  # type: ignore[attr-defined]
                for dest, envelope in sent[self._relayed[id(source)] :]:
                    if dest == queue:
                        target.bus.handle(envelope)
                        moved = True
                self._relayed[id(source)] = len(sent)

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {directory.development_token(self.intake, user)}"}

    def post(self, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.headers(user))

    def get(self, user: str, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers(user))

    def devolve(self, user: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.dv.post(f"/api/v1/devolutions/{path}", json=body or {}, headers=self.dv_auth(user))
        self.relay()
        return response

    def under_review(self) -> str:
        application = complete_application()
        created = self.dv.post("/api/v1/devolutions", json=application, headers=self.dv_auth(APPLICANT))
        devolution_id = created.get_json()["id"]
        assert self.devolve(APPLICANT, f"{devolution_id}/submission").status_code == 200
        return devolution_id

    def issued(self) -> str:
        """Submitted, reviewed, approved by the leaders in intake's inbox, and formally issued."""
        devolution_id = self.under_review()
        assert self.devolve(OFFICE, f"{devolution_id}/review", READY_REVIEW).status_code == 200
        with self.intake.db.transaction() as session:
            approval_id = next(
                a.id for a in session.query(ApprovalRow).all() if a.case_ref.get("id") == devolution_id
            )
        for step_no, leader in enumerate(("bb.head", "bb.leader", "bb.director")):
            body = {"step_no": step_no, "outcome": "approved", "comment": "同意"}
            decided = self.post(leader, f"/approvals/{approval_id}/decisions", body)
            assert decided.status_code == 200, decided.get_json()
        self.relay()
        issuance = {"document_number": "甬编办〔2026〕12号", "document_date": "2026-08-31"}
        assert self.devolve(OFFICE, f"{devolution_id}/issuance", issuance).status_code == 200
        return devolution_id

    def order(self, user: str = HEAD, **changes: Any) -> Any:
        body = {
            "title": "关于市市场监管局食品小作坊登记下放后未落实保障措施的限期纠正",
            "department": "nb-scjg",
            "ground": "support_not_delivered",
            "facts": "承诺的30万元专项经费逾期未拨付",
            "due_date": IN_30_DAYS,
            **changes,
        }
        return self.post(user, "/cases/rectifications", body)

    def sent(self, message_type: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.intake.sender.of_type(message_type)]  # type: ignore[attr-defined]


@pytest.fixture
def suite(devolution, client, auth, make_runtime) -> Suite:  # type: ignore[no-untyped-def]
    return Suite(devolution, client, auth, make_runtime("intake"))
