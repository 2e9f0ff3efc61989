"""The service guide (办事指南): anyone reads it, the city bureau edits it with an audit row."""

from __future__ import annotations

from flask.testing import FlaskClient

from backend.models import AuditEntry
from tests.backend.test_fixtures import SERVICE_CODES
from tests.conftest import Api


def test_anyone_reads_every_service_guide_without_logging_in(client: FlaskClient) -> None:
    response = client.get("/api/v1/services")
    assert response.status_code == 200
    assert {s["code"] for s in response.json} == SERVICE_CODES
    guide = next(s for s in response.json if s["code"] == "subsistence_allowance")
    assert guide["fee"]["label"] == "免费" and guide["complaint_phone"]
    assert guide["legal_basis"] and guide["eligibility"] and guide["sample_form"]["fields"]
    assert any(m["required"] for m in guide["materials"])
    assert [s["stage"] for s in guide["workflow_stages"]] == [
        "acceptance",
        "verification",
        "deliberation",
        "public_notice",
        "approval",
    ]


def test_special_care_guides_show_the_village_stages_skipped(client: FlaskClient) -> None:
    response = client.get("/api/v1/services/special_care_rural_veteran_60")
    assert response.status_code == 200
    stages = [s["stage"] for s in response.json["workflow_stages"]]
    assert stages == ["verification", "public_notice", "approval"]


def test_an_unknown_service_is_not_found(client: FlaskClient) -> None:
    response = client.get("/api/v1/services/no_such_thing")
    assert response.status_code == 404 and response.json["code"] == "service_not_found"


def test_city_admin_edits_a_guide_and_the_edit_is_audited(api: Api) -> None:
    response = api.patch(
        "/api/v1/services/home_care",
        "city-admin",
        json={"service_commitment": "当日受理，十日办结。"},
    )
    assert response.status_code == 200, response.json
    published = api.get("/api/v1/services/home_care").json
    assert published["service_commitment"] == "当日受理，十日办结。"
    entry = AuditEntry.get(AuditEntry.action == "service_guide.update")
    assert entry.entity_id == "home_care" and "service_commitment" in entry.changes


def test_only_the_city_bureau_edits_the_guide(api: Api) -> None:
    body = {"service_commitment": "改"}
    assert api.patch("/api/v1/services/home_care", json=body).status_code == 401
    assert api.patch("/api/v1/services/home_care", "ts-a", json=body).status_code == 403
    assert api.patch("/api/v1/services/nope", "city-admin", json=body).status_code == 404
    bad = api.patch("/api/v1/services/home_care", "city-admin", json={"time_limit_days": "3"})
    assert bad.status_code == 422
    assert (
        api.patch("/api/v1/services/home_care", "city-admin", json={"workflow": {}}).status_code
        == 422
    )
