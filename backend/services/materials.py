"""Uploaded materials: type sniffed from the content, size-limited, stored content-addressed.

The file name on disk is a keyed hash of the content, so equal uploads are stored once and nobody
can guess a path from a document they hold. What the client calls the file is never trusted.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

import filetype

from backend import audit, outbox, runtime
from backend.db import db
from backend.errors import (
    Conflict,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMediaType,
    ValidationFailed,
)
from backend.models import ApplicationMaterial
from backend.models.applications import OPEN_STATUSES
from backend.permissions import Actor, require
from backend.services import applications, service_guide

ACCEPTED_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"文件不能超过 {limit // (1024 * 1024)} MB", code="file_too_large")
    if not content:
        raise ValidationFailed("文件为空", code="empty_file")
    return content


def _b32(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def _store(content: bytes, extension: str) -> tuple[str, str]:
    """Write the content once under its keyed hash; answer (sha256 in base32, storage name)."""
    # Base32 (lowercase, no padding) rather than hex: no long digit runs that look like numbers.
    digest = _b32(hashlib.sha256(content).digest())
    name = _b32(bytes.fromhex(runtime.vault().blind_index(digest, kind="upload"))) + "." + extension
    path = runtime.settings().uploads_path / name[:2] / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside and rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    return digest, name


def storage_path(material: ApplicationMaterial) -> Path:
    """Where a material's bytes live."""
    return runtime.settings().uploads_path / material.storage_name[:2] / material.storage_name


def upload_material(application_id: int, material_code: str, stream: BinaryIO, *,
                    actor: Actor) -> ApplicationMaterial:
    """Attach one image or PDF to an open application, as its applicant or filer."""
    require(actor, "applications.create")
    application = applications.get_application(application_id, actor=actor)
    if not actor.is_resident and application.filed_by_id != actor.id:
        raise PermissionDenied("只有申请人或代办人可以上传材料", code="not_the_filer")
    if application.status not in OPEN_STATUSES:
        raise Conflict("该申请已办结，不能再上传材料", code="already_decided")
    codes = {m["code"] for m in service_guide.materials_of(application.service_code)}
    if material_code not in codes:
        raise ValidationFailed("该材料不在本事项的材料目录中", code="unknown_material",
                               errors={"material_code": ["不在材料目录中"]})
    content = _read_limited(stream, runtime.settings().max_upload_bytes)
    kind = filetype.guess(content)
    if kind is None or kind.mime not in ACCEPTED_TYPES:
        raise UnsupportedMediaType("只接受 JPEG、PNG 图片或 PDF 文件", code="unsupported_file_type")
    digest, name = _store(content, ACCEPTED_TYPES[kind.mime])
    with db.atomic():
        material = ApplicationMaterial.create(
            application=application, material_code=material_code, content_type=kind.mime,
            size_bytes=len(content), sha256=digest, storage_name=name,
            uploader_kind=actor.kind, uploader_id=actor.id)
        applications.record_upload(application, material, actor)
        audit.record(actor=actor, action="application.upload_material", entity="application",
                     entity_id=application.id, changes={"material": [None, material_code]})
        outbox.emit("application.material_uploaded", application_id=application.id,
                    material_id=material.id)
    return material
