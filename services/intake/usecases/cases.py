"""Casework as the entrypoints see it: every kind's submissions and actions, and the reading of cases.

``perform`` takes one step on a case in one unit of work: it loads the case the actor may see, runs the
command's declared handler (which asks the domain whether the step is allowed — state, role and the rules of
the measures — applies it and records the messages it causes), appends the history and commits. If anything
fails, nothing is kept. Importing this module loads every kind's handlers and checks that each transition of
each procedure has one.
"""

from __future__ import annotations

from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.intake import queries
from services.intake.adapters.deadlines_calendar import calendar_for
from services.intake.domain.actors import SYSTEM_ACTOR_ID, Actor
from services.intake.domain.approvals.workdays import ClockCalendar, time_left
from services.intake.domain.commands import CaseCommand
from services.intake.tables import CaseEvent, CaseRecord
from services.intake.usecases import attachments
from services.intake.usecases.case_actions import ACTIONS, carry_out, check_every_transition_is_declared
from services.intake.usecases.case_step import (
    LIVE_CLOCK_STATES,
    concurrent_change,
    refresh_deadline,
    save,
    start_step,
)
from services.intake.usecases.coordination import apply_for_coordination, open_coordination
from services.intake.usecases.deliberation import file_division
from services.intake.usecases.deliberation import register as deliberation_register
from services.intake.usecases.deliberation import register_body as register_deliberation_body
from services.intake.usecases.documents import produce_after_commit
from services.intake.usecases.duty_plan import submit_duty_plan
from services.intake.usecases.evaluation import record_evaluation
from services.intake.usecases.filing import submit_filing
from services.intake.usecases.rectification import order_rectification
from services.intake.usecases.reflection import record_reflection
from shared.attachment_store import AttachmentStore
from shared.errors import NotFound
from shared.localtime import today as local_today
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime

__all__ = [
    "ACTIONS",
    "apply_for_coordination",
    "apply_system",
    "case_history",
    "deliberation_register",
    "file_division",
    "get_case",
    "list_cases",
    "open_coordination",
    "order_rectification",
    "perform",
    "read_attachment",
    "record_evaluation",
    "record_reflection",
    "refresh_deadline",
    "register_deliberation_body",
    "submit_duty_plan",
    "submit_filing",
]

check_every_transition_is_declared()


#: how often a step is run again when only the system (a clock event, a task refresh) changed the case
ATTEMPTS = 3


class _ChangedMeanwhile(Exception):
    """The case changed between our reading and our writing; ``seen``: the last history entry we read."""

    def __init__(self, seen: int) -> None:
        super().__init__(seen)
        self.seen = seen


def perform(runtime: ServiceRuntime, actor: Actor, case_id: str, command: CaseCommand) -> dict[str, Any]:
    """Take one step on a case the actor may see; all of it or none of it. Returns the case as it is now.

    A background change that lands between our read and our write (deadlines answering the clock the
    submission started, a task refresh) bumps the case's version too: the step is then run again on the
    case as it is now (the domain checks it afresh), so nobody sees 409 for a change nobody made. Only a
    step a person took meanwhile — a new history entry by someone other than the system — is a conflict.
    """
    for _ in range(ATTEMPTS):
        try:
            return _perform_once(runtime, actor, case_id, command)
        except _ChangedMeanwhile as changed:
            if _a_person_acted_since(runtime, case_id, changed.seen):
                raise concurrent_change() from changed
    raise concurrent_change()


def _perform_once(
    runtime: ServiceRuntime, actor: Actor, case_id: str, command: CaseCommand
) -> dict[str, Any]:
    with runtime.unit_of_work() as uow:
        record = queries.load_visible(uow.session, actor, case_id)
        seen = _last_entry(uow.session, case_id)
        step = start_step(uow, record, actor, runtime.settings.public_base_url)
        try:
            carry_out(step, command)
            save(step)
            produce_after_commit(uow, runtime, step)  # the step's written documents, once it has committed
            uow.commit()
        except StaleDataError as exc:  # another transaction changed the same case meanwhile
            raise _ChangedMeanwhile(seen) from exc
        return as_of_today(runtime, queries.detail(uow.session, record, actor))


def _last_entry(session: Session, case_id: str) -> int:
    return session.scalar(select(func.max(CaseEvent.id)).where(CaseEvent.case_id == case_id)) or 0


def _a_person_acted_since(runtime: ServiceRuntime, case_id: str, seen: int) -> bool:
    with runtime.db.transaction() as session:
        query = select(CaseEvent.actor_id).where(
            CaseEvent.case_id == case_id, CaseEvent.id > seen, CaseEvent.actor_id != SYSTEM_ACTOR_ID
        )
        return session.scalars(query.limit(1)).first() is not None


def apply_system(
    uow: UnitOfWork,
    base_url: str,
    record: CaseRecord,
    actor: Actor,
    command: CaseCommand,
    audited_as: Actor | None = None,
) -> None:
    """A step caused by another service's message (approval decided, clock expired), in the handler's uow;
    ``audited_as``: who the audit trail names instead of ``actor`` (the leader, in their own roles)."""
    step = start_step(uow, record, actor, base_url)
    step.audited_as = audited_as
    carry_out(step, command)
    save(step)


# --- reading ---


def get_case(runtime: ServiceRuntime, actor: Actor, case_id: str) -> dict[str, Any]:
    with runtime.db.reading() as session:
        view = queries.detail(session, queries.load_visible(session, actor, case_id), actor)
    return as_of_today(runtime, view)


def opened_case(
    runtime: ServiceRuntime, actor: Actor, case_id: str, answers: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The case a request just opened, as its opening kept it (:func:`case_opening.answering`), or read."""
    kept = answers.pop(case_id, None)
    return as_of_today(runtime, kept) if kept is not None else get_case(runtime, actor, case_id)


def as_of_today(runtime: ServiceRuntime, view: dict[str, Any]) -> dict[str, Any]:
    """The working days left on each running clock counted from today, with the calendar window its last
    event carried (the deadlines API only for a clock stored without one), not as they were when the clock
    was scheduled; a stopped clock has none left to show."""
    fallback = calendar_for(runtime.settings, view["jurisdiction"])
    today = local_today()
    for clock in view["clocks"]:
        counter = ClockCalendar.from_json(clock.pop("calendar", None), fallback)
        if clock["state"] == "stopped":
            clock["remaining_working_days"] = None
        elif clock["state"] in LIVE_CLOCK_STATES and clock["due_date"] is not None:
            left = time_left(clock["due_date"], today, counter)
            clock["remaining_working_days"] = 0 if left.overdue else left.days
    return view


def case_history(runtime: ServiceRuntime, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    with runtime.db.transaction() as session:
        queries.load_visible(session, actor, case_id)
        return queries.history(session, case_id)


def list_cases(runtime: ServiceRuntime, actor: Actor, wanted: queries.CaseFilter) -> dict[str, Any]:
    with runtime.db.transaction() as session:
        return queries.list_cases(session, actor, wanted)


def read_attachment(
    runtime: ServiceRuntime, store: AttachmentStore, actor: Actor, attachment_id: str
) -> tuple[dict[str, Any], IO[bytes]]:
    """The file: to its uploader's department until tied to a case, then to whoever sees the case."""
    with runtime.db.transaction() as session:
        row = attachments.find(session, attachment_id)
        if row.case_id is not None:
            queries.load_visible(session, actor, row.case_id)
        elif row.jurisdiction_code != actor.jurisdiction or (
            row.uploaded_by != actor.user_id and row.department_code != actor.department
        ):
            raise NotFound("未找到该附件", code="not_found")
        meta = attachments.attachment_payload(row)
    return meta, store.open(meta["sha256"])
