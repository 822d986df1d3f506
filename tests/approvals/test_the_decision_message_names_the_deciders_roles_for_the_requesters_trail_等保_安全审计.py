"""The last decision of an approval tells the requesting service who decided, in a typed field of the
contract (``decider``: user id, name and the roles they decided in), so that the requester's audit trail
(等保 2.0 安全审计: who) names the leader as the person they are — not a service; ``decided_by`` stays as it
was, for the consumers that read it."""

from __future__ import annotations

from approvals_support import WeekdayCounter

from services.intake.domain.approvals.model import Outcome
from services.intake.usecases import approvals as service
from services.intake.usecases.directory import find_person, principal_of
from shared.contracts import APPROVAL_DECIDED


def test_the_decision_message_carries_the_deciders_id_name_and_roles_等保_安全审计_第三十四条(
    intake, ask
) -> None:  # type: ignore[no-untyped-def]
    approval_id = ask(requester_service="devolution", decision_kind="devolution_decision")
    deciders = [
        principal_of(find_person(intake, user_id)) for user_id in ("bb.head", "bb.leader", "bb.director")
    ]
    for step_no, who in enumerate(deciders):
        service.decide(
            intake, approval_id=approval_id, principal=who, outcome=Outcome.APPROVED,
            comment="同意", step_no=step_no, counter=WeekdayCounter(),
        )  # fmt: skip
    [decided] = intake.sender.of_type(APPROVAL_DECIDED)
    last = deciders[-1]
    assert decided["payload"]["decider"] == {
        "user_id": "bb.director",
        "name": last.name,
        "roles": sorted(last.roles),
    }
    assert last.roles and decided["payload"]["decided_by"] == {"user_id": "bb.director", "name": last.name}
