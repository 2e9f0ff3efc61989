"""The console's blueprint, its error pages and the template helpers every page uses."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from backend import errors, workflows
from backend.models.accounts import STAFF_ROLES
from backend.models.visits import VISIT_KINDS
from backend.permissions import require

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
blueprint = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                      static_folder="static", static_url_path="/static")


@blueprint.app_template_filter("local")
def local_time(value: datetime | None) -> str:
    """A stored (naive UTC) time as Asia/Shanghai, ``2026-12-03 20:14``."""
    if value is None:
        return ""
    aware = value.replace(tzinfo=ZoneInfo("UTC")) if value.tzinfo is None else value
    return aware.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


@blueprint.app_template_filter("day")
def day_text(value: date | None) -> str:
    """A date as ``2026年12月3日``."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


@blueprint.app_template_filter("yuan")
def yuan(fen: int | None) -> str:
    """Money in fen as ``¥1,234.50``."""
    return "" if fen is None else f"¥{fen / 100:,.2f}"


@blueprint.app_context_processor
def _helpers() -> dict[str, Any]:
    services = {code: entry["name"] for code, entry in workflows.guide()["services"].items()}
    return {"role_labels": STAFF_ROLES, "visit_kinds": VISIT_KINDS, "service_names": services}


# The console's own edge: each refusal as a page with its status (the API answers JSON).
STATUS_OF: tuple[tuple[type[errors.DomainError], int, str], ...] = (
    (errors.PermissionDenied, 403, "无权访问"),
    (errors.NotFound, 404, "未找到"),
    (errors.Conflict, 409, "操作未完成"),
    (errors.PreconditionFailed, 412, "内容已更新"),
    (errors.ValidationFailed, 422, "输入有误"),
    (errors.TooManyRequests, 429, "请求过于频繁"),
    (errors.UpstreamUnavailable, 503, "服务暂时不可用"),
)


def refusal_status(error: errors.DomainError) -> int:
    """The HTTP status a page answers with when a service refused (400 for any other kind)."""
    return next((s for cls, s, _ in STATUS_OF if isinstance(error, cls)), 400)


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    """A page that says what went wrong, in plain words, with its HTTP status."""
    return render_template("console/error.html", status=status, title=title,
                           message=message), status


@blueprint.errorhandler(errors.DomainError)
def _refused(error: errors.DomainError) -> tuple[str, int] | Response:
    if isinstance(error, errors.NotAuthenticated):
        return redirect(url_for("console.login", next=request.full_path))
    status, title = next(((s, t) for cls, s, t in STATUS_OF if isinstance(error, cls)),
                         (400, "操作未完成"))
    if isinstance(error, errors.NotFound):
        return error_page(404, title, "记录不存在，或不在您的管辖范围内。")
    if isinstance(error, errors.PermissionDenied):
        return error_page(403, title, "您的角色不能使用此页面。")
    return error_page(status, title, error.message)


@blueprint.app_template_global("may")
def may(permission: str) -> bool:
    """Whether the signed-in user's role holds a permission (to offer a form or a link only;
    the service called checks again)."""
    try:
        require(g.actor, permission)
    except errors.PermissionDenied:
        return False
    return True
