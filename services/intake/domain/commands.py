"""The commands every kind of case shares: what a person (or another service) asks to be done on a case.

A command is a typed value: the HTTP schemas (:mod:`services.intake.api.case_schemas`) build it from JSON, the
queue handlers from a message, and its one handler in the service layer carries it out. The commands of one
kind of case live in that kind's module (:mod:`.filing`, :mod:`.coordination`, …); each is bound to its
transition in the kind's :class:`~services.intake.domain.procedure.Procedure`.

Texts are as given (the schemas have checked length and presence); rules that need more than the command
itself (a reply period, a rejection's mechanism) are checked by the kind's module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class CaseCommand:
    """Base of every casework command."""


# --- before a decision: withdrawal and supplements ---


@dataclass(frozen=True)
class Withdraw(CaseCommand):
    reason: str | None = None


@dataclass(frozen=True)
class RequestSupplement(CaseCommand):
    reason: str
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Supplement(CaseCommand):
    attachment_ids: list[str]
    note: str | None = None


# --- a drafted decision, the approval inbox's answer, issuance (第21条, 第23条, 第24条) ---


@dataclass(frozen=True)
class Draft(CaseCommand):
    """A written opinion going to approval; a change to 三定 needs a special explanation (第23条)."""

    summary: str
    text: str
    changes_sanding: bool = False
    special_explanation: str | None = None


@dataclass(frozen=True)
class Decider:
    """The leader who decided in the approval inbox (or the deputy who signed for them)."""

    user_id: str
    name: str


@dataclass(frozen=True)
class ApprovalDecided(CaseCommand):
    """The approval inbox's answer (``approval.decided``) to the case's pending draft."""

    request_id: str
    decided_by: Decider
    approval_id: str | None = None
    on_behalf_of: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class ApprovalApproved(ApprovalDecided):
    pass


@dataclass(frozen=True)
class ApprovalReturned(ApprovalDecided):
    pass


@dataclass(frozen=True)
class ApprovalRejected(ApprovalDecided):
    pass


@dataclass(frozen=True)
class Issue(CaseCommand):
    """第24条: issued by a document; the parties carry it out."""

    document_number: str
    issued_on: date
    note: str | None = None
    #: the issued document itself (its scan or its OFD/PDF), readable by every party from the case
    attachment_ids: list[str] = field(default_factory=list)


# --- what the deadlines service tells a case ---


@dataclass(frozen=True)
class DeadlineOverdue(CaseCommand):
    """A statutory clock went overdue (``clock.overdue``): recorded in the history."""

    rule: str | None = None
    due_date: str | None = None
    overdue_working_days: int | None = None
