"""Intake's audit trail (:mod:`shared.audit`): log-ins and their refusals, recorded in a transaction of
their own (a log-in changes no other row). State changes of cases are recorded by ``case_step.save``,
administrative acts by their use cases, each on its own unit of work."""

from __future__ import annotations

from services.intake.domain.cases import ACTION_LABELS
from shared import audit
from shared.identity import Principal
from shared.runtime import ServiceRuntime

#: how a person or a system logged in
ZWD_APP, ZWD_QR, API_CREDENTIAL = "zwd_app", "zwd_qr", "api_credential"
METHOD_NAMES = {ZWD_APP: "浙政钉免登", ZWD_QR: "浙政钉扫码", API_CREDENTIAL: "接口凭证"}

LOGIN, LOGIN_REFUSED, LOGOUT = "login", "login.refused", "logout"

audit.name_actions({f"case.{code}": f"办理：{label}" for code, label in ACTION_LABELS.items()})


def home_jurisdiction(runtime: ServiceRuntime) -> str:
    """Where an act nobody can be placed in is recorded (a log-in of an unknown account): the chain of the
    deployment's first jurisdiction, whose office runs the suite."""
    return runtime.settings.jurisdictions[0]


def logged_in(runtime: ServiceRuntime, person: Principal, method: str) -> None:
    audit.record(
        runtime,
        LOGIN,
        actor=person,
        object_type="person",
        object_id=person.user_id,
        summary=f"登录成功（{METHOD_NAMES.get(method, method)}）",
        details={"method": method},
    )


def login_refused(
    runtime: ServiceRuntime,
    method: str,
    *,
    code: str,
    detail: str,
    jurisdiction: str | None = None,
    account: str | None = None,
) -> None:
    """A failed log-in: nobody is logged in; the actor is the account presented, if any."""
    where = jurisdiction or home_jurisdiction(runtime)
    audit.record(
        runtime,
        LOGIN_REFUSED,
        actor=Principal(account or audit.ANONYMOUS_ID, "未登录用户", where, None, frozenset()),
        object_type="login",
        object_id=account or "",
        summary=f"登录失败（{METHOD_NAMES.get(method, method)}）：{detail}",
        details={"method": method, "code": code, "account": account},
    )


def logged_out(runtime: ServiceRuntime, person: Principal, *, everywhere: bool) -> None:
    audit.record(
        runtime,
        LOGOUT,
        actor=person,
        object_type="person",
        object_id=person.user_id,
        summary="退出登录（所有设备）" if everywhere else "退出登录",
        details={"everywhere": everywhere},
    )


exported = audit.exported  # an Excel export: what, with which filters, how many rows
