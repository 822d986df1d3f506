"""The directory use cases: load or change jurisdictions, departments and people; who a user is.

Intake owns the directory. Every change is published (through the outbox) to the services that keep a
replica of what they need — notify resolves recipients to 浙政钉 accounts, devolution names departments —
so no service asks intake synchronously on every message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy import select

from services.intake.tables import Department, Jurisdiction, Person
from shared.auth import Principal, issue_token
from shared.contracts import DEPARTMENT_UPSERTED, PERSON_UPSERTED
from shared.errors import Forbidden, NotFound
from shared.messaging import UnitOfWork
from shared.runtime import ServiceRuntime
from shared.web import revocation

DIRECTORY_SUBSCRIBERS = ("notify", "devolution")


class DirectoryData(Protocol):
    """Rows for the directory tables (e.g. :class:`shared.demo.DemoDirectory`)."""

    @property
    def jurisdictions(self) -> Sequence[dict[str, Any]]: ...

    @property
    def departments(self) -> Sequence[dict[str, Any]]: ...

    @property
    def people(self) -> Sequence[dict[str, Any]]: ...


def department_payload(dept: Department) -> dict[str, Any]:
    return {
        "code": dept.code,
        "jurisdiction": dept.jurisdiction_code,
        "name": dept.name,
        "kind": dept.kind,
        "function": dept.function,
        "active": dept.active,
    }


def person_payload(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "name": person.name,
        "jurisdiction": person.jurisdiction_code,
        "department": person.department_code,
        "title": person.title,
        "roles": list(person.roles),
        "zwd_account_id": person.zwd_account_id,
        "active": person.active,
    }


def _announce(uow: UnitOfWork, message_type: str, payload: dict[str, Any]) -> None:
    for subscriber in DIRECTORY_SUBSCRIBERS:
        uow.publish(subscriber, message_type, payload)


def _upsert(uow: UnitOfWork, model: type[Any], key: str, rows: Iterable[dict[str, Any]]) -> list[Any]:
    saved = []
    for row in rows:
        obj = uow.session.get(model, row[key]) or model(**{key: row[key]})
        for name, value in row.items():
            setattr(obj, name, value)
        uow.session.add(obj)
        saved.append(obj)
    uow.session.flush()
    return saved


def load_directory(
    runtime: ServiceRuntime, data: DirectoryData, *, actor: Principal | None = None, how: str = "载入"
) -> None:
    """Create or update the directory in one transaction, announcing every department and person; the
    audit trail of each jurisdiction touched records who (``None``: the system) loaded what, ``how``."""
    with runtime.unit_of_work() as uow:
        _upsert(uow, Jurisdiction, "code", data.jurisdictions)
        departments = _upsert(uow, Department, "code", data.departments)
        for dept in departments:
            _announce(uow, DEPARTMENT_UPSERTED, department_payload(dept))
        left = []
        people = _upsert(uow, Person, "id", data.people)
        for person in people:
            _announce(uow, PERSON_UPSERTED, person_payload(person))
            if not person.active:
                left.append(person)
        for person in left:
            _hand_over_approvals(uow, runtime, person)
        _audit_load(uow, actor, how, departments, people)
        uow.commit()
    for person in left:  # a person who left is logged out of every service at once
        revocation.for_runtime(runtime).revoke_person(person.id)


AUDITED_IDS = 500  # the ids an entry lists (a whole address book is counted, not listed)


def _audit_load(
    uow: UnitOfWork, actor: Principal | None, how: str, departments: list[Any], people: list[Any]
) -> None:
    for jurisdiction in sorted(
        {d.jurisdiction_code for d in departments} | {p.jurisdiction_code for p in people}
    ):
        depts = [d.code for d in departments if d.jurisdiction_code == jurisdiction]
        here = [p for p in people if p.jurisdiction_code == jurisdiction]
        gone = [p.id for p in here if not p.active]
        uow.audit(
            "directory.load",
            actor=actor,
            jurisdiction=jurisdiction,
            object_type="directory",
            object_id=jurisdiction,
            summary=f"{how}组织目录：部门 {len(depts)} 个，人员 {len(here)} 人"
            + (f"（其中离开 {len(gone)} 人）" if gone else ""),
            details={
                "departments": depts[:AUDITED_IDS],
                "people": [p.id for p in here][:AUDITED_IDS],
                "left": gone[:AUDITED_IDS],
            },
        )


def _hand_over_approvals(uow: UnitOfWork, runtime: ServiceRuntime, person: Person) -> None:
    from services.intake.adapters.deadlines_calendar import calendar_for
    from services.intake.usecases import approvals

    counter = calendar_for(runtime.settings, person.jurisdiction_code)
    approvals.hand_over(uow, person.id, settings=runtime.settings, counter=counter)


def principal_of(person: Person) -> Principal:
    return Principal(
        user_id=person.id,
        name=person.name,
        jurisdiction=person.jurisdiction_code,
        department=person.department_code,
        roles=frozenset(person.roles),
    )


def find_person(runtime: ServiceRuntime, user_id: str) -> Person:
    with runtime.db.transaction() as session:
        person = session.get(Person, user_id)
        if person is None or not person.active:
            raise NotFound(f"没有名为 {user_id} 的用户", code="user_not_found")
        return person


def find_person_by_account(runtime: ServiceRuntime, account_id: str) -> Person:
    with runtime.db.transaction() as session:
        person = session.scalar(select(Person).where(Person.zwd_account_id == account_id))
        if person is None or not person.active:
            raise NotFound("该浙政钉账号未开通本系统", code="account_not_linked")
        return person


def development_token(runtime: ServiceRuntime, user_id: str) -> str:
    """A bearer token for a seeded user; refused outside development, where real logins are required."""
    settings = runtime.settings
    if not settings.is_development:
        raise Forbidden("仅开发模式可以签发演示令牌", code="development_only")
    person = find_person(runtime, user_id)
    return issue_token(
        principal_of(person), secret=settings.secret_key, ttl_seconds=settings.token_ttl_seconds
    )


def list_departments(runtime: ServiceRuntime, jurisdiction: str) -> list[dict[str, Any]]:
    with runtime.db.transaction() as session:
        rows = session.scalars(
            select(Department).where(Department.jurisdiction_code == jurisdiction).order_by(Department.code)
        ).all()
        return [department_payload(d) for d in rows]


def department_choices(runtime: ServiceRuntime, jurisdiction: str) -> list[tuple[str, str]]:
    """The active departments of ``jurisdiction`` as a form offers them: (code, name), by code."""
    with runtime.db.transaction() as session:
        rows = session.scalars(
            select(Department)
            .where(Department.jurisdiction_code == jurisdiction, Department.active)
            .order_by(Department.code)
        ).all()
        return [(d.code, d.name) for d in rows]


def list_people(runtime: ServiceRuntime, jurisdiction: str) -> list[dict[str, Any]]:
    with runtime.db.transaction() as session:
        rows = session.scalars(
            select(Person).where(Person.jurisdiction_code == jurisdiction).order_by(Person.id)
        ).all()
        return [person_payload(p) for p in rows]
