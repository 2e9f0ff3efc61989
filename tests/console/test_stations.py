"""Service stations in the console: a station's 五有 saved in place, a station file checked then
imported, and a coordinator's allowance recorded — each refusal said beside its field."""

from __future__ import annotations

import io
import re
from typing import Any

from backend.models import AllowancePayment, ServiceStation
from tests.factories import World

CARRIED = re.compile(r'name="content" value="([^"]+)"')
HEADER = ",".join(["村（社区）代码", "站牌名称", "办公场所", *(
    f"{label}（是/否）" for label in ("有专人", "有牌子", "有场所", "有制度", "有台帐"))])


def test_a_station_saved_in_place_answers_its_row(signed_in: Any, world: World) -> None:
    browser = signed_in("ts-a")
    page = browser.get("/console/stations").get_data(as_text=True)
    assert "A1村" in page and "B1村" not in page
    village = world.villages["a1"]
    saved = browser.post(f"/console/stations/{village.id}",
                         {"sign": "A1站", "place": "村委会", "has_person": "1", "has_sign": "1"},
                         headers={"HX-Request": "true"})
    assert saved.status_code == 200
    assert f'id="station-{village.id}"' in saved.get_data(as_text=True)
    station = ServiceStation.get(ServiceStation.village == village)
    assert station.has_person and not station.has_ledger and station.sign == "A1站"


def test_a_station_file_is_checked_then_imported(signed_in: Any, world: World) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/stations")
    bad = f"{HEADER}\n{world.villages['a1'].code},站,场所,是,是,是,是,不知道\n".encode()
    checked = browser.client.post("/console/stations/check", data={
        "csrf_token": browser.token, "file": (io.BytesIO(bad), "s.csv")},
        content_type="multipart/form-data")
    assert checked.status_code == 422 and "应填“是”或“否”" in checked.get_data(as_text=True)
    good = f"{HEADER}\n{world.villages['a2'].code},站,场所,是,是,是,是,否\n".encode()
    checked = browser.client.post("/console/stations/check", data={
        "csrf_token": browser.token, "file": (io.BytesIO(good), "s.csv")},
        content_type="multipart/form-data")
    content = CARRIED.search(checked.get_data(as_text=True))
    assert checked.status_code == 200 and content
    assert ServiceStation.get(ServiceStation.village == world.villages["a2"]).has_ledger
    done = browser.post("/console/stations/import", {"filename": "s.csv",
                                                     "content": content.group(1)})
    assert done.status_code == 302
    assert not ServiceStation.get(ServiceStation.village == world.villages["a2"]).has_ledger


def test_an_allowance_is_recorded_once_a_month(signed_in: Any, world: World) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/stations")
    form = {"coordinator_id": str(world.staff["co-a1"].id), "month": "2026-11",
            "paid_on": "2026-12-05", "amount": ""}
    assert browser.post("/console/stations/allowances", form).status_code == 302
    assert AllowancePayment.get().amount_fen == 50_000
    again = browser.post("/console/stations/allowances", form)
    page = again.get_data(as_text=True)
    assert again.status_code == 409 and 'id="pay-month-error"' in page
    assert "该协管员本月补贴已登记" in page
