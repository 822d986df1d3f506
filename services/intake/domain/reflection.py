"""书面反映 (第26条第4款): an enterprise, group or citizen writes to a department or to the office that a
duty division is unreasonable; whoever received it studies it, has it coordinated if needed, and tells the
result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.intake.domain import commands as c
from services.intake.domain.procedure import (
    Kind,
    Opening,
    Procedure,
    Status,
    Transition,
    office_or_department,
    receiver,
)

# --- commands ---


@dataclass(frozen=True)
class Submitter:
    """Who wrote: an enterprise, a group or a citizen."""

    name: str
    kind: str  # enterprise | group | citizen
    contact: str


@dataclass(frozen=True)
class RecordReflection(c.CaseCommand):
    """Whoever received the written reflection records it."""

    title: str
    submitter: Submitter
    received_on: date
    content: str
    attachment_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Study(c.CaseCommand):
    note: str | None = None


@dataclass(frozen=True)
class ReferToCoordination(c.CaseCommand):
    """The reflection needs coordination: it is tied to the coordination case that carries it (第16条)."""

    coordination_case_id: str
    note: str | None = None


@dataclass(frozen=True)
class TellResult(c.CaseCommand):
    result: str
    told_on: date
    method: str


# --- the procedure ---

S = Status

PROCEDURE = Procedure(
    kind=Kind.REFLECTION,
    name="书面反映",
    openings=(
        Opening(
            "record_reflection",
            "登记书面反映",
            office_or_department,
            "只有收到书面反映的部门或编办可以登记",
            S.RECEIVED,
        ),
    ),
    transitions=(
        Transition(Study, "study", "开始研究", frozenset({S.RECEIVED}), S.STUDYING, receiver),
        Transition(
            ReferToCoordination,
            "refer_to_coordination",
            "提请协调",
            frozenset({S.STUDYING}),
            S.AWAITING_COORDINATION,
            receiver,
        ),
        Transition(
            TellResult,
            "tell_result",
            "将结果告知反映人",
            frozenset({S.STUDYING, S.AWAITING_COORDINATION}),
            S.RESULT_TOLD,
            receiver,
        ),
    ),
)
