"""Permissions in one place: every route declares one, and scope holds in every direction."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask

from tests.conftest import Api


def _api_views(app: Flask) -> list[tuple[str, str, Any]]:
    views = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            handler = getattr(view_class, method.lower(), None) if view_class else view
            views.append((rule.rule, method, handler))
    return views


def test_every_api_route_declares_its_permission(app: Flask) -> None:
    undeclared = [
        f"{method} {path}"
        for path, method, handler in _api_views(app)
        if not hasattr(handler, "_permission")
    ]
    assert undeclared == [], f"routes without @blp.permission: {undeclared}"


def test_every_route_documents_its_error_statuses_in_the_envelope(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").json
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = set(operation["responses"])
            assert "default" not in codes, f"{method} {path} has a catch-all response"
            if (
                operation.get("security", spec.get("security"))
                and not path.startswith("/api/v1/auth/")
                and not path.startswith("/api/v1/services")
            ):
                assert {"401", "403"} <= codes, f"{method} {path} does not document 401/403"


# Callers for the matrix: the owner (a resident linked to client a1), another resident, staff of
# the same village, of another village, of another township, a city admin, anonymous.
CALLERS = ["res-owner", "res-other", "co-a1", "co-a2", "ts-b", "city-admin", None]

# What each caller gets for client a1 (village a1 of township a).
CLIENT_READ = {
    "res-owner": 403,
    "res-other": 403,
    "co-a1": 200,
    "co-a2": 404,
    "ts-b": 404,
    "city-admin": 200,
    None: 401,
}
CLIENT_PATCH = {
    "res-owner": 403,
    "res-other": 403,
    "co-a1": 403,
    "co-a2": 403,
    "ts-b": 404,
    "city-admin": 200,
    None: 401,
}
TOWNSHIP_READ = {
    "res-owner": 403,
    "res-other": 403,
    "co-a1": 200,
    "co-a2": 200,
    "ts-b": 404,
    "city-admin": 200,
    None: 401,
}


@pytest.mark.parametrize("who", CALLERS)
def test_client_detail_answers_by_role_and_scope(api: Api, who: str | None) -> None:
    client_id = api.world.clients["a1"].id
    assert api.get(f"/api/v1/clients/{client_id}", who).status_code == CLIENT_READ[who]


@pytest.mark.parametrize("who", CALLERS)
def test_client_edit_answers_by_role_and_scope(api: Api, who: str | None) -> None:
    client_id = api.world.clients["a1"].id
    response = api.patch(f"/api/v1/clients/{client_id}", who, json={"notes": "已走访"})
    assert response.status_code == CLIENT_PATCH[who], response.json


@pytest.mark.parametrize("who", CALLERS)
def test_client_reveal_answers_by_role_and_scope(api: Api, who: str | None) -> None:
    client_id = api.world.clients["a1"].id
    response = api.post(
        f"/api/v1/clients/{client_id}/reveal", who, json={"field": "phone", "purpose": "电话回访"}
    )
    assert response.status_code == CLIENT_PATCH[who], response.json


@pytest.mark.parametrize("who", CALLERS)
def test_township_detail_answers_by_role_and_scope(api: Api, who: str | None) -> None:
    township_id = api.world.townships["a"].id
    assert api.get(f"/api/v1/townships/{township_id}", who).status_code == TOWNSHIP_READ[who]


def test_an_unknown_id_is_404_not_500(api: Api) -> None:
    assert api.get("/api/v1/clients/999999", "city-admin").status_code == 404
    assert api.get("/api/v1/townships/999999", "city-admin").status_code == 404


def test_lists_only_show_what_is_in_scope(api: Api) -> None:
    names = {c["name"] for c in api.get("/api/v1/clients", "co-a1").json}
    assert names == {"对象a1"}
    names = {c["name"] for c in api.get("/api/v1/clients", "ts-b").json}
    assert names == {"对象b1"}
    assert len(api.get("/api/v1/clients", "city-admin").json) == 3
    assert [t["code"] for t in api.get("/api/v1/townships", "ts-b").json] == ["410184100"]


def test_every_route_that_takes_an_id_refuses_anonymous_callers(client: Any, app: Flask) -> None:
    for path, method, handler in _api_views(app):
        if "<" not in path or getattr(handler, "_permission", None) == "public":
            continue
        concrete = re.sub(r"<(?:\w+:)?\w+>", "1", path)
        response = client.open(concrete, method=method, json={})
        assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
        assert response.json["code"] == "not_authenticated"


def test_pages_hold_at_most_one_hundred_items(api: Api) -> None:
    assert (
        api.get("/api/v1/clients", "city-admin", query_string={"page_size": 101}).status_code == 422
    )
    page = api.get("/api/v1/clients", "city-admin", query_string={"page_size": 2})
    assert page.status_code == 200 and len(page.json) == 2
    assert json.loads(page.headers["X-Pagination"])["total"] == 3


def test_every_field_and_parameter_in_the_docs_is_described(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").json
    bare = [
        f"{name}.{prop}"
        for name, schema in spec["components"]["schemas"].items()
        for prop, body in schema.get("properties", {}).items()
        if "$ref" not in body and not body.get("description")
    ]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            if not operation.get("summary"):
                bare.append(f"{method} {path}: no summary")
            bare += [
                f"{method} {path} ?{p['name']}"
                for p in operation.get("parameters", [])
                if not p.get("description")
            ]
    assert bare == []


def test_a_misspelt_query_parameter_is_refused_not_ignored(api: Api) -> None:
    response = api.get("/api/v1/clients", "city-admin", query_string={"catgory": "elderly"})
    assert response.status_code == 422 and "catgory" in response.json["errors"]["query"]
    paged = api.get(
        "/api/v1/clients",
        "city-admin",
        query_string={"category": "left_behind_elder", "page": 1, "page_size": 2},
    )
    assert paged.status_code == 200 and len(paged.json) == 2
