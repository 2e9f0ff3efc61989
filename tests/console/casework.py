"""Casework the desk's tests start from, made through the API as a resident would make it."""

from __future__ import annotations

import io
from typing import Any

from tests.applications.conftest import PDF, PNG
from tests.conftest import Api
from tests.factories import id_number

# A clerk decides 养老院入住 at every stage (受理 → 核查 → 审批), so one desk can see it through.
DESK_SERVICE = "nursing_home_admission"
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def file_application(api: Api, service: str = DESK_SERVICE, n: int = 1) -> int:
    """The owner files and submits an application for a1's village; answers its id."""
    filed = api.post("/api/v1/applications", "res-owner", json={
        "service_code": service, "applicant_name": "业主", "applicant_id_number": id_number(n),
        "phone": "13800001111", "village_id": api.world.villages["a1"].id,
        "address": "a1村1组1号", "household_members": [], "declared_income_fen": 50_000,
        "reason": "独居，生活不能自理", "submit": True})
    assert filed.status_code == 201, filed.json
    return int(filed.json["id"])


def scan(title: str, *, pdf: bool = False) -> bytes:
    """A document as a phone would photograph it (PNG) or a scanner would file it (PDF)."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("RGB", (480, 300), "#f4f1ea")
    draw = ImageDraw.Draw(page)
    draw.rectangle((12, 12, 467, 287), outline="#0b3d91", width=4)
    try:
        font: Any = ImageFont.truetype(CJK_FONT, 32)
    except OSError:  # no CJK font on this machine: the default one still draws the frame
        font = ImageFont.load_default()
    draw.text((40, 40), title, fill="#1b1b1b", font=font)
    for line in range(5):
        draw.line((40, 120 + line * 30, 440, 120 + line * 30), fill="#b1b4b6", width=2)
    out = io.BytesIO()
    page.save(out, "PDF" if pdf else "PNG")
    return out.getvalue()


def upload(api: Api, application_id: int, code: str, *, pdf: bool = False,
           content: bytes | None = None) -> int:
    """The owner uploads a PNG (or a PDF) for one catalogue entry; answers the material's id."""
    name = f"{code}.pdf" if pdf else f"{code}.png"
    content = content or (PDF if pdf else PNG)
    sent = api.post(f"/api/v1/applications/{application_id}/materials?material_code={code}",
                    "res-owner", data={"file": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")
    assert sent.status_code == 201, sent.json
    return int(sent.json["id"])


def resubmit(api: Api, application_id: int) -> None:
    """The owner hands in what 补正 asked for."""
    sent = api.post(f"/api/v1/applications/{application_id}/submit", "res-owner")
    assert sent.status_code == 200, sent.json
