"""Downloading a material (issue 20): its owner and staff in scope get the file, with its type
and a safe file name (RFC 6266 ``filename*``); everyone else gets 404, and each download is
access-logged."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest

from backend.models import PiiAccess
from tests.applications.conftest import PDF, PNG
from tests.conftest import Api
from tests.factories import id_number

CALLERS = {"res-owner": 200, "res-other": 404, "ts-a": 200, "co-a1": 200, "co-a2": 404,
           "ts-b": 404, "city-admin": 200, "sw-a1": 403, None: 401}


@pytest.fixture
def uploaded(api: Api) -> dict[str, int]:
    """An application of the owner's with a PDF form and two ID-card images."""
    filed = api.post("/api/v1/applications", "res-owner", json={
        "service_code": "subsistence_allowance", "applicant_name": "业主",
        "applicant_id_number": id_number(1), "village_id": api.world.villages["a1"].id,
        "address": "a1村1组1号"})
    app_id = filed.json["id"]
    ids = {}
    for code, content in (("application_form", PDF), ("id_card", PNG), ("id_card", PNG + b"2")):
        answer = api.post(f"/api/v1/applications/{app_id}/materials?material_code={code}",
                          "res-owner", data={"file": (io.BytesIO(content), '../"x".exe')},
                          content_type="multipart/form-data")
        assert answer.status_code == 201, answer.json
        ids[code] = answer.json["id"]
    return {"application": app_id, "reference": filed.json["reference"], **ids}


@pytest.mark.parametrize(("who", "status"), CALLERS.items())
def test_a_material_downloads_for_its_owner_and_staff_in_scope_only(
    api: Api, uploaded: dict[str, int], who: str | None, status: int
) -> None:
    base = f"/api/v1/applications/{uploaded['application']}/materials"
    path = f"{base}/{uploaded['application_form']}"
    answer = api.get(path, who)
    assert answer.status_code == status
    if status == 200:
        assert answer.data == PDF and answer.mimetype == "application/pdf"
        assert answer.headers["Cache-Control"].startswith("no-cache")
        assert PiiAccess.get(PiiAccess.entity == "application_material").purpose == "download"


def test_the_file_name_is_safe_and_says_what_it_is(api: Api, uploaded: dict[str, int]) -> None:
    base = f"/api/v1/applications/{uploaded['application']}/materials"
    answer = api.get(f"{base}/{uploaded['id_card']}", "ts-a")
    assert answer.mimetype == "image/png" and answer.data == PNG + b"2"
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    fallback = disposition.split("filename=")[1].split(";")[0]
    assert fallback == f'"{uploaded["reference"]}-id_card-2.png"'  # for clients without filename*
    encoded = disposition.split("filename*=")[1]
    assert encoded.startswith("UTF-8''")
    # The second ID-card upload, named by the catalogue, never by what the uploader called it.
    assert unquote(encoded.removeprefix("UTF-8''")) == f"{uploaded['reference']}-居民身份证-2.png"
    assert "exe" not in disposition


def test_a_material_of_another_application_or_unknown_is_not_found(
    api: Api, uploaded: dict[str, int]
) -> None:
    other = api.post("/api/v1/applications", "res-owner", json={
        "service_code": "temporary_relief", "applicant_name": "业主",
        "applicant_id_number": id_number(1), "village_id": api.world.villages["a1"].id,
        "address": "a1村1组1号"}).json["id"]
    assert api.get(f"/api/v1/applications/{other}/materials/{uploaded['id_card']}",
                   "res-owner").status_code == 404
    assert api.get(f"/api/v1/applications/{uploaded['application']}/materials/999999",
                   "ts-a").json["code"] == "material_not_found"
