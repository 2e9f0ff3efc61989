"""What every import page shares: reading the uploaded file within the limit, and carrying a
checked file back with its confirmation as base64 text (no server-side state between the
dry run and the import, which checks the file again in full)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, BinaryIO, Protocol, cast

from flask import request
from flask.typing import ResponseReturnValue

from backend import runtime
from backend.errors import DomainError, ValidationFailed
from backend.storage import read_limited
from console import forms


def uploaded_file() -> tuple[bytes, str]:
    """The posted ``file`` and its name; a refusal to show beside the field otherwise."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationFailed("请选择要导入的 Excel（.xlsx）或 CSV 文件", code="file_missing")
    content = read_limited(cast(BinaryIO, upload.stream), runtime.settings().max_upload_bytes)
    return content, upload.filename


def checked_file() -> tuple[bytes, str]:
    """The checked file carried back by the confirmation form, and its name."""
    try:
        content = base64.b64decode(request.form.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        content = b""
    if not content:
        raise ValidationFailed("导入内容已失效，请重新选择文件检查", code="file_expired")
    return content, request.form.get("filename", "")


def carried(content: bytes) -> str:
    """A checked file as the hidden field's text."""
    return base64.b64encode(content).decode("ascii")


def limit_mb() -> int:
    """The upload limit in MB, for the form's label."""
    return runtime.settings().max_upload_bytes // (1024 * 1024)




class Report(Protocol):
    """What an import service answers: whether every cell was fine."""

    @property
    def valid(self) -> bool:
        """True when no cell has an error."""


Page = Callable[..., ResponseReturnValue]
Run = Callable[[bytes, str, bool], Any]


def answer(content: bytes, filename: str, dry_run: bool, *, run: Run, page: Page,
           rejected: Callable[[list[dict[str, Any]]], Any],
           finished: Callable[[Any], ResponseReturnValue]) -> ResponseReturnValue:
    """Run an import (or its dry run) and answer its page: the report, the bad cells of a
    rejected file, a refusal beside the file field, or ``finished`` after an import."""
    try:
        report = run(content, filename, dry_run)
    except ValidationFailed as exc:
        rows = exc.errors.get("rows")
        if not rows:
            return page({"file": exc.message}, status=422)
        return page(report=rejected(rows), filename=filename, status=422)
    except DomainError as exc:
        return page({"file": exc.message}, status=forms.status_of(exc))
    if dry_run:
        return page(report=report, content=content, filename=filename,
                    status=200 if report.valid else 422)
    return finished(report)


def check_upload(page: Page, proceed: Callable[[bytes, str, bool], ResponseReturnValue]
                 ) -> ResponseReturnValue:
    """Step one: the uploaded file, dry run (or the refusal beside the file field)."""
    try:
        content, filename = uploaded_file()
    except DomainError as exc:
        return page({"file": exc.message}, status=forms.status_of(exc))
    return proceed(content, filename, True)


def confirm_checked(page: Page, proceed: Callable[[bytes, str, bool], ResponseReturnValue]
                    ) -> ResponseReturnValue:
    """Step two: the checked file carried back, imported (checked again in full first)."""
    try:
        content, filename = checked_file()
    except DomainError as exc:
        return page({"file": exc.message}, status=forms.status_of(exc))
    return proceed(content, filename, False)
