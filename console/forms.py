"""Reading posted forms as the API's schemas read JSON — text, dates, money in yuan, a position —
each problem kept by its field name (shown beside the field, in plain Chinese) instead of raised
at the first one; and putting a service's refusal beside the field it is about."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from backend.errors import (
    Conflict,
    DomainError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)

TEXT_LIMIT = 2000  # as the API's comment fields
_YUAN = re.compile(r"^\d{1,8}(\.\d{1,2})?$")
FORM_ERROR = "form"  # an error about the whole form, shown in its summary only


# Field name → what is wrong with it, in plain words (empty: the form is fine).
FormErrors = dict[str, str]


def text(form: Mapping[str, Any], name: str, errors: FormErrors, *, label: str,
         limit: int = TEXT_LIMIT, required: bool = False) -> str:
    """A trimmed text field, refused when missing (if required) or longer than ``limit``."""
    value = str(form.get(name, "")).strip()
    if required and not value:
        errors[name] = f"请填写{label}"
    elif len(value) > limit:
        errors[name] = f"{label}不能超过 {limit} 字（现有 {len(value)} 字）"
    return value


def day(form: Mapping[str, Any], name: str, errors: FormErrors) -> date | None:
    """A date field (``2026-12-08``), None when left empty."""
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "日期格式应为 2026-12-08"
        return None


def fen(form: Mapping[str, Any], name: str, errors: FormErrors) -> int | None:
    """An amount typed in yuan (``1234.5``) as integer fen; None when left empty."""
    raw = str(form.get(name, "")).strip().replace(",", "").removeprefix("¥")
    if not raw:
        return None
    if not _YUAN.match(raw):
        errors[name] = "金额应为元，最多两位小数，如 1234.50"
        return None
    whole, _, cents = raw.partition(".")
    return int(whole) * 100 + int(cents.ljust(2, "0") or 0)


def position(form: Mapping[str, Any], errors: FormErrors) -> tuple[float | None, float | None]:
    """The browser's latitude and longitude, both or neither (blank: the position is unknown)."""
    raw_lat, raw_lng = str(form.get("lat", "")).strip(), str(form.get("lng", "")).strip()
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


def page_number(args: Mapping[str, Any]) -> int:
    """The page a list is asked for (from 1); anything else is the first page."""
    raw = str(args.get("page", "1"))
    return max(1, int(raw)) if raw.isdigit() else 1


def refusal_field(error: DomainError, fields: Mapping[str, str]) -> str:
    """The form field a service's refusal is about: by the field it names, or by its code."""
    for key in (*error.errors, error.code):
        if key in fields:
            return fields[key]
    return FORM_ERROR


def field_errors(exc: DomainError, default_field: str) -> FormErrors:
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
