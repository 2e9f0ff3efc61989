"""Schemathesis over EVERY operation of the served spec, with ALL its checks, as staff and as a
resident: no server error, answers match the spec, schema-invalid input refused, schema-valid
input accepted unless a documented rule refuses it, a token that is missing or wrong refused.

It runs schemathesis's own engine (what ``st run --checks all`` runs: examples, coverage,
fuzzing and stateful phases) against the app served on loopback, reading the spec the app
serves, so each route added later is fuzzed without anyone remembering to. Examples per
operation are bounded so each database's run stays around a minute on a small machine.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from werkzeug.serving import WSGIRequestHandler, make_server

from backend.db import db
from tests.conftest import _empty_tables
from tests.factories import World, build_world

ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Staff with the widest scope, and a resident (linked to one client): the two kinds of token.
# The coverage phase (every boundary and every wrong type of every field, ~4 500 requests)
# runs as staff only: it tests the schema layer, the same for both tokens, and would double the
# run's time; the resident gets every check over the fuzzing and stateful phases.
FUZZED_AS = {"city-admin": ALL_PHASES,
             "res-owner": ("examples", "fuzzing", "stateful")}
EXAMPLES_PER_OPERATION = 6
SEED = 22  # a fixed seed: a failure found once is found again by the next run

# positive_data_acceptance expects schema-valid input to be accepted. A business rule may still
# refuse it with a documented 4xx and its own code (an ID number whose check digit is wrong, a
# link code nobody issued, a date already past, a move the workflow does not allow, a file that
# is not the spreadsheet it claims to be): the schema
# cannot say these. Only such refusals are let through, recognised by their code; a refusal by
# the schema layer itself (invalid_input: the spec is looser than the validation) still fails.
SCHEMA_LAYER_CODES = frozenset({"invalid_input", "bad_request"})


class _Quiet(WSGIRequestHandler):
    """Keep-alive and no access lines: generated URLs hold phone-like digit runs that the
    suite's leak watch would (rightly) flag if they were logged."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Log nothing."""


@pytest.fixture(scope="module")
def fuzz_world(app: Flask) -> Iterator[World]:
    """One small city for the whole module (fuzzing mutates it; that is fine)."""
    db.connect(reuse_if_open=True)
    _empty_tables()
    yield build_world()
    if not db.is_closed():
        db.close()


@pytest.fixture(scope="module")
def served_spec(app: Flask, fuzz_world: World) -> Iterator[str]:
    """The app served on loopback; the URL of the spec it serves."""
    server = make_server("127.0.0.1", 0, app, threaded=False, request_handler=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The HTTP client logs each URL and peewee each statement with its parameters: both echo
    # the fuzzer's own digit runs, which the leak watch would take for phone numbers. The app's
    # own log lines and every response are still watched.
    echoes = [logging.getLogger(name) for name in ("urllib3", "peewee")]
    levels = [logger.level for logger in echoes]
    for logger in echoes:
        logger.setLevel(logging.WARNING)
    yield f"http://127.0.0.1:{server.server_port}/api/openapi.json"
    for logger, level in zip(echoes, levels, strict=True):
        logger.setLevel(level)
    server.shutdown()
    thread.join()


def _refused_by_a_rule(response: Any) -> bool:
    """The answer is a business rule's documented refusal (its own code), not the schema's."""
    if response is None or not 400 <= response.status_code < 500:
        return False
    try:
        code = json.loads(response.content)["code"]
    except (ValueError, KeyError, TypeError):
        return False
    return code not in SCHEMA_LAYER_CODES


def _failures(schema: schemathesis.BaseSchema) -> dict[tuple[str, str], set[str]]:
    """Run every phase with every check; the failures by (check, operation)."""
    found: dict[tuple[str, str], set[str]] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            found.setdefault(("error", getattr(event, "label", "run")), set()).add(
                repr(getattr(event, "value", getattr(event, "exception", event)))[:500])
        if not isinstance(event, events.ScenarioFinished):
            continue
        for case_id, nodes in event.recorder.checks.items():
            for node in nodes:
                info = node.failure_info
                if info is None:
                    continue
                # The stateful phase reports under its own label: name the operation called.
                label = info.failure.operation or event.recorder.label
                if node.name == "positive_data_acceptance" and _refused_by_a_rule(
                        event.recorder.find_response(case_id=case_id)):
                    continue
                step = info.steps[-1].curl if info.steps else info.code_sample
                found.setdefault((node.name, label), set()).add(
                    f"{info.failure.title}: {info.failure.message[:600]}\n    {step[:600]}")
    return found


@pytest.mark.parametrize("who", list(FUZZED_AS))
def test_every_operation_answers_within_its_contract(
    served_spec: str, fuzz_world: World, who: str
) -> None:
    config = SchemathesisConfig(seed=SEED)
    project = config.projects.override
    project.update(continue_on_failure=True)
    project.phases.update(phases=list(FUZZED_AS[who]))
    # No NUL characters in generated text: PostgreSQL cannot store them, the API refuses them
    # beside their field (tests/api/test_hostile_inputs.py), and the spec cannot say so.
    project.generation.update(max_examples=EXAMPLES_PER_OPERATION, deterministic=True,
                              database="none", allow_x00=False)
    schema = schemathesis.openapi.from_url(served_spec, config=config)

    # A fresh token whenever one is refused: the fuzzer also calls POST /auth/logout.
    @schema.auth()
    class _Token:
        def get(self, case: schemathesis.Case, context: Any) -> str:
            return fuzz_world.token_for(who)

        def set(self, case: schemathesis.Case, token: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    assert len(list(schema.get_all_operations())) >= 10
    failures = _failures(schema)
    assert not failures, "\n\n".join(
        f"{check} on {label}:\n  " + "\n  ".join(sorted(found)[:3])
        for (check, label), found in sorted(failures.items()))
