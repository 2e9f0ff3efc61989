"""What every import page shares: reading the uploaded file within the limit, and carrying a
checked file back with its confirmation as base64 text (no server-side state between the
dry run and the import, which checks the file again in full)."""

from __future__ import annotations

import base64
import binascii
from typing import BinaryIO, cast

from flask import request

from backend import runtime
from backend.errors import ValidationFailed
from backend.storage import read_limited


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


