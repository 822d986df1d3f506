"""What the inbox tells others, through the outbox of the caller's unit of work.

- the approvers of the step that became current: an OA card in 浙政钉 whose link opens that exact task;
- the requesting service: ``approval.decided`` on its own queue;
- the requester (a person): that the decision was made; the approvers: that a request was recalled;
- office administrators: that a chain could not be resolved.
"""

from __future__ import annotations

from typing import Any

from services.intake.domain.approvals.model import DECISION_KINDS, OUTCOME_NAMES, Decision
from services.intake.domain.approvals.workdays import TimeLeft
from services.intake.tables import ApprovalRow
from shared.config import Settings
from shared.contracts import APPROVAL_DECIDED, NOTIFY, NOTIFY_SEND, decider, party, payload
from shared.identity import Principal
from shared.messaging import UnitOfWork


def task_url(settings: Settings, approval_id: str) -> str:
    """The mobile page of one approval: what a notification links to."""
    return f"{settings.public_base_url.rstrip('/')}/m/approvals/{approval_id}"


def _common_params(row: ApprovalRow) -> dict[str, Any]:
    return {
        "case_title": row.case_ref.get("title", ""),
        "decision_name": DECISION_KINDS.get(row.decision_kind, row.decision_kind),
        "summary": row.drafted_decision.get("summary", ""),
        "requested_by": row.requested_by.get("name", ""),
    }


def ask_approvers(
    uow: UnitOfWork,
    row: ApprovalRow,
    recipients: list[str],
    settings: Settings,
    left: TimeLeft | None,
    *,
    dedupe_suffix: str = "",
) -> None:
    step = row.steps[row.current_step]
    params = {
        **_common_params(row),
        "step": step["label"],
        "due_date": left.due_date.isoformat() if left else None,
        "remaining_working_days": left.days if left and not left.overdue else None,
        "overdue_working_days": left.days if left and left.overdue else None,
        "days_left": (left.label + ("（暂定）" if row.statutory_provisional else "")) if left else None,
        "provisional": row.statutory_provisional or None,  # the card says 暂定, as the page does
    }
    urgent = left is not None and (left.overdue or left.days <= 2)
    uow.publish(
        NOTIFY,
        NOTIFY_SEND,
        payload(
            dedupe_key=f"approval:{row.id}:step{row.current_step}{dedupe_suffix}",
            template="approval_requested",
            params={k: v for k, v in params.items() if v is not None},
            recipients=[party("person", person_id, row.jurisdiction) for person_id in recipients],
            case=row.case_ref,
            link=task_url(settings, row.id),
            urgency="urgent" if urgent else "normal",
            kind="oa",
        ),
    )


def tell_requester(uow: UnitOfWork, row: ApprovalRow, decision: Decision, principal: Principal) -> None:
    """``approval.decided`` to the requesting service, and a note to the person who asked; ``principal`` is
    who decided (their roles go in ``decider``, for the requester's audit trail)."""
    decided_by = {"user_id": decision.decided_by.user_id, "name": decision.decided_by.name}
    who = decider(decision.decided_by.user_id, decision.decided_by.name, principal.roles)
    uow.publish(
        row.requester_service,
        APPROVAL_DECIDED,
        payload(
            request_id=row.request_id,
            approval_id=row.id,
            case=row.case_ref,
            decision_kind=row.decision_kind,
            outcome=decision.outcome.value,
            decided_by=decided_by,
            decider=who,
            on_behalf_of=decision.on_behalf_of,
            comment=decision.comment,
            decided_at=decision.decided_at.isoformat(),
        ),
    )
    params = {**_common_params(row), "outcome_name": OUTCOME_NAMES[decision.outcome]}
    params["comment"] = decision.comment
    uow.publish(
        NOTIFY,
        NOTIFY_SEND,
        payload(
            dedupe_key=f"approval:{row.id}:decided",
            template="approval_decided",
            params={**params, "decided_by": decision.decided_by.name},
            recipients=[party("person", row.requested_by["user_id"], row.jurisdiction)],
            case=row.case_ref,
            link=row.case_ref.get("url"),
            urgency="normal",
            kind="text",
        ),
    )


def tell_recalled(uow: UnitOfWork, row: ApprovalRow, recipients: list[str], reason: str) -> None:
    uow.publish(
        NOTIFY,
        NOTIFY_SEND,
        payload(
            dedupe_key=f"approval:{row.id}:recalled",
            template="approval_recalled",
            params={**_common_params(row), "reason": reason},
            recipients=[party("person", person_id, row.jurisdiction) for person_id in recipients],
            case=row.case_ref,
            urgency="normal",
            kind="text",
        ),
    )


def tell_handed_over(uow: UnitOfWork, row: ApprovalRow, left_name: str, new_names: str) -> None:
    """The office admins: an approver left and their step went to others."""
    uow.publish(
        NOTIFY,
        NOTIFY_SEND,
        payload(
            dedupe_key=f"approval:{row.id}:handed-over:{row.current_step}:{left_name}",
            template="approval_handed_over",
            params={**_common_params(row), "left_name": left_name, "new_names": new_names},
            recipients=[party("role", "office_admin", row.jurisdiction)],
            case=row.case_ref,
            kind="text",
        ),
    )


def tell_unroutable(uow: UnitOfWork, row: ApprovalRow, missing: list[str]) -> None:
    uow.publish(
        NOTIFY,
        NOTIFY_SEND,
        payload(
            dedupe_key=f"approval:{row.id}:unroutable",
            template="approval_unroutable",
            params={**_common_params(row), "missing_steps": "、".join(missing)},
            recipients=[party("role", "office_admin", row.jurisdiction)],
            case=row.case_ref,
            urgency="urgent",
            kind="text",
        ),
    )
