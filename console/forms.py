"""Reading posted forms into the values a command needs, each problem kept by its field name
(shown beside the field, in plain Chinese) instead of raised at the first one."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from backend.errors import (
    Conflict,
    DomainError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

Errors = dict[str, str]


def text(form: Any, name: str, errors: Errors, *, label: str, limit: int,
         required: bool = False) -> str:
    """A trimmed text field no longer than ``limit`` characters."""
    value = str(form.get(name, "")).strip()
    if required and not value:
        errors[name] = f"请填写{label}"
    elif len(value) > limit:
        errors[name] = f"{label}不能超过 {limit} 字（现有 {len(value)} 字）"
    return value


def position(form: Any, errors: Errors) -> tuple[float | None, float | None]:
    """The browser's latitude and longitude, both or neither (blank: the position is unknown)."""
    raw_lat, raw_lng = form.get("lat", "").strip(), form.get("lng", "").strip()
    if not raw_lat and not raw_lng:
        return None, None
    try:
        lat, lng = float(raw_lat), float(raw_lng)
    except ValueError:
        lat = lng = math.nan
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        errors["position"] = "定位数据无效，请重新获取位置"
        return None, None
    return lat, lng


def day(value: str | None, errors: Errors, name: str = "date") -> date | None:
    """A date typed as 2026-12-08, or None when blank."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "日期格式应为 2026-12-08"
        return None


def field_errors(exc: DomainError, default_field: str) -> Errors:
    """A service's refusal as messages by field (its ``errors`` when it names fields)."""
    named = {name: "；".join(map(str, messages)) if isinstance(messages, list) else str(messages)
             for name, messages in exc.errors.items()}
    return named or {default_field: exc.message}


# The status a refused form answers with, by the kind of refusal.
STATUS_OF: tuple[tuple[type[DomainError], int], ...] = (
    (ValidationFailed, 422), (Conflict, 409), (PayloadTooLarge, 413),
    (UnsupportedMediaType, 415))


def status_of(exc: DomainError) -> int:
    """The HTTP status of a refusal shown beside its form."""
    return next((status for cls, status in STATUS_OF if isinstance(exc, cls)), 400)
