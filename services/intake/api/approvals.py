"""The approval inbox's JSON API (bearer tokens): the same use cases as the mobile pages, for the
government app and for tools. Validation happens here; rules and errors come from the service layer."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.intake.api.mobile import counter
from services.intake.domain.approvals.model import Outcome
from services.intake.usecases import approvals as service
from shared.auth import OFFICE_ROLES, Role, current_principal, require_roles
from shared.http import BEARER
from shared.service import current_runtime

approvals_blp = Blueprint(
    "approvals",
    __name__,
    url_prefix="/api/v1/approvals",
    description="编办领导审批（待我审批、审批决定、委托代批、审批链）",
)
SECURITY = {"security": BEARER}


class TimeLeftSchema(Schema):
    due_date = fields.Date()
    days = fields.Integer(metadata={"description": "剩余（或超期）工作日数"})
    overdue = fields.Boolean()
    approximate = fields.Boolean(metadata={"description": "仅按周末估算（约）"})
    label = fields.String()


class InboxItemSchema(Schema):
    id = fields.String()
    case_title = fields.String()
    decision_kind = fields.String()
    summary = fields.String()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    step_no = fields.Integer()
    step_label = fields.String()
    on_behalf_of = fields.String(allow_none=True, metadata={"description": "代谁审批（委托代批）"})
    time_left = fields.Nested(TimeLeftSchema, allow_none=True)
    waiting_days = fields.Integer()
    waiting_approximate = fields.Boolean()
    url = fields.String()


class ApprovalSchema(Schema):
    item = fields.Nested(InboxItemSchema)
    status = fields.String()
    status_name = fields.String()
    case = fields.Dict()
    drafted_decision = fields.Dict()
    materials = fields.List(fields.Dict())
    case_history = fields.List(fields.Dict())
    steps = fields.List(fields.Dict())
    events = fields.List(fields.Dict())
    decisions = fields.List(fields.Dict())
    statutory_basis = fields.String(allow_none=True)
    statutory_provisional = fields.Boolean()
    can_decide = fields.Boolean()


class DecisionInSchema(Schema):
    step_no = fields.Integer(
        required=True,
        validate=validate.Range(min=0, max=1000),
        metadata={"description": "页面显示的环节序号（防止过期提交）"},
    )
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in Outcome]))
    comment = fields.String(load_default="", validate=validate.Length(max=1000))


class DecisionOutSchema(Schema):
    approval_id = fields.String()
    step_no = fields.Integer()
    outcome = fields.String()
    replayed = fields.Boolean(metadata={"description": "同一决定此前已提交，本次未重复处理"})
    next_step = fields.String(allow_none=True)


class DelegationInSchema(Schema):
    delegate_id = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    reason = fields.String(load_default="")
    delegator_id = fields.String(load_default=None, metadata={"description": "仅系统管理员可为他人设置"})


class DelegationSchema(Schema):
    id = fields.String()
    delegator_id = fields.String()
    delegator_name = fields.String()
    delegate_id = fields.String()
    delegate_name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    reason = fields.String()
    revoked = fields.Boolean()


class StepSpecSchema(Schema):
    label = fields.String(required=True)
    role = fields.String(required=True)
    person_id = fields.String(load_default=None)
    title_contains = fields.String(load_default=None)
    title_equals = fields.String(load_default=None)


class ChainInSchema(Schema):
    steps = fields.List(fields.Nested(StepSpecSchema), required=True)


class ChainSchema(Schema):
    decision_kind = fields.String()
    source = fields.String(metadata={"description": "configured 本辖区配置 / default 系统默认"})
    steps = fields.List(fields.Dict())


def _item_dict(item: service.InboxItem) -> dict[str, Any]:
    data = asdict(item)
    data["time_left"] = (
        None if item.time_left is None else {**asdict(item.time_left), "label": item.time_left.label}
    )
    data["url"] = f"/m/approvals/{item.id}"
    return data


@approvals_blp.get("/inbox")
@approvals_blp.response(200, InboxItemSchema(many=True))
@approvals_blp.doc(**SECURITY)
@require_roles(*OFFICE_ROLES)
def inbox() -> list[dict[str, Any]]:
    """待我审批（最紧急的在前）"""
    return [_item_dict(i) for i in service.inbox(current_runtime(), current_principal(), counter=counter())]


@approvals_blp.get("/<approval_id>")
@approvals_blp.response(200, ApprovalSchema)
@approvals_blp.doc(**SECURITY)
@require_roles()
def show(approval_id: str) -> dict[str, Any]:
    """一个审批事项（他人的事项返回 404）"""
    shown = service.view(current_runtime(), approval_id, current_principal(), counter=counter())
    data = {**asdict(shown), "item": _item_dict(shown.item)}
    for key in ("events", "decisions"):  # free-form rows: instants as ISO 8601, not Flask's HTTP dates
        data[key] = [{k: _iso(v) for k, v in row.items()} for row in data[key]]
    return data


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@approvals_blp.post("/<approval_id>/decisions")
@approvals_blp.arguments(DecisionInSchema)
@approvals_blp.response(200, DecisionOutSchema)
@approvals_blp.doc(**SECURITY)
@require_roles()
def decide(body: dict[str, Any], approval_id: str) -> dict[str, Any]:
    """审批决定：同意、退回修改或不同意（重复提交同一决定不会重复处理）"""
    result = service.decide(
        current_runtime(),
        approval_id=approval_id,
        principal=current_principal(),
        outcome=Outcome(body["outcome"]),
        comment=body["comment"],
        step_no=body["step_no"],
        counter=counter(),
    )
    return {
        "approval_id": approval_id,
        "step_no": result.decision.step_no,
        "outcome": result.decision.outcome.value,
        "replayed": result.replayed,
        "next_step": result.next_step.label if result.next_step else None,
    }


@approvals_blp.get("/delegations")
@approvals_blp.response(200, DelegationSchema(many=True))
@approvals_blp.doc(**SECURITY)
@require_roles(*OFFICE_ROLES)
def delegations() -> list[dict[str, Any]]:
    """我设置的和我收到的委托代批"""
    return service.list_delegations(current_runtime(), current_principal())


@approvals_blp.post("/delegations")
@approvals_blp.arguments(DelegationInSchema)
@approvals_blp.response(201, DelegationSchema)
@approvals_blp.doc(**SECURITY)
@require_roles(*OFFICE_ROLES)
def add_delegation(body: dict[str, Any]) -> dict[str, Any]:
    """设置委托代批（外出期间由代批人审批）"""
    return service.add_delegation(current_runtime(), current_principal(), **body, counter=counter())


@approvals_blp.delete("/delegations/<delegation_id>")
@approvals_blp.response(204)
@approvals_blp.doc(**SECURITY)
@require_roles(*OFFICE_ROLES)
def revoke_delegation(delegation_id: str) -> None:
    """撤销委托代批"""
    service.revoke_delegation(current_runtime(), current_principal(), delegation_id)


@approvals_blp.get("/chains/<decision_kind>")
@approvals_blp.response(200, ChainSchema)
@approvals_blp.doc(**SECURITY)
@require_roles(*OFFICE_ROLES)
def chain(decision_kind: str) -> dict[str, Any]:
    """本辖区某类事项的审批链（* 表示所有类型）"""
    return service.get_chain(current_runtime(), current_principal(), decision_kind)


@approvals_blp.put("/chains/<decision_kind>")
@approvals_blp.arguments(ChainInSchema)
@approvals_blp.response(200, ChainSchema)
@approvals_blp.doc(**SECURITY)
@require_roles(Role.OFFICE_ADMIN)
def set_chain(body: dict[str, Any], decision_kind: str) -> dict[str, Any]:
    """设置本辖区某类事项的审批链（系统管理员）"""
    return service.set_chain(
        current_runtime(), current_principal(), decision_kind, body["steps"], counter=counter()
    )
