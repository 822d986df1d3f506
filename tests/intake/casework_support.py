"""Factories for the casework tests: demo directory, tokens, uploads, submissions, and deadlines' messages."""

from __future__ import annotations

from typing import Any

from services.intake.app import create_app
from services.intake.usecases import directory
from shared import demo
from shared.messaging import Envelope

PDF = b"%PDF-1.4\n% minutes\n"


class Desk:
    """The intake service in a test: its runtime, a test client, and what it sent."""

    def __init__(self, runtime: Any) -> None:
        directory.load_directory(runtime, demo.demo_directory())
        self.runtime = runtime
        self.client = create_app(runtime=runtime).test_client()
        self.sender = runtime.sender
        self.sender.sent.clear()

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {directory.development_token(self.runtime, user)}", **extra}

    def get(self, user: str, path: str, **kwargs: Any) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers(user), **kwargs)

    def post(self, user: str, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.headers(user, **headers))

    def act(self, user: str, case_id: str, step: str, body: dict[str, Any] | None = None) -> Any:
        return self.post(user, f"/cases/{case_id}/{step}", body)

    def upload(self, user: str, data: bytes = PDF, name: str = "纪要.pdf") -> Any:
        import io

        return self.client.post(
            "/api/v1/attachments",
            data={"file": (io.BytesIO(data), name)},
            headers=self.headers(user),
            content_type="multipart/form-data",
        )

    def deliver(self, message_type: str, payload: dict[str, Any], source: str = "deadlines") -> bool:
        return self.runtime.bus.handle(Envelope(type=message_type, payload=payload, source=source).to_dict())

    def schedule_reply(
        self, solicitation: dict[str, Any], due_date: str = "2026-12-07", **changes: Any
    ) -> None:
        """The deadlines service computed the reply clock: the solicitation's notice goes out, dated."""
        payload = {
            "clock_id": solicitation["clock_id"],
            "rule": "written_reply",
            "state": "running",
            "due_date": due_date,
            "provisional": False,
            "remaining_working_days": 5,
            "reason": "started",
            **changes,
        }
        self.deliver("clock.scheduled", payload)

    def report_delivery(
        self, case_id: str, solicitation: dict[str, Any], outcome: str = "delivered", **changes: Any
    ) -> None:
        """notify's ``notify.outcome`` for the solicitation's notice."""
        delivered = outcome == "delivered"
        person = {"recipient": "person:sthj.clerk", "name": "韩雪"}
        payload = {
            "dedupe_key": f"intake:{case_id}:solicitation_request:{solicitation['id']}",
            "outcome": outcome,
            "reached": [{**person, "delivered_at": "2026-11-30T02:00:00+00:00"}] if delivered else [],
            "not_reached": [] if delivered else [{**person, "state": "failed", "reason": "平台拒绝"}],
            "at": "2026-11-30T02:00:01+00:00",
            **changes,
        }
        self.deliver("notify.outcome", payload, source="notify")

    def delivered(self, case_id: str, *solicitations: dict[str, Any]) -> None:
        """Each solicitation's notice went out with its date and reached the department on 浙政钉."""
        for solicitation in solicitations:
            self.schedule_reply(solicitation)
            self.report_delivery(case_id, solicitation)

    def sent(self, message_type: str) -> list[dict[str, Any]]:
        return [env["payload"] for env in self.sender.of_type(message_type)]

    def templates(self) -> list[str]:
        return [p["template"] for p in self.sent("notify.send")]


def filing_body(attachment_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "关于农产品质量安全监管职责分工的协商纪要",
        "matter": "食用农产品进入市场后的质量安全监管",
        "host_department": "nb-scjg",
        "lead_departments": ["nb-scjg"],
        "assisting_departments": ["nb-nyj"],
        "agreed_points": "进入市场前由农业农村局监管，进入市场后由市场监管局监管。",
        "minutes_attachment_id": attachment_id,
        "seals": [
            {"department": "nb-scjg", "party_group": "党组", "sealed_on": "2026-11-20"},
            {"department": "nb-nyj", "party_group": "党组", "sealed_on": "2026-11-21"},
        ],
    }
    body.update(changes)
    return body


def application_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "关于餐厨垃圾收运监管职责分工的协调申请",
        "host_department": "nb-zhzf",
        "other_parties": ["nb-sthj", "nb-zjj"],
        "disputed_items": "餐厨垃圾收运环节的日常监管",
        "consultation_failed": True,
        "consultation_history": "两次协商会，未达成一致。",
        "collective_decision": {
            "meeting_date": "2026-11-18",
            "minutes_summary": "局党组会议研究同意申请协调",
        },
        "leaning_opinion": "收运环节由综合行政执法局监管。",
        "reasons": "职责交叉，基层无所适从。",
        "legal_bases": [{"type": "sanding", "name": "宁波市综合行政执法局三定规定"}],
    }
    body.update(changes)
    return body


OPINION = {"summary": "收运由执法局监管", "text": "经协调，餐厨垃圾收运环节由市综合行政执法局监管……"}


def accepted_application(desk: Desk) -> str:
    case_id = desk.post("zhzf.clerk", "/cases/coordination-applications", application_body()).json["id"]
    assert desk.act("bb.head", case_id, "accept", {"note": "材料齐全"}).status_code == 200
    return case_id


def accepted_haishu_application(desk: Desk) -> str:
    """A 海曙区 coordination application (第三十九条: a district that adopts the measures), accepted."""
    body = application_body(
        host_department="hs-scjg",
        other_parties=["hs-bb"],
        legal_bases=[{"type": "sanding", "name": "海曙区市场监督管理局三定规定"}],
    )
    case_id = desk.post("hs.scjg.clerk", "/cases/coordination-applications", body).json["id"]
    assert desk.act("hs.bb.leader", case_id, "accept", {"note": "材料齐全"}).status_code == 200
    return case_id
