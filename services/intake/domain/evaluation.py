"""三定执行情况评估 (第26条第2款): the office evaluates how a department carries out its 三定 provisions;
when it finds that the division of duties needs sorting out (认为需要进一步理顺部门职责分工的), it convenes
the departments concerned for coordination (应当召集相关部门进行协调) — a coordination case of source
``evaluation`` tied to the evaluation — and closes the evaluation once that is done."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from services.intake.domain import commands as c
from services.intake.domain.procedure import Kind, Opening, Procedure, Status, Transition, office
from services.intake.domain.rules import fail_if_any


class Conclusion(StrEnum):
    IN_PLACE = "in_place"  # 执行到位
    NEEDS_SORTING_OUT = "needs_sorting_out"  # 需要进一步理顺部门职责分工


CONCLUSION_NAMES = {
    Conclusion.IN_PLACE: "“三定”规定执行到位",
    Conclusion.NEEDS_SORTING_OUT: "需要进一步理顺部门职责分工（第二十六条第二款）",
}


@dataclass(frozen=True)
class RecordEvaluation(c.CaseCommand):
    """The office's evaluation of one department's execution of its 三定 provisions."""

    department: str
    period: str
    findings: str
    conclusion: str
    departments_concerned: list[str] = field(default_factory=list)
    attachment_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConveneCoordination(c.CaseCommand):
    """第26条第2款: the coordination the office convened with the departments concerned."""

    coordination_case_id: str
    note: str | None = None


@dataclass(frozen=True)
class CloseEvaluation(c.CaseCommand):
    """The coordination is done: what it settled."""

    result: str


def title_of(department_name: str, period: str) -> str:
    return f"{department_name}“三定”规定执行情况评估（{period}）"


def check_evaluation(command: RecordEvaluation) -> Conclusion:
    fields: dict[str, list[str]] = {}
    try:
        conclusion = Conclusion(command.conclusion)
    except ValueError:
        fields["conclusion"] = ["评估结论应为执行到位或需要进一步理顺职责分工"]
        conclusion = Conclusion.IN_PLACE
    if not command.findings.strip():
        fields["findings"] = ["应写明评估发现的情况"]
    if not command.period.strip():
        fields["period"] = ["应写明评估期间"]
    if conclusion is Conclusion.NEEDS_SORTING_OUT and not command.departments_concerned:
        fields["departments_concerned"] = ["需要理顺职责分工的，应列明召集协调的相关部门（第二十六条第二款）"]
    if conclusion is Conclusion.IN_PLACE and command.departments_concerned:
        fields["departments_concerned"] = ["执行到位的评估不列召集协调的部门"]
    fail_if_any(fields, "评估记录不完整（第二十六条第二款）", "evaluation_incomplete")
    return conclusion


S = Status

PROCEDURE = Procedure(
    kind=Kind.EVALUATION,
    name="“三定”规定执行情况评估",
    openings=(
        Opening(
            "record_evaluation", "记录评估结果", office, "只有编办可以记录评估", S.EVALUATION_NEEDS_SORTING
        ),
    ),
    transitions=(
        Transition(
            ConveneCoordination,
            "convene_coordination",
            "召集相关部门协调",
            frozenset({S.EVALUATION_NEEDS_SORTING}),
            S.AWAITING_COORDINATION,
            office,
        ),
        Transition(
            CloseEvaluation,
            "close_evaluation",
            "协调完成，办结评估",
            frozenset({S.AWAITING_COORDINATION}),
            S.EVALUATED,
            office,
        ),
    ),
)
