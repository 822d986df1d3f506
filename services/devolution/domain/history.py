"""办理记录 — the append-only history of a devolution: every step, who took it, from which state to which.

Entries are immutable: a step returns the entry that records it (:func:`step`), and the service layer stores
each new entry as one row and never updates or deletes those rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.devolution.domain.lifecycle import ACTION_NAMES, Action, Actor, Parties, State, advance

SYSTEM_ID, SYSTEM_NAME = "system", "系统"

NOTE_NAMES = {
    "create": "起草申请",
    "clock_due_soon": "期限即将届满",
    "clock_due": "期限届满",
    "clock_overdue": "期限已逾期",
    "clock_expired": "期限已满",
    "handover_overdue": "衔接事项逾期，已提醒下放部门",
    "rectification_raised": "提出限期纠正（第三十七条第四项）",
    "rectification_corrected": "限期纠正事项已纠正（编办确认）",
    "rectification_handed_over": "限期纠正事项已移交编办案件办理（第三十七条）",
    "document_issued": "书面文书已制发并送达",
    "document_failed": "书面文书生成失败（将自动重试）",
}


def entry_label(action: str) -> str:
    """What a reader sees for an entry's action."""
    if action in NOTE_NAMES:
        return NOTE_NAMES[action]
    try:
        return ACTION_NAMES[Action(action)]
    except ValueError:
        return action


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    from_state: State
    to_state: State
    detail: Mapping[str, Any] = field(default_factory=dict)


def step(
    state: State,
    action: Action,
    actor: Actor,
    parties: Parties,
    at: datetime,
    detail: Mapping[str, Any] | None = None,
) -> tuple[State, HistoryEntry]:
    """Take one step by the rules (:func:`advance`) and the history entry that records it."""
    after = advance(state, action, actor, parties)
    return after, HistoryEntry(at, actor.user_id, actor.name, str(action), state, after, dict(detail or {}))


def system_note(state: State, action: str, at: datetime, detail: Mapping[str, Any]) -> HistoryEntry:
    """An entry that changes no state: a clock event, a reminder, a finding raised."""
    return HistoryEntry(at, SYSTEM_ID, SYSTEM_NAME, action, state, state, dict(detail))
