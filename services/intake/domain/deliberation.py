"""议事协调机构成员单位分工 (第29条): the lead unit (牵头单位) of a deliberation and coordination body sets up
its working mechanism, breaks the related departments' duties down into tasks, bears the residual
responsibility (兜底责任), and copies the member units' division of duties to the office (成员单位职责分工
及时抄送市委编办) — the first division and every change to it.

The office keeps the register: each body, its lead unit and member units, its current division and every
earlier one. A division must dovetail with the members' 三定 provisions (加强议事协调机构成员单位分工与部门
“三定”规定的衔接): a task that names no 三定 provision, or one given to several members without a lead and a
host/assisting split (第7条), is flagged when filed; the office may flag a task that contradicts a member's
三定 provisions and refer it to coordination (a coordination case of source ``deliberation_body``), and
registers the division once it dovetails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from services.intake.domain import commands as c
from services.intake.domain.duty_plan import Flag
from services.intake.domain.procedure import Kind, Opening, Procedure, Status, Transition, applicant, office
from services.intake.domain.rules import fail_if_any, named

ARTICLE = "第二十九条"

# --- commands ---


@dataclass(frozen=True)
class MemberTask:
    """One task of a member unit: what it does, the 三定 provision it rests on (部门“三定”规定的衔接), and
    where its responsibility ends (责任分界点); a task several members share names its host."""

    task: str
    sanding_provision: str | None = None
    boundary: str | None = None
    shared_with: list[str] = field(default_factory=list)
    host_department: str | None = None


@dataclass(frozen=True)
class MemberDivision:
    """A member unit and its tasks in the body."""

    department: str
    tasks: list[MemberTask]


@dataclass(frozen=True)
class FileDivision(c.CaseCommand):
    """The lead unit copies the member units' division of duties to the office (第29条): the body, its
    working mechanism, what the lead unit itself bears (兜底责任), and each member's tasks. ``changes``
    says what changed when the body already has a division on record."""

    body_name: str
    lead_department: str
    mechanism: str
    residual_responsibility: str
    members: list[MemberDivision]
    changes: str | None = None
    document: str | None = None
    attachment_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RegisterDivision(c.CaseCommand):
    """The office registers the division: it dovetails with the members' 三定 provisions."""

    note: str | None = None


@dataclass(frozen=True)
class FlagDivision(c.CaseCommand):
    """The office finds a member's task contradicting that member's 三定 provisions."""

    member_department: str
    sanding_provision: str
    conflict: str


@dataclass(frozen=True)
class ReferDivisionToCoordination(c.CaseCommand):
    """The contradiction is coordinated: the coordination case that carries it (第16条, 第26条)."""

    coordination_case_id: str
    note: str | None = None


# --- checks ---


def title_of(command: FileDivision) -> str:
    return f"{command.body_name}成员单位职责分工" + ("（调整）" if command.changes else "")


def members_of(command: FileDivision) -> list[str]:
    return [m.department for m in command.members]


def named_departments(command: FileDivision) -> dict[str, list[str]]:
    """Every department the filing names, by the field that names it (for 第38条第2款's check)."""
    named: dict[str, list[str]] = {"lead_department": [command.lead_department]}
    named["members"] = members_of(command)
    for i, member in enumerate(command.members):
        for j, task in enumerate(member.tasks):
            shared = [*task.shared_with, *([task.host_department] if task.host_department else [])]
            if shared:
                named[f"members[{i}].tasks[{j}]"] = shared
    return named


def check_body(name: str, established_by: str, members: Sequence[str]) -> None:
    """A body entered on the register (第29条): its name, the document that set it up, its member units."""
    fields: dict[str, list[str]] = {}
    if not name.strip():
        fields["name"] = ["请填写议事协调机构名称"]
    if not established_by.strip():
        fields["established_by"] = ["请写明设立该机构的文件名称及文号"]
    if not members:
        fields["member_departments"] = ["请选择成员单位"]
    fail_if_any(fields, "议事协调机构登记信息不完整（第二十九条）", "body_incomplete")


def check_division(command: FileDivision, *, has_earlier: bool) -> None:
    """What 第29条 asks of the lead unit: a working mechanism, its residual responsibility, and every member
    with its tasks; a change to a division on record says what changed."""
    fields: dict[str, list[str]] = {}
    if not command.body_name.strip():
        fields["body_name"] = ["应填写议事协调机构名称"]
    if not command.mechanism.strip():
        fields["mechanism"] = ["牵头单位应制定工作协同机制（第二十九条）"]
    if not command.residual_responsibility.strip():
        fields["residual_responsibility"] = ["应写明牵头单位承担的兜底责任（第二十九条）"]
    if not command.members:
        fields["members"] = ["应列明成员单位及其职责分工（第二十九条）"]
    seen: set[str] = set()
    for i, member in enumerate(command.members):
        if member.department == command.lead_department:
            fields[f"members[{i}].department"] = ["牵头单位的职责写入兜底责任和工作协同机制，不列为成员单位"]
        if member.department in seen:
            fields[f"members[{i}].department"] = ["同一成员单位只列一次"]
        seen.add(member.department)
        if not member.tasks:
            fields[f"members[{i}].tasks"] = ["应明确该成员单位的细化任务分工（第二十九条）"]
        for j, task in enumerate(member.tasks):
            if not task.task.strip():
                fields[f"members[{i}].tasks[{j}].task"] = ["应填写任务内容"]
            if task.host_department and task.host_department not in {member.department, *task.shared_with}:
                fields[f"members[{i}].tasks[{j}].host_department"] = ["主办单位应为共同承担该任务的单位之一"]
    if has_earlier and not (command.changes and command.changes.strip()):
        fields["changes"] = ["该机构已有抄送的成员单位分工，调整时应写明调整内容（第二十九条）"]
    fail_if_any(fields, "成员单位职责分工不完整（第二十九条）", "division_incomplete")


def division_flags(command: FileDivision, department_names: Mapping[str, str]) -> list[Flag]:
    """What the office must look at (加强成员单位分工与部门“三定”规定的衔接): a task naming no 三定
    provision; a task several units share without a host (第7条: 分清主办和协办关系); the same task given to
    several members separately."""
    flags: list[Flag] = []
    holders: dict[str, list[str]] = {}
    for i, member in enumerate(command.members):
        name = named(department_names, member.department)
        for j, task in enumerate(member.tasks):
            where = f"members[{i}].tasks[{j}]"
            if not (task.sanding_provision and task.sanding_provision.strip()):
                flags.append(Flag(ARTICLE, where, f"{name}的任务“{task.task}”未注明与其“三定”规定的衔接"))
            if task.shared_with and not task.host_department:
                others = "、".join(named(department_names, d) for d in task.shared_with)
                flags.append(
                    Flag("第七条", where, f"“{task.task}”由{name}与{others}共同承担，未明确主办单位")
                )
            holders.setdefault(task.task.strip(), []).append(member.department)
    for task_text, departments in holders.items():
        if len(set(departments)) > 1:
            names = "、".join(named(department_names, d) for d in dict.fromkeys(departments))
            flags.append(
                Flag("第七条", "members", f"“{task_text}”同时分给{names}，一件事情原则上由一个部门负责")
            )
    return flags


def check_flag(member: str, members: Sequence[str], command: FlagDivision) -> None:
    fields: dict[str, list[str]] = {}
    if member not in members:
        fields["member_department"] = ["应为该议事协调机构的成员单位"]
    if not command.sanding_provision.strip():
        fields["sanding_provision"] = ["应写明与之不衔接的“三定”规定条款"]
    if not command.conflict.strip():
        fields["conflict"] = ["应写明分工与“三定”规定不衔接之处"]
    fail_if_any(fields, "标记不衔接应写明成员单位、“三定”规定条款和不衔接之处", "flag_incomplete")


# --- the procedure ---

S = Status

PROCEDURE = Procedure(
    kind=Kind.DELIBERATION,
    name="议事协调机构成员单位职责分工",
    openings=(
        Opening(
            "file_division",
            "牵头单位抄送成员单位职责分工",
            applicant,
            "只有议事协调机构牵头单位的经办人或负责人可以抄送成员单位职责分工",
            S.DIVISION_FILED,
        ),
    ),
    transitions=(
        Transition(
            RegisterDivision,
            "register_division",
            "登记成员单位职责分工",
            frozenset({S.DIVISION_FILED, S.DIVISION_FLAGGED, S.AWAITING_COORDINATION}),
            S.DIVISION_REGISTERED,
            office,
        ),
        Transition(
            FlagDivision,
            "flag_division",
            "标记与“三定”规定不衔接",
            frozenset({S.DIVISION_FILED, S.DIVISION_FLAGGED}),
            S.DIVISION_FLAGGED,
            office,
        ),
        Transition(
            ReferDivisionToCoordination,
            "refer_division_to_coordination",
            "提请协调",
            frozenset({S.DIVISION_FLAGGED}),
            S.AWAITING_COORDINATION,
            office,
        ),
    ),
)
