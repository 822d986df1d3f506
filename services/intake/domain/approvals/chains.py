"""Approval chains (审批链): who signs a drafted decision, by jurisdiction and decision kind.

The drafter (经办人) starts the chain by asking; each step names a role and, optionally, one person or a
title to pick among several holders of the role (two people hold 编办领导 in the city office: 分管副主任 and
主任). A jurisdiction may configure its own chain per decision kind, or one for every kind (``*``); without
one the defaults below apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.errors import ValidationFailed

from .model import Step

ANY_KIND = "*"
CHAIN_ROLES = {"office_clerk", "office_division_head", "office_leader", "office_admin", "org_reviewer"}


@dataclass(frozen=True)
class StepSpec:
    """One configured step: a role, and optionally a fixed person or a title hint among the role's holders."""

    label: str
    role: str
    person_id: str | None = None
    title_contains: str | None = None
    title_equals: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepSpec:
        return cls(
            label=str(data["label"]),
            role=str(data["role"]),
            person_id=data.get("person_id"),
            title_contains=data.get("title_contains"),
            title_equals=data.get("title_equals"),
        )


DIVISION_HEAD = StepSpec("处室负责人", "office_division_head")
LEADER_IN_CHARGE = StepSpec("分管领导", "office_leader", title_contains="分管")
DIRECTOR = StepSpec("主任", "office_leader", title_equals="主任")

# 经办人 → 处室负责人 → 分管领导; matters the committee or the whole office answers for also go to the 主任.
DEFAULT_CHAINS: dict[str, tuple[StepSpec, ...]] = {
    ANY_KIND: (DIVISION_HEAD, LEADER_IN_CHARGE),
    "determination": (DIVISION_HEAD, LEADER_IN_CHARGE, DIRECTOR),
    "devolution_decision": (DIVISION_HEAD, LEADER_IN_CHARGE, DIRECTOR),
    "duty_plan_review": (DIVISION_HEAD, LEADER_IN_CHARGE, DIRECTOR),  # goes on to the committee (第十一条)
}


@dataclass(frozen=True)
class Candidate:
    """A person of the jurisdiction's directory, as far as chain resolution needs to know them."""

    id: str
    roles: frozenset[str]
    title: str = ""
    active: bool = True


def validate_chain(specs: Sequence[StepSpec]) -> None:
    if not 1 <= len(specs) <= 6:
        raise ValidationFailed.for_field("steps", "审批链应有 1 到 6 个环节")
    for index, spec in enumerate(specs):
        if spec.role not in CHAIN_ROLES:
            raise ValidationFailed.for_field(f"steps[{index}].role", "不是可以审批的编办角色")
        if not spec.label.strip():
            raise ValidationFailed.for_field(f"steps[{index}].label", "环节名称不能为空")


def chain_for(decision_kind: str, configured: Mapping[str, Sequence[StepSpec]]) -> tuple[StepSpec, ...]:
    """The jurisdiction's chain for this kind, else its chain for every kind, else the defaults."""
    for source in (configured, DEFAULT_CHAINS):
        for key in (decision_kind, ANY_KIND):
            if key in source:
                return tuple(source[key])
    raise AssertionError("DEFAULT_CHAINS has a chain for every kind")


def resolve(specs: Iterable[StepSpec], people: Iterable[Candidate], requester_id: str) -> tuple[Step, ...]:
    """The steps with their assignees. The requester never approves their own draft; a step whose assignees
    are the same as the step before is dropped (the same leader signs once)."""
    active = [p for p in people if p.active and p.id != requester_id]
    steps: list[Step] = []
    for spec in specs:
        step = Step(spec.label, spec.role, _assignees(spec, active))
        if steps and step.assignees and step.assignees == steps[-1].assignees:
            continue
        steps.append(step)
    return tuple(steps)


def _assignees(spec: StepSpec, people: Sequence[Candidate]) -> tuple[str, ...]:
    if spec.person_id:
        return tuple(p.id for p in people if p.id == spec.person_id)
    holders = [p for p in people if spec.role in p.roles]
    narrowed = holders
    if spec.title_equals:
        narrowed = [p for p in holders if p.title == spec.title_equals]
    elif spec.title_contains:
        narrowed = [p for p in holders if spec.title_contains in (p.title or "")]
    return tuple(sorted(p.id for p in (narrowed or holders)))
