"""Who acts on a case, seen by the domain: a person with roles and a department, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field

DEPT_ROLES = frozenset({"dept_clerk", "dept_leader"})
OFFICE_ROLES = frozenset({"office_clerk", "office_division_head", "office_leader", "office_admin"})
OFFICE_DECIDERS = frozenset({"office_division_head", "office_leader"})
ORG_REVIEWER = "org_reviewer"
SYSTEM_ROLE = "service"


@dataclass(frozen=True)
class Actor:
    """A person acting in a jurisdiction, or the system (a message from another service)."""

    user_id: str
    name: str
    jurisdiction: str
    department: str | None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_office(self) -> bool:
        return bool(self.roles & OFFICE_ROLES)

    @property
    def is_office_decider(self) -> bool:
        return bool(self.roles & OFFICE_DECIDERS)

    @property
    def is_department_user(self) -> bool:
        return bool(self.roles & DEPT_ROLES)

    @property
    def is_system(self) -> bool:
        return SYSTEM_ROLE in self.roles


def system_actor(jurisdiction: str, name: str = "系统") -> Actor:
    return Actor("system", name, jurisdiction, None, frozenset({SYSTEM_ROLE}))
