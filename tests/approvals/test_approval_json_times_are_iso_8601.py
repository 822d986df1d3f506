"""The approval API gives every instant as ISO 8601 with its offset, as the inbox list already does — the
audit trail of a decision (审批记录) is read by other programs, not only by people."""

from __future__ import annotations

from datetime import datetime

from services.intake.usecases.directory import development_token


def test_decisions_and_events_of_an_approval_carry_iso_8601_instants(app, intake, ask) -> None:
    approval_id = ask()
    client = app.test_client()
    head = {"Authorization": f"Bearer {development_token(intake, 'bb.head')}"}
    body = {"step_no": 0, "outcome": "approved", "comment": "同意"}
    assert (
        client.post(f"/api/v1/approvals/{approval_id}/decisions", json=body, headers=head).status_code == 200
    )
    shown = client.get(f"/api/v1/approvals/{approval_id}", headers=head).json
    stamps = [d["decided_at"] for d in shown["decisions"]] + [e["at"] for e in shown["events"]]
    assert stamps
    for stamp in stamps:
        assert datetime.fromisoformat(stamp).utcoffset() is not None, stamp
