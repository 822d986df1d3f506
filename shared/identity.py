"""Who is acting, as the rules of the measures see it: a person with roles in a jurisdiction.

Pure (no web framework, database or token library), so every service's domain layer can use it; the HTTP
side builds a :class:`Principal` from a bearer token in :mod:`shared.auth`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from shared.errors import Forbidden, NotFound


class Role(StrEnum):
    """The roles of the measures' actors."""

    DEPT_CLERK = "dept_clerk"  # 部门经办人
    DEPT_LEADER = "dept_leader"  # 部门负责人
    OFFICE_CLERK = "office_clerk"  # 编办经办人
    OFFICE_DIVISION_HEAD = "office_division_head"  # 编办处室负责人
    OFFICE_LEADER = "office_leader"  # 编办分管领导 / 主任
    OFFICE_ADMIN = "office_admin"  # 系统管理员（编办）
    ORG_REVIEWER = "org_reviewer"  # 市委组织部审核人
    SERVICE = "service"  # another service of the suite


ROLE_NAMES = {
    Role.DEPT_CLERK: "部门经办人",
    Role.DEPT_LEADER: "部门负责人",
    Role.OFFICE_CLERK: "编办经办人",
    Role.OFFICE_DIVISION_HEAD: "编办处室负责人",
    Role.OFFICE_LEADER: "编办领导",
    Role.OFFICE_ADMIN: "编办系统管理员",
    Role.ORG_REVIEWER: "组织部审核人",
    Role.SERVICE: "系统服务",
}

OFFICE_ROLES = frozenset(
    {Role.OFFICE_CLERK, Role.OFFICE_DIVISION_HEAD, Role.OFFICE_LEADER, Role.OFFICE_ADMIN}
)
DEPARTMENT_ROLES = frozenset({Role.DEPT_CLERK, Role.DEPT_LEADER})
#: Who may take the office's decisions (acceptance, rejection, filing opinion, extension, suspension).
OFFICE_DECIDERS = frozenset({Role.OFFICE_DIVISION_HEAD, Role.OFFICE_LEADER})


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user_id: str
    name: str
    jurisdiction: str
    department: str | None
    roles: frozenset[str] = field(default_factory=frozenset)

    def has_any(self, roles: Iterable[str]) -> bool:
        return bool(self.roles & {str(r) for r in roles})

    @property
    def is_office(self) -> bool:
        return self.has_any(OFFICE_ROLES)

    @property
    def is_office_decider(self) -> bool:
        return self.has_any(OFFICE_DECIDERS)

    @property
    def is_department_user(self) -> bool:
        return self.has_any(DEPARTMENT_ROLES)

    @property
    def is_system(self) -> bool:
        """Another service of the suite acting through a message."""
        return Role.SERVICE in self.roles

    def require(self, *roles: str) -> None:
        """Raise :class:`Forbidden` unless the caller holds one of ``roles``."""
        if not self.has_any(roles):
            names = "、".join(
                ROLE_NAMES.get(Role(r), r) if r in Role._value2member_map_ else r for r in roles
            )
            raise Forbidden(f"此操作需要以下角色之一：{names}", code="role_required")

    def require_jurisdiction(self, jurisdiction: str) -> None:
        """Raise :class:`NotFound` for another jurisdiction's record: its existence is not revealed."""
        if jurisdiction != self.jurisdiction:
            raise NotFound("未找到该记录", code="not_found")
