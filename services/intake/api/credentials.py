"""Other systems log in to the API: an API credential (issued by an office admin on ``/admin/credentials``)
is exchanged for a bearer token that every service accepts for :data:`shared.api_credentials.TOKEN_TTL_S`
seconds — unless the credential is revoked first."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.intake.usecases import credentials
from shared.errors import Unauthorized
from shared.service import current_runtime

auth_blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="其他系统的接口凭证")


class TokenRequestSchema(Schema):
    credential = fields.String(
        load_default=None,
        metadata={
            "description": "编办签发的接口凭证 dmk_…（也可按 RFC 6749 以 HTTP Basic 提交：用户名为凭证编号）"
        },
    )


class TokenSchema(Schema):
    access_token = fields.String(metadata={"description": "访问令牌：Authorization: Bearer <令牌>"})
    token_type = fields.String(metadata={"description": "Bearer"})
    expires_in = fields.Integer(metadata={"description": "有效秒数"})


def _presented(body: dict[str, Any]) -> str:
    if body.get("credential"):
        return str(body["credential"])
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            key_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            key_id, secret = "", ""
        return f"{credentials.TOKEN_PREFIX}{key_id}_{secret}"
    raise Unauthorized("请提交接口凭证（credential，或 HTTP Basic）", code="invalid_client")


@auth_blp.post("/auth/token")
@auth_blp.arguments(TokenRequestSchema)
@auth_blp.response(200, TokenSchema)
def token(body: dict[str, Any]) -> dict[str, Any]:
    """以接口凭证换取访问令牌（5 分钟有效；凭证被撤销后立即不能再用）"""
    return credentials.exchange(current_runtime(), _presented(body))
