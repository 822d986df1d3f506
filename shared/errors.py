"""One error tree for the whole suite.

Domain code raises these (they import nothing from Flask, SQLAlchemy or the broker); the HTTP entrypoint
turns them into ``application/problem+json`` (RFC 9457) in :mod:`shared.http`, and actors decide from the
class whether a failure is worth retrying.

Every error carries a stable machine ``code`` (``snake_case`` English), a Chinese ``title`` and ``detail``
for people, and optionally the offending ``fields`` as ``{field: [Chinese message, ...]}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class AppError(Exception):
    """Raised when a request cannot be served; the base of every error the suite reports to a caller."""

    status: int = 400
    default_code: ClassVar[str] = "bad_request"
    default_title: ClassVar[str] = "请求有误"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        title: str | None = None,
        fields: Mapping[str, Sequence[str]] | None = None,
        extra: Mapping[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        self.status = status or type(self).status
        self.code = code or self.default_code
        self.title = title or self.default_title
        self.detail = detail or self.title
        self.fields = {name: list(messages) for name, messages in (fields or {}).items()}
        self.extra = dict(extra or {})
        super().__init__(f"{self.code}: {self.detail}")

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 problem document for this error."""
        problem: dict[str, Any] = {
            "type": f"https://errors.dm.local/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            problem["instance"] = instance
        if self.fields:
            problem["errors"] = [
                {"field": name, "messages": messages} for name, messages in sorted(self.fields.items())
            ]
        problem.update(self.extra)
        return problem


class DomainError(AppError):
    """Raised when a rule of the measures forbids what was asked (a business rule, not malformed input)."""

    status = 422
    default_code = "rule_violated"
    default_title = "不符合职责管理办法的规定"


class ValidationFailed(AppError):
    """Raised when input is malformed or incomplete; ``fields`` names each offending field."""

    status = 422
    default_code = "validation_failed"
    default_title = "提交的内容有误"

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str | None = None) -> ValidationFailed:
        """One field, one message — the common case."""
        return cls(f"{field}：{message}", code=code, fields={field: [message]})


class NotFound(AppError):
    """Raised when the thing asked for does not exist, or the caller may not know that it exists."""

    status = 404
    default_code = "not_found"
    default_title = "未找到"


class Conflict(AppError):
    """Raised when the request clashes with the current state (an illegal transition, a duplicate)."""

    status = 409
    default_code = "conflict"
    default_title = "与当前状态冲突"


class Unauthorized(AppError):
    """Raised when the caller is not logged in or its credentials are invalid or expired."""

    status = 401
    default_code = "unauthorized"
    default_title = "未登录或登录已失效"


class Forbidden(AppError):
    """Raised when the caller is known but its role or jurisdiction does not allow the request."""

    status = 403
    default_code = "forbidden"
    default_title = "无权进行此操作"


class PayloadTooLarge(AppError):
    """Raised when a request body exceeds the configured limit."""

    status = 413
    default_code = "payload_too_large"
    default_title = "提交的内容过大"


class StorageFull(AppError):
    """Raised when the attachment store has no room left (a full disk or quota): nothing was stored."""

    status = 507
    default_code = "storage_full"
    default_title = "存储空间不足"


class ServiceUnavailable(AppError):
    """Raised when a dependency (database, broker, another service) cannot be reached right now."""

    status = 503
    default_code = "service_unavailable"
    default_title = "服务暂时不可用"


class PermanentFailure(Exception):
    """Raised inside an actor when retrying cannot help (bad input, refused credentials); never retried."""


#: what a retry may mend: another process was writing the same row, the row has not arrived yet, a
#: dependency is down
RETRYABLE_CODES = frozenset({"concurrent_change"})


def is_permanent(exc: BaseException) -> bool:
    """Whether a queue message that raised ``exc`` would fail the same way however often it is retried:
    a refusal by the rules or by a role, malformed input — never a conflict with a concurrent change, a
    thing not found (yet), or a dependency that is down."""
    if isinstance(exc, PermanentFailure):
        return True
    if isinstance(exc, NotFound | ServiceUnavailable):
        return False
    if isinstance(exc, AppError):
        return exc.code not in RETRYABLE_CODES
    return False
