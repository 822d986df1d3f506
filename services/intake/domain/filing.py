"""协商纪要备案 (第13–15条): the host department files minutes stamped by every party group; the office
returns a filing opinion within 5 working days: filed, returned, or a document issued after approval."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.intake.domain import commands as c
from services.intake.domain.procedure import (
    BEFORE_DECISION_STEPS,
    OVERDUE,
    SUBMITTED_BY_HOST,
    Kind,
    Procedure,
    Status,
    Transition,
    approval_steps,
    office,
    office_decider,
)
from services.intake.domain.rules import fail_if_any

# --- the commands of the filing opinion ---


@dataclass(frozen=True)
class FilingOpinion(c.CaseCommand):
    """同意备案, 不予备案, or 需要发文明确 (then ``text`` is the draft that goes to approval)."""

    opinion: str | None = None
    text: str | None = None
    summary: str | None = None


@dataclass(frozen=True)
class File(FilingOpinion):
    pass


@dataclass(frozen=True)
class ReturnFiling(FilingOpinion):
    pass


@dataclass(frozen=True)
class RequestDocument(FilingOpinion):
    pass


# --- 第15条: what the minutes must carry ---


@dataclass(frozen=True)
class Seal:
    """A record that a party group 党组（党委） stamped the minutes."""

    department: str
    party_group: str  # "党组" or "党委"
    sealed_on: date | str


@dataclass(frozen=True)
class SubmitFiling(c.CaseCommand):
    """The host department files the consultation minutes (第15条)."""

    title: str
    matter: str
    host_department: str
    assisting_departments: list[str]
    agreed_points: str
    minutes_attachment_id: str
    seals: list[Seal]
    lead_departments: list[str] = field(default_factory=list)
    attachment_ids: list[str] = field(default_factory=list)


def check_filing(host: str, assisting: Sequence[str], seals: Iterable[Seal]) -> None:
    """Minutes must carry the seal of the party group of the host and of every assisting department."""
    fields: dict[str, list[str]] = {}
    if not assisting:
        fields["assisting_departments"] = ["至少应有一个协办部门"]
    if host in assisting:
        fields["assisting_departments"] = ["主办部门不能同时是协办部门"]
    sealed = {s.department for s in seals}
    missing = [d for d in [host, *assisting] if d not in sealed]
    if missing:
        fields["seals"] = [f"缺少以下部门党组（党委）的印章：{'、'.join(missing)}"]
    fail_if_any(fields, "协商纪要应加盖主办和协办部门党组（党委）的印章（第十五条）", "filing_incomplete")


# --- the procedure ---

S = Status
_SUBMITTED = frozenset({S.SUBMITTED})

PROCEDURE = Procedure(
    kind=Kind.FILING,
    name="协商纪要备案",
    openings=(SUBMITTED_BY_HOST,),
    transitions=(
        *BEFORE_DECISION_STEPS,
        Transition(File, "file", "同意备案", _SUBMITTED, S.FILED, office_decider),
        Transition(
            ReturnFiling, "return_filing", "不予备案并退回", _SUBMITTED, S.FILING_RETURNED, office_decider
        ),
        Transition(
            RequestDocument, "request_document", "需发文明确，报批", _SUBMITTED, S.AWAITING_APPROVAL, office
        ),
        *approval_steps(returned_to=S.SUBMITTED, rejected_to=S.SUBMITTED),
        OVERDUE,
    ),
    decision_clock="filing_opinion",
    opinion_clock="filing_opinion",
)
