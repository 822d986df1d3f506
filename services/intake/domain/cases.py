"""The case state machines of every kind, put together: 协商纪要备案 (第15条), 协调申请 (第16–25条), 书面反映
(第26条第4款), 限期纠正 (第37条), 主要职责配置和调整方案 (第8–11条), 议事协调机构成员单位职责分工 (第29条).

A case is a plain object; :func:`transition` checks who may take an action and from which state, moves the
case, and returns the :class:`HistoryEntry` to append. An action that the state or the actor does not allow
raises :class:`~shared.errors.Conflict` (state) or :class:`~shared.errors.Forbidden` (role), naming the
current state and the actions allowed to this actor. What each kind does in each state is its
:class:`~services.intake.domain.procedure.Procedure` (:data:`PROCEDURES`): code that needs to know what a kind
does reads it, never ``if kind is …``.
"""

from __future__ import annotations

from typing import Any

from services.intake.domain import (
    coordination,
    deliberation,
    duty_plan,
    evaluation,
    filing,
    rectification,
    reflection,
)
from services.intake.domain.actors import Actor
from services.intake.domain.commands import CaseCommand
from services.intake.domain.procedure import (
    NEXT_ACTOR_NAMES,
    STATUS_NAMES,
    TERMINAL,
    WHO_NAMES,
    Case,
    HistoryEntry,
    Kind,
    Opening,
    Procedure,
    Source,
    Status,
    Transition,
    next_actor,
    system,
)
from shared.errors import Conflict, DomainError, Forbidden

__all__ = [
    "ACTION_LABELS",
    "NEXT_ACTOR_NAMES",
    "PROCEDURES",
    "STATUS_NAMES",
    "TERMINAL",
    "TRANSITIONS",
    "Case",
    "HistoryEntry",
    "Kind",
    "Source",
    "Status",
    "action_of",
    "allowed_actions",
    "next_actor",
    "open_case",
    "transition",
]

PROCEDURES: dict[Kind, Procedure] = {
    p.kind: p
    for p in (
        filing.PROCEDURE,
        coordination.PROCEDURE,
        reflection.PROCEDURE,
        rectification.PROCEDURE,
        duty_plan.PROCEDURE,
        deliberation.PROCEDURE,
        evaluation.PROCEDURE,
    )
}
assert set(PROCEDURES) == set(Kind), "every kind of case has its procedure"

#: every transition of every kind (an action several kinds share is listed once per kind)
TRANSITIONS: tuple[Transition[Any], ...] = tuple(t for p in PROCEDURES.values() for t in p.transitions)
OPENINGS: dict[str, Opening] = {o.action: o for p in PROCEDURES.values() for o in p.openings}
#: what the history and the UI call each action (the first lines of a case included)
ACTION_LABELS: dict[str, str] = {
    **{o.action: o.label for o in OPENINGS.values()},
    **{t.action: t.label for t in TRANSITIONS},
}
_ACTIONS: dict[type[CaseCommand], str] = {}
for _t in TRANSITIONS:
    assert _ACTIONS.setdefault(_t.command, _t.action) == _t.action, f"{_t.command} names one action"


def action_of(command: type[CaseCommand]) -> str:
    """The action a command asks for (the same in every kind that has it)."""
    return _ACTIONS[command]


def allowed_actions(case: Case, actor: Actor) -> list[str]:
    """The actions this actor may take on the case now (what the UI offers; what a 409 lists)."""
    return [
        t.action
        for t in PROCEDURES[case.kind].transitions
        if t.applies_in(case.status)
        and t.who(actor, case)
        and t.who is not system
        and not (t.action == "extend" and case.extended)  # 第22条: once only
    ]


def transition(
    case: Case, action: str, actor: Actor, *, reason: str | None = None, data: dict[str, Any] | None = None
) -> HistoryEntry:
    """Take ``action`` on ``case`` as ``actor``; returns the history entry, or raises without changing it."""
    t = PROCEDURES[case.kind].by_action.get(action)
    if t is None:
        raise DomainError(f"此类事项没有“{ACTION_LABELS.get(action, action)}”操作", code="unknown_action")
    if not t.applies_in(case.status):
        allowed = allowed_actions(case, actor)
        names = "、".join(ACTION_LABELS[a] for a in allowed) or "无"
        raise Conflict(
            f"事项当前状态为“{STATUS_NAMES[case.status]}”，不能{t.label}；当前可进行的操作：{names}",
            code="illegal_transition",
            extra={"case_status": str(case.status), "allowed_actions": allowed},
        )
    if not t.who(actor, case):
        raise Forbidden(f"只有{WHO_NAMES[t.who]}可以{t.label}", code="not_allowed_for_role")
    before = case.status
    case.status = t.target_of(case)
    return HistoryEntry(action, actor.user_id, actor.name, before, case.status, reason, dict(data or {}))


def open_case(case: Case, actor: Actor, action: str, *, reason: str | None = None) -> HistoryEntry:
    """The first history line of a new case: submitted by a department, or opened by the office (第26条)."""
    opening = next((o for o in PROCEDURES[case.kind].openings if o.action == action), None)
    if opening is None:
        raise DomainError(f"此类事项不能以“{ACTION_LABELS.get(action, action)}”开始", code="unknown_action")
    if not opening.who(actor, case):
        raise Forbidden(opening.refusal, code="not_allowed_for_role")
    return HistoryEntry(action, actor.user_id, actor.name, None, case.status, reason)
