"""API credentials for other systems: an office admin issues them and revokes them; a system exchanges one
for a short-lived bearer token (``POST /api/v1/auth/token``). See :mod:`shared.api_credentials` for what
every service checks on such a token.

A credential is ``dmk_<key id>_<secret>``. The secret is 32 random bytes, shown once when issued; only its
SHA-256 is stored (a random secret of that length needs no slow hash), compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from services.intake.tables import ApiCredential, Department
from services.intake.usecases import audit_log
from shared import api_credentials as policy
from shared.auth import issue_token
from shared.db import utcnow
from shared.errors import NotFound, Unauthorized, ValidationFailed
from shared.identity import ROLE_NAMES, Principal, Role
from shared.runtime import ServiceRuntime

TOKEN_PREFIX = "dmk_"
#: what a system may act as: the office's handler (reading or opening cases) or a department's clerk
ACTING_ROLES = (Role.OFFICE_CLERK, Role.DEPT_CLERK)
SCOPE_NAMES = {policy.READ: "只读", policy.WRITE: "读写"}


@dataclass(frozen=True)
class Issued:
    credential: dict[str, Any]
    secret: str  # shown once


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def payload(row: ApiCredential, department_name: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "jurisdiction": row.jurisdiction_code,
        "department": row.department_code,
        "department_name": department_name,
        "scope": row.scope,
        "scope_name": SCOPE_NAMES.get(row.scope, row.scope),
        "roles": list(row.roles),
        "role_names": "、".join(ROLE_NAMES[Role(r)] for r in row.roles),
        "created_by": row.created_by,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
        "revoked_by": row.revoked_by,
        "last_used_at": row.last_used_at,
        "active": row.revoked_at is None,
    }


def _validated(admin: Principal, name: str, scope: str, role: str, department: str | None) -> None:
    admin.require(Role.OFFICE_ADMIN)
    if not name.strip() or len(name.strip()) > 80:
        raise ValidationFailed.for_field("name", "请填写使用凭证的系统名称（不超过 80 个字）")
    if scope not in SCOPE_NAMES:
        raise ValidationFailed.for_field("scope", "权限应为只读或读写")
    if role not in {str(r) for r in ACTING_ROLES}:
        raise ValidationFailed.for_field("role", "身份应为编办经办人或部门经办人")
    if role == Role.DEPT_CLERK and not department:
        raise ValidationFailed.for_field("department", "以部门经办人身份调用时须选择部门")


def issue(
    runtime: ServiceRuntime,
    admin: Principal,
    *,
    name: str,
    scope: str,
    role: str,
    department: str | None = None,
) -> Issued:
    """A new credential for a system, in the admin's jurisdiction."""
    department = department or None
    _validated(admin, name, scope, role, department)
    key_id, secret = f"ak{secrets.token_hex(8)}", secrets.token_urlsafe(32)
    with runtime.unit_of_work() as uow:
        session = uow.session
        dept = session.get(Department, department) if department else None
        if department and (dept is None or dept.jurisdiction_code != admin.jurisdiction):
            raise ValidationFailed.for_field("department", "本辖区没有该部门")
        row = ApiCredential(
            id=key_id,
            name=name.strip(),
            jurisdiction_code=admin.jurisdiction,
            department_code=department,
            scope=scope,
            roles=[role],
            secret_hash=_hash(secret),
            created_by=admin.user_id,
        )
        session.add(row)
        session.flush()
        issued = Issued(payload(row, dept.name if dept else None), f"{TOKEN_PREFIX}{key_id}_{secret}")
        shown = issued.credential
        uow.audit(
            "credential.issue",
            actor=admin,
            object_type="api_credential",
            object_id=key_id,
            summary=f"签发接口凭证：{shown['name']}（{shown['scope_name']}，{shown['role_names']}"
            + (f"，{dept.name}" if dept else "")
            + "）",
            details={"name": row.name, "scope": scope, "roles": [role], "department": department},
        )
        uow.commit()
        return issued


def list_credentials(runtime: ServiceRuntime, admin: Principal) -> list[dict[str, Any]]:
    admin.require(Role.OFFICE_ADMIN)
    with runtime.db.transaction() as session:
        rows = session.execute(
            select(ApiCredential, Department.name)
            .outerjoin(Department, Department.code == ApiCredential.department_code)
            .where(ApiCredential.jurisdiction_code == admin.jurisdiction)
            .order_by(ApiCredential.created_at.desc())
        ).all()
        return [payload(row, department_name) for row, department_name in rows]


def revoke(runtime: ServiceRuntime, admin: Principal, key_id: str) -> dict[str, Any]:
    """Revoked at once on every service: its tokens are refused from this moment, not when they expire."""
    admin.require(Role.OFFICE_ADMIN)
    with runtime.unit_of_work() as uow:
        row = uow.session.get(ApiCredential, key_id)
        if row is None or row.jurisdiction_code != admin.jurisdiction:
            raise NotFound("未找到该接口凭证", code="not_found")
        if row.revoked_at is None:
            row.revoked_at, row.revoked_by = utcnow(), admin.user_id
            uow.audit(
                "credential.revoke",
                actor=admin,
                object_type="api_credential",
                object_id=key_id,
                summary=f"撤销接口凭证：{row.name}",
                details={"name": row.name},
            )
        result = payload(row)
        uow.commit()
    policy.for_runtime(runtime).revoke(key_id)
    return result


def _refused() -> Unauthorized:
    return Unauthorized("接口凭证无效或已被撤销", code="invalid_client")


def _why_refused(runtime: ServiceRuntime, row: ApiCredential | None, secret: str) -> str | None:
    if row is None:
        return "凭证编号不存在"
    if not hmac.compare_digest(row.secret_hash, _hash(secret)):
        return "凭证密钥不符"
    if row.revoked_at is not None or policy.for_runtime(runtime).is_revoked(row.id):
        return "凭证已被撤销"
    return None


def exchange(runtime: ServiceRuntime, credential: str) -> dict[str, Any]:
    """The bearer token (``TOKEN_TTL_S`` seconds) for a valid, unrevoked credential."""
    key_id, _, secret = credential.removeprefix(TOKEN_PREFIX).partition("_")
    if not credential.startswith(TOKEN_PREFIX) or not key_id or not secret:
        audit_log.login_refused(
            runtime, audit_log.API_CREDENTIAL, code="invalid_client", detail="凭证格式不符"
        )
        raise _refused()
    with runtime.unit_of_work() as uow:
        row = uow.session.get(ApiCredential, key_id)
        why = _why_refused(runtime, row, secret)
        if row is None or why is not None:
            refused_in = row.jurisdiction_code if row is not None else None
            uow.rollback()
            audit_log.login_refused(
                runtime,
                audit_log.API_CREDENTIAL,
                code="invalid_client",
                detail=why or "凭证编号不存在",
                jurisdiction=refused_in,
                account=f"{policy.PREFIX}{key_id}"[:120],
            )
            raise _refused()
        row.last_used_at = utcnow()
        principal = Principal(
            user_id=f"{policy.PREFIX}{row.id}",
            name=row.name,
            jurisdiction=row.jurisdiction_code,
            department=row.department_code,
            roles=frozenset([*row.roles, policy.SCOPE_ROLES[row.scope]]),
        )
        uow.audit(
            audit_log.LOGIN,
            actor=principal,
            object_type="api_credential",
            object_id=row.id,
            summary=f"接口凭证换取访问令牌：{row.name}",
            details={"method": audit_log.API_CREDENTIAL},
        )
        uow.commit()
    token = issue_token(principal, secret=runtime.settings.secret_key, ttl_seconds=policy.TOKEN_TTL_S)
    return {"access_token": token, "token_type": "Bearer", "expires_in": policy.TOKEN_TTL_S}
