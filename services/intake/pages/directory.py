"""组织目录 — the directory as the office admin reads it (read-only): departments, people, their roles and
浙政钉 accounts, for the admin's own jurisdiction. Intake owns the directory; changes come from the
address-book sync and imports (issue 12), not from this page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from services.intake.pages.login import role_names
from services.intake.tables import Department, Jurisdiction, Person
from shared.auth import current_principal
from shared.identity import Role
from shared.service import current_runtime
from shared.web import pages
from shared.web.forms import Form

directory_pages = Blueprint("intake_directory", __name__, template_folder="templates")

KIND_NAMES = {"party_organ": "党委工作机关", "government_department": "政府工作部门", "other": "其他市直部门"}
FUNCTION_NAMES = {"establishment_office": "机构编制部门（编办）", "organisation": "组织部门"}


def _directory(jurisdiction: str, search: str) -> tuple[str, list[dict[str, Any]]]:
    with current_runtime().db.transaction() as session:
        place = session.get(Jurisdiction, jurisdiction)
        departments = session.scalars(
            select(Department).where(Department.jurisdiction_code == jurisdiction).order_by(Department.code)
        ).all()
        people = session.scalars(
            select(Person).where(Person.jurisdiction_code == jurisdiction).order_by(Person.id)
        ).all()
        needle = search.strip()
        listed = []
        for department in departments:
            staff = [
                {
                    "name": p.name,
                    "title": p.title or "",
                    "roles": role_names(list(p.roles)) or "（无角色）",
                    "account": p.zwd_account_id,
                    "active": p.active,
                }
                for p in people
                if p.department_code == department.code
            ]
            if needle and needle not in department.name:
                staff = [s for s in staff if needle in str(s["name"])]
                if not staff:
                    continue
            listed.append(
                {
                    "name": department.name,
                    "kind": KIND_NAMES.get(department.kind, "其他部门"),
                    "function": FUNCTION_NAMES.get(department.function or "", ""),
                    "active": department.active,
                    "people": staff,
                }
            )
        return (place.name if place else ""), listed


@directory_pages.get("/admin/directory")
@pages.login_required(Role.OFFICE_ADMIN)
def directory_view() -> ResponseReturnValue:
    search = request.args.get("q", "")[:40]
    place, departments = _directory(current_principal().jurisdiction, search)
    return pages.render_page(
        "intake/directory.html",
        place=place,
        departments=departments,
        form=Form.of({"q": search}, {"q": "查找部门或人员"}),
        people_count=sum(len(d["people"]) for d in departments),
    )
