"""Domain errors: the one root every business rule raises from.

Each class carries a machine-readable ``code`` and a Chinese ``message`` for people;
the web layer maps the class to an HTTP status and nothing else.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Root of every error a service raises on purpose."""

    code = "domain_error"
    message = "操作失败"

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 errors: dict[str, Any] | None = None, keep_writes: bool = False) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        if code:
            self.code = code
        self.errors = errors or {}
        # The refusal itself is a fact to keep (a failed login counts towards throttling):
        # the unit of work commits what was written before passing the error on.
        self.keep_writes = keep_writes


class ValidationFailed(DomainError):
    """Input is well-formed JSON but breaks a business rule (HTTP 422)."""

    code = "validation_failed"
    message = "输入有误"


class NotAuthenticated(DomainError):
    """No valid credentials were presented (HTTP 401)."""

    code = "not_authenticated"
    message = "请先登录"


class PermissionDenied(DomainError):
    """The actor's role may not do this (HTTP 403)."""

    code = "permission_denied"
    message = "无权进行此操作"


class NotFound(DomainError):
    """The object does not exist or lies outside the actor's scope (HTTP 404)."""

    code = "not_found"
    message = "未找到该记录"


class Conflict(DomainError):
    """The request clashes with the current state (HTTP 409)."""

    code = "conflict"
    message = "与当前状态冲突"


class PreconditionFailed(DomainError):
    """The record changed since the version the caller edited from (HTTP 412)."""

    code = "precondition_failed"
    message = "该记录已被他人修改，请刷新后在最新内容上重新操作"


class PayloadTooLarge(DomainError):
    """An upload exceeds its size limit (HTTP 413)."""

    code = "payload_too_large"
    message = "文件过大"


class UnsupportedMediaType(DomainError):
    """An upload's sniffed content type is not accepted (HTTP 415)."""

    code = "unsupported_media_type"
    message = "不支持的文件类型"


class TooManyRequests(DomainError):
    """The actor is throttled (HTTP 429)."""

    code = "too_many_requests"
    message = "请求过于频繁，请稍后再试"


class UpstreamUnavailable(DomainError):
    """A service we depend on (WeChat, OSRM) is busy or down (HTTP 503)."""

    code = "upstream_unavailable"
    message = "外部服务暂时不可用，请稍后再试"
