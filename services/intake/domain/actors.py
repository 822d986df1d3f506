"""Who acts on a case, seen by the domain: a person with roles and a department, or the system itself."""

from __future__ import annotations

from shared.identity import DEPARTMENT_ROLES, OFFICE_DECIDERS, OFFICE_ROLES, Principal, Role

__all__ = [
    "DEPT_ROLES",
    "OFFICE_DECIDERS",
    "OFFICE_ROLES",
    "ORG_REVIEWER",
    "SYSTEM_ROLE",
    "Actor",
    "system_actor",
]

# The domain's actor is the suite's principal: one notion of "who acts" across services.
Actor = Principal
DEPT_ROLES = DEPARTMENT_ROLES
ORG_REVIEWER = Role.ORG_REVIEWER.value
SYSTEM_ROLE = Role.SERVICE.value


def system_actor(jurisdiction: str, name: str = "系统") -> Actor:
    return Actor("system", name, jurisdiction, None, frozenset({SYSTEM_ROLE}))
