"""Who acts on a case, seen by the domain: a person with roles and a department, or the system itself."""

from __future__ import annotations

from shared.identity import DEPARTMENT_ROLES, OFFICE_DECIDERS, OFFICE_ROLES, Principal, Role

__all__ = [
    "DEPT_ROLES",
    "OFFICE_DECIDERS",
    "OFFICE_ROLES",
    "ORG_REVIEWER",
    "SYSTEM_ACTOR_ID",
    "SYSTEM_ROLE",
    "Actor",
    "system_actor",
]

# The domain's actor is the suite's principal: one notion of "who acts" across services.
Actor = Principal
DEPT_ROLES = DEPARTMENT_ROLES
ORG_REVIEWER = Role.ORG_REVIEWER.value
SYSTEM_ROLE = Role.SERVICE.value


#: the user id of every step the suite takes by itself (clock events, the 第二十条 deemed reply)
SYSTEM_ACTOR_ID = "system"


def system_actor(jurisdiction: str, name: str = "系统") -> Actor:
    return Actor(SYSTEM_ACTOR_ID, name, jurisdiction, None, frozenset({SYSTEM_ROLE}))
