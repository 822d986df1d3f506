"""Rules several kinds of case share: who is the rightful host department (第13条), and how a check reports
what is missing. The rules of one kind live in its module (:mod:`.filing`, :mod:`.coordination`, …).

Each check raises :class:`~shared.errors.ValidationFailed` (naming the field, in Chinese) or
:class:`~shared.errors.DomainError`; none of them touches a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.errors import DomainError, ValidationFailed

#: what a person reads for a department the directory does not (or no longer) know: never its code
UNKNOWN_DEPARTMENT = "有关部门"


def named(names: Mapping[str, str], code: str) -> str:
    """A department by its name in ``names``, :data:`UNKNOWN_DEPARTMENT` when it has none there."""
    return names.get(code) or UNKNOWN_DEPARTMENT


def fail_if_any(fields: dict[str, list[str]], detail: str, code: str) -> None:
    """Raise one :class:`ValidationFailed` naming every field a check found wanting (nothing if none)."""
    if fields:
        raise ValidationFailed(detail, code=code, fields=fields)


# --- 第13条: the rightful host department 主办部门 ---


def rightful_host(lead_departments: Sequence[str], organiser: str) -> str:
    """The lead department; of several leads the first; with none named, the one that organised the work."""
    return lead_departments[0] if lead_departments else organiser


def check_rightful_host(host: str, lead_departments: Sequence[str], submitter_department: str | None) -> None:
    if lead_departments and host != lead_departments[0]:
        raise DomainError(
            f"主办部门应为牵头部门（有多个牵头部门的，为排在第一位的 {lead_departments[0]}），"
            f"不是 {host}（第十三条）",
            code="not_rightful_host",
            fields={"host_department": ["主办部门应为（排在第一位的）牵头部门"]},
        )
    if submitter_department != host:
        raise DomainError(
            "应由主办部门报送（第十五条、第十六条）",
            code="not_host_department",
            fields={"host_department": ["只有主办部门可以报送"]},
        )
