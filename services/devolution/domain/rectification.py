"""限期纠正 (第三十七条第四项): devolving without approval, or without the promised support."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.devolution.domain.lifecycle import State
from shared.errors import Conflict, ValidationFailed


class Ground(StrEnum):
    WITHOUT_APPROVAL = "devolved_without_approval"  # 未经审批擅自下放职责
    SUPPORT_NOT_DELIVERED = "support_not_delivered"  # 经批准下放职责后未落实相应保障措施


GROUND_NAMES = {
    Ground.WITHOUT_APPROVAL: "未经审批擅自下放职责（第三十七条第四项）",
    Ground.SUPPORT_NOT_DELIVERED: "经批准下放职责后未落实相应保障措施（第三十七条第四项）",
}

RECTIFICATION_STATE_NAMES = {"ordered": "限期纠正中", "corrected": "已纠正"}

_APPROVED_STATES = frozenset({State.APPROVED, State.ISSUED, State.OPERATION_REPORTED})


@dataclass(frozen=True)
class Finding:
    ground: Ground
    department: str
    facts: str
    correct_by: date


def validate_finding(finding: Finding, today: date, devolution_state: State | None) -> None:
    """The facts are written down, the date is ahead, and the ground fits the devolution it names."""
    fields: dict[str, list[str]] = {}
    if not finding.facts.strip():
        fields["facts"] = ["须写明发现的事实"]
    if finding.correct_by <= today:
        fields["correct_by"] = ["纠正期限须晚于今天"]
    if finding.ground is Ground.SUPPORT_NOT_DELIVERED and devolution_state not in _APPROVED_STATES:
        fields["ground"] = ["“未落实保障措施”须针对经批准下放的职责事项"]
    if finding.ground is Ground.WITHOUT_APPROVAL and devolution_state in _APPROVED_STATES:
        fields["ground"] = ["该职责下放已经批准，不属于未经审批擅自下放"]
    if fields:
        raise ValidationFailed(
            "；".join(m for ms in fields.values() for m in ms), code="finding_invalid", fields=fields
        )


def validate_correction(already_corrected_on: date | None, corrected_on: date, today: date) -> None:
    """The office confirms a correction once, on a day that has come (第三十七条)."""
    if already_corrected_on is not None:
        raise Conflict(
            f"该限期纠正事项已于{already_corrected_on.isoformat()}确认纠正", code="already_corrected"
        )
    if corrected_on > today:
        raise ValidationFailed.for_field("corrected_on", "纠正日期不能晚于今天", code="date_in_future")
