"""Rows ↔ domain objects: a case row and its parties to the domain's :class:`Case` and back; an approval row
and its decisions to the domain's :class:`Approval`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.intake.domain.approvals.model import Actor as Approver
from services.intake.domain.approvals.model import Approval, Decision, Outcome, Step
from services.intake.domain.approvals.model import Status as ApprovalStatus
from services.intake.domain.cases import Case, Kind, Status
from services.intake.tables import ApprovalDecisionRow, ApprovalRow, CaseParty, CaseRecord, opened


def case_of(session: Session, record: CaseRecord, parties: Iterable[str] | None = None) -> Case:
    """The case as the domain sees it; ``parties`` (department codes) when the caller has them already."""
    if parties is None:
        kept = opened.rows_of(session, CaseParty, record.id)  # a case opened in this transaction: as written
        if kept is not None:
            parties = [p.department_code for p in kept]
        else:
            query = select(CaseParty.department_code).where(CaseParty.case_id == record.id)
            parties = session.scalars(query).all()
    return Case(
        id=record.id,
        kind=Kind(record.kind),
        status=Status(record.status),
        jurisdiction=record.jurisdiction_code,
        applicant_department=record.applicant_department,
        parties=frozenset(parties),
        resume_to=Status(record.resume_to) if record.resume_to else None,
        extended=bool(record.extended),
        major=bool(record.major),
        pending_decision=record.pending_decision,
        solicitation_round=record.solicitation_round or 0,
        approval_count=record.approval_count or 0,
        source=record.source,
    )


def write_case(record: CaseRecord, case: Case) -> None:
    record.status = str(case.status)
    record.resume_to = str(case.resume_to) if case.resume_to else None
    record.extended = case.extended
    record.major = case.major
    record.pending_decision = case.pending_decision
    record.solicitation_round = case.solicitation_round
    record.approval_count = case.approval_count


def approval_steps(row: ApprovalRow) -> tuple[Step, ...]:
    return tuple(Step(s["label"], s["role"], tuple(s["assignees"])) for s in row.steps)


def approval_of(row: ApprovalRow, decisions: Sequence[ApprovalDecisionRow]) -> Approval:
    return Approval(
        id=row.id,
        request_id=row.request_id,
        requested_by=Approver(row.requested_by["user_id"], row.requested_by.get("name", "")),
        steps=approval_steps(row),
        status=ApprovalStatus(row.status),
        current_step=row.current_step,
        decisions=[
            Decision(
                step_no=d.step_no,
                outcome=Outcome(d.outcome),
                comment=d.comment,
                decided_by=Approver(d.decided_by_id, d.decided_by_name),
                decided_at=d.decided_at,
                on_behalf_of=d.on_behalf_of,
            )
            for d in decisions
        ],
    )
