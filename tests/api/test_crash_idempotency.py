"""An API process that dies around its commit: a retry with the same key replays or reruns.

The claim of an ``Idempotency-Key``, the request's writes and its answer commit together, so
there is no moment at which a dead process can leave the key half-claimed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from backend.models import Client, IdempotencyRecord
from tests.api.api_process import api_process
from tests.conftest import Api
from tests.factories import id_number

NEW_ID = id_number(4242)


def _file_client(base: str, token: str, village_id: int) -> requests.Response:
    return requests.post(
        f"{base}/api/v1/clients",
        json={"name": "崩溃测试", "id_number": NEW_ID, "village_id": village_id,
              "address": "A2村9组"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "crash-1"},
        timeout=30,
    )


@pytest.mark.parametrize(
    ("when", "replayed"), [("after_commit", True), ("before_commit", False)]
)
def test_a_retry_after_the_process_died_replays_or_runs_afresh_never_twice(
    api: Api, tmp_path: Path, when: str, replayed: bool
) -> None:
    token, village_id = api.token("ts-a"), api.world.villages["a2"].id
    with api_process(tmp_path, when) as base, pytest.raises(requests.ConnectionError):
        _file_client(base, token, village_id)
    committed = Client.select().where(Client.name == "崩溃测试").count()
    assert committed == (1 if when == "after_commit" else 0)
    with api_process(tmp_path) as base:
        retry = _file_client(base, token, village_id)
    assert retry.status_code == 201, retry.text
    assert (retry.headers.get("Idempotent-Replayed") == "true") is replayed
    assert Client.select().where(Client.name == "崩溃测试").count() == 1
    assert IdempotencyRecord.get().status_code == 201


def test_an_unanswered_claim_left_by_an_old_process_expires(api: Api) -> None:
    from datetime import timedelta

    from backend import idempotency
    from backend.models import utcnow

    staff = api.world.staff["ts-a"]
    body = {"name": "崩溃测试", "id_number": NEW_ID, "village_id": api.world.villages["a2"].id,
            "address": "A2村9组"}
    fingerprint = idempotency.request_fingerprint("/api/v1/clients", body)
    claim = IdempotencyRecord.create(actor_key=f"staff:{staff.id}", key="old-1",
                                     endpoint="/api/v1/clients", request_hash=fingerprint)
    headers = {"Idempotency-Key": "old-1"}
    waiting = api.post("/api/v1/clients", "ts-a", json=body, headers=headers)
    assert waiting.status_code == 409 and waiting.json["code"] == "idempotency_in_progress"
    claim.created_at = utcnow() - idempotency.UNANSWERED_CLAIM_EXPIRES - timedelta(seconds=1)
    claim.save()
    retried = api.post("/api/v1/clients", "ts-a", json=body, headers=headers)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert IdempotencyRecord.get().status_code == 201
