"""The public guide revalidates by ETag and serves a cached answer until an audited edit;
large answers are gzipped for clients that accept it, and edits still check their version."""

from __future__ import annotations

import gzip
import json

import pytest

from backend.commands.service_guide import EditServiceGuide
from backend.models import ServiceGuideEdit, utcnow
from backend.services import service_guide
from backend.services.auth import actor_for
from backend.unit_of_work import unit_of_work
from miniprogram_api.resources.services import cache
from tests.conftest import Api

GUIDE = "/api/v1/services"
GZIP = {"Accept-Encoding": "gzip"}


def _phone(answer: list[dict[str, str]]) -> str:
    return next(s["complaint_phone"] for s in answer if s["code"] == "home_care")


def _commitment(answer: list[dict[str, str]], code: str = "home_care") -> str:
    return next(s["service_commitment"] for s in answer if s["code"] == code)


def test_the_public_guide_is_revalidated_and_answers_304_to_the_version_held(api: Api) -> None:
    first = api.get(GUIDE)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"guide-')
    assert set(first.headers["Cache-Control"].split(", ")) == {"public", "no-cache"}
    again = api.get(GUIDE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = api.get(GUIDE, headers={"If-None-Match": 'W/"guide-0"'})
    assert other.status_code == 200 and other.json == first.json


def test_an_audited_guide_edit_is_seen_by_the_next_read_under_a_new_etag(api: Api) -> None:
    before = api.get(GUIDE)
    edited = api.patch(f"{GUIDE}/home_care", "city-admin",
                       json={"service_commitment": "当日受理，十日办结。"})
    assert edited.status_code == 200, edited.json
    after = api.get(GUIDE, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert _commitment(after.json) == "当日受理，十日办结。"
    assert _commitment(before.json) != "当日受理，十日办结。"


def test_an_edit_made_in_this_process_outside_the_api_is_seen_by_the_next_read(
        api: Api) -> None:
    cached = api.get(GUIDE)
    admin = actor_for("staff", api.world.staff["city-admin"].id)
    with unit_of_work(actor=admin):  # as the console's guide page edits it
        service_guide.update_service(
            "home_care", EditServiceGuide(complaint_phone="0371-7654321"), actor=admin)
    fresh = api.get(GUIDE, headers={"If-None-Match": cached.headers["ETag"]})
    assert fresh.status_code == 200
    assert _phone(fresh.json) == "0371-7654321"


def test_an_edit_committed_by_another_worker_is_seen_once_the_stamp_is_rechecked(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [10.0**9]  # later than any check the suite's app made before
    monkeypatch.setattr(cache, "_clock", lambda: now[0])
    monkeypatch.setattr(cache, "_ttl", lambda: cache.STAMP_TTL_SECONDS)  # as in production
    cached = api.get(GUIDE)
    # Another gunicorn worker's edit: only the database changes, this process is not told.
    ServiceGuideEdit.create(code="home_care", content={"complaint_phone": "0371-1111111"},
                            version=1, updated_at=utcnow())
    now[0] += cache.STAMP_TTL_SECONDS / 2
    assert api.get(GUIDE, headers={"If-None-Match": cached.headers["ETag"]}).status_code == 304
    now[0] += cache.STAMP_TTL_SECONDS
    fresh = api.get(GUIDE, headers={"If-None-Match": cached.headers["ETag"]})
    assert fresh.status_code == 200 and _phone(fresh.json) == "0371-1111111"


def test_editable_records_never_answer_304_even_gzipped(api: Api) -> None:
    path = f"/api/v1/clients/{api.world.clients['a1'].id}"
    seen = api.get(path, "ts-a", headers=GZIP)
    assert api.get(path, "ts-a", headers={**GZIP, "If-None-Match": seen.headers["ETag"]}
                   ).status_code == 200
    detail = api.get(f"{GUIDE}/home_care", headers=GZIP)
    assert api.get(f"{GUIDE}/home_care", headers={**GZIP, "If-None-Match": detail.headers["ETag"]}
                   ).status_code == 200


def test_large_json_is_gzipped_for_clients_that_accept_it(api: Api) -> None:
    plain = api.get(GUIDE)
    assert "Content-Encoding" not in plain.headers
    zipped = api.get(GUIDE, headers=GZIP)
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) < len(plain.data) / 4
    assert json.loads(gzip.decompress(zipped.data)) == plain.json
    small = api.get("/api/v1/me", "ts-a", headers=GZIP)
    assert small.status_code == 200 and "Content-Encoding" not in small.headers


def test_an_edit_sent_with_the_etag_of_a_gzipped_read_checks_its_version(api: Api) -> None:
    path = f"/api/v1/clients/{api.world.clients['a1'].id}"
    plain = api.get(path, "ts-a").headers["ETag"]
    etag = plain[:-1] + ':gzip"'  # what Flask-Compress makes of it on a gzipped answer
    edited = api.patch(path, "ts-a", json={"address": "新地址一号"}, headers={"If-Match": etag})
    assert edited.status_code == 200, edited.json
    stale = api.patch(path, "ts-a", json={"address": "新地址二号"}, headers={"If-Match": etag})
    assert stale.status_code == 412
