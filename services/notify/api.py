"""Notify's HTTP entrypoint (office admins only, scoped to their jurisdiction)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from services.notify.models import Recipient
from shared.auth import Role, current_principal, require_roles
from shared.service import current_runtime

recipients_blp = Blueprint(
    "recipients", __name__, url_prefix="/api/v1", description="通知对象（来自组织目录）"
)


class RecipientSchema(Schema):
    id = fields.String()
    name = fields.String()
    jurisdiction = fields.String()
    department = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    zwd_account_id = fields.String(allow_none=True)
    active = fields.Boolean()


@recipients_blp.get("/recipients")
@recipients_blp.response(200, RecipientSchema(many=True))
@recipients_blp.doc(security=[{"bearerAuth": []}])
@require_roles(Role.OFFICE_ADMIN)
def recipients() -> list[Any]:
    """本辖区可接收通知的人员（由受理服务的组织目录同步而来）"""
    jurisdiction = current_principal().jurisdiction
    with current_runtime().db.transaction() as session:
        return list(
            session.scalars(
                select(Recipient).where(Recipient.jurisdiction == jurisdiction).order_by(Recipient.id)
            ).all()
        )


def blueprints() -> Iterable[Blueprint]:
    return [recipients_blp]
