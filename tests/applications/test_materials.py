"""Materials: sniffed by content, limited in size, stored content-addressed out of sight."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from backend import runtime, storage
from backend.models import ApplicationMaterial
from tests.applications.conftest import PDF, PNG
from tests.conftest import Api


def _upload(
    api: Api, app_id: int, who: str, content: bytes, name: str = "scan.png", code: str = "id_card"
) -> Any:
    return api.post(
        f"/api/v1/applications/{app_id}/materials?material_code={code}",
        who,
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_the_type_comes_from_the_content_not_the_name(
    api: Api, filing: Callable[..., dict[str, Any]]
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing()).json["id"]
    pdf = _upload(api, app_id, "res-owner", PDF, name="photo.jpg")
    assert pdf.status_code == 201 and pdf.json["content_type"] == "application/pdf"
    fake = _upload(api, app_id, "res-owner", b"MZ\x90\x00 not an image", name="id.png")
    assert fake.status_code == 415 and fake.json["code"] == "unsupported_file_type"
    text = _upload(api, app_id, "res-owner", b"just some text", name="id.pdf")
    assert text.status_code == 415


def test_materials_are_stored_once_under_an_unguessable_name(
    api: Api, filing: Callable[..., dict[str, Any]]
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing()).json["id"]
    _upload(api, app_id, "res-owner", PNG, code="id_card")
    _upload(api, app_id, "res-owner", PNG, code="household_register")
    first, second = ApplicationMaterial.select().order_by(ApplicationMaterial.id)
    assert first.storage_name == second.storage_name  # content-addressed
    assert storage.read_upload(first.storage_name) == PNG
    assert storage.path_of(first.storage_name).is_relative_to(runtime.settings().uploads_path)
    assert first.sha256 not in first.storage_name  # keyed: knowing the file is not enough


def test_what_is_still_missing_is_shown_to_the_resident(
    api: Api, filing: Callable[..., dict[str, Any]]
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing()).json["id"]
    before = api.get(f"/api/v1/applications/{app_id}", "res-owner").json["missing_materials"]
    assert {"code": "id_card", "name": "居民身份证"} in before and len(before) == 6
    _upload(api, app_id, "res-owner", PNG, code="id_card")
    after = api.get(f"/api/v1/applications/{app_id}", "res-owner").json["missing_materials"]
    assert "id_card" not in [m["code"] for m in after] and len(after) == 5


def test_upload_errors_answer_413_415_422_404_409(
    api: Api, filing: Callable[..., dict[str, Any]], small_uploads: int
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing()).json["id"]
    too_big = _upload(api, app_id, "res-owner", PNG + b"\x00" * small_uploads)
    assert too_big.status_code == 413 and too_big.json["code"] == "file_too_large"
    unknown = _upload(api, app_id, "res-owner", PNG, code="passport")
    assert unknown.status_code == 422 and unknown.json["code"] == "unknown_material"
    no_file = api.post(
        f"/api/v1/applications/{app_id}/materials?material_code=id_card",
        "res-owner",
        data={},
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422
    assert _upload(api, app_id, "res-other", PNG).status_code == 404
    assert _upload(api, app_id, "ts-a", PNG).status_code == 403
    api.post(f"/api/v1/applications/{app_id}/withdraw", "res-owner", json={})
    closed = _upload(api, app_id, "res-owner", PNG)
    assert closed.status_code == 409 and closed.json["code"] == "already_decided"
