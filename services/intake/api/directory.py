"""The directory's HTTP API: who I am, the jurisdiction's departments and people."""

from __future__ import annotations

import hmac
from typing import Any

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.intake.usecases import directory, directory_sync
from shared.auth import OFFICE_ROLES, current_principal, require_roles
from shared.errors import NotFound
from shared.http import BEARER
from shared.service import current_runtime

directory_blp = Blueprint("directory", __name__, url_prefix="/api/v1", description="用户与组织目录")


class MeSchema(Schema):
    user_id = fields.String(metadata={"description": "用户标识"})
    name = fields.String()
    jurisdiction = fields.String(metadata={"description": "所属行政区划代码"})
    department = fields.String(allow_none=True)
    roles = fields.List(fields.String())


class DepartmentSchema(Schema):
    code = fields.String()
    jurisdiction = fields.String()
    name = fields.String()
    kind = fields.String(
        metadata={"description": "party_organ 市委工作机关 / government_department 市政府工作部门 / other"}
    )
    function = fields.String(allow_none=True)
    active = fields.Boolean()


class EventAnswerSchema(Schema):
    success = fields.Boolean()
    departments = fields.Integer()
    people = fields.Integer()
    left = fields.Integer(metadata={"description": "离职（已不在通讯录中）的人数"})


class PersonSchema(Schema):
    id = fields.String()
    name = fields.String()
    jurisdiction = fields.String()
    department = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    zwd_account_id = fields.String(allow_none=True)
    active = fields.Boolean()


@directory_blp.get("/me")
@directory_blp.response(200, MeSchema)
@directory_blp.doc(security=BEARER)
@require_roles()
def me() -> dict[str, Any]:
    """当前登录用户"""
    principal = current_principal()
    return {**principal.__dict__, "roles": sorted(principal.roles)}


@directory_blp.get("/directory/departments")
@directory_blp.response(200, DepartmentSchema(many=True))
@directory_blp.doc(security=BEARER)
@require_roles()
def departments() -> list[dict[str, Any]]:
    """本辖区的部门"""
    return directory.list_departments(current_runtime(), current_principal().jurisdiction)


@directory_blp.post("/directory/events/<token>")
@directory_blp.response(200, EventAnswerSchema)
def address_book_event(token: str) -> dict[str, Any]:
    """浙政钉通讯录变更事件（入职、调动、离职）：平台回调，地址中的令牌即凭证；据此重新读取通讯录"""
    runtime = current_runtime()
    expected = directory_sync.callback_token(runtime.settings).encode()
    if not hmac.compare_digest(token.encode("utf-8", "surrogatepass"), expected):
        raise NotFound("未找到", code="not_found")
    event = request.get_json(silent=True) or {}
    return {
        "success": True,
        **directory_sync.on_event(runtime, directory_sync.address_book(runtime.settings), event),
    }


@directory_blp.get("/directory/people")
@directory_blp.response(200, PersonSchema(many=True))
@directory_blp.doc(security=BEARER)
@require_roles(*OFFICE_ROLES)
def people() -> list[dict[str, Any]]:
    """本辖区的人员（编办可见）"""
    return directory.list_people(current_runtime(), current_principal().jurisdiction)
