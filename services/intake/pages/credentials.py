"""The office admin's page for API credentials (``/admin/credentials``): issue one to another system, see
which exist and when each was last used, revoke one. The secret is shown once, right after issuing."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from services.intake.usecases import credentials, directory
from shared.auth import current_principal
from shared.errors import AppError
from shared.identity import ROLE_NAMES, Role
from shared.service import current_runtime
from shared.web import pages
from shared.web.forms import Form

credential_pages = Blueprint("intake_credentials", __name__, template_folder="templates")
PATH = "/admin/credentials"
LABELS = {"name": "使用系统", "scope": "权限", "role": "调用身份", "department": "所代表的部门"}


def _departments() -> list[tuple[str, str]]:
    return directory.department_choices(current_runtime(), current_principal().jurisdiction)


def _page(
    form: Form | None = None, *, issued: credentials.Issued | None = None, status: int = 200
) -> ResponseReturnValue:
    return pages.render_page(
        "intake/credentials.html",
        status=status,
        form=form or Form.of({"scope": "read", "role": Role.OFFICE_CLERK}, LABELS),
        issued=issued,
        items=credentials.list_credentials(current_runtime(), current_principal()),
        scopes=list(credentials.SCOPE_NAMES.items()),
        roles=[(str(r), ROLE_NAMES[r]) for r in credentials.ACTING_ROLES],
        departments=_departments(),
    )


@credential_pages.get(PATH)
@pages.login_required(Role.OFFICE_ADMIN)
def credential_list() -> ResponseReturnValue:
    return _page()


@credential_pages.post(PATH)
@pages.login_required(Role.OFFICE_ADMIN)
def credential_issue() -> ResponseReturnValue:
    form = Form.posted(LABELS)
    try:
        issued = credentials.issue(
            current_runtime(),
            current_principal(),
            name=form.value("name"),
            scope=form.value("scope"),
            role=form.value("role"),
            department=form.value("department") or None,
        )
    except AppError as refused:
        return _page(form.with_error(refused), status=refused.status)
    return _page(issued=issued, status=201)


@credential_pages.post(f"{PATH}/<key_id>/revoke")
@pages.login_required(Role.OFFICE_ADMIN)
def credential_revoke(key_id: str) -> ResponseReturnValue:
    try:
        credentials.revoke(current_runtime(), current_principal(), key_id)
    except AppError as refused:
        return pages.error_page(refused.status, "无法撤销", refused.detail, back=PATH)
    return pages.redirect_to(PATH)
