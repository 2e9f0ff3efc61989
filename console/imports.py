"""The two steps every spreadsheet import takes in the console: check the uploaded file (a dry
run that writes nothing), then import the checked file, which rides back with the confirmation
as a hidden base64 field so no server-side state lives between the steps (and it is checked
again in full before anything is written)."""

from __future__ import annotations

import base64
import binascii
from typing import BinaryIO, cast

from flask import request

from backend import runtime
from backend.storage import read_limited

NO_FILE = "请选择要导入的 Excel（.xlsx）或 CSV 文件"
EXPIRED = "导入内容已失效，请重新选择文件检查"


def uploaded_file() -> tuple[bytes, str] | None:
    """The posted file's bytes (within the upload limit) and name; None when none was chosen."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    content = read_limited(cast(BinaryIO, upload.stream), runtime.settings().max_upload_bytes)
    return content, upload.filename


def carried(content: bytes) -> str:
    """The checked file as the hidden field's text."""
    return base64.b64encode(content).decode("ascii")


def confirmed_file() -> tuple[bytes, str]:
    """The checked file carried back with the confirmation (empty when missing or damaged)."""
    try:
        content = base64.b64decode(request.form.get("content", ""), validate=True)
    except (binascii.Error, ValueError):
        content = b""
    return content, request.form.get("filename", "")


def limit_mb() -> int:
    """The upload limit in MB, for the form's label."""
    return runtime.settings().max_upload_bytes // (1024 * 1024)
