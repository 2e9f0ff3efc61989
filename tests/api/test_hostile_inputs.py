"""Inputs that used to break the server: each answers a clear 4xx in the envelope."""

from __future__ import annotations

from tests.conftest import Api

HUGE = 2**64 + 7


def test_ids_beyond_64_bits_are_not_found_in_paths_and_refused_in_bodies(api: Api) -> None:
    assert api.get(f"/api/v1/clients/{HUGE}", "ts-a").status_code == 404
    body = api.post("/api/v1/plans", "ts-a", json={"township_id": HUGE, "date": "2030-01-01"})
    assert body.status_code == 422 and "township_id" in body.json["errors"]
    query = api.get("/api/v1/clients", "ts-a", query_string={"village_id": str(HUGE)})
    assert query.status_code == 422


def test_a_page_past_any_row_is_empty_not_an_error(api: Api) -> None:
    answer = api.get("/api/v1/clients", "ts-a", query_string={"page": str(2**62)})
    assert answer.status_code == 200 and answer.json == []


def test_deeply_nested_json_is_a_bad_request(api: Api) -> None:
    answer = api.post("/api/v1/auth/staff", data="[" * 100_000,
                      content_type="application/json")
    assert answer.status_code == 400 and answer.json["code"] == "bad_request"


def test_nul_characters_are_refused_beside_their_field(api: Api) -> None:
    answer = api.post("/api/v1/auth/staff", json={"username": "ts\x00a", "password": "x"})
    assert answer.status_code == 422 and "username" in answer.json["errors"]
    query = api.get("/api/v1/clients", "ts-a", query_string={"name": "王\x00"})
    assert query.status_code == 422


def test_a_chart_of_the_year_9999_is_refused_not_a_crash(api: Api) -> None:
    answer = api.get("/api/v1/supervision/reports/monthly_bulletin", "city-admin",
                     query_string={"period": "9999-12", "format": "png"})
    assert answer.status_code == 422 and "period" in answer.json["errors"]


def test_a_tiny_latitude_is_stored_not_a_crash(api: Api) -> None:
    client_id = api.world.clients["a1"].id
    answer = api.patch(f"/api/v1/clients/{client_id}", "ts-a", json={"lat": 1e-50})
    assert answer.status_code == 200, answer.json
    assert api.get(f"/api/v1/clients/{client_id}", "ts-a").json["lat"] == 1e-50


def test_coordinates_read_back_to_the_ninth_decimal(api: Api) -> None:
    client_id = api.world.clients["a1"].id
    edit = api.patch(f"/api/v1/clients/{client_id}", "ts-a",
                     json={"lat": 34.123456789, "lng": 113.123456789})
    assert edit.status_code == 200, edit.json
    stored = api.get(f"/api/v1/clients/{client_id}", "ts-a").json
    assert (stored["lat"], stored["lng"]) == (34.123456789, 113.123456789)
