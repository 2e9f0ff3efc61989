"""One error envelope for every failure: ``{code, status, message, errors}``.

Domain errors become HTTP statuses here and nowhere else; werkzeug's HTTP errors (404 for an
unknown path, 405, 422 from argument parsing) get the same envelope with a Chinese message.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from marshmallow import Schema, fields
from peewee import IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from backend import errors

_log = logging.getLogger(__name__)

STATUS_OF: dict[type[errors.DomainError], int] = {
    errors.ValidationFailed: 422,
    errors.NotAuthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PreconditionFailed: 412,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.TooManyRequests: 429,
    errors.UpstreamUnavailable: 503,
}

HTTP_MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式有误"),
    401: ("not_authenticated", "请先登录"),
    403: ("permission_denied", "无权进行此操作"),
    404: ("not_found", "未找到该记录"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与当前状态冲突"),
    412: ("precondition_failed", "该记录已被他人修改，请刷新后在最新内容上重新操作"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("invalid_input", "输入有误，请检查各字段"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试"),
}

ERROR_DESCRIPTIONS = {
    400: "请求格式有误 (bad request)",
    401: "未登录或登录已失效 (no or invalid token)",
    403: "角色无权进行此操作 (role not allowed)",
    404: "记录不存在或不在您的管辖范围内 (not found or out of scope)",
    409: "与当前状态冲突 (conflict with the current state)",
    412: "记录已被他人修改：If-Match 给出的版本（ETag）不是最新的，未作任何更改 "
         "(precondition failed: stale ETag)",
    413: "上传内容过大 (payload too large)",
    415: "文件类型不支持 (unsupported media type)",
    422: "输入有误 (invalid input)",
    429: "请求过于频繁 (throttled)",
    503: "外部服务不可用 (upstream unavailable)",
}

INVALID_JSON_BODY = "请求体不是有效的 JSON，或嵌套过深 (invalid JSON body)"


class ErrorSchema(Schema):
    """The error envelope every failing request answers."""

    code = fields.String(required=True, metadata={"description": "机器可读的错误码，如 not_found"})
    status = fields.Integer(required=True, metadata={"description": "HTTP 状态码"})
    message = fields.String(required=True, metadata={"description": "给人看的中文说明"})
    errors = fields.Dict(metadata={"description": "逐字段的错误说明"})


def envelope(status: int, code: str, message: str,
             details: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build an error body."""
    return {"code": code, "status": status, "message": message, "errors": details or {}}


def handle_domain_error(error: errors.DomainError) -> tuple[dict[str, Any], int]:
    """A business rule said no: answer its status, code and message."""
    status = next(s for cls, s in STATUS_OF.items() if isinstance(error, cls)) \
        if any(isinstance(error, cls) for cls in STATUS_OF) else 400
    return envelope(status, error.code, error.message, error.errors), status


def handle_http_exception(error: HTTPException) -> tuple[dict[str, Any], int, dict[str, Any]]:
    """Werkzeug and webargs errors, in our envelope."""
    status = error.code or 500
    code, message = HTTP_MESSAGES.get(status, ("http_error", error.description or "请求失败"))
    data = getattr(error, "data", None) or {}
    details = data.get("errors") or data.get("messages") or {}
    if "json" in details and isinstance(details["json"], dict) and len(details) == 1:
        details = details["json"]
    headers = data.get("headers") or {}
    valid_methods = getattr(error, "valid_methods", None)
    if status == 405 and valid_methods:
        headers = {**headers, "Allow": ", ".join(valid_methods)}
    return envelope(status, code, message, details), status, headers


def handle_integrity_error(error: IntegrityError) -> tuple[dict[str, Any], int]:
    """A constraint caught a race the service could not see: the state changed, answer 409."""
    _log.info("integrity error answered as 409: %s", type(error).__name__)
    return envelope(409, "conflict", "数据已被其他操作修改或已存在，请刷新后重试"), 409


# How long a client should wait before retrying while the database is away.
DATABASE_RETRY_AFTER_S = 5


def handle_database_down(error: Exception) -> tuple[dict[str, Any], int, dict[str, str]]:
    """The database is unreachable: a temporary 503 the client may retry, not our fault."""
    _log.warning("database unavailable: %s", type(error).__name__)
    return (envelope(503, "database_unavailable", "数据库暂时不可用，请稍后重试"), 503,
            {"Retry-After": str(DATABASE_RETRY_AFTER_S)})


def handle_too_deep(error: RecursionError) -> tuple[dict[str, Any], int]:
    """JSON nested deeper than anyone sends: refuse it as malformed, not as our failure."""
    return envelope(400, "bad_request", "请求内容嵌套过深"), 400


def handle_unexpected(error: Exception) -> tuple[dict[str, Any], int]:
    """Anything else is our fault: log it, answer a plain 500 with no internals."""
    _log.exception("unhandled error")
    return envelope(500, "internal_error", "服务器内部错误，请稍后再试"), 500


def register_error_handlers(app: Flask) -> None:
    """Install every handler on the app."""
    app.register_error_handler(errors.DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(OperationalError, handle_database_down)
    app.register_error_handler(RecursionError, handle_too_deep)
    app.register_error_handler(InterfaceError, handle_database_down)
    app.register_error_handler(Exception, handle_unexpected)
