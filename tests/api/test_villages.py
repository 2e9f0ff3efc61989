"""The villages to choose from when filing (issue 20): public, paginated, in Chinese."""

from __future__ import annotations

import json

from tests.conftest import Api


def test_anyone_lists_villages_with_their_township_without_logging_in(api: Api) -> None:
    answer = api.get("/api/v1/villages")
    assert answer.status_code == 200
    assert [v["name"] for v in answer.json] == ["A1村", "A2村", "B1村", "B2村"]
    first = answer.json[0]
    assert first == {
        "id": api.world.villages["a1"].id, "code": "410184001201", "name": "A1村",
        "kind": "village", "kind_label": "村", "township_id": api.world.townships["a"].id,
        "township_name": "测试A镇", "township_kind": "subdistrict", "township_kind_label": "街道"}


def test_villages_narrow_by_township_or_name_and_paginate(api: Api) -> None:
    b = api.world.townships["b"].id
    assert [v["name"] for v in api.get(f"/api/v1/villages?township_id={b}").json] == [
        "B1村", "B2村"]
    assert [v["name"] for v in api.get("/api/v1/villages?name=A2").json] == ["A2村"]
    by_township_name = api.get("/api/v1/villages", query_string={"name": "测试B"}).json
    assert [v["name"] for v in by_township_name] == ["B1村", "B2村"]
    assert api.get("/api/v1/villages?township_id=99999").json == []
    page = api.get("/api/v1/villages?page_size=3&page=2")
    assert [v["name"] for v in page.json] == ["B2村"]
    assert json.loads(page.headers["X-Pagination"])["total"] == 4
    assert api.get("/api/v1/villages?township_id=abc").status_code == 422
    assert api.get("/api/v1/villages?twnship_id=1").status_code == 422
    assert api.get("/api/v1/villages?page_size=101").status_code == 422
