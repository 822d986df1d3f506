"""浙政钉 to-do centre (统一待办): create, finish and cancel a person's to-do, signed like every call.

From the platform's SDK: ``POST /tc/v2/openapi/task/create.json`` (``subject`` ≤ 200 characters,
``creatorId``, ``assigneeId``, ``bizTaskId`` — unique, the platform's idempotency key —, ``url`` and
``mobileUrl`` (GET links; the platform appends ``&ddtab=true``), ``tenantId``, optional ``dueTime``
``yyyy-MM-dd HH:mm:ss``, ``packageUuid`` grouping a case's tasks, ``category``), ``POST
/tc/openapi/task/finish.json`` (``userId``, ``taskUuid``, ``closePackage``) and ``POST
/tc/openapi/task/cancel.json`` (``userId``, ``taskUuid``, ``cancelPakcage`` — spelled so). Answers come in the
envelope ``{success, content: {success, data, responseCode, responseMessage}}``; a created task's ``data``
holds its ``taskUuid``.

Idempotency: the SDK does not publish what a repeated ``bizTaskId`` answers. The stand-in answers
``TASK_BIZ_ID_DUPLICATE`` with the existing task's ``taskUuid`` in ``data``, and :meth:`TodoCentre.create`
reports that as the task (``already=True``) — so a create whose answer was lost is simply sent again. Should
the real platform leave ``data`` empty, the result says so (``task_uuid`` is None) and the caller parks the
to-do for an operator rather than guess. Finishing or cancelling a task already closed counts as done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from .zwd import PlatformCodes, ZwdGateway, _content, _data, _error_of

log = logging.getLogger(__name__)

CREATE_PATH = "/tc/v2/openapi/task/create.json"
FINISH_PATH = "/tc/openapi/task/finish.json"
CANCEL_PATH = "/tc/openapi/task/cancel.json"
MAX_SUBJECT_CHARS = 200
CATEGORIES = ("GENERAL_TASK", "OFFICIAL_DOCUMENT")
DUE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

TodoOutcome = Literal["done", "transient", "permanent"]


class TodoCodes:
    """The stand-in's codes for the to-do centre (the SDK publishes none); unknown codes are permanent."""

    TASK_BIZ_ID_DUPLICATE = "TASK_BIZ_ID_DUPLICATE"
    TASK_NOT_FOUND = "TASK_NOT_FOUND"
    TASK_ALREADY_CLOSED = "TASK_ALREADY_CLOSED"
    NOT_ASSIGNEE = "NOT_ASSIGNEE"


@dataclass(frozen=True)
class NewTodo:
    """One to-do for one person, as the platform takes it."""

    biz_task_id: str
    subject: str
    creator_id: str
    assignee_id: str
    url: str
    mobile_url: str
    due_time: str | None = None
    package_uuid: str | None = None
    category: str = "GENERAL_TASK"

    def params(self, tenant_id: str) -> dict[str, str]:
        if len(self.subject) > MAX_SUBJECT_CHARS:
            raise ValueError(
                f"subject is {len(self.subject)} characters; the platform takes {MAX_SUBJECT_CHARS}"
            )
        values = {
            "subject": self.subject,
            "creatorId": self.creator_id,
            "assigneeId": self.assignee_id,
            "bizTaskId": self.biz_task_id,
            "url": self.url,
            "mobileUrl": self.mobile_url,
            "tenantId": tenant_id,
            "dueTime": self.due_time or "",
            "packageUuid": self.package_uuid or "",
            "category": self.category,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class TodoResult:
    """One to-do call's outcome: ``done`` (the platform did it, or had already), ``transient`` (retry with
    backoff) or ``permanent`` (stop and show it). ``task_uuid`` for a created task."""

    outcome: TodoOutcome
    code: str | None = None
    message: str | None = None
    task_uuid: str | None = None
    already: bool = False
    maybe_done: bool = False
    latency_ms: int = 0
    request_summary: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "request_summary", MappingProxyType(dict(self.request_summary)))

    @property
    def done(self) -> bool:
        return self.outcome == "done"


class TodoCentre:
    """The to-do centre of one app and tenant."""

    def __init__(self, *, gateway: ZwdGateway, tenant_id: str) -> None:
        self.gateway = gateway
        self.tenant_id = tenant_id

    def __repr__(self) -> str:
        return f"TodoCentre(tenant_id={self.tenant_id!r}, gateway={self.gateway!r})"

    def create(self, todo: NewTodo) -> TodoResult:
        """Create ``todo``; a repeated ``bizTaskId`` answers the existing task (see the module notes)."""
        result = self._call(
            CREATE_PATH, todo.params(self.tenant_id), duplicate=TodoCodes.TASK_BIZ_ID_DUPLICATE
        )
        log.info("zwd todo create %s: outcome=%s code=%s", todo.biz_task_id, result.outcome, result.code)
        return result

    def finish(self, *, user_id: str, task_uuid: str, close_package: bool = False) -> TodoResult:
        """Mark the task done for ``user_id`` (its assignee)."""
        params = {"userId": user_id, "taskUuid": task_uuid, "closePackage": _flag(close_package)}
        return self._call(FINISH_PATH, params, duplicate=TodoCodes.TASK_ALREADY_CLOSED)

    def cancel(self, *, user_id: str, task_uuid: str, cancel_package: bool = False) -> TodoResult:
        """Withdraw the task from ``user_id``'s list (``cancelPakcage``: the SDK's spelling)."""
        params = {"userId": user_id, "taskUuid": task_uuid, "cancelPakcage": _flag(cancel_package)}
        return self._call(CANCEL_PATH, params, duplicate=TodoCodes.TASK_ALREADY_CLOSED)

    def _call(self, path: str, params: Mapping[str, str], *, duplicate: str) -> TodoResult:
        return classify(self.gateway.call("POST", path, params), duplicate=duplicate)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def classify(answer: Any, *, duplicate: str) -> TodoResult:
    """Map one gateway answer (:class:`~.zwd.GatewayAnswer`) to a :class:`TodoResult`."""
    common: dict[str, Any] = {"latency_ms": answer.latency_ms, "request_summary": answer.summary}
    status, body = answer.status, answer.body
    if status is None:
        return TodoResult(
            "transient", answer.network_error, "网络错误或超时", maybe_done=answer.maybe_sent, **common
        )
    if status == 429 or status >= 500 or body is None:
        return TodoResult(
            "transient", f"http_{status}", "平台暂时不可用或应答无法解析", maybe_done=True, **common
        )
    if body.get("success") is not True or status >= 300:
        code, message = _error_of(body)
        outcome: TodoOutcome = "transient" if code in PlatformCodes.TRANSIENT else "permanent"
        return TodoResult(outcome, code or f"http_{status}", message or "平台拒绝了请求", **common)
    content = _content(body)
    code, message = _error_of(content)
    task_uuid = _task_uuid(content)
    if content.get("success") is False:
        if code == duplicate:
            return TodoResult("done", code, message, task_uuid=task_uuid, already=True, **common)
        return TodoResult("permanent", code or "unknown", message or "平台拒绝了请求", **common)
    return TodoResult("done", code or PlatformCodes.OK, message or "成功", task_uuid=task_uuid, **common)


def _task_uuid(content: Mapping[str, Any]) -> str | None:
    data = content.get("data")
    if isinstance(data, str) and data and not data.startswith("{"):
        return data
    found = _data(content).get("taskUuid")
    return str(found) if found else None
