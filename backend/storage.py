"""Stored files (materials, visit photos): type sniffed from the content, size-limited, stored
once under a keyed hash of their bytes.

The name on disk is a keyed hash of the content, so equal uploads are stored once and nobody can
guess a path from a document they hold; what the uploader calls the file is never trusted.
Digests and names are base32 (lowercase, no padding) rather than hex: no long digit runs that
look like phone or ID numbers in responses and logs.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import filetype

from backend import runtime
from backend.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

IMAGES = {"image/jpeg": "jpg", "image/png": "png"}
IMAGES_AND_PDF = {**IMAGES, "application/pdf": "pdf"}


@dataclass(frozen=True)
class StoredFile:
    """What was stored: its digest, its name in the store, its sniffed type and size."""

    sha256: str
    name: str
    content_type: str
    size_bytes: int


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def path_of(name: str) -> Path:
    """Where a stored file's bytes live (a folder per first two letters of the name)."""
    return runtime.settings().uploads_path / name[:2] / name


def read_limited(stream: BinaryIO, limit: int, *, what: str = "文件") -> bytes:
    """The stream's bytes, refusing more than ``limit`` and nothing at all."""
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"{what}不能超过 {limit // (1024 * 1024)} MB", code="file_too_large")
    if not content:
        raise ValidationFailed(f"{what}为空", code="empty_file")
    return content


def store_upload(stream: BinaryIO, accepted: Mapping[str, str], *, what: str,
                 refused: str) -> StoredFile:
    """Read, check and store one upload whose sniffed type must be one of ``accepted``."""
    content = read_limited(stream, runtime.settings().max_upload_bytes, what=what)
    kind = filetype.guess(content)
    if kind is None or kind.mime not in accepted:
        raise UnsupportedMediaType(refused, code="unsupported_file_type")
    digest = _b32(hashlib.sha256(content).digest())
    keyed = bytes.fromhex(runtime.vault().blind_index(digest, kind="upload"))
    name = f"{_b32(keyed)}.{accepted[kind.mime]}"
    _write_once(path_of(name), content)
    return StoredFile(sha256=digest, name=name, content_type=kind.mime, size_bytes=len(content))


def _write_once(path: Path, content: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write beside and rename, so a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    os.replace(tmp, path)
