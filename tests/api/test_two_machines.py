"""Two API machines behind one balancer: separate instance folders, one database and one
shared storage folder (``STORAGE_PATH``), so what one stored the other serves."""

from __future__ import annotations

from pathlib import Path

import requests

from tests.api.api_process import api_process
from tests.applications.conftest import PNG
from tests.conftest import Api


def test_a_photo_uploaded_through_one_api_process_is_served_by_another(
    api: Api, tmp_path: Path
) -> None:
    shared = tmp_path / "shared-storage"
    owner = {"Authorization": f"Bearer {api.token('res-owner')}"}
    staff = {"Authorization": f"Bearer {api.token('ts-b')}"}
    with (api_process(tmp_path / "machine-1", storage=shared) as first,
          api_process(tmp_path / "machine-2", storage=shared) as second):
        filed = requests.post(f"{first}/api/v1/grievances", headers=owner, timeout=30, json={
            "subject": "other", "village_id": api.world.villages["b1"].id,
            "content": "村口路灯坏了，老人晚上出门不安全"})
        assert filed.status_code == 201, filed.text
        photos = f"/api/v1/grievances/{filed.json()['id']}/photos"
        uploaded = requests.post(f"{first}{photos}", headers=owner, timeout=30,
                                 files={"file": ("灯.png", PNG, "image/png")})
        assert uploaded.status_code == 201, uploaded.text
        served = requests.get(f"{second}{photos}/{uploaded.json()['id']}", headers=staff,
                              timeout=30)
    assert served.status_code == 200 and served.content == PNG
    assert not (tmp_path / "machine-1" / "uploads").exists()  # nothing kept beside the process
    assert list(shared.glob("uploads/*/*.png"))
