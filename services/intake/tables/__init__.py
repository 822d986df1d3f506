"""Intake's tables, one module per area, all on the ``Base`` of :mod:`.base`.

Importing this package puts every table on the metadata (what Alembic and the tests compare to migrations).
"""

from services.intake.tables import opened  # noqa: F401  (its session events: the rows of a case opened here)
from services.intake.tables.approvals import (
    ApprovalDecisionRow,
    ApprovalEventRow,
    ApprovalRow,
    ChainRow,
    DelegationRow,
    SavedPhrase,
)
from services.intake.tables.base import AuditEntry, Base, DeadLetter, IdempotentRequest, Inbox, Outbox
from services.intake.tables.cases import (
    Attachment,
    CaseClock,
    CaseEvent,
    CaseMeeting,
    CaseParty,
    CaseRecord,
    Solicitation,
)
from services.intake.tables.credentials import ApiCredential
from services.intake.tables.deliberation import DeliberationBody
from services.intake.tables.devolution_count import DevolutionCount
from services.intake.tables.directory import Department, Jurisdiction, Person
from services.intake.tables.documents import DocumentCounter, IssuedDocument
from services.intake.tables.drafts import CaseDraft
from services.intake.tables.local_rules import LocalRulesReplica
from services.intake.tables.supervision import SupervisionCount
from services.intake.tables.worklist import WorklistTask

__all__ = [
    "ApiCredential",
    "ApprovalDecisionRow",
    "ApprovalEventRow",
    "ApprovalRow",
    "Attachment",
    "AuditEntry",
    "Base",
    "CaseClock",
    "CaseDraft",
    "CaseEvent",
    "CaseMeeting",
    "CaseParty",
    "CaseRecord",
    "ChainRow",
    "DeadLetter",
    "DelegationRow",
    "DeliberationBody",
    "Department",
    "DevolutionCount",
    "DocumentCounter",
    "IdempotentRequest",
    "Inbox",
    "IssuedDocument",
    "Jurisdiction",
    "LocalRulesReplica",
    "Outbox",
    "Person",
    "SavedPhrase",
    "Solicitation",
    "SupervisionCount",
    "WorklistTask",
]
