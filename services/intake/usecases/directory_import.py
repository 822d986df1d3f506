"""Loading the directory from an Excel sheet the office fills in, where a deployment has no address-book
access yet: every row checked, every error named in Chinese with its sheet and row, and nothing imported
unless every row is right (one transaction).

The workbook has a sheet 人员 (people) and may have a sheet 部门 (departments); :func:`template` makes an
empty one with the headers and an example row. People not in the sheet are left as they are; a person
marked 在职 = 否 loses access at once (:func:`services.intake.usecases.directory.load_directory`).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from services.intake.tables import Department, Jurisdiction, Person
from services.intake.usecases.directory import load_directory
from shared.errors import ValidationFailed
from shared.identity import ROLE_NAMES, Principal, Role
from shared.runtime import ServiceRuntime

PEOPLE_SHEET, DEPARTMENT_SHEET = "人员", "部门"
PEOPLE_COLUMNS = ("姓名", "部门", "职务", "浙政钉账号ID", "角色", "在职", "用户标识")
DEPARTMENT_COLUMNS = ("部门名称", "部门类别", "职能", "部门编码")
KINDS = {"市委工作机关": "party_organ", "市政府工作部门": "government_department", "其他": "other"}
FUNCTIONS = {"编办": "establishment_office", "组织部": "organisation", "": None}
ROLES_BY_NAME = {name: str(role) for role, name in ROLE_NAMES.items() if role != Role.SERVICE}
OFFICE_ONLY = {
    str(r) for r in (Role.OFFICE_CLERK, Role.OFFICE_DIVISION_HEAD, Role.OFFICE_LEADER, Role.OFFICE_ADMIN)
}
MAX_ROWS = 5000


@dataclass
class Rows:
    """What the sheet says, as the directory's rows (``load_directory`` takes this shape)."""

    jurisdictions: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def template() -> bytes:
    """An empty workbook with the headers and one example row per sheet."""
    book = Workbook()
    people = book.active
    assert people is not None
    people.title = PEOPLE_SHEET
    people.append(list(PEOPLE_COLUMNS))
    people.append(
        ["张敏", "中共宁波市委机构编制委员会办公室", "职能处经办人", "100001", "编办经办人", "是", ""]
    )
    departments = book.create_sheet(DEPARTMENT_SHEET)
    departments.append(list(DEPARTMENT_COLUMNS))
    departments.append(["中共宁波市委机构编制委员会办公室", "市委工作机关", "编办", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _sheet_rows(
    book: Any, name: str, columns: tuple[str, ...], rows: Rows
) -> list[tuple[int, dict[str, str]]]:
    if name not in book.sheetnames:
        return []
    sheet = book[name]
    lines = list(sheet.iter_rows(values_only=True))
    header = [_cell(v) for v in (lines[0] if lines else ())]
    missing = [c for c in columns if c not in header and c not in ("用户标识", "部门编码", "职能", "职务")]
    if missing:
        rows.errors.append(f"“{name}”表缺少列：{'、'.join(missing)}（请用导入模板）")
        return []
    if len(lines) - 1 > MAX_ROWS:
        rows.errors.append(f"“{name}”表超过 {MAX_ROWS} 行，请分批导入")
        return []
    found = []
    for number, line in enumerate(lines[1:], start=2):
        values = {header[i]: _cell(v) for i, v in enumerate(line) if i < len(header) and header[i]}
        if any(values.values()):
            found.append((number, values))
    return found


def read(runtime: ServiceRuntime, admin: Principal, workbook: IO[bytes]) -> Rows:
    """The sheet checked row by row against itself and the jurisdiction's directory (nothing written)."""
    admin.require(Role.OFFICE_ADMIN)
    rows = Rows()
    try:
        book = load_workbook(workbook, read_only=True, data_only=True)
    except Exception:  # openpyxl raises several kinds for a file that is not a workbook
        rows.errors.append("文件不是有效的 Excel 工作簿（.xlsx），请用导入模板填写后上传")
        return rows
    if PEOPLE_SHEET not in book.sheetnames:
        rows.errors.append(f"工作簿中没有“{PEOPLE_SHEET}”表（请用导入模板）")
        return rows
    with runtime.db.transaction() as session:
        jurisdiction = session.get(Jurisdiction, admin.jurisdiction)
        existing_departments = {
            d.name: d
            for d in session.scalars(
                select(Department).where(Department.jurisdiction_code == admin.jurisdiction)
            )
        }
        people = list(session.scalars(select(Person)))
        departments = _departments(book, rows, admin.jurisdiction, existing_departments)
        _people(book, rows, admin.jurisdiction, departments, people)
        if jurisdiction is not None:
            rows.jurisdictions.append(
                {"code": jurisdiction.code, "name": jurisdiction.name, "level": jurisdiction.level,
                 "parent_code": jurisdiction.parent_code}
            )  # fmt: skip
    return rows


def _departments(
    book: Any, rows: Rows, jurisdiction: str, existing: dict[str, Department]
) -> dict[str, dict[str, Any]]:
    """Departments by name: those of the directory, changed or joined by the 部门 sheet."""
    known = {
        name: {"code": d.code, "kind": d.kind, "function": d.function, "jurisdiction_code": jurisdiction}
        for name, d in existing.items()
    }
    seen: dict[str, int] = {}
    for number, values in _sheet_rows(book, DEPARTMENT_SHEET, DEPARTMENT_COLUMNS, rows):
        where = f"“{DEPARTMENT_SHEET}”表第{number}行"
        name, kind, function = values.get("部门名称", ""), values.get("部门类别", ""), values.get("职能", "")
        problems = []
        if not name or len(name) > 80:
            problems.append("部门名称必填，且不超过 80 个字")
        if name in seen:
            problems.append(f"部门“{name}”与第{seen[name]}行重复")
        if kind not in KINDS:
            problems.append(f"部门类别“{kind}”不对，应为：{'、'.join(KINDS)}")
        if function not in FUNCTIONS:
            problems.append(f"职能“{function}”不对，应为：编办、组织部，或留空")
        if problems:
            rows.errors.extend(f"{where}：{p}" for p in problems)
            continue
        seen[name] = number
        code = values.get("部门编码") or known.get(name, {}).get("code") or _code("d", jurisdiction, name)
        department: dict[str, Any] = {
            "code": code,
            "jurisdiction_code": jurisdiction,
            "name": name,
            "kind": KINDS[kind],
            "function": FUNCTIONS[function],
            "active": True,
        }
        known[name] = department
        rows.departments.append(department)
    return known


def _code(prefix: str, jurisdiction: str, text: str) -> str:
    return f"{prefix}-{jurisdiction}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def _people(
    book: Any, rows: Rows, jurisdiction: str, departments: dict[str, dict[str, Any]], people: list[Person]
) -> None:
    by_account = {p.zwd_account_id: p for p in people if p.zwd_account_id}
    by_id = {p.id: p for p in people}
    accounts_seen: dict[str, int] = {}
    for number, values in _sheet_rows(book, PEOPLE_SHEET, PEOPLE_COLUMNS, rows):
        where = f"“{PEOPLE_SHEET}”表第{number}行"
        problems, person = _person(
            values, jurisdiction, departments, by_account, by_id, accounts_seen, number
        )
        rows.errors.extend(f"{where}：{p}" for p in problems)
        if person is not None and not problems:
            rows.people.append(person)


def _person(
    values: dict[str, str],
    jurisdiction: str,
    departments: dict[str, dict[str, Any]],
    by_account: dict[str, Person],
    by_id: dict[str, Person],
    accounts_seen: dict[str, int],
    number: int,
) -> tuple[list[str], dict[str, Any] | None]:
    problems: list[str] = []
    name, department_name = values.get("姓名", ""), values.get("部门", "")
    account, active = values.get("浙政钉账号ID", ""), values.get("在职", "") or "是"
    if not name or len(name) > 40:
        problems.append("姓名必填，且不超过 40 个字")
    department = departments.get(department_name)
    if department is None:
        problems.append(f"部门“{department_name}”不在本辖区的目录中，也不在“部门”表里")
    if account and not account.isdigit():
        problems.append(f"浙政钉账号ID“{account}”应为数字")
    if account in accounts_seen:
        problems.append(f"浙政钉账号ID {account} 与第{accounts_seen[account]}行重复")
    if active not in ("是", "否"):
        problems.append("在职应填“是”或“否”")
    roles, role_problems = _roles(values.get("角色", ""), department)
    problems += role_problems
    existing = by_id.get(values.get("用户标识", "")) or (by_account.get(account) if account else None)
    if existing is not None and existing.jurisdiction_code != jurisdiction:
        problems.append("该人员属于其他行政区划，不能在本辖区导入")
    if problems or department is None:
        return problems, None
    if account:
        accounts_seen[account] = number
    person_id = (
        values.get("用户标识")
        or (existing.id if existing else None)
        or (f"zwd-{account}" if account else _code("p", jurisdiction, f"{department_name}/{name}"))
    )
    return [], {
        "id": person_id,
        "name": name,
        "jurisdiction_code": jurisdiction,
        "department_code": department["code"],
        "title": values.get("职务") or None,
        "roles": roles,
        "zwd_account_id": account or None,
        "active": active == "是",
    }


def _roles(text: str, department: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    names = [part.strip() for part in text.replace("，", "、").replace(",", "、").split("、") if part.strip()]
    unknown = [n for n in names if n not in ROLES_BY_NAME]
    if unknown:
        return [], [f"角色“{'、'.join(unknown)}”不存在，可选：{'、'.join(ROLES_BY_NAME)}"]
    roles = [ROLES_BY_NAME[n] for n in names]
    function = department.get("function") if department else None
    if set(roles) & OFFICE_ONLY and function != "establishment_office":
        return roles, ["编办的角色只能授予编办的人员"]
    if str(Role.ORG_REVIEWER) in roles and function != "organisation":
        return roles, ["组织部审核人只能授予组织部的人员"]
    return roles, []


def import_sheet(runtime: ServiceRuntime, admin: Principal, workbook: IO[bytes]) -> dict[str, int]:
    """Check the sheet and, only if every row is right, load it in one transaction."""
    rows = read(runtime, admin, workbook)
    if rows.errors:
        raise ValidationFailed(
            f"导入未进行：共 {len(rows.errors)} 处需要修改", code="directory_import_invalid",
            fields={"file": rows.errors},
        )  # fmt: skip
    if not rows.people and not rows.departments:
        raise ValidationFailed.for_field("file", "表中没有可导入的人员或部门", code="directory_import_empty")
    load_directory(runtime, rows, actor=admin, how="以 Excel 导入")
    return {"departments": len(rows.departments), "people": len(rows.people),
            "left": sum(1 for p in rows.people if not p["active"])}  # fmt: skip
