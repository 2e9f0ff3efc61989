"""Uploaded materials of an application (stored by ``backend.storage``)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from backend import audit, outbox, storage
from backend.db import db
from backend.errors import (
    Conflict,
    PermissionDenied,
    ValidationFailed,
)
from backend.models import Application, ApplicationMaterial
from backend.models.applications import OPEN_STATUSES
from backend.permissions import Actor, require
from backend.services import applications, service_guide


def storage_path(material: ApplicationMaterial) -> Path:
    """Where a material's bytes live."""
    return storage.path_of(material.storage_name)


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
    stored = storage.store_upload(stream, storage.IMAGES_AND_PDF, what="文件",
                                  refused="只接受 JPEG、PNG 图片或 PDF 文件")
    with db.atomic():
        material = ApplicationMaterial.create(
            application=application, material_code=material_code,
            content_type=stored.content_type, size_bytes=stored.size_bytes,
            sha256=stored.sha256, storage_name=stored.name,
            uploader_kind=actor.kind, uploader_id=actor.id)
        applications.record_upload(application, material, actor)
        # Staff decide on the materials too: a decision made before this upload is stale.
        Application.update(version=Application.version + 1).where(
            Application.id == application.id).execute()
        audit.record(actor=actor, action="application.upload_material", entity="application",
                     entity_id=application.id, changes={"material": [None, material_code]})
        outbox.emit("application.material_uploaded", application_id=application.id,
                    material_id=material.id)
    return material
