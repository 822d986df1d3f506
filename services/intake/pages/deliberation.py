"""议事协调机构名册 (第29条) for people: ``GET /deliberation-bodies`` — each body of the jurisdiction with its
lead unit, member units and their current tasks, the document that set it up, and every division filed (the
office sees all, a department the bodies it leads or belongs to); ``POST`` — the office registers a body."""

from __future__ import annotations

from flask import Blueprint, request
from flask.typing import ResponseReturnValue

from services.intake.usecases import deliberation, directory
from services.intake.usecases.deliberation import RegisterBody
from shared.auth import current_principal
from shared.errors import AppError
from shared.identity import DEPARTMENT_ROLES, OFFICE_ROLES
from shared.service import current_runtime
from shared.web import pages
from shared.web.forms import Form

deliberation_pages = Blueprint("intake_deliberation", __name__, template_folder="templates")
PATH = "/deliberation-bodies"
LABELS = {
    "name": "机构名称",
    "lead_department": "牵头单位",
    "member_departments": "成员单位",
    "established_by": "设立文件",
}


def _departments() -> list[tuple[str, str]]:
    return directory.department_choices(current_runtime(), current_principal().jurisdiction)


def _page(form: Form | None = None, *, status: int = 200, done: str | None = None) -> ResponseReturnValue:
    me = current_principal()
    return pages.render_page(
        "intake/deliberation_bodies.html",
        status=status,
        bodies=deliberation.register(current_runtime(), me),
        form=form or Form.of({}, LABELS),
        departments=_departments() if me.is_office else [],
        office=me.is_office,
        done=done,
    )


@deliberation_pages.get(PATH)
@pages.login_required(*OFFICE_ROLES, *DEPARTMENT_ROLES)
def register_page() -> ResponseReturnValue:
    done = {"registered": "已登记到名册。"}.get(request.args.get("done", ""))
    return _page(done=done)


@deliberation_pages.post(PATH)
@pages.login_required(*OFFICE_ROLES)
def register_body() -> ResponseReturnValue:
    form = Form.posted(LABELS)
    command = RegisterBody(
        name=form.value("name"),
        lead_department=form.value("lead_department"),
        member_departments=[m for m in form.all("member_departments") if m],
        established_by=form.value("established_by"),
    )
    try:
        deliberation.register_body(current_runtime(), current_principal(), command)
    except AppError as exc:
        return _page(form.with_error(exc, LABELS), status=exc.status)
    return pages.redirect_to(f"{PATH}?done=registered")
