"""Field-level validation messages are Chinese; the envelope's machine-readable code stays."""

from __future__ import annotations

from tests.conftest import Api


def test_field_errors_read_in_chinese_beside_their_fields(api: Api) -> None:
    missing = api.post("/api/v1/auth/staff", json={"username": "ts-a"})
    assert missing.status_code == 422 and missing.json["code"] == "invalid_input"
    assert missing.json["errors"] == {"password": ["此项必填"]}
    unknown = api.post("/api/v1/auth/staff",
                       json={"username": "ts-a", "password": "x", "remember": True})
    assert unknown.json["errors"] == {"remember": ["不认识的字段"]}
    wrong = api.post("/api/v1/auth/staff", json={"username": 12, "password": "x"})
    assert wrong.json["errors"] == {"username": ["须为文本"]}
