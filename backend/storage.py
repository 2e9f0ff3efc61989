"""Stored files (materials, photos, report files) behind one interface: type sniffed from the
content, size-limited, uploads stored once under a keyed hash of their bytes.

Every stored file goes through ``file_store()``: a folder (``STORAGE_PATH``, default the instance
folder) that may be a shared mount, so several API machines and workers read what any of them
wrote. Nothing a later request needs is kept on one machine's own disk.

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
from typing import BinaryIO, Protocol

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


class FileStore(Protocol):
    """Where stored files live, by key (``uploads/ab/abcd….png``, ``reports/…/x.xlsx``)."""

    def put(self, key: str, content: bytes) -> None:
        """Keep ``content`` under ``key``; a reader never sees half of it."""

    def get(self, key: str) -> bytes | None:
        """The bytes kept under ``key``, or None when there are none."""


@dataclass(frozen=True)
class FolderStore:
    """A file store in a folder, which may be a mount shared by every machine."""

    root: Path

    def path(self, key: str) -> Path:
        """The file behind a key."""
        return self.root / key

    def put(self, key: str, content: bytes) -> None:
        """Write beside and rename, so a reader on any machine never sees half a file."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes | None:
        """The file's bytes, or None when it is not there."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None


def file_store() -> FolderStore:
    """The process's file store, from ``STORAGE_PATH`` (default: the instance folder)."""
    return FolderStore(runtime.settings().storage_root)


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def upload_key(name: str) -> str:
    """The store key of an upload (a folder per first two letters of its name)."""
    return f"uploads/{name[:2]}/{name}"


def path_of(name: str) -> Path:
    """Where a stored upload's bytes live in the folder store."""
    return file_store().path(upload_key(name))


def read_upload(name: str) -> bytes | None:
    """A stored upload's bytes, or None when the store has none under that name."""
    return file_store().get(upload_key(name))


def put_file(key: str, content: bytes) -> None:
    """Keep a generated file (a report, a chart) in the store under ``key``."""
    file_store().put(key, content)


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
    store = file_store()
    if not store.path(upload_key(name)).exists():  # content-addressed: equal bytes, one file
        store.put(upload_key(name), content)
    return StoredFile(sha256=digest, name=name, content_type=kind.mime, size_bytes=len(content))
