"""The 浙政钉 to-do centre (统一待办), as the measures' steps should appear in it.

A step that waits for someone (``task.opened``) becomes a to-do in each assignee person's list — a
department's contact people, a role's holders — with the statutory due time, and leaves it when the step
ends: *finished* when it was done, *cancelled* when the case moved on (``task.closed``); a delegation
(``task.reassigned``) cancels the old to-dos and creates new ones. A task never stays open after its step
ended and never opens twice:

* each to-do has a stable ``bizTaskId`` (task, version, person), the platform's idempotency key;
* the facts of a task are merged by the instants of the events, so a late or redelivered event never
  undoes a newer one (a ``task.closed`` that overtook its ``task.opened`` keeps the task closed);
* what the platform should show (``desired``) and what it shows (``platform``) are kept apart, and
  :func:`next_call` says which call brings one to the other — after a crash it is simply asked again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime

OPEN, CLOSED, AWAITING_OPEN = "open", "closed", "awaiting_open"
"""Task states; ``awaiting_open``: a reassignment arrived before the opening it follows."""
DONE, CANCELLED = "done", "cancelled"
WANT_OPEN, WANT_DONE, WANT_CANCELLED = "open", "done", "cancelled"
NOT_CREATED, PLATFORM_OPEN, PLATFORM_CLOSED, PLATFORM_FAILED = "none", "open", "closed", "failed"
CREATE, FINISH, CANCEL, FORGET = "create", "finish", "cancel", "forget"
MAX_SUBJECT_CHARS = 200
STATE_NAMES = {
    NOT_CREATED: "未创建",
    PLATFORM_OPEN: "待办中",
    PLATFORM_CLOSED: "已关闭",
    PLATFORM_FAILED: "创建失败",
}


@dataclass(frozen=True)
class TaskFacts:
    """What is known of a task, and as of when: its state, its assignee, its details."""

    state: str
    outcome: str | None = None
    assignee: dict[str, str] | None = None
    subject_source: tuple[str, str, str] = ("", "", "")
    """(step name, case title, url path): the details shown in a to-do."""
    due_date: str | None = None
    generation: int = 0
    state_at: datetime | None = None
    assignee_at: datetime | None = None
    details_at: datetime | None = None


def _newer(at: datetime, than: datetime | None) -> bool:
    return than is None or at >= than


def opened(
    facts: TaskFacts | None,
    *,
    at: datetime,
    assignee: dict[str, str],
    details: tuple[str, str, str],
    due_date: str | None,
) -> TaskFacts:
    """``task.opened`` at ``at``: open (or reopen) unless a newer close stands; newer details win."""
    if facts is None:
        return TaskFacts(OPEN, None, assignee, details, due_date, 1, at, at, at)
    merged = facts
    if _newer(at, facts.state_at) and facts.state != OPEN:
        merged = replace(merged, state=OPEN, outcome=None, state_at=at, generation=facts.generation + 1)
    if _newer(at, facts.assignee_at) and facts.assignee != assignee:
        merged = replace(merged, assignee=assignee, assignee_at=at)
    if _newer(at, facts.details_at) and (facts.subject_source, facts.due_date) != (details, due_date):
        merged = replace(merged, subject_source=details, due_date=due_date, details_at=at)
    if merged.state == OPEN and facts.state == OPEN and _shown_changed(facts, merged):
        merged = replace(merged, generation=facts.generation + 1)
    if merged.generation == 0:
        merged = replace(merged, generation=1)
    return merged


def _shown_changed(before: TaskFacts, after: TaskFacts) -> bool:
    return (before.assignee, before.subject_source, before.due_date) != (
        after.assignee,
        after.subject_source,
        after.due_date,
    )


def reassigned(facts: TaskFacts | None, *, at: datetime, assignee: dict[str, str]) -> TaskFacts:
    """``task.reassigned``: the new assignee, a new version of the to-dos if the task is open."""
    if facts is None:
        return TaskFacts(AWAITING_OPEN, None, assignee, assignee_at=at)
    if not _newer(at, facts.assignee_at) or facts.assignee == assignee:
        return facts
    bump = 1 if facts.state == OPEN else 0
    return replace(facts, assignee=assignee, assignee_at=at, generation=facts.generation + bump)


def closed(facts: TaskFacts | None, *, at: datetime, outcome: str) -> TaskFacts:
    """``task.closed``: closed, unless a newer event reopened it; closing a closed task changes nothing."""
    if facts is None:
        return TaskFacts(CLOSED, outcome, state_at=at)
    if not _newer(at, facts.state_at) or facts.state == CLOSED:
        return facts
    return replace(facts, state=CLOSED, outcome=outcome, state_at=at)


def desired_for(facts: TaskFacts, generation: int) -> str:
    """What a to-do of ``generation`` should be now: open only in the current version of an open task."""
    if facts.state == OPEN and generation == facts.generation:
        return WANT_OPEN
    if facts.state == CLOSED and generation == facts.generation and facts.outcome == DONE:
        return WANT_DONE
    return WANT_CANCELLED


def next_call(desired: str, platform: str, *, create_attempted: bool) -> str | None:
    """The platform call that brings a to-do from ``platform`` to ``desired`` (None: nothing to do).

    A to-do that should no longer be open and was never asked for is forgotten without a call; one whose
    creation was asked for but not confirmed (the answer was lost) is created again first — the platform
    answers the same ``bizTaskId`` with the existing task — and then closed.
    """
    if platform == PLATFORM_FAILED:
        return None
    if platform == NOT_CREATED:
        if desired == WANT_OPEN or create_attempted:
            return CREATE
        return FORGET
    if platform == PLATFORM_OPEN:
        return {WANT_DONE: FINISH, WANT_CANCELLED: CANCEL}.get(desired)
    return None


# --------------------------------------------------------------------------- what a to-do shows


def subject(step_name: str, case_title: str) -> str:
    """``书面答复征求意见：关于…的协调申请``, at most 200 characters (the platform's limit)."""
    text = f"{step_name}：{case_title}" if step_name else case_title
    return text if len(text) <= MAX_SUBJECT_CHARS else text[: MAX_SUBJECT_CHARS - 1] + "…"


def due_time(due_date: str | None) -> str | None:
    """The end of the statutory date: a period ends at 24:00 (Beijing) of its last day."""
    return f"{due_date} 23:59:59" if due_date else None


def todo_url(base_url: str, path: str) -> str:
    """The page of the step, absolute; always with a query string, because the platform appends
    ``&ddtab=true`` to the link as it is."""
    url = path if path.startswith(("http://", "https://")) else base_url.rstrip("/") + "/" + path.lstrip("/")
    return url if "?" in url else url + "?from=zwd_todo"


def package_uuid(service: str, case_id: str) -> str:
    """One package per case, so the platform groups a case's to-dos."""
    return "dm-" + hashlib.sha256(f"{service}\n{case_id}".encode()).hexdigest()[:32]


def biz_task_id(task_id: str, generation: int, person_id: str) -> str:
    """The to-do's idempotency key: the same task version and person always give the same key."""
    return "dmt" + hashlib.sha256(f"{task_id}\n{generation}\n{person_id}".encode()).hexdigest()[:40]
