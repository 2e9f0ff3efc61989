"""Reading form fields as the API's schemas read JSON: text, dates, money in yuan; and putting a
service's refusal beside the field it is about."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from backend.errors import DomainError

TEXT_LIMIT = 2000  # as the API's comment fields
_YUAN = re.compile(r"^\d{1,8}(\.\d{1,2})?$")
FORM_ERROR = "form"  # an error about the whole form, shown in its summary only


# Field name → what is wrong with it, in plain words (empty: the form is fine).
FormErrors = dict[str, str]


def text(form: Mapping[str, Any], name: str, errors: FormErrors, *, label: str,
         limit: int = TEXT_LIMIT) -> str:
    """A trimmed text field, refused when longer than ``limit`` characters."""
    value = str(form.get(name, "")).strip()
    if len(value) > limit:
        errors[name] = f"{label}不能超过 {limit} 字"
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


def refusal_field(error: DomainError, fields: Mapping[str, str]) -> str:
    """The form field a service's refusal is about: by the field it names, or by its code."""
    for key in (*error.errors, error.code):
        if key in fields:
            return fields[key]
    return FORM_ERROR


def page_number(args: Mapping[str, Any]) -> int:
    """The page a list is asked for (from 1); anything else is the first page."""
    raw = str(args.get("page", "1"))
    return max(1, int(raw)) if raw.isdigit() else 1
