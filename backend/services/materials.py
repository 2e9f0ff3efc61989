"""Uploaded materials of an application (stored by ``backend.storage``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from backend import audit, content_checks, outbox, runtime, storage
from backend.db import db
from backend.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from backend.models import Application, ApplicationMaterial, PiiAccess, utcnow
from backend.models.applications import OPEN_STATUSES
from backend.permissions import Actor, require
from backend.services import applications, service_guide


def storage_path(material: ApplicationMaterial) -> Path:
    """Where a material's bytes live."""
    return storage.path_of(material.storage_name)


def get_material(application_id: int, material_id: int, *,
                 actor: Actor) -> ApplicationMaterial:
    """One uploaded material of an application the actor may read (its owner, staff in scope)."""
    application = applications.get_application(application_id, actor=actor)
    material = ApplicationMaterial.get_or_none(ApplicationMaterial.id == material_id,
                                               ApplicationMaterial.application == application)
    if material is None:
        raise NotFound("未找到该材料", code="material_not_found")
    return material


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
        if stored.content_type in storage.IMAGES:  # WeChat checks images, not PDFs
            content_checks.request_media_check(
                subject="application_material", subject_id=material.id,
                area_code=application.area_code, actor=actor,
                scene=content_checks.Scene.PROFILE)
    return material


@dataclass(frozen=True)
class MaterialFile:
    """A material to send back: where its bytes are, their type, the names to save them under."""

    path: Path
    content_type: str
    download_name: str  # the catalogue's Chinese name: 办件编号-材料名称-序号.扩展名
    ascii_name: str  # for clients that ignore filename*: 办件编号-材料代码-序号.扩展名

    @property
    def content_disposition(self) -> str:
        """An RFC 6266 attachment header: an ASCII ``filename`` and the UTF-8 ``filename*``."""
        return (f'attachment; filename="{self.ascii_name}"; '
                f"filename*=UTF-8''{quote(self.download_name, safe='')}")


# Anything but letters (Chinese included), digits and a few marks is dropped from a file name:
# no path separators, quotes or control characters reach a Content-Disposition header.
_UNSAFE = re.compile(r"[^\w（）()\-]+")


def _download_name(reference: str, name: str, number: int, extension: str) -> str:
    return f"{reference}-{_UNSAFE.sub('', name) or 'material'}-{number}.{extension}"


def get_material_file(application_id: int, material_id: int, *, actor: Actor) -> MaterialFile:
    """One material of an application the actor may read; the download is access-logged."""
    material = get_material(application_id, material_id, actor=actor)
    content_checks.refuse_withdrawn("application_material", material.id)
    application = material.application
    if not storage_path(material).is_file():
        raise NotFound("未找到该材料", code="material_not_found")
    same_code = (ApplicationMaterial.select().where(
        ApplicationMaterial.application == application,
        ApplicationMaterial.material_code == material.material_code,
        ApplicationMaterial.id <= material.id).count())
    name = applications.material_names(application, [material.material_code])[0]
    with db.atomic():  # documents such as ID cards are personal data: who opened one is kept
        PiiAccess.create(actor_kind=actor.kind, actor_id=actor.id, entity="application_material",
                         entity_id=str(material.id), field="file", purpose="download",
                         request_id=runtime.request_id(), created_at=utcnow())
    extension = storage.IMAGES_AND_PDF[material.content_type]
    return MaterialFile(path=storage_path(material), content_type=material.content_type,
                        download_name=_download_name(application.reference, name, same_code,
                                                     extension),
                        ascii_name=_download_name(application.reference, material.material_code,
                                                  same_code, extension).encode(
                                                      "ascii", "ignore").decode())
