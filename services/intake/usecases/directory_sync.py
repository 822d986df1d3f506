"""The directory from the 浙政钉 address book: departments are the organisations under each jurisdiction's
root (``DM_ZWD_DIRECTORY_ROOTS``), people their employees with their accountIds.

A sync changes names, titles, departments and accounts; roles stay as the office gave them (a person new
to the suite has none until an admin grants them, e.g. with the Excel import), and so do a department's
kind and function. A person whose account is no longer in the book has left: they lose access at once
(sessions revoked everywhere) and their open approvals go to someone who can act, the office told
(:func:`services.intake.usecases.directory.load_directory`). A change event from the platform only says that
something changed, so the jurisdiction is read again; nothing is written if the book cannot be read whole.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from services.intake.adapters.platform import zwd_gateway
from services.intake.tables import Department, Jurisdiction, Person
from services.intake.usecases.directory import load_directory
from shared.config import Settings
from shared.platform.addressbook import AddressBook
from shared.runtime import ServiceRuntime

EVENTS_PATH = "/api/v1/directory/events"


@dataclass
class Rows:
    jurisdictions: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)


def address_book(settings: Settings) -> AddressBook:
    return AddressBook(gateway=zwd_gateway(settings), tenant_id=settings.platform_tenant_id)


def callback_token(settings: Settings) -> str:
    """The secret part of the events address: only the platform, which we told it, knows it."""
    return hmac.new(settings.secret_key.encode(), b"dm-directory-events", hashlib.sha256).hexdigest()[:32]


def callback_url(settings: Settings) -> str:
    return f"{settings.public_base_url.rstrip('/')}{EVENTS_PATH}/{callback_token(settings)}"


def register_events(runtime: ServiceRuntime, book: AddressBook) -> str:
    url = callback_url(runtime.settings)
    book.register_callback(url)
    return url


def _read(book: AddressBook, jurisdiction: str, root: str, known: dict[str, Department]) -> tuple[list, list]:
    """Departments and employees (with accountIds) of one jurisdiction, read whole before writing."""
    departments, employees = [], []
    for code in book.sub_organizations(root):
        organization = book.organization(code)
        existing = known.get(organization.name)
        departments.append(
            {
                "code": existing.code if existing else code,
                "jurisdiction_code": jurisdiction,
                "name": organization.name,
                "kind": existing.kind if existing else "other",
                "function": existing.function if existing else None,
                "active": True,
            }
        )
        employees += [(departments[-1]["code"], e) for e in book.employees(code)]
    accounts = book.account_ids([e.code for _dept, e in employees])
    return departments, [(dept, e, accounts.get(e.code)) for dept, e in employees]


def sync(
    runtime: ServiceRuntime, book: AddressBook, jurisdictions: tuple[str, ...] | None = None
) -> dict[str, int]:
    """Bring the directory of the configured jurisdictions in line with the address book."""
    roots = dict(runtime.settings.directory_roots)
    wanted = [j for j in (jurisdictions or tuple(roots)) if j in roots]
    rows, counts = Rows(), {"departments": 0, "people": 0, "left": 0}
    with runtime.db.transaction() as session:
        for jurisdiction in wanted:
            current = session.get(Jurisdiction, jurisdiction)
            if current is None:
                continue
            known = {
                d.name: d
                for d in session.scalars(
                    select(Department).where(Department.jurisdiction_code == jurisdiction)
                )
            }
            people = {
                p.zwd_account_id: p
                for p in session.scalars(select(Person).where(Person.jurisdiction_code == jurisdiction))
                if p.zwd_account_id
            }
            departments, employees = _read(book, jurisdiction, roots[jurisdiction], known)
            rows.departments += departments
            seen = set()
            for department_code, employee, account in employees:
                if not account:
                    continue
                seen.add(account)
                existing = people.get(account)
                rows.people.append(
                    {
                        "id": existing.id if existing else f"zwd-{account}",
                        "name": employee.name,
                        "jurisdiction_code": jurisdiction,
                        "department_code": department_code,
                        "title": employee.title,
                        "roles": list(existing.roles) if existing else [],
                        "zwd_account_id": account,
                        "active": True,
                    }
                )
            for account, person in people.items():
                if account not in seen and person.active:  # no longer in the book: left
                    rows.people.append({"id": person.id, "active": False})
                    counts["left"] += 1
    counts["departments"], counts["people"] = len(rows.departments), len(rows.people) - counts["left"]
    load_directory(runtime, rows, how="按浙政钉通讯录同步")
    return counts


def on_event(runtime: ServiceRuntime, book: AddressBook, event: dict[str, Any]) -> dict[str, int]:
    """A change event: read the tenant's jurisdictions again (the event says who, the book says what)."""
    return sync(runtime, book)
