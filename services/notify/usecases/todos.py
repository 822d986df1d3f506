"""The 浙政钉 to-do centre, fed by the ``task.*`` events (see :mod:`services.notify.domain.todos`).

1. ``task.opened`` / ``task.reassigned`` / ``task.closed`` arrive through the inbox: the task's facts are
   merged (by the events' instants), and its to-dos *planned* in the same transaction — one row per
   assignee person and version of the task, with what it should be (``desired``). A department's assignee
   is its contact people, a role its holders, from the directory replica; an assignee the replica does not
   know yet is planned again on every sweep until it does.
2. The to-dos an event changed are claimed in its own transaction; after the commit the worker makes their
   calls with no transaction open and records each answer if the claim still holds. The sweep's
   *reconciler* does the same for whatever is left (a failed call after its back-off, a dead worker's claim
   after the lease), claiming by compare-and-set. Closing calls go before creating ones, so a delegated
   to-do leaves the old list before it reaches the new one. A worker that dies after the platform created a
   to-do but before the answer was recorded leaves a claim that runs out after the lease; the create is
   then sent again under the same ``bizTaskId`` and the platform answers with the existing task.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

from services.notify.domain import todos as rules
from services.notify.domain.delivery import ZWD
from services.notify.domain.recipients import resolve
from services.notify.tables import Todo, TodoTask
from services.notify.usecases.delivery import NotifyContext, context_of, load_directory
from shared.db import utcnow
from shared.messaging import Envelope, UnitOfWork
from shared.platform.todo import NewTodo, TodoCodes, TodoResult
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

RECONCILE_ROUNDS = 4


# --------------------------------------------------------------------------- 1. events → facts → plan


def _instant(value: Any, fallback: str) -> datetime:
    for candidate in (value, fallback):
        try:
            if candidate:
                return datetime.fromisoformat(str(candidate))
        except ValueError:
            continue
    return utcnow()


def _facts(row: TodoTask | None) -> rules.TaskFacts | None:
    if row is None:
        return None
    return rules.TaskFacts(
        state=row.state,
        outcome=row.outcome,
        assignee=dict(row.assignee) if row.assignee else None,
        subject_source=(row.step_name, str((row.case_ref or {}).get("title") or ""), row.url or ""),
        due_date=row.due_date,
        generation=row.generation,
        state_at=row.state_at,
        assignee_at=row.assignee_at,
        details_at=row.details_at,
    )


def on_task_event(uow: UnitOfWork, envelope: Envelope) -> list[Todo]:
    """Merge one ``task.*`` event into its task and plan its to-dos; returns those the event changed."""
    from shared.contracts import TASK_CLOSED, TASK_OPENED, TASK_REASSIGNED

    payload, session = envelope.payload, uow.session
    task_id = str(payload.get("task_id") or "")[:200]
    if not task_id:
        return []
    row = session.get(TodoTask, task_id)
    facts = _facts(row)
    assignee = payload.get("assignee")
    if envelope.type in (TASK_OPENED, TASK_REASSIGNED) and not isinstance(assignee, dict):
        log.warning("%s %s names no assignee; ignored", envelope.type, task_id)
        return []
    if envelope.type == TASK_OPENED:
        at = _instant(payload.get("opened_at"), envelope.occurred_at)
        title = str((payload.get("case") or {}).get("title") or "")
        details = (str(payload.get("step_name") or ""), title, str(payload.get("url") or "/"))
        due_date = payload.get("due_date")
        merged = rules.opened(facts, at=at, assignee=dict(assignee or {}), details=details, due_date=due_date)
    elif envelope.type == TASK_REASSIGNED:
        at = _instant(payload.get("at"), envelope.occurred_at)
        merged = rules.reassigned(facts, at=at, assignee=dict(assignee or {}))
    elif envelope.type == TASK_CLOSED:
        at = _instant(payload.get("at"), envelope.occurred_at)
        merged = rules.closed(facts, at=at, outcome=str(payload.get("outcome") or rules.CANCELLED))
    else:
        return []
    if row is None:
        row = TodoTask(task_id=task_id, created_at=utcnow())
        session.add(row)
    if envelope.type == TASK_OPENED and merged.details_at == at:  # this event's details are the newest
        _store_case(row, payload)
    _store(row, merged)
    return plan(session, row, merged)


def _store(row: TodoTask, facts: rules.TaskFacts) -> None:
    row.state, row.outcome, row.generation = facts.state, facts.outcome, facts.generation
    row.assignee = facts.assignee
    row.state_at, row.assignee_at, row.details_at = facts.state_at, facts.assignee_at, facts.details_at
    row.step_name, row.url, row.due_date = facts.subject_source[0], facts.subject_source[2], facts.due_date
    row.updated_at = utcnow()


def _store_case(row: TodoTask, opened: Mapping[str, Any]) -> None:
    case = dict(opened.get("case") or {})
    row.case_ref, row.case_id = case, str(case.get("id") or "")[:80] or None
    row.jurisdiction = str(case.get("jurisdiction") or "")[:12]
    row.step = str(opened.get("step") or "")[:60]


def plan(session: Session, task: TodoTask, facts: rules.TaskFacts) -> list[Todo]:
    """Bring the task's to-do rows in line with its facts; returns the rows that changed or are new."""
    session.flush()
    rows = list(session.scalars(select(Todo).where(Todo.task_id == task.task_id)).all())
    changed: list[Todo] = []
    for row in rows:
        wanted = rules.desired_for(facts, row.generation)
        if row.desired == rules.WANT_OPEN and wanted != rules.WANT_OPEN:
            row.desired, row.updated_at = wanted, utcnow()
            changed.append(row)
    if facts.state == rules.OPEN and facts.assignee:
        changed += _plan_open(session, task, facts, {(r.generation, r.person_id) for r in rows})
    return changed


def _plan_open(
    session: Session, task: TodoTask, facts: rules.TaskFacts, existing: set[tuple[int, str]]
) -> list[Todo]:
    assignee = dict(facts.assignee or {})
    targets = [t for t in resolve([assignee], load_directory(session, [assignee])) if t.channel_kind == ZWD]
    task.resolved = bool(targets)
    problems = [f"{t.name}：{t.problem}" for t in targets if t.problem]
    task.problem = "；".join(problems) or (
        None if targets else "组织目录中尚无该办理人（同步后自动创建待办）"
    )
    created = []
    for target in targets:
        person_id = target.recipient.partition(":")[2]
        if target.problem or (facts.generation, person_id) in existing:
            continue
        created.append(_new_todo(session, task, facts, person_id, target.name, target.account_id))
    return created


def _new_todo(
    session: Session,
    task: TodoTask,
    facts: rules.TaskFacts,
    person_id: str,
    name: str,
    account_id: str | None,
) -> Todo:
    step_name, case_title, path = facts.subject_source
    case = task.case_ref or {}
    now = utcnow()
    todo = Todo(
        id=uuid.uuid4().hex,
        task_id=task.task_id,
        generation=facts.generation,
        person_id=person_id[:60],
        person_name=name[:80],
        account_id=account_id,
        biz_task_id=rules.biz_task_id(task.task_id, facts.generation, person_id),
        subject=rules.subject(step_name, case_title),
        url=path,
        due_time=rules.due_time(facts.due_date),
        package_uuid=rules.package_uuid(str(case.get("service") or ""), str(case.get("id") or task.task_id)),
        desired=rules.WANT_OPEN,
        platform=rules.NOT_CREATED,
        attempts=0,
        create_attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(todo)
    return todo


# --------------------------------------------------------------------------- 2. reconcile with the platform


@dataclass(frozen=True)
class Claimed:
    """A to-do claimed for one call: what the call needs, without the session."""

    id: str
    platform: str
    desired: str
    account_id: str | None
    biz_task_id: str
    task_uuid: str | None
    subject: str
    url: str
    due_time: str | None
    package_uuid: str | None
    attempts: int
    token: str


def _snapshot(row: Todo) -> Claimed:
    return Claimed(
        id=row.id,
        platform=row.platform,
        desired=row.desired,
        account_id=row.account_id,
        biz_task_id=row.biz_task_id,
        task_uuid=row.task_uuid,
        subject=row.subject,
        url=row.url,
        due_time=row.due_time,
        package_uuid=row.package_uuid,
        attempts=row.attempts,
        token=row.claim_token or "",
    )


def claim_planned(session: Session, rows: Sequence[Todo], *, lease_s: float) -> list[Claimed]:
    """In the planning transaction: forget what was never asked of the platform, claim what needs a call
    (rows another worker holds are left to it: its answer, or the sweep after the lease)."""
    now, token, claimed = utcnow(), uuid.uuid4().hex, []
    for row in rows:
        step = rules.next_call(row.desired, row.platform, create_attempted=row.create_attempts > 0)
        if step == rules.FORGET:
            row.platform, row.closed_at, row.updated_at = rules.PLATFORM_CLOSED, now, now
            continue
        held = row.claim_token is not None and row.claimed_at is not None
        if step is None or (
            held and row.claimed_at is not None and row.claimed_at > now - timedelta(seconds=lease_s)
        ):
            continue
        if row.platform == rules.NOT_CREATED:
            row.create_attempts += 1
        row.claim_token, row.claimed_at, row.attempts, row.updated_at = token, now, row.attempts + 1, now
        claimed.append(_snapshot(row))
    return claimed


def _needs_call(now: datetime) -> Any:
    """To-dos whose platform state differs from what they should be, and that a call can fix."""
    create = and_(
        Todo.platform == rules.NOT_CREATED, or_(Todo.desired == rules.WANT_OPEN, Todo.create_attempts > 0)
    )
    close = and_(Todo.platform == rules.PLATFORM_OPEN, Todo.desired != rules.WANT_OPEN)
    due = or_(Todo.next_attempt_at.is_(None), Todo.next_attempt_at <= now)
    return and_(or_(create, close), due)


def _free(now: datetime, lease_s: float) -> Any:
    return or_(Todo.claim_token.is_(None), Todo.claimed_at < now - timedelta(seconds=lease_s))


def send_claimed(ctx: NotifyContext, claimed: Sequence[Claimed]) -> int:
    """Make the claimed calls (closing ones first, so a delegated to-do leaves the old list before it
    reaches the new one), and the follow-up call of any to-do that needs one now; returns the calls made."""
    made, follow = 0, []
    for todo in sorted(claimed, key=lambda t: t.platform != rules.PLATFORM_OPEN):
        if record(ctx, todo, call(ctx, todo)):
            follow.append(todo.id)
        made += 1
    return made + (reconcile(ctx, follow) if follow else 0)


def reconcile(ctx: NotifyContext, ids: Sequence[str] | None = None, *, limit: int = 200) -> int:
    """The sweep's pass (or a follow-up for ``ids``): forget, claim and call whatever is due."""
    made = 0
    for _ in range(RECONCILE_ROUNDS):
        forget(ctx, ids)
        claimed = claim(ctx, ids, limit=limit)
        if not claimed:
            break
        follow = []
        for todo in sorted(claimed, key=lambda t: t.platform != rules.PLATFORM_OPEN):
            if record(ctx, todo, call(ctx, todo)):
                follow.append(todo.id)
            made += 1
        # Only what moved on and now needs another call goes round again; a failure waits for its back-off.
        if not follow:
            break
        ids = follow
    return made


def forget(ctx: NotifyContext, ids: Sequence[str] | None) -> None:
    """To-dos that should no longer be open and were never asked of the platform: closed without a call."""
    now = utcnow()
    with ctx.db.transaction() as session:
        statement = update(Todo).where(
            Todo.platform == rules.NOT_CREATED,
            Todo.desired != rules.WANT_OPEN,
            Todo.create_attempts == 0,
            Todo.claim_token.is_(None),
        )
        if ids is not None:
            statement = statement.where(Todo.id.in_(list(ids)))
        session.execute(
            statement.values(platform=rules.PLATFORM_CLOSED, closed_at=now, updated_at=now).execution_options(
                synchronize_session=False
            )
        )


def claim(ctx: NotifyContext, ids: Sequence[str] | None, *, limit: int) -> list[Claimed]:
    """Claim the to-dos needing a call (committed before any call); only this caller gets them."""
    now, token = utcnow(), uuid.uuid4().hex
    with ctx.db.transaction() as session:
        wanted = select(Todo.id).where(_needs_call(now), _free(now, ctx.policy.lease_s))
        if ids is not None:
            wanted = wanted.where(Todo.id.in_(list(ids)))
        chosen = list(session.scalars(wanted.order_by(Todo.next_attempt_at).limit(limit)).all())
        if not chosen:
            return []
        creating = case((Todo.platform == rules.NOT_CREATED, 1), else_=0)
        session.execute(
            update(Todo)
            .where(Todo.id.in_(chosen), _needs_call(now), _free(now, ctx.policy.lease_s))
            .values(claim_token=token, claimed_at=now, attempts=Todo.attempts + 1)
            .values(create_attempts=Todo.create_attempts + creating, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return [
            _snapshot(row) for row in session.scalars(select(Todo).where(Todo.claim_token == token)).all()
        ]


def call(ctx: NotifyContext, todo: Claimed) -> TodoResult:
    """The one platform call a claimed to-do needs."""
    centre = ctx.channels.todo()
    try:
        if todo.platform == rules.NOT_CREATED:
            base = ctx.runtime.settings.public_base_url
            return centre.create(
                NewTodo(
                    biz_task_id=todo.biz_task_id,
                    subject=todo.subject,
                    creator_id=todo.account_id or "",
                    assignee_id=todo.account_id or "",
                    url=rules.todo_url(base, todo.url),
                    mobile_url=rules.todo_url(base, todo.url),
                    due_time=todo.due_time,
                    package_uuid=todo.package_uuid,
                )
            )
        closing = centre.finish if todo.desired == rules.WANT_DONE else centre.cancel
        return closing(user_id=todo.account_id or "", task_uuid=todo.task_uuid or "")
    except Exception as exc:  # a to-do the adapter cannot send (bad configuration, URL refused)
        log.exception("to-do call failed before reaching the platform")
        return TodoResult("permanent", type(exc).__name__, str(exc)[:500])


def record(ctx: NotifyContext, todo: Claimed, result: TodoResult) -> bool:
    """Write the answer if the claim still holds (a lost claim leaves it to the next claimer); True when
    the to-do moved on and already needs its next call (it was closed while being created)."""
    now = utcnow()
    values: dict[str, Any] = {
        "claim_token": None,
        "updated_at": now,
        "last_code": (result.code or "")[:60] or None,
    }
    creating = todo.platform == rules.NOT_CREATED
    if result.done and creating and not result.task_uuid:
        values.update(
            platform=rules.PLATFORM_FAILED, last_error="平台确认已有该待办但未返回 taskUuid，请人工核对"
        )
    elif result.done and creating:
        values.update(
            platform=rules.PLATFORM_OPEN, task_uuid=result.task_uuid, opened_at=now, last_error=None
        )
    elif result.done or result.code == TodoCodes.TASK_NOT_FOUND:
        values.update(platform=rules.PLATFORM_CLOSED, closed_at=now, last_error=None)
    elif result.outcome == "transient":
        delay = ctx.policy.backoff_s(todo.attempts, ctx.rand)
        values.update(next_attempt_at=now + timedelta(seconds=delay), last_error=result.message)
    else:
        values.update(
            platform=rules.PLATFORM_FAILED, last_error=f"平台拒绝（{result.code}）：{result.message or ''}"
        )
    with ctx.db.transaction() as session:
        session.execute(
            update(Todo)
            .where(Todo.id == todo.id, Todo.claim_token == todo.token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if values.get("platform") != rules.PLATFORM_OPEN:
            return False
        desired = session.scalar(select(Todo.desired).where(Todo.id == todo.id))
    return desired != rules.WANT_OPEN


# --------------------------------------------------------------------------- 3. the queue and the sweep


def install(runtime: ServiceRuntime) -> None:
    """Register the ``task.*`` handlers and the sweep (called from notify's actors)."""
    from shared.contracts import TASK_CLOSED, TASK_OPENED, TASK_REASSIGNED

    def on_event(uow: UnitOfWork, envelope: Envelope) -> None:
        ctx = context_of(runtime)
        claimed = claim_planned(uow.session, on_task_event(uow, envelope), lease_s=ctx.policy.lease_s)
        if claimed:
            uow.after_commit(lambda: send_claimed(ctx, claimed))

    for message_type in (TASK_OPENED, TASK_REASSIGNED, TASK_CLOSED):
        runtime.bus.register(message_type, on_event)
    runtime.periodic.append(sweep)


def sweep(runtime: ServiceRuntime) -> None:
    """Periodic: plan again the open tasks whose assignee nobody matched, then make every call due."""
    ctx = context_of(runtime)
    ids: list[str] = []
    with runtime.unit_of_work() as uow:
        waiting = uow.session.scalars(
            select(TodoTask).where(TodoTask.state == rules.OPEN, TodoTask.resolved.is_(False)).limit(100)
        ).all()
        for task in waiting:
            facts = _facts(task)
            if facts is not None:
                ids += [row.id for row in plan(uow.session, task, facts)]
        uow.commit()
    made = reconcile(ctx)
    if made or ids:
        log.info("to-do sweep: %d planned, %d platform calls", len(ids), made)
