"""How every kind of case comes into being: the row, its parties and attachments, the first history line and
the first messages, all in one unit of work — and the ``Idempotency-Key`` recorded with them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from services.intake import queries
from services.intake.domain.actors import Actor
from services.intake.domain.cases import Kind, Source, Status, open_case
from services.intake.tables import CaseParty, CaseRecord, IdempotentRequest, opened
from services.intake.usecases import attachments
from services.intake.usecases.case_step import Step, commit, new_id, save, start_step
from services.intake.usecases.documents import produce_after_commit
from shared import idempotency
from shared.idempotency import IdempotencyClaim
from shared.jsonable import jsonable
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime


@dataclass(frozen=True)
class NewCase:
    """A case about to be opened: what it is, who takes part, what it carries."""

    kind: Kind
    source: Source
    title: str
    applicant: str | None
    content: Any  # the submission command; stored as the case's ``content``
    parties: dict[str, str]  # department → role
    attachment_ids: list[str]
    action: str  # the opening: "submit" | "open" | "record_reflection" | "order_rectification"
    status: Status
    named_attachments: dict[str, list[str]] = field(default_factory=dict)  # input field → ids it carries
    extra_content: dict[str, Any] = field(default_factory=dict)  # what the office adds (a ground's name)
    #: what must hold of the input in the database (departments named, bases), checked in the opening's own
    #: transaction before anything is written
    check: Callable[[Session], None] = field(default=lambda _session: None)


_ANSWERS: ContextVar[dict[str, dict[str, Any]] | None] = ContextVar("intake_opening_answers", default=None)


@contextmanager
def answering() -> Iterator[dict[str, dict[str, Any]]]:
    """While the API opens a case: the opening keeps the case in full as it wrote it, by its id — what
    ``GET /cases/{id}`` answers before today's working days are counted — so that the 201 is made without
    reading back what was just written. A repeat of the request, or an opening that did not commit, leaves
    nothing here: its answer is read from the database."""
    answers: dict[str, dict[str, Any]] = {}
    token = _ANSWERS.set(answers)
    try:
        yield answers
    finally:
        _ANSWERS.reset(token)


def open_new_case(
    runtime: ServiceRuntime,
    actor: Actor,
    new: NewCase,
    claim: IdempotencyClaim | None,
    effects: Callable[[Step], None],
) -> str:
    """Open the case (its first messages come from ``effects``) and record the claim; returns its id."""
    with runtime.unit_of_work() as uow:
        idempotency.check_unused(uow.session, IdempotentRequest, claim)  # a repeat: idempotency.Repeat
        new.check(uow.session)
        record = _insert(uow, actor, new)
        base_url = runtime.settings.public_base_url
        step = start_step(uow, record, actor, base_url, new.action, parties=new.parties)
        step.entries.append(open_case(step.case, actor, new.action))
        for name, ids in new.named_attachments.items():
            attachments.claim(uow.session, actor, record.id, ids, name)
        attachments.claim(uow.session, actor, record.id, new.attachment_ids)
        effects(step)
        save(step)
        idempotency.record(uow.session, IdempotentRequest, claim, record.id)
        # a written step's document (限期纠正通知), once committed: then the answer is read after it
        documents_follow = produce_after_commit(uow, runtime, step)
        answers = _ANSWERS.get() if not documents_follow else None
        shown = queries.detail(uow.session, record, actor) if answers is not None else None
        commit(uow)
        if answers is not None and shown is not None:
            answers[record.id] = shown
        return record.id


def _insert(uow: UnitOfWork, actor: Actor, new: NewCase) -> CaseRecord:
    record = CaseRecord(
        id=new_id("c"),
        jurisdiction_code=actor.jurisdiction,
        kind=str(new.kind),
        source=str(new.source),
        title=new.title,
        status=str(new.status),
        applicant_department=new.applicant,
        content={**jsonable(new.content, drop_none=True), **new.extra_content},
        progress={},
        submitted_by=actor.user_id,
        version=1,  # as the first flush sets it: the step's notices use it (Step.dedupe) before that
    )
    uow.session.add(record)  # written with its parties, clocks and history at one flush (tables.cases)
    opened.opening(uow.session, record)  # what follows reads its rows from memory (tables.opened)
    for code, role in new.parties.items():
        uow.session.add(CaseParty(case_id=record.id, department_code=code, role=role))
    return record
