"""The home page ``/``: each person is sent to their work.

One destination (a leader: 审批; an office handler: 待办; a department: 我的办件) and the browser goes
straight there; several (an admin: 工作日历 and 组织目录) and the page lists them. The destinations are the
layout's menu (:data:`shared.web.pages.NAV`), so the home page and the menu never disagree.
"""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from shared.identity import Role
from shared.web import pages

home_pages = Blueprint("intake_home", __name__, template_folder="templates")

#: Where each role starts its day, most specific first.
STARTING_PAGE = (
    (Role.OFFICE_LEADER, "/m/approvals"),
    (Role.OFFICE_CLERK, "/worklist"),
    (Role.OFFICE_DIVISION_HEAD, "/worklist"),
    (Role.DEPT_CLERK, "/my"),
    (Role.DEPT_LEADER, "/my"),
    (Role.ORG_REVIEWER, "/my"),
)
DESCRIPTIONS = {
    "/worklist": "等待编办办理的全部事项，按法定期限由近及远排列",
    "/my": "本部门的办件、待本部门办理的事项和新的申请",
    "/devolution/": "职责下放申请、审核、发文、衔接和运行半年专项报告（第三十三至三十五条）",
    "/m/approvals": "待我审批、已办和我发起的审批事项",
    "/admin/calendar": "法定节假日和调休安排、本地停工和补班日",
    "/admin/directory": "部门、人员、角色和浙政钉账号（只读）",
    "/admin/credentials": "其他系统调用接口所用的凭证：签发、查看使用情况、撤销",
}


@home_pages.get("/")
@pages.login_required()
def home() -> ResponseReturnValue:
    user = pages.current_user()
    assert user is not None  # login_required
    for role, path in STARTING_PAGE:
        if role in user.roles:
            return pages.redirect_to(path)
    links = [link for link in pages.navigation(user) if link["href"] != "/"]
    for link in links:
        link["description"] = DESCRIPTIONS.get(link["href"], "")
    return pages.render_page("intake/home.html", links=links)
