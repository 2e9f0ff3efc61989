"""Schemathesis over EVERY operation of the OpenAPI spec: no server error, answers match the spec.

It reads the spec the app serves, so each route added later is fuzzed without anyone
remembering to. Requests are sent as a city admin (widest scope) into a small seeded city.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from backend.db import db
from tests.conftest import _empty_tables
from tests.factories import World, build_world

# Business rules may refuse schema-valid input (a used WeChat code, a duplicate person): that is
# a documented 4xx, so "positive data must be accepted" is not one of our checks.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzz_world(app: Flask) -> Iterator[World]:
    """One small city for the whole module (fuzzing mutates it; that is fine)."""
    db.connect(reuse_if_open=True)
    _empty_tables()
    yield build_world()
    if not db.is_closed():
        db.close()


@pytest.fixture(scope="module")
def api_schema(app: Flask, fuzz_world: World) -> schemathesis.BaseSchema:
    """The spec the app serves, bound to the app in-process."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture(scope="module")
def admin_token(fuzz_world: World) -> str:
    """A city admin's access token."""
    return fuzz_world.token_for("city-admin")


def test_every_operation_answers_within_its_contract(
    api_schema: schemathesis.BaseSchema, admin_token: str
) -> None:
    # Identity: schemathesis reads a WSGI answer's bytes as they are and would not unzip the
    # guide's gzipped body (over HTTP its requests client would).
    headers = {"Authorization": f"Bearer {admin_token}", "Accept-Encoding": "identity"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @settings(
            max_examples=15,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            fuzz()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = str(exc)[:2000]
    assert not failures, "\n\n".join(f"{label}:\n{error}" for label, error in failures.items())
