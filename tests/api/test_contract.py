"""The OpenAPI document says what the API does: who needs a token, what the pagination header
holds, which answers a body can get, which parameters exist, and that an empty edit is refused."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import Api

SPEC = "/api/openapi.json"
BODY_METHODS = ("post", "put", "patch")


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, operation) for path, item in spec["paths"].items()
            for method, operation in item.items() if method != "parameters"]


def _filled(path: str) -> str:
    """A concrete URL for a templated path (ids 1, codes 'home_care')."""
    path = re.sub(r"\{[a-z_]*id\}|\{weekday\}", "1", path)
    return re.sub(r"\{[a-z_]+\}", "home_care", path)


def test_operations_served_without_a_token_declare_no_bearer_security(api: Api) -> None:
    spec = api.get(SPEC).json
    mismatched = []
    for path, method, operation in _operations(spec):
        declared_public = operation.get("security", spec["security"]) == []
        answer = api.call(method.upper(), _filled(path), json={} if method in BODY_METHODS
                          else None)
        if declared_public == (answer.status_code == 401):
            mismatched.append(f"{method.upper()} {path}: public={declared_public}, "
                              f"anonymous answer {answer.status_code}")
    assert not mismatched, "\n".join(mismatched)
    public = {path for path, _, operation in _operations(spec) if operation.get("security") == []}
    assert {"/api/v1/services", "/api/v1/auth/staff", "/api/v1/auth/refresh"} <= public


def test_the_pagination_header_is_the_json_its_schema_describes(api: Api) -> None:
    spec = api.get(SPEC).json
    header = spec["components"]["headers"]["PAGINATION"]
    schema_ref = header["content"]["application/json"]["schema"]["$ref"]
    properties = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]["properties"]
    sent = json.loads(api.get("/api/v1/clients", "ts-a",
                              query_string={"page_size": 1}).headers["X-Pagination"])
    assert sent and set(sent) <= set(properties)
    assert all(isinstance(value, int) and properties[key]["type"] == "integer"
               for key, value in sent.items())
    assert sent["total"] == 2 and sent["next_page"] == 2


def test_every_json_body_documents_and_answers_400_for_malformed_json(api: Api) -> None:
    spec = api.get(SPEC).json
    undocumented = [f"{method.upper()} {path}" for path, method, operation in _operations(spec)
                    if "application/json" in operation.get("requestBody", {}).get("content", {})
                    and "400" not in operation["responses"]]
    assert not undocumented
    answer = api.post("/api/v1/clients", "ts-a", data="{not json",
                      content_type="application/json")
    assert answer.status_code == 400 and answer.json["code"] == "bad_request"


def test_deliveries_filter_by_event_id_from_the_query_string(api: Api) -> None:
    answer = api.get("/api/v1/operations/deliveries", "city-admin",
                     query_string={"event_id": "0"})
    assert answer.status_code == 200 and answer.json == []


def test_the_client_list_offers_no_id_number_parameter_but_explains_its_refusal(
    api: Api,
) -> None:
    operation = api.get(SPEC).json["paths"]["/api/v1/clients"]["get"]
    assert "id_number" not in {parameter["name"] for parameter in operation["parameters"]}
    answer = api.get("/api/v1/clients", "ts-a", query_string={"id_number": "x"})
    assert answer.status_code == 422
    assert "clients/search" in answer.json["errors"]["query"]["id_number"][0]


def test_an_edit_that_changes_nothing_is_refused(api: Api) -> None:
    client_id = api.world.clients["a1"].id
    for path, who in ((f"/api/v1/clients/{client_id}", "ts-a"),
                      ("/api/v1/services/home_care", "city-admin")):
        answer = api.patch(path, who, json={})
        assert answer.status_code == 422, (path, answer.json)
        assert answer.json["code"] == "nothing_to_change"


def test_an_edit_without_a_body_is_refused(api: Api) -> None:
    answer = api.patch(f"/api/v1/clients/{api.world.clients['a1'].id}", "ts-a")
    assert answer.status_code == 422 and answer.json["code"] == "nothing_to_change"


def test_a_json_boolean_is_true_or_false_but_a_query_string_spells_it(api: Api) -> None:
    shift = api.call("PUT", f"/api/v1/social-workers/{api.world.staff['sw-a1'].id}/shifts/1",
                     "ts-a", json={"start": "08:30", "end": "17:30", "is_working": 1})
    assert shift.status_code == 422 and "is_working" in shift.json["errors"]
    unread = api.get("/api/v1/me/messages", "res-owner", query_string={"unread_only": "true"})
    assert unread.status_code == 200
