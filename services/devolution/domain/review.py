"""审核论证 (第三十四条): a checklist of the five items, notes, a conclusion; 权责清单 entries if ready."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from shared.errors import ValidationFailed
from shared.jurisdictions import jurisdiction_name
from shared.local_rules import CITY
from shared.measures import rule_by_code

CHECKLIST_ITEMS = {
    "name_and_basis": "（一）职责名称、依据",
    "reasons": "（二）下放的主要理由",
    "performance": "（三）县、乡二级履职方式",
    "support_measures": "（四）编制、人员、经费、培训、指导等保障措施",
    "feedback": "（五）承接部门及关联部门书面反馈意见",
}


def review_period(jurisdiction: str | None) -> str:
    """The review's period (第三十四条) in words: the city's from the rule table; a district or county may
    set its own (第三十九条), which its deadlines clock counts and this service does not keep a copy of."""
    days = rule_by_code("devolution_review").length
    if not jurisdiction or jurisdiction == CITY:
        return f"{days}个工作日"
    return f"{jurisdiction_name(jurisdiction)}执行办法规定的期限（未另行规定的为{days}个工作日）"


def review_basis(jurisdiction: str | None) -> str:
    """The approval inbox's statutory basis of a devolution decision (第三十四条)."""
    period = review_period(jurisdiction)
    return f"第三十四条：审核论证在{period}内完成，自收到完整申请之日起算，退回补正期间不计"


class Conclusion(StrEnum):
    READY = "ready"  # 可以下放
    NOT_READY = "not_ready"  # 暂不具备下放条件


class ReceivingLevel(StrEnum):
    COUNTY = "county"  # 县（市、区）
    TOWNSHIP = "township"  # 乡镇（街道）


LEVEL_NAMES = {ReceivingLevel.COUNTY: "县（市、区）", ReceivingLevel.TOWNSHIP: "乡镇（街道）"}


@dataclass(frozen=True)
class ChecklistEntry:
    item: str
    satisfied: bool
    note: str = ""


@dataclass(frozen=True)
class PowerListEntry:
    """One 权责清单 entry the devolution changes: its code and name, from which department, to which level."""

    code: str
    name: str
    from_department: str
    to_level: ReceivingLevel


@dataclass(frozen=True)
class Review:
    checklist: tuple[ChecklistEntry, ...]
    notes: str
    conclusion: Conclusion
    reasons: str = ""
    power_list_entries: tuple[PowerListEntry, ...] = ()


def validate_review(review: Review, applicant: str) -> None:
    """Each item checked once; "ready" needs all satisfied and 权责清单 entries; "not ready", reasons."""
    fields: dict[str, list[str]] = {}
    seen = [entry.item for entry in review.checklist]
    for item, label in CHECKLIST_ITEMS.items():
        if seen.count(item) != 1:
            fields.setdefault("checklist", []).append(f"须对{label}逐项审核一次")
    if review.conclusion is Conclusion.READY:
        _check_ready(review, applicant, fields)
    elif not review.reasons.strip():
        fields["reasons"] = ["暂不具备下放条件的，须写明理由，书面告知申请部门（第三十四条）"]
    if fields:
        raise ValidationFailed(
            "；".join(m for messages in fields.values() for m in messages),
            code="review_invalid",
            fields=fields,
        )


def _check_ready(review: Review, applicant: str, fields: dict[str, list[str]]) -> None:
    unmet = [CHECKLIST_ITEMS.get(e.item, e.item) for e in review.checklist if not e.satisfied]
    if unmet:
        fields["conclusion"] = [f"以下审核项未通过，不能认定可以下放：{'、'.join(unmet)}"]
    if not review.power_list_entries:
        fields["power_list_entries"] = [
            "认为可以下放的，须做好与部门权责清单的衔接，列明涉及的权责事项（第三十四条）"
        ]
    for index, entry in enumerate(review.power_list_entries):
        if entry.from_department != applicant:
            fields[f"power_list_entries[{index}].from_department"] = ["权责事项须为申请部门的事项"]


def entries_as_dicts(entries: Sequence[PowerListEntry]) -> list[dict[str, str]]:
    return [
        {"code": e.code, "name": e.name, "from_department": e.from_department, "to_level": str(e.to_level)}
        for e in entries
    ]


def entries_from_dicts(rows: Sequence[Mapping[str, str]]) -> tuple[PowerListEntry, ...]:
    return tuple(
        PowerListEntry(r["code"], r["name"], r["from_department"], ReceivingLevel(r["to_level"]))
        for r in rows
    )
